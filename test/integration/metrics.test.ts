import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder } from '../support/upsell';

let t: TestApp;
beforeAll(async () => {
  // Its webhook URL is an unreachable loopback port: allowed only with private targets.
  t = await buildTestApp({ allowPrivateWebhooks: true });
});
afterAll(() => t.close());

function sample(text: string, line: RegExp): number {
  const match = text.split('\n').find((row) => line.test(row));
  return match ? Number(match.split(' ').pop()) : Number.NaN;
}

describe('GET /metrics', () => {
  it('exposes request latency per route, accept outcomes, finalizer lag and outbox backlog in Prometheus format', async () => {
    const setup = await offerShop(t.app, { webhookUrl: 'http://127.0.0.1:9/unreachable' });
    await accept(t.app, await paidOrder(t.app, setup));
    await accept(t.app, await paidOrder(t.app, setup, 'pm_sandbox_declined'));
    t.clock.advance(90);

    const response = await call(t.app, 'GET', '/metrics', null);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(sample(text, /^plusone_http_request_duration_seconds_count\{method="POST",route="\/v1\/checkout\/accept",status_code="200"\}/)).toBe(1);
    expect(sample(text, /^plusone_http_request_duration_seconds_count\{method="POST",route="\/v1\/checkout\/accept",status_code="402"\}/)).toBe(1);
    expect(sample(text, /^plusone_accept_outcomes_total\{outcome="accepted"\}/)).toBe(1);
    expect(sample(text, /^plusone_accept_outcomes_total\{outcome="declined"\}/)).toBe(1);
    expect(sample(text, /^plusone_finalizer_lag_seconds /)).toBeGreaterThanOrEqual(30);
    expect(sample(text, /^plusone_outbox_backlog /)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^plusone_process_resident_memory_bytes \d+/m);
    expect(text).not.toContain(setup.shop.id);

    await t.worker.runOnce();
    const after = (await call(t.app, 'GET', '/metrics', null)).body;
    expect(sample(after, /^plusone_finalizer_lag_seconds /)).toBeLessThan(sample(text, /^plusone_finalizer_lag_seconds /));
  });
});
