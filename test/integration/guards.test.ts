import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/runtime';
import {
  ADMIN_TOKEN,
  buildTestApp,
  call,
  createOffer,
  createShop,
  orderBody,
  putProduct,
  registerOrder,
  type Shop,
  type TestApp,
} from '../support/app';

let t: TestApp;
let shop: Shop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app);
  await putProduct(t.app, shop.secretKey, 'filters');
  await createOffer(t.app, shop.secretKey, { variantId: 'filters-v' });
});
afterAll(() => t.close());

async function orderCount(shopId: string): Promise<number> {
  const row = await t.database.db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('shop_id', '=', shopId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('card data is refused', () => {
  it.each([
    ['a PAN in a known field', orderBody({ externalId: '4242424242424242' })],
    ['a spaced PAN in an unknown field', orderBody({ card: '4242 4242 4242 4242' })],
    ['a dashed PAN inside free text', orderBody({ customer: { id: 'c1', email: 'x@example.com', note: 'card 5555-5555-5555-4444 ok' } })],
    ['a PAN as a JSON number', { ...orderBody(), pan: 4242424242424242 }],
    ['a PAN nested in an array', orderBody({ lines: [{ productId: 'p', variantId: 'v', title: '378282246310005', quantity: 1, unitPrice: 1 }] })],
    ['a cvv field', orderBody({ payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', cvv: '123' } })],
    ['a CVC field', { ...orderBody(), CVC: 123 }],
    ['an expiry field', orderBody({ payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', exp_month: 12, exp_year: 2030 } })],
    ['an expiry field in an otherwise invalid body', { expiry: '12/30' }],
  ])('%s → 400 card_data_rejected, nothing stored', async (_name, body) => {
    const before = await orderCount(shop.id);
    const response = await call(t.app, 'POST', '/v1/orders', shop.secretKey, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('card_data_rejected');
    expect(response.body).not.toMatch(/4242|5555|3782|123/);
    expect(await orderCount(shop.id)).toBe(before);
  });

  it('wins over authentication and validation errors, on every route', async () => {
    const body = { note: '4111 1111 1111 1111' };
    for (const [method, url, token] of [
      ['POST', '/v1/orders', null],
      ['POST', '/v1/orders', 'sk_wrong'],
      ['POST', '/v1/shops', null],
      ['PUT', '/v1/products/x', shop.secretKey],
      ['POST', '/v1/offers', shop.secretKey],
      ['PATCH', '/v1/shop', shop.secretKey],
    ] as const) {
      const response = await call(t.app, method, url, token, body);
      expect(response.json().error.code, `${method} ${url}`).toBe('card_data_rejected');
    }
  });

  it('is refused in a query string and in a non-JSON body', async () => {
    const query = await call(t.app, 'GET', '/v1/offers?search=4242%204242%204242%204242', shop.secretKey);
    expect(query.json().error.code).toBe('card_data_rejected');
    const form = await t.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'number=4242424242424242&cvc=123',
    });
    expect(form.json().error.code).toBe('card_data_rejected');
  });

  it('lets order numbers and phone numbers through', async () => {
    const response = await call(
      t.app,
      'POST',
      '/v1/orders',
      shop.secretKey,
      orderBody({
        externalId: 'ORD-2026-000123-1795316519177',
        customer: { id: '+1 (555) 123-4567', email: 'b@example.com', country: 'US' },
      }),
    );
    expect(response.statusCode).toBe(201);
  });

  it('never writes card data, keys or tokens to the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await createService(
      { adminToken: ADMIN_TOKEN, logger: pino({ level: 'trace' }, sink) },
      { ctx: t.ctx, sandbox: t.sandbox, databaseReady: async () => void (await sql`SELECT 1`.execute(t.database.db)) },
    );
    try {
      await call(logged, 'POST', '/v1/orders', shop.secretKey, { ...orderBody(), note: '4242 4242 4242 4242' });
      const ok = await call(logged, 'POST', '/v1/orders', shop.secretKey, orderBody());
      const token = ok.json().session.token as string;
      await call(logged, 'GET', '/v1/checkout/offer', token);
      await call(logged, 'GET', '/v1/checkout/offer', 'ps_wrong-token-value');
      const text = lines.join('');
      expect(text).toContain('"route":"/v1/orders"');
      for (const secret of ['4242 4242', '4242424242424242', shop.secretKey, token, 'ps_wrong-token-value', 'pm_sandbox_visa']) {
        expect(text).not.toContain(secret);
      }
    } finally {
      await logged.close();
    }
  });
});

describe('malformed requests', () => {
  it('answers 400 invalid_json for malformed JSON and stores nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
      payload: '{"externalId": "x", ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/offers',
      headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('unsupported_media_type');
  });

  it('answers 404 not_found in the error shape for an unknown route', async () => {
    const response = await call(t.app, 'GET', '/v1/nothing-here', shop.secretKey);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers 401 on every merchant route without a key or with a bad one', async () => {
    for (const token of [null, 'sk_not_a_real_key', 'Basic abc']) {
      for (const [method, url] of [
        ['GET', '/v1/shop'],
        ['PATCH', '/v1/shop'],
        ['GET', '/v1/products'],
        ['PUT', '/v1/products/x'],
        ['GET', '/v1/offers'],
        ['POST', '/v1/offers'],
        ['POST', '/v1/orders'],
        ['GET', '/v1/orders/ord_x'],
        ['GET', '/v1/orders/ord_x/decision'],
        ['GET', '/v1/api-keys'],
      ] as const) {
        const response = await call(t.app, method, url, token, method === 'GET' ? undefined : {});
        expect(response.statusCode, `${method} ${url}`).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
    }
  });
});

describe('tenant isolation', () => {
  it('answers 404 when one shop’s key reaches for another shop’s objects, on every route', async () => {
    const owner = await createShop(t.app);
    const intruder = await createShop(t.app);
    await putProduct(t.app, owner.secretKey, 'secret-product');
    const offer = await createOffer(t.app, owner.secretKey, { variantId: 'secret-product-v' });
    const order = await registerOrder(t.app, owner.secretKey, { lines: [{ productId: 'p', variantId: 'v', title: 't', quantity: 1, unitPrice: 1 }] });
    const [ownerKey] = (await call(t.app, 'GET', '/v1/api-keys', owner.secretKey)).json().apiKeys;

    const attempts = [
      call(t.app, 'GET', '/v1/products/secret-product', intruder.secretKey),
      call(t.app, 'DELETE', '/v1/products/secret-product', intruder.secretKey),
      call(t.app, 'GET', `/v1/offers/${offer.id}`, intruder.secretKey),
      call(t.app, 'PATCH', `/v1/offers/${offer.id}`, intruder.secretKey, { priority: 1 }),
      call(t.app, 'DELETE', `/v1/offers/${offer.id}`, intruder.secretKey),
      call(t.app, 'GET', `/v1/orders/${order.order.id}`, intruder.secretKey),
      call(t.app, 'GET', `/v1/orders/${order.order.id}/decision`, intruder.secretKey),
      call(t.app, 'DELETE', `/v1/api-keys/${ownerKey.id}`, intruder.secretKey),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    // An offer cannot point at another shop's variant, lists show only one's own objects.
    expect((await call(t.app, 'POST', '/v1/offers', intruder.secretKey, { name: 'x', variantId: 'secret-product-v' })).json().error.code).toBe(
      'variant_not_found',
    );
    expect((await call(t.app, 'GET', '/v1/offers', intruder.secretKey)).json().offers).toEqual([]);
    expect((await call(t.app, 'GET', '/v1/products', intruder.secretKey)).json().products).toEqual([]);
    expect((await call(t.app, 'GET', '/v1/api-keys', intruder.secretKey)).json().apiKeys).toHaveLength(1);
    // The owner's objects are untouched.
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, owner.secretKey)).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/v1/products/secret-product', owner.secretKey)).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/v1/shop', owner.secretKey)).json().shop.id).toBe(owner.id);
  });

  it('scopes a session token to its own order: a merchant key cannot use it and it opens nothing else', async () => {
    const registered = await registerOrder(t.app, shop.secretKey);
    expect((await call(t.app, 'GET', '/v1/shop', registered.session.token)).statusCode).toBe(401);
    expect((await call(t.app, 'GET', `/v1/orders/${registered.order.id}`, registered.session.token)).statusCode).toBe(401);
  });
});

describe('health and reference', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await call(t.app, 'GET', '/healthz', null)).json()).toEqual({ status: 'ok' });
    expect((await call(t.app, 'GET', '/readyz', null)).json()).toEqual({ status: 'ready' });
  });

  it('answers 503 on /readyz when the database does not', async () => {
    const broken = await createService(
      { adminToken: null },
      {
        ctx: t.ctx,
        sandbox: t.sandbox,
        databaseReady: async () => {
          throw new Error('connection refused');
        },
      },
    );
    const response = await call(broken, 'GET', '/readyz', null);
    expect(response.statusCode).toBe(503);
    await broken.close();
  });

  it('publishes an OpenAPI 3 document generated from the route schemas', async () => {
    const spec = (await call(t.app, 'GET', '/v1/openapi.json', null)).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/shops',
      '/v1/shop',
      '/v1/products/{productId}',
      '/v1/offers',
      '/v1/offers/{id}',
      '/v1/orders',
      '/v1/orders/{id}',
      '/v1/orders/{id}/decision',
      '/v1/checkout/offer',
      '/v1/checkout/offer.html',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    const orderSchema = spec.paths['/v1/orders'].post.requestBody.content['application/json'].schema;
    expect(orderSchema.required).toEqual(expect.arrayContaining(['externalId', 'currency', 'lines', 'payment']));
    expect(orderSchema.additionalProperties).toBe(false);
  });
});
