/**
 * The reads a long offers list needs (docs/api.md): `GET /v1/offers` in pages, `GET /v1/products` of
 * given variants, `GET /v1/analytics/metrics` of given offers. Without the new parameters every answer is
 * what it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createOffer, createShop, putProduct, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
const names: string[] = [];
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app, { name: 'Offer pages' });
  for (let index = 0; index < 7; index += 1) {
    await putProduct(t.app, shop.secretKey, `p${index}`, { title: `Product ${index}`, variantId: `v${index}` });
    // Priorities 2, 1, 0, 2, 1, 0, 2: pages cross equal priorities and the steps between them.
    const offer = await createOffer(t.app, shop.secretKey, { name: `Offer ${index}`, variantId: `v${index}`, priority: 2 - (index % 3) });
    names.push(offer.name);
    t.clock.advance(1);
  }
});
afterAll(() => t.close());

const get = async (url: string, key = shop.secretKey) => {
  const response = await call(t.app, 'GET', url, key);
  return { status: response.statusCode, body: response.json() };
};

describe('GET /v1/offers in pages', () => {
  it('answers every offer, highest priority first, with no next page, when no limit is asked', async () => {
    const { status, body } = await get('/v1/offers');
    expect(status).toBe(200);
    expect(body.offers.map((offer: { name: string }) => offer.name)).toEqual([
      'Offer 0',
      'Offer 3',
      'Offer 6',
      'Offer 1',
      'Offer 4',
      'Offer 2',
      'Offer 5',
    ]);
    expect(body.nextCursor).toBeNull();
  });

  it('walks the same order page by page, each offer once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: { offers: { name: string }[]; nextCursor: string | null } } = await get(
        `/v1/offers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(status).toBe(200);
      seen.push(...body.offers.map((offer) => offer.name));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual((await get('/v1/offers')).body.offers.map((offer: { name: string }) => offer.name));
  });

  it('refuses a bad limit, a forged cursor and another list’s or shop’s cursor with 400 invalid_request', async () => {
    const other = await createShop(t.app, { name: 'Other shop' });
    const cursor = (await get('/v1/offers?limit=1')).body.nextCursor as string;
    const ordersCursor = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString()), l: 'orders' })).toString(
      'base64url',
    );
    for (const [url, key] of [
      ['/v1/offers?limit=0', shop.secretKey],
      ['/v1/offers?limit=101', shop.secretKey],
      ['/v1/offers?cursor=bm90LWEtY3Vyc29y', shop.secretKey],
      [`/v1/offers?limit=2&cursor=${ordersCursor}`, shop.secretKey],
      [`/v1/offers?limit=2&cursor=${cursor}`, other.secretKey],
    ] as const) {
      const { status, body } = await get(url, key);
      expect(status, url).toBe(400);
      expect(body.error.code).toBe('invalid_request');
    }
  });
});

describe('GET /v1/products of given variants', () => {
  it('answers the products holding any of the variants, one or repeated', async () => {
    const one = await get('/v1/products?variantId=v3');
    expect(one.body.products.map((product: { id: string }) => product.id)).toEqual(['p3']);
    const several = await get('/v1/products?variantId=v5&variantId=v1&variantId=unknown');
    expect(several.body.products.map((product: { id: string }) => product.id)).toEqual(['p1', 'p5']);
    expect(several.body.products[0].variants[0]).toMatchObject({ id: 'v1', prices: [{ currency: 'USD', amount: 2000 }] });
    expect((await get('/v1/products?variantId=unknown')).body.products).toEqual([]);
    expect((await get('/v1/products')).body.products).toHaveLength(7);
  });

  it('refuses more than 100 variants with 400', async () => {
    const query = Array.from({ length: 101 }, (_, index) => `variantId=v${index}`).join('&');
    expect((await get(`/v1/products?${query}`)).status).toBe(400);
  });
});

describe('GET /v1/analytics/metrics of given offers', () => {
  it('answers only the rows of the offers asked for', async () => {
    const offers = (await get('/v1/offers')).body.offers as { id: string; name: string }[];
    const [a, b] = offers;
    await t.database.db
      .insertInto('analytics_events')
      .values(
        offers.map((offer, index) => ({
          shop_id: shop.id,
          type: 'offer_viewed' as const,
          order_id: `order_${index}`,
          offer_id: offer.id,
          amount: 2000,
          currency: 'USD',
          occurred_at: t.clock.now().toISOString(),
        })),
      )
      .execute();
    const rows = async (query: string) =>
      (await get(`/v1/analytics/metrics?groupBy=offer&${query}`)).body.rows.map((row: { offerId: string }) => row.offerId);
    expect(await rows('')).toHaveLength(7);
    expect(await rows(`offerId=${a?.id}`)).toEqual([a?.id]);
    expect((await rows(`offerId=${a?.id}&offerId=${b?.id}`)).sort()).toEqual([a?.id, b?.id].sort());
    // Without groupBy=offer the same filter sums the offers asked for.
    const total = await get(`/v1/analytics/metrics?offerId=${a?.id}&offerId=${b?.id}`);
    expect(total.body.rows).toMatchObject([{ currency: 'USD', views: 2 }]);
  });
});
