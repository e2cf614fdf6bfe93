import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createOffer, createShop, putProduct, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app);
});
afterAll(() => t.close());

describe('catalog', () => {
  it('creates a product with variants, prices per currency and optional stock, and reads it back', async () => {
    const response = await call(t.app, 'PUT', '/v1/products/mug', shop.secretKey, {
      title: 'Mug',
      imageUrl: 'https://cdn.example.com/mug.png',
      variants: [
        {
          id: 'mug-red',
          title: 'Red',
          prices: [
            { currency: 'USD', amount: 1200 },
            { currency: 'JPY', amount: 1800 },
          ],
          stock: 3,
        },
        { id: 'mug-blue', title: 'Blue', prices: [{ currency: 'USD', amount: 1250 }] },
      ],
    });
    expect(response.statusCode).toBe(200);
    const read = (await call(t.app, 'GET', '/v1/products/mug', shop.secretKey)).json().product;
    expect(read).toMatchObject({
      id: 'mug',
      title: 'Mug',
      variants: [
        {
          id: 'mug-red',
          title: 'Red',
          stock: 3,
          prices: [
            { currency: 'JPY', amount: 1800 },
            { currency: 'USD', amount: 1200 },
          ],
        },
        { id: 'mug-blue', title: 'Blue', stock: null, prices: [{ currency: 'USD', amount: 1250 }] },
      ],
    });
  });

  it('replaces the variant set on a second PUT', async () => {
    await putProduct(t.app, shop.secretKey, 'tee', { variantId: 'tee-s' });
    await call(t.app, 'PUT', '/v1/products/tee', shop.secretKey, { title: 'Tee', variants: [{ id: 'tee-m', title: 'M', prices: [] }] });
    const read = (await call(t.app, 'GET', '/v1/products/tee', shop.secretKey)).json().product;
    expect(read.variants.map((variant: { id: string }) => variant.id)).toEqual(['tee-m']);
  });

  it('lists and deletes products', async () => {
    await putProduct(t.app, shop.secretKey, 'gone');
    expect((await call(t.app, 'GET', '/v1/products', shop.secretKey)).json().products.some((p: { id: string }) => p.id === 'gone')).toBe(true);
    expect((await call(t.app, 'DELETE', '/v1/products/gone', shop.secretKey)).statusCode).toBe(204);
    expect((await call(t.app, 'GET', '/v1/products/gone', shop.secretKey)).statusCode).toBe(404);
  });

  it.each([
    ['an unknown currency', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [{ currency: 'XYZ', amount: 1 }] }] }, 'invalid_currency'],
    ['a float amount', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [{ currency: 'USD', amount: 19.99 }] }] }, 'invalid_request'],
    ['a negative amount', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [{ currency: 'USD', amount: -1 }] }] }, 'invalid_request'],
    ['a lower-case currency', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [{ currency: 'usd', amount: 1 }] }] }, 'invalid_request'],
    [
      'a duplicate variant id',
      {
        title: 'x',
        variants: [
          { id: 'x1', title: 'a', prices: [] },
          { id: 'x1', title: 'b', prices: [] },
        ],
      },
      'invalid_request',
    ],
    ['an unknown field', { title: 'x', variants: [], colour: 'red' }, 'invalid_request'],
    ['an unknown variant field', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [], weight: 3 }] }, 'invalid_request'],
    ['negative stock', { title: 'x', variants: [{ id: 'x1', title: 'x', prices: [], stock: -2 }] }, 'invalid_request'],
  ])('rejects %s with 400 and stores nothing', async (_name, body, code) => {
    const response = await call(t.app, 'PUT', '/v1/products/rejected', shop.secretKey, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(code);
    expect((await call(t.app, 'GET', '/v1/products/rejected', shop.secretKey)).statusCode).toBe(404);
  });

  it('refuses a variant id that belongs to another product of the shop', async () => {
    await putProduct(t.app, shop.secretKey, 'owner', { variantId: 'shared-variant' });
    const response = await call(t.app, 'PUT', '/v1/products/thief', shop.secretKey, {
      title: 'x',
      variants: [{ id: 'shared-variant', title: 'x', prices: [] }],
    });
    expect(response.statusCode).toBe(400);
    expect((await call(t.app, 'GET', '/v1/products/thief', shop.secretKey)).statusCode).toBe(404);
  });

  it('lets two shops use the same product and variant ids', async () => {
    const other = await createShop(t.app);
    await putProduct(t.app, shop.secretKey, 'same-id', { prices: { USD: 100 } });
    await putProduct(t.app, other.secretKey, 'same-id', { prices: { USD: 999 } });
    const mine = (await call(t.app, 'GET', '/v1/products/same-id', shop.secretKey)).json().product;
    expect(mine.variants[0].prices[0].amount).toBe(100);
  });
});

describe('offers', () => {
  it('creates an offer with defaults, reads, lists, updates and deletes it', async () => {
    await putProduct(t.app, shop.secretKey, 'filters');
    const created = await call(t.app, 'POST', '/v1/offers', shop.secretKey, { name: 'Filters', variantId: 'filters-v' });
    expect(created.statusCode).toBe(201);
    const offer = created.json().offer;
    expect(offer).toMatchObject({
      name: 'Filters',
      variantId: 'filters-v',
      quantity: 1,
      discount: null,
      priority: 0,
      active: true,
      rules: {},
      buttonCopy: [],
      startsAt: null,
      endsAt: null,
    });
    expect(offer.id).toMatch(/^off_/);

    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, shop.secretKey)).json().offer.id).toBe(offer.id);
    expect((await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers.map((o: { id: string }) => o.id)).toContain(offer.id);

    const patched = await call(t.app, 'PATCH', `/v1/offers/${offer.id}`, shop.secretKey, {
      priority: 5,
      discount: { type: 'percentage', value: 12.5 },
      rules: { countries: ['DE', 'FR'], minSubtotal: 1000 },
      buttonCopy: [
        { id: 'a', text: 'Add for {price}' },
        { id: 'b', text: 'Get this too' },
      ],
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().offer).toMatchObject({
      name: 'Filters',
      priority: 5,
      discount: { type: 'percentage', value: 12.5 },
      rules: { countries: ['DE', 'FR'], minSubtotal: 1000 },
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2027-01-01T00:00:00.000Z',
    });

    expect((await call(t.app, 'DELETE', `/v1/offers/${offer.id}`, shop.secretKey)).statusCode).toBe(204);
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, shop.secretKey)).statusCode).toBe(404);
    expect((await call(t.app, 'DELETE', `/v1/offers/${offer.id}`, shop.secretKey)).statusCode).toBe(404);
  });

  it('refuses an offer for a variant that is not in the catalog', async () => {
    const response = await call(t.app, 'POST', '/v1/offers', shop.secretKey, { name: 'Ghost', variantId: 'no-such-variant' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('variant_not_found');
  });

  it.each([
    ['an unknown field', { price: 100 }],
    ['an unknown rule', { rules: { weather: 'sunny' } }],
    ['a percentage above 100', { discount: { type: 'percentage', value: 150 } }],
    ['a percentage with 3 decimals', { discount: { type: 'percentage', value: 12.345 } }],
    ['a float fixed discount', { discount: { type: 'fixed', value: 1.5 } }],
    ['an unknown discount type', { discount: { type: 'bogo', value: 1 } }],
    ['a zero quantity', { quantity: 0 }],
    ['a schedule that ends before it starts', { startsAt: '2027-01-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }],
    ['a malformed time', { startsAt: 'tomorrow' }],
    ['min above max subtotal', { rules: { minSubtotal: 500, maxSubtotal: 100 } }],
    [
      'duplicate copy ids',
      {
        buttonCopy: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      },
    ],
    ['an unknown currency rule', { rules: { currencies: ['ABC'] } }],
  ])('rejects %s with 400 and creates nothing', async (_name, extra) => {
    await putProduct(t.app, shop.secretKey, 'valid-target');
    const before = (await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers.length;
    const response = await call(t.app, 'POST', '/v1/offers', shop.secretKey, { name: 'Bad', variantId: 'valid-target-v', ...extra });
    expect(response.statusCode).toBe(400);
    expect(['invalid_request', 'invalid_currency']).toContain(response.json().error.code);
    expect((await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers.length).toBe(before);
  });

  it('leaves an offer unchanged when a PATCH is invalid', async () => {
    await putProduct(t.app, shop.secretKey, 'stable');
    const offer = await createOffer(t.app, shop.secretKey, { variantId: 'stable-v', priority: 3 });
    const response = await call(t.app, 'PATCH', `/v1/offers/${offer.id}`, shop.secretKey, { priority: 9, variantId: 'missing' });
    expect(response.statusCode).toBe(400);
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, shop.secretKey)).json().offer.priority).toBe(3);
  });
});
