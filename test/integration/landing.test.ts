import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('landing page', () => {
  it('links the demo, the docs and the API reference, with the security headers of HTML pages', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const links = [...response.body.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
    expect(links).toEqual(
      expect.arrayContaining(['/demo', '/v1/openapi.json', '/docs/api.md', '/docs/README.md', '/docs/architecture.md', '/docs/gateways/stripe.md']),
    );
    for (const link of links.filter((href) => href?.startsWith('/docs/') || href === '/v1/openapi.json')) {
      expect((await t.app.inject({ method: 'GET', url: link ?? '' })).statusCode, link).toBe(200);
    }
  });
});

describe('GET /docs/<file>', () => {
  it('serves a shipped Markdown file as plain text', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/api.md' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toMatch(/^# /);
  });

  it.each([
    '/docs/../package.json',
    '/docs/..%2Fpackage.json',
    '/docs/%2e%2e/src/config.ts',
    '/docs/gateways/../../README.md',
    '/docs/',
    '/docs/secret.key',
    '/docs/api.md.bak',
    '/docs//etc/passwd',
    '/docs/confirmation.png',
  ])('answers 404 for %s (only the listed names are looked up)', async (url) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect([400, 404]).toContain(response.statusCode);
    expect(response.body).not.toContain('"dependencies"');
  });
});
