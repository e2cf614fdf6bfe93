import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { injectClient, onBehalfOf } from './api-client';

describe('the in-process API client', () => {
  it('makes a call for the browser it names, so per-address limits count that browser', async () => {
    const app = Fastify();
    app.get('/ip', async (request) => ({ ip: request.ip }));
    const client = injectClient(app);
    expect((await client({ method: 'GET', url: '/ip' })).json()).toEqual({ ip: '127.0.0.1' });
    expect((await onBehalfOf(client, '203.0.113.7')({ method: 'GET', url: '/ip' })).json()).toEqual({ ip: '203.0.113.7' });
    await app.close();
  });
});
