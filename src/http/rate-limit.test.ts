import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';
import { DEFAULT_RATE_LIMITS, parseRateLimit } from './rate-limit';

describe('parseRateLimit', () => {
  it.each([
    ['20/1m', { max: 20, windowMs: 60_000 }],
    ['1000/1s', { max: 1000, windowMs: 1000 }],
    ['5 / 10s', { max: 5, windowMs: 10_000 }],
    ['100/m', { max: 100, windowMs: 60_000 }],
    ['3/500ms', { max: 3, windowMs: 500 }],
    ['2/1h', { max: 2, windowMs: 3_600_000 }],
    ['off', null],
  ])('%s', (text, limit) => {
    expect(parseRateLimit(text)).toEqual(limit);
  });

  it.each(['', '20', '0/1m', '20/0s', '20 per minute', '-1/1m', '1.5/1s'])('refuses %j', (text) => {
    expect(parseRateLimit(text)).toBeUndefined();
  });
});

describe('rate limit configuration', () => {
  it('uses the defaults, and each PLUSONE_RATE_LIMIT_* replaces one', () => {
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    const config = loadConfig({ PLUSONE_RATE_LIMIT_CHECKOUT_SESSION: '5/1m', PLUSONE_RATE_LIMIT_AUTH_FAILURES_IP: 'off' });
    expect(config.rateLimits).toEqual({ ...DEFAULT_RATE_LIMITS, checkoutPerSession: { max: 5, windowMs: 60_000 }, authFailuresPerIp: null });
  });

  it('stops at start on an unreadable limit', () => {
    expect(() => loadConfig({ PLUSONE_RATE_LIMIT_ORDERS_SHOP: 'lots' })).toThrow(ConfigError);
  });

  it('reads PLUSONE_TRUST_PROXY and PLUSONE_ALLOW_PRIVATE_WEBHOOKS', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ PLUSONE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ PLUSONE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({}).allowPrivateWebhooks).toBe(false);
    expect(loadConfig({ PLUSONE_ALLOW_PRIVATE_WEBHOOKS: '1' }).allowPrivateWebhooks).toBe(true);
    expect(() => loadConfig({ PLUSONE_ALLOW_PRIVATE_WEBHOOKS: 'yes' })).toThrow(ConfigError);
  });
});
