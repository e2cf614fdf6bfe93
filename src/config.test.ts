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
