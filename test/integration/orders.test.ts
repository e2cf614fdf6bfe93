import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createOffer, createShop, orderBody, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

async function shopWithCatalog(): Promise<Shop> {
  const shop = await createShop(t.app);
  await putProduct(t.app, shop.secretKey, 'main', { prices: { USD: 5000, JPY: 5000, KWD: 5000 } });
  await putProduct(t.app, shop.secretKey, 'filters', { prices: { USD: 1999, JPY: 2000, KWD: 6005 }, title: 'Paper Filters' });
  return shop;
}

async function countRows(table: 'orders' | 'order_lines' | 'checkout_sessions' | 'decisions', shopId: string): Promise<number> {
  const row = await t.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('shop_id', '=', shopId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /v1/orders', () => {
  it('stores the order and answers with a session token and the exactly priced offer', async () => {
    const shop = await shopWithCatalog();
    const offer = await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', discount: { type: 'percentage', value: 10 } });
    const response = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody({ externalId: 'ext-1' }));
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.order).toMatchObject({
      externalId: 'ext-1',
      currency: 'USD',
      total: 5913,
      status: 'open',
      linkedOrders: [],
      taxRate: '0.0825',
      lines: [{ productId: 'main', variantId: 'main-v', quantity: 1, unitPrice: 5000, source: 'checkout' }],
      payment: { gateway: 'sandbox', brand: 'visa', last4: '4242' },
    });
    expect(body.session.token).toMatch(/^ps_/);
    expect(Date.parse(body.session.expiresAt) - t.clock.now().getTime()).toBe(900_000);
    // 1999 − 10 % (199.9 → 200) = 1799; tax 8.25 % of 1799 = 148.4175 → 148; total 1947.
    expect(body.offer).toMatchObject({
      id: offer.id,
      title: 'Paper Filters',
      quantity: 1,
      currency: 'USD',
      unitPrice: 1999,
      compareAtPrice: 1999,
      discountAmount: 200,
      taxAmount: 148,
      shippingAmount: 0,
      total: 1947,
      buttonText: 'Add for $19.47',
      cardText: 'Charged to your Visa ending 4242',
      expiresAt: body.session.expiresAt,
    });
    const stored = (await call(t.app, 'GET', `/v1/orders/${body.order.id}`, shop.secretKey)).json().order;
    expect(stored).toEqual(body.order);
  });

  it('answers offer null when no offer is eligible, and still opens a session', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', rules: { countries: ['FR'] } });
    const body = await registerOrder(t.app, shop.secretKey);
    expect(body.offer).toBeNull();
    expect(body.session.token).toMatch(/^ps_/);
    const checkout = await call(t.app, 'GET', '/v1/checkout/offer', body.session.token);
    expect(checkout.json()).toEqual({ offer: null, status: 'none', upsell: null });
  });

  it.each([
    ['JPY', 0, 2000],
    ['KWD', 3, 6005],
  ])('prices in %s with %i minor digits', async (currency, _digits, unitPrice) => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', discount: { type: 'percentage', value: 10 } });
    const body = await registerOrder(t.app, shop.secretKey, { currency, taxRate: null });
    const discount = Math.round(unitPrice / 10);
    expect(body.offer).toMatchObject({ currency, unitPrice, discountAmount: discount, taxAmount: 0, total: unitPrice - discount });
    if (currency === 'JPY') expect(body.offer.buttonText).toBe('Add for ¥1,800');
    // 10 % of 6.005 KWD is 0.6005 → 0.601 (half away from zero): 5.404.
    if (currency === 'KWD') expect(body.offer.buttonText).toContain('5.404');
  });

  it('uses the merchant button copy and the order locale', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', buttonCopy: [{ id: 'short', text: 'Yes, add it — {price}' }] });
    const english = await registerOrder(t.app, shop.secretKey, { taxRate: null });
    expect(english.offer).toMatchObject({ buttonCopyId: 'short', buttonText: 'Yes, add it — $19.99' });
    const shop2 = await shopWithCatalog();
    await createOffer(t.app, shop2.secretKey, { variantId: 'filters-v' });
    const german = await registerOrder(t.app, shop2.secretKey, { taxRate: null, locale: 'de-DE', currency: 'USD' });
    expect(german.offer.buttonText.replace(/\s/g, ' ')).toBe('Für 19,99 $ hinzufügen');
    expect(german.offer.cardText).toContain('Visa');
  });

  it('adds shipping when the offer charges it, untaxed', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', shipping: [{ currency: 'USD', amount: 300 }] });
    const body = await registerOrder(t.app, shop.secretKey, { taxRate: '0.1' });
    expect(body.offer).toMatchObject({ unitPrice: 1999, taxAmount: 200, shippingAmount: 300, total: 2499 });
  });

  it('never offers a product already in the order, nor an out-of-stock variant', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'main-v', priority: 100 });
    await putProduct(t.app, shop.secretKey, 'sold-out', { stock: 0 });
    await createOffer(t.app, shop.secretKey, { variantId: 'sold-out-v', priority: 50 });
    const fallback = await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', priority: 1 });
    const body = await registerOrder(t.app, shop.secretKey);
    expect(body.offer.id).toBe(fallback.id);
  });

  it('treats a customer with an earlier order in this shop as a returning customer', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', rules: { firstOrderOnly: true } });
    const customer = { id: 'cus_returning', country: 'US' };
    expect((await registerOrder(t.app, shop.secretKey, { customer })).offer).not.toBeNull();
    expect((await registerOrder(t.app, shop.secretKey, { customer })).offer).toBeNull();
    expect((await registerOrder(t.app, shop.secretKey, { customer: { ...customer, orderCount: 1 } })).offer).not.toBeNull();
  });

  it('looks for earlier orders only while an offer of the shop is for first orders', async () => {
    const shop = await shopWithCatalog();
    await putProduct(t.app, shop.secretKey, 'mug', { prices: { USD: 1500 } });
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v', priority: 1 });
    const before = await registerOrder(t.app, shop.secretKey, { customer: { id: 'cus_new', country: 'US' } });
    const firstOnly = await createOffer(t.app, shop.secretKey, { variantId: 'mug-v', priority: 9, rules: { firstOrderOnly: true } });
    // Registered while no offer needed it: whether it was a first order was not looked up, and says so.
    const explained = (await call(t.app, 'GET', `/v1/orders/${before.order.id}/decision`, shop.secretKey)).json().decision;
    expect(explained.evaluations.find((evaluation: { offerId: string }) => evaluation.offerId === firstOnly.id).reasons).toEqual([
      expect.objectContaining({ code: 'not_first_order', message: 'Whether this is a first order is unknown' }),
    ]);
    // Now it is looked up: a new customer gets the first-order offer, a returning one does not.
    expect((await registerOrder(t.app, shop.secretKey, { customer: { id: 'cus_other', country: 'US' } })).offer.id).toBe(firstOnly.id);
    expect((await registerOrder(t.app, shop.secretKey, { customer: { id: 'cus_new', country: 'US' } })).offer.id).not.toBe(firstOnly.id);
  });

  it('replays the same answer for the same Idempotency-Key, with a fresh token for the same order', async () => {
    const shop = await shopWithCatalog();
    await createOffer(t.app, shop.secretKey, { variantId: 'filters-v' });
    const body = orderBody();
    const first = await call(t.app, 'POST', '/v1/orders', shop.secretKey, body, { 'idempotency-key': 'reg-1' });
    const second = await call(t.app, 'POST', '/v1/orders', shop.secretKey, body, { 'idempotency-key': 'reg-1' });
    expect(second.statusCode).toBe(201);
    expect(second.json().order).toEqual(first.json().order);
    expect(second.json().offer).toEqual(first.json().offer);
    expect(second.json().session.expiresAt).toBe(first.json().session.expiresAt);
    expect(await countRows('orders', shop.id)).toBe(1);
    const viaReplay = await call(t.app, 'GET', '/v1/checkout/offer', second.json().session.token);
    expect(viaReplay.json().offer.id).toBe(first.json().offer.id);
  });

  it('registers once when the same key arrives concurrently', async () => {
    const shop = await shopWithCatalog();
    const body = orderBody();
    const answers = await Promise.all([1, 2, 3].map(() => call(t.app, 'POST', '/v1/orders', shop.secretKey, body, { 'idempotency-key': 'race' })));
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((answer) => answer.json().order.id)).size).toBe(1);
    expect(await countRows('orders', shop.id)).toBe(1);
  });

  it('refuses the same Idempotency-Key with a different body', async () => {
    const shop = await shopWithCatalog();
    await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody(), { 'idempotency-key': 'reg-2' });
    const other = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody(), { 'idempotency-key': 'reg-2' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('idempotency_key_reused');
    expect(await countRows('orders', shop.id)).toBe(1);
  });

  it('refuses a second registration of the same externalId', async () => {
    const shop = await shopWithCatalog();
    await registerOrder(t.app, shop.secretKey, { externalId: 'dup' });
    const again = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody({ externalId: 'dup' }));
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('order_already_registered');
    expect(await countRows('orders', shop.id)).toBe(1);
  });

  it.each([
    ['a gateway other than the shop’s', { payment: { gateway: 'stripe', paymentMethodRef: 'pm_1' } }, 'gateway_mismatch'],
    ['an unknown currency', { currency: 'ABC' }, 'invalid_currency'],
    ['a float amount', { total: 59.13 }, 'invalid_request'],
    ['a negative amount', { subtotal: -1 }, 'invalid_request'],
    ['no lines', { lines: [] }, 'invalid_request'],
    ['an unknown field', { coupon: 'X' }, 'invalid_request'],
    ['an unknown customer field', { customer: { id: 'c', vip: true } }, 'invalid_request'],
    ['a tax rate above 1', { taxRate: 1.5 }, 'invalid_request'],
    ['a malformed locale', { locale: 'english please' }, 'invalid_request'],
    ['a last4 that is not 4 digits', { payment: { gateway: 'sandbox', paymentMethodRef: 'pm_1', last4: '42' } }, 'invalid_request'],
    ['no payment reference', { payment: { gateway: 'sandbox' } }, 'invalid_request'],
  ])('rejects %s with 400 and stores nothing', async (_name, overrides, code) => {
    const shop = await shopWithCatalog();
    const response = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody(overrides));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(code);
    for (const table of ['orders', 'order_lines', 'checkout_sessions', 'decisions'] as const) {
      expect(await countRows(table, shop.id)).toBe(0);
    }
  });
});

describe('GET /v1/orders/{id}/decision', () => {
  it('explains, per offer, why it was or was not chosen', async () => {
    const shop = await shopWithCatalog();
    await putProduct(t.app, shop.secretKey, 'mug', { prices: { USD: 1500 } });
    const winner = await createOffer(t.app, shop.secretKey, { name: 'Filters', variantId: 'filters-v', priority: 5 });
    const loser = await createOffer(t.app, shop.secretKey, { name: 'Mug', variantId: 'mug-v', priority: 1 });
    const french = await createOffer(t.app, shop.secretKey, {
      name: 'French only',
      variantId: 'mug-v',
      priority: 9,
      rules: { countries: ['FR'], minSubtotal: 10_000 },
    });
    const inactive = await createOffer(t.app, shop.secretKey, { name: 'Off', variantId: 'mug-v', active: false });
    const order = await registerOrder(t.app, shop.secretKey);
    const response = await call(t.app, 'GET', `/v1/orders/${order.order.id}/decision`, shop.secretKey);
    expect(response.statusCode).toBe(200);
    const decision = response.json().decision;
    expect(decision.offerId).toBe(winner.id);
    const byId = new Map(decision.evaluations.map((evaluation: { offerId: string }) => [evaluation.offerId, evaluation]));
    expect(byId.get(winner.id)).toMatchObject({ eligible: true, chosen: true, reasons: [] });
    expect(byId.get(loser.id)).toMatchObject({ eligible: true, chosen: false, reasons: [{ code: 'lower_priority' }] });
    expect(byId.get(french.id)).toMatchObject({ eligible: false, chosen: false });
    const frenchReasons = (byId.get(french.id) as { reasons: { code: string }[] }).reasons.map((reason) => reason.code);
    expect(frenchReasons.sort()).toEqual(['country_not_targeted', 'subtotal_below_minimum']);
    expect(byId.get(inactive.id)).toMatchObject({ eligible: false, reasons: [{ code: 'inactive' }] });
  });

  it('keeps the decision made at registration when offers change later', async () => {
    const shop = await shopWithCatalog();
    const offer = await createOffer(t.app, shop.secretKey, { variantId: 'filters-v' });
    const order = await registerOrder(t.app, shop.secretKey);
    await call(t.app, 'PATCH', `/v1/offers/${offer.id}`, shop.secretKey, { priority: 99, discount: { type: 'fixed', value: 100 } });
    const decision = (await call(t.app, 'GET', `/v1/orders/${order.order.id}/decision`, shop.secretKey)).json().decision;
    expect(decision.offer.total).toBe(order.offer.total);
  });
});
