/**
 * The request screen (src/http/screen.ts) through HTTP: card data refused in decoded body values, paths,
 * query strings and stored headers; merchant ids let through; malformed input answered 400, never 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createOffer, createShop, orderBody, putProduct, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app);
  await putProduct(t.app, shop.secretKey, 'filters');
  await createOffer(t.app, shop.secretKey, { variantId: 'filters-v' });
});
afterAll(() => t.close());

async function rowCounts(): Promise<string> {
  const tables = ['orders', 'products', 'variants', 'idempotency_keys', 'offers'] as const;
  const counts = await Promise.all(
    tables.map(async (table) => {
      const row = await t.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return `${table}=${row.n}`;
    }),
  );
  return counts.join(',');
}

function json(method: 'POST' | 'PUT' | 'PATCH', url: string, token: string | null, payload: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    method,
    url,
    payload,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

describe('card numbers are refused in decoded values', () => {
  it.each([
    ['a JSON-escaped PAN', '{"externalId":"\\u0034111111111111111"}'],
    ['a fully escaped PAN in an unknown field', `{"note":"${[...'4242424242424242'].map((digit) => `\\u003${digit}`).join('')}"}`],
    ['a PAN with dots', '{"note":"4111.1111.1111.1111"}'],
    ['a PAN with underscores', '{"note":"4111_1111_1111_1111"}'],
    ['a PAN with double spaces', '{"note":"4111  1111  1111  1111"}'],
    ['a PAN with slashes', '{"note":"5555/5555/5555/4444"}'],
    ['a PAN with no-break spaces', '{"note":"4111\u00a01111\u00a01111\u00a01111"}'],
    ['a PAN in full-width digits', '{"note":"４１１１１１１１１１１１１１１１"}'],
    ['a PAN in Arabic-Indic digits', '{"note":"٤١١١١١١١١١١١١١١١"}'],
    ['a 19-digit JSON number', '{"x":6205500000000000004}'],
  ])('%s → 400 card_data_rejected', async (_label, payload) => {
    const before = await rowCounts();
    const response = await json('POST', '/v1/orders', shop.secretKey, payload);
    expect(response.json().error.code).toBe('card_data_rejected');
    expect(await rowCounts()).toBe(before);
  });

  it('refuses a PAN in a path segment, percent-encoded or not', async () => {
    for (const url of ['/v1/products/4111111111111111', '/v1/products/4111%201111%201111%201111', '/v1/offers/%EF%BC%94111111111111111']) {
      const response = await json('PUT', url, shop.secretKey, '{"title":"t","variants":[]}');
      expect(response.json().error.code, url).toBe('card_data_rejected');
    }
    const get = await call(t.app, 'GET', '/v1/orders/5555555555554444', shop.secretKey);
    expect(get.json().error.code).toBe('card_data_rejected');
  });

  it('refuses a PAN in the Idempotency-Key header, before anything is stored', async () => {
    const before = await rowCounts();
    const response = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody(), { 'idempotency-key': '4242-4242-4242-4242' });
    expect(response.json().error.code).toBe('card_data_rejected');
    expect(await rowCounts()).toBe(before);
  });

  it('refuses a PAN in a query key or value, with any separators', async () => {
    for (const query of ['?offerId=4111.1111.1111.1111', '?q=378282246310005', '?4111111111111111=1']) {
      const response = await call(t.app, 'GET', `/v1/experiments${query}`, shop.secretKey);
      expect(response.json().error.code, query).toBe('card_data_rejected');
    }
  });
});

describe('merchant ids are let through', () => {
  it('accepts Shopify-style numeric ids and UUIDs in every id field', async () => {
    // 13- and 14-digit ids starting with 4, 5 or 6 that pass the Luhn check: refused by the old screen.
    const ids = ['4567891234563', '40156461645923', '5678901234564', '60123456789015', '4539578763621486'];
    for (const [index, id] of ids.entries()) {
      const product = await json(
        'PUT',
        `/v1/products/${id}`,
        shop.secretKey,
        JSON.stringify({ title: 'Numeric', variants: [{ id, title: 'v', prices: [] }] }),
      );
      expect(product.statusCode, id).toBe(200);
      const order = await call(
        t.app,
        'POST',
        '/v1/orders',
        shop.secretKey,
        orderBody({
          externalId: `${id}${index}`.slice(0, 14),
          lines: [{ productId: id, variantId: id, title: 'Main', quantity: 1, unitPrice: 5000 }],
        }),
        { 'idempotency-key': id },
      );
      expect(order.statusCode, order.body).toBe(201);
    }
    const uuid = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody({ externalId: '41111111-1111-4111-8111-111111111111' }));
    expect(uuid.statusCode).toBe(201);
  });
});

describe('malformed input answers 400, never 500', () => {
  it('a lone % in the query string', async () => {
    for (const url of ['/healthz?%', '/v1/offers?x=%E0%A4%A', '/v1/offers?%ZZ=1']) {
      const response = await call(t.app, 'GET', url, shop.secretKey);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
  });

  it('malformed percent-encoding in the path, in our error shape', async () => {
    for (const url of ['/v1/offers/%', '/v1/offers/%E0%A4%A', '/v1/offers/%ED%A0%80', '/sandbox/3ds/%FF', '/nothing/%']) {
      const response = await call(t.app, 'GET', url, shop.secretKey);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code, url).toBe('invalid_request');
      expect(response.body).not.toContain('%');
    }
  });

  it('a 20,000-deep JSON body, with and without keys', async () => {
    for (const payload of ['['.repeat(20_000) + ']'.repeat(20_000), '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)]) {
      const response = await json('POST', '/v1/orders', shop.secretKey, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
  });

  it('a NUL byte in a text field, a path parameter or a query value, naming the field', async () => {
    const body = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody({ externalId: 'a\u0000b' }));
    expect(body.statusCode).toBe(400);
    expect(body.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('externalId') });
    const nested = await call(t.app, 'POST', '/v1/offers', shop.secretKey, { name: 'x\u0000', variantId: 'filters-v' });
    expect(nested.json().error.message).toContain('name');
    for (const url of ['/v1/orders/a%00b', '/v1/products/a%00b', '/sandbox/3ds/a%00b', '/v1/experiments?offerId=a%00b']) {
      const response = await call(t.app, 'GET', url, shop.secretKey);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
  });

  it('a lone surrogate in a string that reaches a JSON column', async () => {
    const before = await rowCounts();
    const response = await json(
      'POST',
      '/v1/orders',
      shop.secretKey,
      JSON.stringify(orderBody()).replace('"Main product"', '"Main \\ud800 product"'),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('lines.0.title') });
    expect(await rowCounts()).toBe(before);
  });

  it('year 0 and out-of-range days in analytics queries', async () => {
    for (const query of ['from=0000-01-01&to=0000-01-02', 'from=0001-01-01', 'from=1969-12-31&to=1970-01-01', 'from=-0001-01-01']) {
      const response = await call(t.app, 'GET', `/v1/analytics/metrics?${query}`, shop.secretKey);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
  });

  it('prototype keys in a body', async () => {
    const response = await json('PATCH', '/v1/shop', shop.secretKey, '{"settings":{"gatewayCredentials":{"stripe":{"__proto__":{"x":1}}}}}');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });
});

describe('refused requests write nothing', () => {
  it('deleting an unknown offer or product answers 404 without bumping the offers version', async () => {
    const version = async () =>
      (await t.database.db.selectFrom('offer_versions').select('version').where('shop_id', '=', shop.id).executeTakeFirst())?.version;
    const before = await version();
    expect((await call(t.app, 'DELETE', '/v1/offers/off_missing', shop.secretKey)).statusCode).toBe(404);
    expect((await call(t.app, 'DELETE', '/v1/products/missing', shop.secretKey)).statusCode).toBe(404);
    expect(await version()).toBe(before);
  });
});
