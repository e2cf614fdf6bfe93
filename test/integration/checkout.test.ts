import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createOffer, createShop, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
let offerId: string;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app, { name: 'Checkout shop', settings: { allowedOrigins: ['https://shop.example.com'], sessionTtlSeconds: 600 } });
  await putProduct(t.app, shop.secretKey, 'filters', { prices: { USD: 1999 }, title: 'Paper Filters & <Co>', stock: 5 });
  offerId = (await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', discount: { type: 'percentage', value: 10 } })).id;
});
afterAll(() => t.close());

describe('GET /v1/checkout/offer', () => {
  it('returns the same priced offer as the registration', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    const response = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token);
    expect(response.statusCode).toBe(200);
    expect(response.json().offer).toEqual(registered.offer);
    expect(response.json().offer).toMatchObject({ id: offerId, total: 1947, buttonText: 'Add for $19.47' });
  });

  it('answers 401 session_expired once the session TTL has passed (injected clock)', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    t.clock.advance(599);
    expect((await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token)).statusCode).toBe(200);
    t.clock.advance(1);
    const expired = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('session_expired');
    const html = await call(t.app, 'GET', '/v1/checkout/offer.html', registered.session.token);
    expect(html.statusCode).toBe(401);
  });

  it('answers 401 for a missing, malformed or unknown token, and for a secret key', async () => {
    for (const token of [null, 'garbage', 'ps_unknown', shop.secretKey]) {
      const response = await call(t.app, 'GET', '/v1/checkout/offer', token);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
    }
  });

  it('stops showing the offer once the merchant switches it off, and again when back on', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    await call(t.app, 'PATCH', `/v1/offers/${offerId}`, shop.secretKey, { active: false });
    expect((await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token)).json().offer).toBeNull();
    expect((await call(t.app, 'GET', '/v1/checkout/offer.html', registered.session.token)).statusCode).toBe(204);
    await call(t.app, 'PATCH', `/v1/offers/${offerId}`, shop.secretKey, { active: true });
    expect((await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token)).json().offer.id).toBe(offerId);
  });

  it('stops showing the offer when its stock runs out', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    await putProduct(t.app, shop.secretKey, 'filters', { prices: { USD: 1999 }, stock: 0 });
    expect((await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token)).json().offer).toBeNull();
    await putProduct(t.app, shop.secretKey, 'filters', { prices: { USD: 1999 }, title: 'Paper Filters & <Co>', stock: 5 });
  });
});

describe('GET /v1/checkout/offer.html', () => {
  it('renders the offer as escaped, accessible HTML with the exact price and card', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    const response = await call(t.app, 'GET', '/v1/checkout/offer.html', registered.session.token);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('no-store');
    const html = response.body;
    expect(html).toContain('Paper Filters &amp; &lt;Co&gt;');
    expect(html).not.toContain('<Co>');
    expect(html).toMatch(/<button type="button" class="plusone-offer__accept"[^>]*>Add for \$19\.47<\/button>/);
    expect(html).toContain('Charged to your Visa ending 4242');
    expect(html).toContain('<del class="plusone-offer__compare">$19.99</del>');
    expect(html).toContain('aria-labelledby="plusone-offer-title-');
    expect(html).toContain('role="status"');
    expect(html).not.toMatch(/<script/i);
  });

  it('answers 204 with no body when there is no offer', async () => {
    const other = await createShop(t.app);
    const registered = await registerOrder(t.app, other.secretKey);
    const response = await call(t.app, 'GET', '/v1/checkout/offer.html', registered.session.token);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });
});

describe('CORS on the checkout API', () => {
  it('answers a preflight from an allowed origin and refuses an unknown one', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/checkout/offer',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,idempotency-key',
      },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('Idempotency-Key');
    const refused = await t.app.inject({ method: 'OPTIONS', url: '/v1/checkout/offer', headers: { origin: 'https://evil.example.net' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the shop’s origin read the offer, and refuses another origin with 403', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    const allowed = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token, undefined, { origin: 'https://shop.example.com' });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const refused = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token, undefined, { origin: 'https://evil.example.net' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('origin_not_allowed');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('applies a change of allowedOrigins to a session already in use, at once', async () => {
    const owner = await createShop(t.app, { name: 'Moving', settings: { allowedOrigins: ['https://old.example.com'] } });
    const registered = await registerOrder(t.app, owner.secretKey);
    const from = async (origin: string) =>
      (await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token, undefined, { origin })).statusCode;
    expect(await from('https://old.example.com')).toBe(200);
    expect(await from('https://new.example.com')).toBe(403);
    const patched = await call(t.app, 'PATCH', '/v1/shop', owner.secretKey, { settings: { allowedOrigins: ['https://new.example.com'] } });
    expect(patched.statusCode).toBe(200);
    expect(await from('https://new.example.com')).toBe(200);
    expect(await from('https://old.example.com')).toBe(403);
  });

  it('does not let one shop’s allowed origin use another shop’s session', async () => {
    const other = await createShop(t.app, { name: 'Other', settings: { allowedOrigins: ['https://other.example.org'] } });
    const registered = await registerOrder(t.app, other.secretKey);
    const response = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token, undefined, { origin: 'https://shop.example.com' });
    expect(response.statusCode).toBe(403);
  });

  it('serves the merchant’s server (no Origin header) and pages on Plusone’s own origin', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    expect((await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token)).statusCode).toBe(200);
    const own = await call(t.app, 'GET', '/v1/checkout/offer', registered.session.token, undefined, {
      origin: 'http://localhost:80',
      host: 'localhost:80',
    });
    expect(own.statusCode).toBe(200);
  });
});
