/**
 * The stock cache across nodes: a tracked variant's stock changed through one node reaches the other
 * node's confirmation page and registration within the 1 s bound (sales and releases), or by the offers
 * NOTIFY (catalog writes). The node that sold or gave back the units knows at once, the newest of its
 * own sales wins, the steady state reads no stock rows, and the accept still refuses what a stale cache
 * shows.
 */
import { randomUUID } from 'node:crypto';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShopOffers } from '../../src/engine/offer-cache';
import { StockCache } from '../../src/engine/stock-cache';
import type { App } from '../../src/runtime';
import { call, createOffer, createShop, putProduct, registerOrder } from '../support/app';
import { accept, offerShop, paidOrder, undo, type OfferShop, type PaidOrder } from '../support/upsell';
import { startNode as startTestNode, stopNode, type TestNode } from '../support/nodes';

interface Node extends TestNode {
  /** Queries run since the last `resetQueries`, and those of them that read or wrote `variants`. */
  queries: { all: number; stock: number };
}

/** True when the query names the `variants` table (a stock read, or an accept's reservation). */
function touchesVariants(node: RootOperationNode): boolean {
  return /"variants"|\bvariants\b/.test(JSON.stringify(node));
}

/** A node like `startServer` builds one, with its own pool and caches, counting its queries. */
async function startNode(options: { listen: boolean; recheckMs: number; monotonicNow?: () => number }): Promise<Node> {
  const queries = { all: 0, stock: 0 };
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      queries.all += 1;
      if (touchesVariants(args.node)) queries.stock += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { ...(await startTestNode({ ...options, shopTtlMs: options.recheckMs, plugin: counter })), queries };
}

function resetQueries(node: Node): void {
  node.queries.all = 0;
  node.queries.stock = 0;
}

/** The offer id the order's confirmation page shows on `node`, or null. */
async function shownOn(node: Node, order: PaidOrder): Promise<string | null> {
  const response = await call(node.app, 'GET', '/v1/checkout/offer', order.token);
  expect(response.statusCode).toBe(200);
  return response.json().offer?.id ?? null;
}

async function stockOf(node: Node, setup: OfferShop): Promise<number | null> {
  return (await call(node.app, 'GET', '/v1/products/addon', setup.shop.secretKey)).json().product.variants[0].stock;
}

/** Like `offerShop`, with the add-on's variant id holding colons (merchants choose variant ids). */
async function colonShop(app: App, stock: number): Promise<OfferShop> {
  const shop = await createShop(app, { name: 'Colon shop' });
  await putProduct(app, shop.secretKey, 'main', { prices: { USD: 5000 } });
  await putProduct(app, shop.secretKey, 'addon', { prices: { USD: 1999 }, stock, title: 'Add-on', variantId: 'sku:1:2' });
  const offer = await createOffer(app, shop.secretKey, { variantId: 'sku:1:2', discount: { type: 'percentage', value: 10 } });
  return { shop, offerId: offer.id };
}

/** Polls `probe` until it returns `expected` or `ms` pass (a notification's delivery); returns the last value. */
async function eventually<T>(probe: () => Promise<T>, expected: T, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}

describe('stock cache across nodes', () => {
  describe('another node’s sales and releases: within the 1 s bound (no stock NOTIFY)', () => {
    let monotonic = 0;
    let a: Node;
    let b: Node;
    beforeAll(async () => {
      a = await startNode({ listen: true, recheckMs: 1_000, monotonicNow: () => monotonic });
      b = await startNode({ listen: true, recheckMs: 1_000, monotonicNow: () => monotonic });
    });
    afterAll(async () => {
      await stopNode(a);
      await stopNode(b);
    });

    it('the last unit sold on one node hides the offer on the other node’s page and registration once the bound has passed', async () => {
      const setup = await offerShop(a.app, {}, 1);
      const first = await paidOrder(a.app, setup);
      const second = await paidOrder(a.app, setup);
      expect(await shownOn(b, second)).toBe(setup.offerId);
      expect((await accept(a.app, first)).statusCode).toBe(200);
      monotonic += 999;
      expect(await shownOn(b, second)).toBe(setup.offerId);
      monotonic += 1;
      expect(await shownOn(b, second)).toBeNull();
      expect((await registerOrder(b.app, setup.shop.secretKey)).offer).toBeNull();
    });

    it('units given back by an undo on one node show the offer again on the other once the bound has passed', async () => {
      const setup = await offerShop(a.app, {}, 1);
      const first = await paidOrder(a.app, setup);
      const second = await paidOrder(a.app, setup);
      const accepted = await accept(a.app, first);
      expect(accepted.statusCode).toBe(200);
      monotonic += 1_000;
      expect(await shownOn(b, second)).toBeNull();
      expect((await undo(a.app, first, accepted.json().upsell.id)).statusCode).toBe(200);
      expect(await shownOn(b, second)).toBeNull();
      monotonic += 1_000;
      expect(await shownOn(b, second)).toBe(setup.offerId);
    });

    it('a variant id holding colons is sold out and given back like any other', async () => {
      const setup = await colonShop(a.app, 1);
      const first = await paidOrder(a.app, setup);
      const second = await paidOrder(a.app, setup);
      expect(await shownOn(b, second)).toBe(setup.offerId);
      const accepted = await accept(a.app, first);
      expect(accepted.statusCode).toBe(200);
      expect(await shownOn(a, second)).toBeNull();
      monotonic += 1_000;
      expect(await shownOn(b, second)).toBeNull();
      expect((await undo(a.app, first, accepted.json().upsell.id)).statusCode).toBe(200);
      expect(await shownOn(a, second)).toBe(setup.offerId);
      monotonic += 1_000;
      expect(await shownOn(b, second)).toBe(setup.offerId);
    });
  });

  describe('catalog writes: by the offers NOTIFY (the bound set to a minute, so only a notification can help)', () => {
    let a: Node;
    let b: Node;
    beforeAll(async () => {
      a = await startNode({ listen: true, recheckMs: 60_000 });
      b = await startNode({ listen: true, recheckMs: 60_000 });
    });
    afterAll(async () => {
      await stopNode(a);
      await stopNode(b);
    });

    it('a stock set to zero through the catalog on one node hides the offer on the other, and a restock shows it again', async () => {
      const setup = await offerShop(a.app, {}, 5);
      const order = await paidOrder(a.app, setup);
      expect(await shownOn(b, order)).toBe(setup.offerId);
      await putProduct(a.app, setup.shop.secretKey, 'addon', { prices: { USD: 1999 }, stock: 0, title: 'Add-on' });
      expect(await eventually(() => shownOn(b, order), null)).toBeNull();
      await putProduct(a.app, setup.shop.secretKey, 'addon', { prices: { USD: 1999 }, stock: 5, title: 'Add-on' });
      expect(await eventually(() => shownOn(b, order), setup.offerId)).toBe(setup.offerId);
    });
  });

  describe('one node without any listener (B): its own changes at once, the others’ within the 1 s bound', () => {
    let monotonic = 0;
    let a: Node;
    let b: Node;
    beforeAll(async () => {
      a = await startNode({ listen: true, recheckMs: 60_000 });
      b = await startNode({ listen: false, recheckMs: 1_000, monotonicNow: () => monotonic });
    });
    afterAll(async () => {
      await stopNode(a);
      await stopNode(b);
    });

    it('shows a sold-out offer for at most the bound, and the accept in that window is refused from the real stock', async () => {
      const setup = await offerShop(a.app, {}, 1);
      const first = await paidOrder(a.app, setup);
      const second = await paidOrder(a.app, setup);
      expect(await shownOn(b, second)).toBe(setup.offerId);
      expect((await accept(a.app, first)).statusCode).toBe(200);
      // Within the bound B still shows what it read (the documented staleness)…
      monotonic += 999;
      expect(await shownOn(b, second)).toBe(setup.offerId);
      // …but its accept reads the real stock in its transaction, as it always did: refused (as any
      // accept of a sold-out offer is), no upsell, nothing charged, nothing reserved.
      const refused = await accept(b.app, second);
      expect(refused.statusCode).toBe(404);
      expect(refused.json().error.code).toBe('offer_not_available');
      expect(await b.database.db.selectFrom('upsells').select('id').where('order_id', '=', second.orderId).execute()).toEqual([]);
      expect(await stockOf(a, setup)).toBe(0);
      // Once the bound has passed, B reads the stock again.
      monotonic += 1;
      expect(await shownOn(b, second)).toBeNull();
    });

    it('the node that sells the last unit stops showing the offer at once', async () => {
      const setup = await offerShop(b.app, {}, 1);
      const first = await paidOrder(b.app, setup);
      const second = await paidOrder(b.app, setup);
      expect(await shownOn(b, second)).toBe(setup.offerId);
      expect((await accept(b.app, first)).statusCode).toBe(200);
      expect(await shownOn(b, second)).toBeNull();
      expect((await registerOrder(b.app, setup.shop.secretKey)).offer).toBeNull();
    });

    it('the node whose undo gives the last unit back shows the offer again at once', async () => {
      const setup = await offerShop(b.app, {}, 1);
      const first = await paidOrder(b.app, setup);
      const second = await paidOrder(b.app, setup);
      const accepted = await accept(b.app, first);
      expect(accepted.statusCode).toBe(200);
      expect(await shownOn(b, second)).toBeNull();
      expect((await undo(b.app, first, accepted.json().upsell.id)).statusCode).toBe(200);
      expect(await shownOn(b, second)).toBe(setup.offerId);
      expect((await registerOrder(b.app, setup.shop.secretKey)).offer?.id).toBe(setup.offerId);
    });

    it('the node whose accept was declined by the card shows the units it gave back at once', async () => {
      const setup = await offerShop(b.app, {}, 1);
      const declined = await paidOrder(b.app, setup, 'pm_sandbox_declined');
      const other = await paidOrder(b.app, setup);
      expect(await shownOn(b, other)).toBe(setup.offerId);
      expect((await accept(b.app, declined)).statusCode).toBe(402);
      expect(await shownOn(b, other)).toBe(setup.offerId);
    });

    it('reads no stock in steady state: not for the confirmation page, not for registration', async () => {
      const setup = await offerShop(b.app, {}, 10);
      const order = await paidOrder(b.app, setup);
      expect(await shownOn(b, order)).toBe(setup.offerId);
      resetQueries(b);
      for (let read = 0; read < 5; read += 1) expect(await shownOn(b, order)).toBe(setup.offerId);
      expect(b.queries.stock).toBe(0);
      resetQueries(b);
      await paidOrder(b.app, setup);
      expect(b.queries.stock).toBe(0);
      expect(b.queries.all).toBeGreaterThan(0);
    });

    it('reads the stock once per shop when the bound has passed, however many requests find it old', async () => {
      const setup = await offerShop(b.app, {}, 10);
      const orders = await Promise.all(Array.from({ length: 5 }, () => paidOrder(b.app, setup)));
      expect(await shownOn(b, orders[0] as PaidOrder)).toBe(setup.offerId);
      monotonic += 1_000;
      resetQueries(b);
      const shown = await Promise.all([...orders, ...orders].map((order) => shownOn(b, order)));
      expect(shown.every((id) => id === setup.offerId)).toBe(true);
      expect(b.queries.stock).toBe(1);
    });

    it('keeps shops apart: one shop’s sale leaves another shop’s offer shown', async () => {
      const one = await offerShop(b.app, {}, 1);
      const two = await offerShop(b.app, {}, 1);
      const oneFirst = await paidOrder(b.app, one);
      const oneSecond = await paidOrder(b.app, one);
      const twoOrder = await paidOrder(b.app, two);
      expect(await shownOn(b, twoOrder)).toBe(two.offerId);
      expect((await accept(b.app, oneFirst, randomUUID())).statusCode).toBe(200);
      expect(await shownOn(b, oneSecond)).toBeNull();
      expect(await shownOn(b, twoOrder)).toBe(two.offerId);
    });
  });
});

describe('StockCache', () => {
  let node: Node;
  let setup: OfferShop;
  beforeAll(async () => {
    node = await startNode({ listen: false, recheckMs: 60_000 });
    setup = await offerShop(node.app, {}, 10);
  });
  afterAll(async () => stopNode(node));

  /** A cache that has read the shop's stock (10), and a probe of what it now holds. */
  async function warmCache() {
    const cache = new StockCache({ recheckMs: 60_000, monotonicNow: () => 0 });
    const offers = await loadShopOffers(node.database.db, setup.shop.id);
    expect((await cache.get(node.database.db, offers)).get('addon-v')).toBe(10);
    return { cache, stockNow: async () => (await cache.get(node.database.db, offers)).get('addon-v') };
  }

  it('keeps the newest of two sales on this node whose answers come back out of order', async () => {
    const { cache, stockNow } = await warmCache();
    // The second accept (8 left) returned before the first (9 left): 8 is the newer value.
    cache.reserved(setup.shop.id, 'addon-v', 8);
    cache.reserved(setup.shop.id, 'addon-v', 9);
    expect(await stockNow()).toBe(8);
  });

  it('reads the real stock again after this node gave units back', async () => {
    const { cache, stockNow } = await warmCache();
    cache.reserved(setup.shop.id, 'addon-v', 0);
    expect(await stockNow()).toBe(0);
    cache.forget(setup.shop.id);
    expect(await stockNow()).toBe(10);
  });

  it('leaves another shop’s entry alone, though its variant has the same id', async () => {
    const { cache, stockNow } = await warmCache();
    cache.reserved('shp_someone_else', 'addon-v', 0);
    cache.forget('shp_someone_else');
    expect(await stockNow()).toBe(10);
  });
});
