import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('PLUSONE_STRIPE_JS_URL', () => {
  it("is Stripe's own Stripe.js unless set, whatever PLUSONE_STRIPE_API_BASE points at", () => {
    expect(loadConfig({}).stripeJsUrl).toBeNull();
    expect(loadConfig({ PLUSONE_STRIPE_API_BASE: 'http://127.0.0.1:12111' }).stripeJsUrl).toBeNull();
    expect(loadConfig({ PLUSONE_STRIPE_JS_URL: 'http://127.0.0.1:9000/v3/stripe.js' }).stripeJsUrl).toBe('http://127.0.0.1:9000/v3/stripe.js');
  });

  it('refuses what is not an http(s) URL', () => {
    for (const value of ['js.stripe.com/v3', 'javascript:alert(1)', 'file:///etc/passwd']) {
      expect(() => loadConfig({ PLUSONE_STRIPE_JS_URL: value }), value).toThrow(ConfigError);
    }
  });
});

describe('PLUSONE_HTTP_PROCESSES', () => {
  it('is one process unless set, and the cores node may use with auto', () => {
    expect(loadConfig({}).httpProcesses).toBe(1);
    expect(loadConfig({ PLUSONE_HTTP_PROCESSES: '' }).httpProcesses).toBe(1);
    expect(loadConfig({ PLUSONE_HTTP_PROCESSES: 'auto' }).httpProcesses).toBe(availableParallelism());
  });

  it('takes a whole number from 1 to 256', () => {
    expect(loadConfig({ PLUSONE_HTTP_PROCESSES: '1' }).httpProcesses).toBe(1);
    expect(loadConfig({ PLUSONE_HTTP_PROCESSES: ' 4 ' }).httpProcesses).toBe(4);
    expect(loadConfig({ PLUSONE_HTTP_PROCESSES: '256' }).httpProcesses).toBe(256);
  });

  it('refuses anything else, naming the setting and the value', () => {
    for (const value of ['0', '-1', '1.5', '2e1', '0x2', 'two', 'Auto', '257', '99999999999999999999']) {
      expect(() => loadConfig({ PLUSONE_HTTP_PROCESSES: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ PLUSONE_HTTP_PROCESSES: value }), value).toThrow(`PLUSONE_HTTP_PROCESSES must be a whole number from 1 to 256`);
    }
  });
});
