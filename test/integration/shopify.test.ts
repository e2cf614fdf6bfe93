/**
 * Shopify post-purchase, end to end through the HTTP API against the in-process fake Shopify (its host
 * API, its Admin GraphQL endpoint, its signed webhooks): offer → sign → applyChangeset → outcome → undo →
 * webhooks, and every way a token, a changeset or a webhook can be wrong.
 */
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOPIFY_PRODUCTS } from '../../src/core/demo';
import { FakeShopify } from '../../src/web/demo/shopify/fake-shopify';
import { buildTestApp, call, createOffer, createShop, type Shop, type TestApp } from '../support/app';

const [coffee, dripper, filters] = DEMO_SHOPIFY_PRODUCTS as [
  (typeof DEMO_SHOPIFY_PRODUCTS)[number],
  (typeof DEMO_SHOPIFY_PRODUCTS)[number],
  (typeof DEMO_SHOPIFY_PRODUCTS)[number],
];
const APP = {
  apiKey: 'shopify-api-key-test',
  apiSecret: 'shpss_test_secret_0123456789abcdef',
  adminAccessToken: 'shpat_test_token_0123456789abcdef',
};

let t: TestApp;
let shopify: FakeShopify;
let shop: Shop;
let domain: string;
let offerId: string;

async function putShopifyProducts(key: string) {
  for (const product of DEMO_SHOPIFY_PRODUCTS) {
    const response = await call(t.app, 'PUT', `/v1/products/${product.productId}`, key, {
      title: product.title,
      variants: [{ id: String(product.variantId), title: product.variantTitle, prices: [{ currency: 'USD', amount: product.price }] }],
    });
    expect(response.statusCode, response.body).toBe(200);
  }
}

beforeAll(async () => {
  domain = `plusone-test-${Date.now()}.myshopify.com`;
  let clockNow: () => Date = () => new Date();
  shopify = new FakeShopify({ shopDomain: domain, ...APP, currency: 'USD', products: DEMO_SHOPIFY_PRODUCTS, taxRate: '0.08', now: () => clockNow() });
  t = await buildTestApp({ shopify: { fetchFor: (name) => (name === domain ? shopify.fetch : undefined) } });
  clockNow = () => t.clock.now();
  shop = await createShop(t.app, { name: 'Shopify shop', settings: { shopify: { shopDomain: domain, ...APP } } });
  await putShopifyProducts(shop.secretKey);
  const offer = await createOffer(t.app, shop.secretKey, {
    name: 'Filters for coffee buyers',
    variantId: String(filters.variantId),
    discount: { type: 'percentage', value: 20 },
    priority: 10,
    rules: { anyProductIds: [String(coffee.productId), String(dripper.productId)] },
  });
  offerId = offer.id;
});

afterAll(async () => {
  await t?.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => call(t.app, 'POST', url, null, payload, headers);

async function purchase(lines = [{ variantId: coffee.variantId, quantity: 1 }], destinationCountryCode: string | null = 'US') {
  const placed = await shopify.placeOrder({ lines, destinationCountryCode });
  return { referenceId: placed.referenceId, token: placed.inputData.token, inputData: placed.inputData };
}

async function acceptOnShopify(p: { referenceId: string; token: string }) {
  const offered = await post('/v1/shopify/offer', { token: p.token });
  expect(offered.statusCode, offered.body).toBe(200);
  const signed = await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId });
  expect(signed.statusCode, signed.body).toBe(200);
  const result = await shopify.applyChangeset(p.referenceId, signed.json().token);
  const outcome = await post('/v1/shopify/outcome', { token: p.token, referenceId: p.referenceId, offerId, status: 'accepted', result });
  expect(outcome.statusCode, outcome.body).toBe(200);
  return { offered: offered.json(), changeset: signed.json().token as string, result, outcome: outcome.json() };
}

describe('settings.shopify', () => {
  it('is shown masked, secrets never in clear', async () => {
    const response = await call(t.app, 'GET', '/v1/shop', shop.secretKey);
    const settings = response.json().shop.settings.shopify;
    expect(settings).toEqual({ shopDomain: domain, apiKey: APP.apiKey, apiSecret: '…cdef', adminAccessToken: '…cdef', installed: true });
    expect(response.body).not.toContain(APP.apiSecret);
    expect(response.body).not.toContain(APP.adminAccessToken);
  });

  it('refuses a domain another shop already uses with 409, and changes nothing', async () => {
    const other = await createShop(t.app, { name: 'Other' });
    const response = await call(t.app, 'PATCH', '/v1/shop', other.secretKey, {
      settings: { undoWindowSeconds: 30, shopify: { shopDomain: domain, ...APP } },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('shopify_domain_taken');
    const after = await call(t.app, 'GET', '/v1/shop', other.secretKey);
    expect(after.json().shop.settings).toMatchObject({ undoWindowSeconds: 60, shopify: null });
  });

  it('refuses a domain that is not a myshopify.com store', async () => {
    const other = await createShop(t.app, { name: 'Other' });
    const response = await call(t.app, 'PATCH', '/v1/shop', other.secretKey, { settings: { shopify: { shopDomain: 'evil.example.com', ...APP } } });
    expect(response.statusCode).toBe(400);
  });
});

describe('POST /v1/shopify/offer', () => {
  it('registers the purchase with its numeric Luhn-valid ids and answers the priced offer with its changeset', async () => {
    const p = await purchase();
    const response = await post('/v1/shopify/offer', { token: p.token }, { origin: 'https://checkout.shopify.com' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const body = response.json();
    expect(body.referenceId).toBe(p.referenceId);
    expect(body.offer).toMatchObject({ id: offerId, currency: 'USD', unitPrice: 650, discountAmount: 130, total: 520 });
    expect(body.offer.changes).toEqual([
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, discount: { value: 20, valueType: 'percentage', title: '20% off' } },
    ]);
    const order = await call(t.app, 'GET', `/v1/orders/${body.orderId}`, shop.secretKey);
    expect(order.json().order).toMatchObject({
      externalId: p.referenceId,
      lines: [{ productId: String(coffee.productId), variantId: String(coffee.variantId) }],
    });
    // A second call for the same purchase: the same order and decision.
    const again = await post('/v1/shopify/offer', { token: p.token });
    expect(again.json()).toMatchObject({ orderId: body.orderId, offer: { id: offerId } });
  });

  it('offers nothing for a purchase Shopify cannot edit, and says why in the decision', async () => {
    const p = await purchase(undefined, null);
    const response = await post('/v1/shopify/offer', { token: p.token });
    expect(response.json().offer).toBeNull();
    const decision = await call(t.app, 'GET', `/v1/orders/${response.json().orderId}/decision`, shop.secretKey);
    const evaluation = decision.json().decision.evaluations.find((entry: { offerId: string }) => entry.offerId === offerId);
    expect(evaluation.reasons.map((reason: { code: string }) => reason.code)).toContain('purchase_not_editable');
  });

  it.each([
    ['signed with another secret', async (p: { inputData: unknown; referenceId: string }) => sign(p, 'another-secret-0123456789abcdef')],
    [
      'unsigned (alg none)',
      async (p: { inputData: unknown; referenceId: string }) =>
        new UnsecuredJWT(claims(p)).setIssuer('shopify').setSubject(p.referenceId).setIssuedAt().encode(),
    ],
    [
      'expired',
      async (p: { inputData: unknown; referenceId: string }) => sign(p, APP.apiSecret, { exp: Math.floor(t.clock.now().getTime() / 1000) - 10 }),
    ],
    ['not from shopify (iss)', async (p: { inputData: unknown; referenceId: string }) => sign(p, APP.apiSecret, { iss: 'someone' })],
    ['for another purchase (sub)', async (p: { inputData: unknown; referenceId: string }) => sign(p, APP.apiSecret, { sub: '1' })],
    ['of an unknown store', async (p: { inputData: unknown; referenceId: string }) => sign(p, APP.apiSecret, { domain: 'nobody.myshopify.com' })],
    ['not a JWT', async () => 'abc.def.ghi'],
  ])('refuses a token %s with 401', async (_name, forge) => {
    const p = await purchase();
    const response = await post('/v1/shopify/offer', { token: await forge(p) });
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.code).toBe('unauthorized');
  });
});

function claims(p: { inputData: unknown }, domainOverride?: string) {
  const { token: _token, ...input } = p.inputData as Record<string, unknown> & { shop: Record<string, unknown> };
  return { input_data: domainOverride ? { ...input, shop: { ...input.shop, domain: domainOverride } } : input };
}

function sign(
  p: { inputData: unknown; referenceId: string },
  secret: string,
  options: { exp?: number; iss?: string; sub?: string; domain?: string } = {},
) {
  const jwt = new SignJWT(claims(p, options.domain))
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.iss ?? 'shopify')
    .setSubject(options.sub ?? p.referenceId)
    .setIssuedAt(Math.floor(t.clock.now().getTime() / 1000) - 60);
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('sign → apply → outcome → undo', () => {
  it('signs the decided changeset (never the request’s), once per purchase and offer', async () => {
    const p = await purchase();
    await post('/v1/shopify/offer', { token: p.token });
    const first = await post('/v1/shopify/sign-changeset', {
      token: p.token,
      referenceId: p.referenceId,
      offerId,
      changes: [{ type: 'add_variant', variantId: 1, quantity: 99 }],
    });
    expect(first.statusCode, first.body).toBe(200);
    const second = await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId });
    expect(second.json().token).toBe(first.json().token);
    const payload = JSON.parse(Buffer.from(String(first.json().token).split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({
      iss: APP.apiKey,
      sub: p.referenceId,
      changes: [{ type: 'add_variant', variantId: filters.variantId, quantity: 1 }],
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.iat).toBe(Math.floor(t.clock.now().getTime() / 1000));
    // A replayed changeset: Shopify applies it once.
    expect((await shopify.applyChangeset(p.referenceId, first.json().token)).status).toBe('processed');
    expect((await shopify.applyChangeset(p.referenceId, first.json().token)).errors).toEqual([
      expect.objectContaining({ code: 'changeset_already_applied' }),
    ]);
  });

  it('404s an offer not decided for the purchase, and refuses a referenceId the token is not for', async () => {
    const p = await purchase();
    await post('/v1/shopify/offer', { token: p.token });
    expect((await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId: 'off_nope' })).statusCode).toBe(404);
    const other = await purchase();
    expect((await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: other.referenceId, offerId })).statusCode).toBe(401);
  });

  it('records the accept, starts the undo window, and undoes through the Admin API: refund, then the line out', async () => {
    const p = await purchase();
    const { outcome } = await acceptOnShopify(p);
    expect(outcome).toMatchObject({ status: 'accepted', upsell: { state: 'authorized', amount: 520, currency: 'USD' } });
    expect(Date.parse(outcome.upsell.undoUntil)).toBe(t.clock.now().getTime() + 60_000);
    const charged = shopify.order(p.referenceId);
    expect(charged?.lines.some((line) => line.variantId === filters.variantId && line.quantity === 1)).toBe(true);

    const callsBefore = shopify.adminCalls.length;
    const undone = await post('/v1/shopify/undo', { token: p.token, referenceId: p.referenceId, offerId });
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json().status).toBe('cancelled');
    expect(shopify.adminCalls.slice(callsBefore).map((entry) => entry.operationName)).toEqual([
      'PlusoneOrder',
      'PlusoneRefund',
      'PlusoneEditBegin',
      'PlusoneEditSetQuantity',
      'PlusoneEditCommit',
    ]);
    const after = shopify.order(p.referenceId);
    expect(after?.refunds).toEqual([expect.objectContaining({ note: `plusone ${outcome.upsell.id}:refund` })]);
    expect(after?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(0);
    const upsell = await call(t.app, 'GET', `/v1/upsells/${outcome.upsell.id}`, shop.secretKey);
    expect(upsell.json().upsell.state).toBe('cancelled');
    // Undo again: the same answer, nothing sent twice.
    const again = await post('/v1/shopify/undo', { token: p.token, referenceId: p.referenceId, offerId });
    expect(again.json().status).toBe('cancelled');
    expect(shopify.order(p.referenceId)?.refunds).toHaveLength(1);
  });

  it('answers 409 after the window, and the worker makes the charge final', async () => {
    const p = await purchase();
    const { outcome } = await acceptOnShopify(p);
    t.clock.advance(61);
    const late = await post('/v1/shopify/undo', { token: p.token, referenceId: p.referenceId, offerId });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('undo_window_closed');
    await t.worker.runOnce();
    const upsell = await call(t.app, 'GET', `/v1/upsells/${outcome.upsell.id}`, shop.secretKey);
    expect(upsell.json().upsell.state).toBe('captured');
  });

  it("a merchant's refund after the window gives the money back on Shopify and leaves the line (the goods may have shipped)", async () => {
    const p = await purchase();
    const { outcome } = await acceptOnShopify(p);
    t.clock.advance(61);
    await t.worker.runOnce();
    const callsBefore = shopify.adminCalls.length;
    const refunded = await call(
      t.app,
      'POST',
      `/v1/upsells/${outcome.upsell.id}/refund`,
      shop.secretKey,
      {},
      { 'idempotency-key': `refund-${p.referenceId}` },
    );
    expect(refunded.statusCode, refunded.body).toBe(200);
    expect(refunded.json().upsell.state).toBe('refunded');
    expect(shopify.adminCalls.slice(callsBefore).map((entry) => entry.operationName)).toEqual(['PlusoneOrder', 'PlusoneRefund']);
    expect(shopify.order(p.referenceId)?.refunds).toEqual([expect.objectContaining({ note: `plusone ${outcome.upsell.id}:refund` })]);
    expect(shopify.order(p.referenceId)?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(1);
  });

  it('offers no undo when the store gave no Admin API access (and refuses one)', async () => {
    const domainWithout = `plusone-noadmin-${Date.now()}.myshopify.com`;
    const store = new FakeShopify({ shopDomain: domainWithout, ...APP, currency: 'USD', products: DEMO_SHOPIFY_PRODUCTS, now: () => t.clock.now() });
    const owner = await createShop(t.app, {
      name: 'No admin',
      settings: { shopify: { shopDomain: domainWithout, apiKey: APP.apiKey, apiSecret: APP.apiSecret } },
    });
    await putShopifyProducts(owner.secretKey);
    const own = await createOffer(t.app, owner.secretKey, {
      name: 'Filters',
      variantId: String(filters.variantId),
      discount: { type: 'percentage', value: 20 },
    });
    const placed = await store.placeOrder({ lines: [{ variantId: coffee.variantId, quantity: 1 }], destinationCountryCode: 'US' });
    const body = { token: placed.inputData.token, referenceId: placed.referenceId, offerId: own.id };
    expect((await post('/v1/shopify/offer', { token: body.token })).json().offer.id).toBe(own.id);
    const signed = await post('/v1/shopify/sign-changeset', body);
    const result = await store.applyChangeset(placed.referenceId, signed.json().token);
    const outcome = await post('/v1/shopify/outcome', { ...body, status: 'accepted', result });
    expect(outcome.json()).toMatchObject({ status: 'accepted', upsell: { state: 'authorized', undoUntil: null } });
    const undo = await post('/v1/shopify/undo', body);
    expect(undo.statusCode).toBe(409);
    expect(undo.json().error.code).toBe('undo_not_available');
    await t.worker.runOnce();
    expect((await call(t.app, 'GET', `/v1/upsells/${outcome.json().upsell.id}`, owner.secretKey)).json().upsell.state).toBe('captured');
  });

  it('a crash between the refund and the order edit is finished by the worker', async () => {
    const p = await purchase();
    const { outcome } = await acceptOnShopify(p);
    shopify.failNext('PlusoneEditBegin', { status: 503, body: { errors: [{ message: 'unavailable' }] } });
    const undone = await post('/v1/shopify/undo', { token: p.token, referenceId: p.referenceId, offerId });
    expect(undone.statusCode).toBe(202);
    expect(shopify.order(p.referenceId)?.refunds).toHaveLength(1);
    expect(shopify.order(p.referenceId)?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(1);
    t.clock.advance(120);
    await t.worker.runOnce();
    expect(shopify.order(p.referenceId)?.refunds).toHaveLength(1);
    expect(shopify.order(p.referenceId)?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(0);
    const upsell = await call(t.app, 'GET', `/v1/upsells/${outcome.upsell.id}`, shop.secretKey);
    expect(upsell.json().upsell.state).toBe('cancelled');
  });

  it("partially_processed (order edited, payment failed): declined, and the worker takes Shopify's unpaid line out again", async () => {
    const p = await purchase();
    await post('/v1/shopify/offer', { token: p.token });
    const signed = await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId });
    // The fake answers processed; Shopify's partial answer leaves the line on the order the same way.
    await shopify.applyChangeset(p.referenceId, signed.json().token);
    const result = {
      status: 'partially_processed',
      errors: [{ code: 'payment_required', message: 'Insufficient funds' }],
      changesetApplicationsRemaining: 2,
    };
    const answer = await post('/v1/shopify/outcome', { token: p.token, referenceId: p.referenceId, offerId, status: 'declined', result });
    expect(answer.json()).toEqual({ status: 'declined', reason: 'card_declined' });
    expect(shopify.order(p.referenceId)?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(1);
    await t.worker.runOnce();
    expect(shopify.order(p.referenceId)?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(0);
    expect(shopify.order(p.referenceId)?.refunds).toHaveLength(0);
  });

  it('records a refusal as a declined upsell, and "No thanks" as a declined offer; both close the offer', async () => {
    const refused = await purchase();
    await post('/v1/shopify/offer', { token: refused.token });
    const answer = await post('/v1/shopify/outcome', {
      token: refused.token,
      referenceId: refused.referenceId,
      offerId,
      status: 'declined',
      result: { status: 'unprocessed', errors: [{ code: 'payment_required', message: 'Card declined' }], changesetApplicationsRemaining: 3 },
    });
    expect(answer.json()).toEqual({ status: 'declined', reason: 'card_declined' });
    const noThanks = await purchase();
    await post('/v1/shopify/offer', { token: noThanks.token });
    expect(
      (await post('/v1/shopify/outcome', { token: noThanks.token, referenceId: noThanks.referenceId, offerId, status: 'declined' })).json(),
    ).toEqual({
      status: 'declined',
      reason: null,
    });
    for (const p of [refused, noThanks]) {
      const signed = await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId });
      expect(signed.statusCode).toBe(409);
      expect(signed.json().error.code).toBe('offer_closed');
      expect((await post('/v1/shopify/offer', { token: p.token })).json().offer).toBeNull();
    }
  });
});

describe('POST /v1/webhooks/shopify', () => {
  const deliver = (webhook: { headers: Record<string, string>; body: string }) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/shopify',
      headers: { ...webhook.headers, 'content-type': 'application/json' },
      payload: webhook.body,
    });

  it('refuses a bad or missing HMAC with 401, and handles a delivery once', async () => {
    const p = await purchase();
    await post('/v1/shopify/offer', { token: p.token });
    const webhook = shopify.webhook('orders/updated', shopify.orderPayload(p.referenceId));
    expect((await deliver({ ...webhook, headers: { ...webhook.headers, 'x-shopify-hmac-sha256': 'AAAA' } })).statusCode).toBe(401);
    const { 'x-shopify-hmac-sha256': _hmac, ...unsigned } = Object.fromEntries(
      Object.entries(webhook.headers).map(([key, value]) => [key.toLowerCase(), value]),
    );
    expect((await deliver({ headers: unsigned, body: webhook.body })).statusCode).toBe(401);
    const first = await deliver(webhook);
    expect(first.statusCode, first.body).toBe(200);
    expect((await deliver(webhook)).json()).toMatchObject({ duplicate: true });
  });

  it('orders/updated: a fulfilled order can no longer be undone (409)', async () => {
    const p = await purchase();
    await acceptOnShopify(p);
    shopify.fulfil(p.referenceId);
    expect((await deliver(shopify.webhook('orders/updated', shopify.orderPayload(p.referenceId)))).statusCode).toBe(200);
    const late = await post('/v1/shopify/undo', { token: p.token, referenceId: p.referenceId, offerId });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('undo_window_closed');
  });

  it('orders/updated records a changeset Shopify applied whose outcome never arrived', async () => {
    const p = await purchase();
    const offered = await post('/v1/shopify/offer', { token: p.token });
    const signed = await post('/v1/shopify/sign-changeset', { token: p.token, referenceId: p.referenceId, offerId });
    expect((await shopify.applyChangeset(p.referenceId, signed.json().token)).status).toBe('processed');
    // The page closed before it reported the outcome: Plusone's order has no line yet.
    const before = await call(t.app, 'GET', `/v1/orders/${offered.json().orderId}`, shop.secretKey);
    expect(before.json().order.lines).toHaveLength(1);
    expect((await deliver(shopify.webhook('orders/updated', shopify.orderPayload(p.referenceId)))).statusCode).toBe(200);
    const after = await call(t.app, 'GET', `/v1/orders/${offered.json().orderId}`, shop.secretKey);
    const line = after.json().order.lines.find((entry: { source: string }) => entry.source === 'upsell');
    expect(line).toMatchObject({ variantId: String(filters.variantId), quantity: 1 });
    const upsell = await call(t.app, 'GET', `/v1/upsells/${line.upsellId}`, shop.secretKey);
    expect(upsell.json().upsell).toMatchObject({ state: 'authorized', amount: 520 });
    // The extension's late report is the same upsell.
    const late = await post('/v1/shopify/outcome', { token: p.token, referenceId: p.referenceId, offerId, status: 'accepted' });
    expect(late.json().upsell.id).toBe(line.upsellId);
  });

  it('app/uninstalled disables the shop’s Shopify settings', async () => {
    const other = `plusone-gone-${Date.now()}.myshopify.com`;
    const gone = new FakeShopify({ shopDomain: other, ...APP, currency: 'USD', products: DEMO_SHOPIFY_PRODUCTS, now: () => t.clock.now() });
    const owner = await createShop(t.app, { name: 'Leaving', settings: { shopify: { shopDomain: other, ...APP } } });
    const placed = await gone.placeOrder({ lines: [{ variantId: coffee.variantId, quantity: 1 }], destinationCountryCode: 'US' });
    expect((await post('/v1/shopify/offer', { token: placed.inputData.token })).statusCode).toBe(200);
    expect((await deliver(gone.webhook('app/uninstalled', { id: gone.shopId, domain: other }))).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/v1/shop', owner.secretKey)).json().shop.settings.shopify.installed).toBe(false);
    expect((await post('/v1/shopify/offer', { token: placed.inputData.token })).statusCode).toBe(401);
  });
});
