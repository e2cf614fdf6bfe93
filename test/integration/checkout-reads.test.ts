/**
 * The confirmation page's read (`GET /v1/checkout/offer`, and its HTML fragment) at checkout scale: in
 * steady state it sends PostgreSQL no query at all — also for an offer whose variant tracks stock — while
 * the offer's view is still recorded (batched). What changes the page reaches it: the buyer's own accept
 * or "No thanks" on this node at once, another node's within the 1 s bound (its clicks meanwhile settled
 * by the accept's guards); a stock change made elsewhere likewise, and a sold-out variant stops being
 * offered.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProgressCache } from '../../src/engine/caches';
import { connectDatabase, type DatabaseHandle } from '../../src/store/database';
import { call } from '../support/app';
import { accept, offerShop, paidOrder, type OfferShop, type PaidOrder } from '../support/upsell';
import { startNode as startTestNode, stopNode, type TestNode } from '../support/nodes';

interface Node extends TestNode {
  /** The text of every statement this node's pool sent PostgreSQL since the last `sent.length = 0`. */
  sent: string[];
}

/** Records every statement a pooled connection sends, at the driver: what PostgreSQL receives. */
function recordStatements(database: DatabaseHandle, sent: string[]): void {
  database.pool.on('connect', (client) => {
    const query = client.query;
    Object.assign(client, {
      query: (...args: unknown[]) => {
        const [first] = args;
        sent.push(typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String(first.text) : '?');
        return Reflect.apply(query, client, args);
      },
    });
  });
}

async function startNode(options: { listen: boolean; recheckMs: number; monotonicNow?: () => number }): Promise<Node> {
  const sent: string[] = [];
  const node = await startTestNode({ ...options, shopTtlMs: options.recheckMs, onDatabase: (database) => recordStatements(database, sent) });
  return { ...node, sent };
}

/** What the order's page shows on `node`: the status and the offer id (null when none). */
async function pageOn(node: Node, order: PaidOrder): Promise<{ status: string; offerId: string | null }> {
  const response = await call(node.app, 'GET', '/v1/checkout/offer', order.token);
  expect(response.statusCode).toBe(200);
  const body = response.json();
  return { status: body.status, offerId: body.offer?.id ?? null };
}

const OPEN = (order: PaidOrder) => ({ status: 'open', offerId: order.offerId });

/** Polls `probe` until it deep-equals `expected` or `ms` pass (a notification's delivery); returns the last value. */
async function eventually<T>(probe: () => Promise<T>, expected: T, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}

/** The batched view insert (the only write a page read may cause, once per order and offer per node). */
const isViewInsert = (text: string) => /INSERT INTO analytics_events/i.test(text) && /offer_viewed/.test(text);

/** Sets the variant's stock as another node's sales and releases do: one UPDATE, announced to nobody. */
async function setStockElsewhere(database: DatabaseHandle, setup: OfferShop, stock: number): Promise<void> {
  await sql`UPDATE variants SET stock = ${stock} WHERE shop_id = ${setup.shop.id} AND id = 'addon-v'`.execute(database.db);
}

describe('the confirmation page read', () => {
  let monotonic = 0;
  /** The node under test: listening, its clock frozen (no bound passes unless a test moves it). */
  let a: Node;
  /** Another node on the same database. */
  let b: Node;
  /** A node without a listener: only the 1 s bound brings other nodes' changes. */
  let deaf: Node;
  /** Direct SQL, as a node that is not Plusone would write. */
  let elsewhere: DatabaseHandle;
  beforeAll(async () => {
    a = await startNode({ listen: true, recheckMs: 1_000, monotonicNow: () => monotonic });
    b = await startNode({ listen: true, recheckMs: 1_000, monotonicNow: () => monotonic });
    deaf = await startNode({ listen: false, recheckMs: 1_000, monotonicNow: () => monotonic });
    elsewhere = connectDatabase(inject('databaseUrl'), { maxConnections: 2 });
  });
  afterAll(async () => {
    await stopNode(a);
    await stopNode(b);
    await stopNode(deaf);
    await elsewhere.close();
  });

  it('sends PostgreSQL no query in steady state, for an offer whose variant tracks stock, and still records the view', async () => {
    const setup = await offerShop(a.app, {}, 10);
    const order = await paidOrder(a.app, setup);
    expect(await pageOn(a, order)).toEqual(OPEN(order));
    a.sent.length = 0;
    for (let read = 0; read < 50; read += 1) {
      expect(await pageOn(a, order)).toEqual(OPEN(order));
      expect((await call(a.app, 'GET', '/v1/checkout/offer.html', order.token)).statusCode).toBe(200);
    }
    // At most the one batched write of the view, whose timer may fire meanwhile; not a single read.
    expect(a.sent.filter((text) => !isViewInsert(text))).toEqual([]);
    expect(a.sent.length).toBeLessThanOrEqual(1);
    const views = () =>
      elsewhere.db
        .selectFrom('analytics_events')
        .select('offer_id')
        .where('shop_id', '=', setup.shop.id)
        .where('order_id', '=', order.orderId)
        .where('type', '=', 'offer_viewed')
        .execute();
    expect(await eventually(views, [{ offer_id: order.offerId }])).toEqual([{ offer_id: order.offerId }]);
  });

  it('shows the buyer who accepted on this node their upsell at once, even without any listener', async () => {
    const setup = await offerShop(deaf.app, {}, 10);
    const order = await paidOrder(deaf.app, setup);
    expect(await pageOn(deaf, order)).toEqual(OPEN(order));
    expect((await accept(deaf.app, order)).statusCode).toBe(200);
    expect(await pageOn(deaf, order)).toEqual({ status: 'accepted', offerId: null });
  });

  it('shows "No thanks" given on this node at once', async () => {
    const setup = await offerShop(deaf.app, {}, 10);
    const order = await paidOrder(deaf.app, setup);
    expect(await pageOn(deaf, order)).toEqual(OPEN(order));
    expect((await call(deaf.app, 'POST', '/v1/checkout/decline', order.token, { offerId: order.offerId })).statusCode).toBe(204);
    expect(await pageOn(deaf, order)).toEqual({ status: 'dismissed', offerId: null });
  });

  it('shows an accept or a "No thanks" given on another node within the bound, and never charges twice meanwhile', async () => {
    const setup = await offerShop(a.app, {}, 10);
    const accepted = await paidOrder(a.app, setup);
    const declined = await paidOrder(a.app, setup);
    expect(await pageOn(a, accepted)).toEqual(OPEN(accepted));
    expect(await pageOn(a, declined)).toEqual(OPEN(declined));
    const first = await accept(b.app, accepted);
    expect(first.statusCode).toBe(200);
    expect((await call(b.app, 'POST', '/v1/checkout/decline', declined.token, { offerId: declined.offerId })).statusCode).toBe(204);
    monotonic += 999;
    // Within the bound the other node may still offer them (the documented staleness)…
    expect(await pageOn(a, accepted)).toEqual(OPEN(accepted));
    expect(await pageOn(a, declined)).toEqual(OPEN(declined));
    // …and a click there is settled by the accept's guards: the first upsell, or the offer closed.
    const again = await accept(a.app, accepted, randomUUID());
    expect(again.statusCode).toBe(200);
    expect(again.json().upsell.id).toBe(first.json().upsell.id);
    expect(await elsewhere.db.selectFrom('upsells').select('id').where('order_id', '=', accepted.orderId).execute()).toHaveLength(1);
    const closed = await accept(a.app, declined, randomUUID());
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe('offer_closed');
    monotonic += 1;
    expect(await pageOn(a, accepted)).toEqual({ status: 'accepted', offerId: null });
    expect(await pageOn(a, declined)).toEqual({ status: 'dismissed', offerId: null });
  });

  it('hides a variant sold out elsewhere within the bound, and offers it again once restocked', async () => {
    const setup = await offerShop(a.app, {}, 10);
    const order = await paidOrder(a.app, setup);
    expect(await pageOn(a, order)).toEqual(OPEN(order));
    expect(await pageOn(b, order)).toEqual(OPEN(order));
    await setStockElsewhere(elsewhere, setup, 0);
    monotonic += 999;
    expect(await pageOn(a, order)).toEqual(OPEN(order));
    // A click in that window is refused from the real stock, and charges nothing.
    const refused = await accept(b.app, order);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('offer_not_available');
    monotonic += 1;
    expect(await pageOn(a, order)).toEqual({ status: 'none', offerId: null });
    expect(await pageOn(b, order)).toEqual({ status: 'none', offerId: null });
    await setStockElsewhere(elsewhere, setup, 5);
    monotonic += 1_000;
    expect(await pageOn(a, order)).toEqual(OPEN(order));
    // Steady again: no query.
    a.sent.length = 0;
    expect(await pageOn(a, order)).toEqual(OPEN(order));
    expect(a.sent.filter((text) => !isViewInsert(text))).toEqual([]);
  });
});

describe('ProgressCache', () => {
  /** A read the test finishes by hand. */
  function deferred<T>() {
    let resolve: (value: T) => void = () => undefined;
    const promise = new Promise<T>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  }

  it('answers a read that raced a change, but does not keep it', async () => {
    const cache = new ProgressCache<string>(60_000, 60_000, 10, () => 0);
    const slow = deferred<{ value: string; keep: 'open' }>();
    const racing = cache.get('shp_1', 'ord_1', () => slow.promise);
    cache.forget('shp_1', 'ord_1');
    slow.resolve({ value: 'before the accept', keep: 'open' });
    expect(await racing).toBe('before the accept');
    expect(await cache.get('shp_1', 'ord_1', async () => ({ value: 'after the accept', keep: 'open' }))).toBe('after the accept');
  });

  it('shares one read among requests that miss together, and keeps only what may be kept', async () => {
    const cache = new ProgressCache<string>(1_000, 60_000, 10, () => 0);
    let reads = 0;
    const read = async () => ({ value: `read ${(reads += 1)}`, keep: null });
    expect(await Promise.all([cache.get('shp_1', 'ord_1', read), cache.get('shp_1', 'ord_1', read)])).toEqual(['read 1', 'read 1']);
    expect(await cache.get('shp_1', 'ord_1', read)).toBe('read 2');
  });

  it('keeps shops apart, and an open answer for the bound only', async () => {
    let now = 0;
    const cache = new ProgressCache<string>(1_000, 60_000, 10, () => now);
    await cache.get('shp_1', 'ord_1', async () => ({ value: 'one', keep: 'open' }));
    await cache.get('shp_2', 'ord_1', async () => ({ value: 'two', keep: 'open' }));
    cache.forget('shp_1', 'ord_1');
    expect(await cache.get('shp_1', 'ord_1', async () => ({ value: 'one again', keep: 'open' }))).toBe('one again');
    expect(await cache.get('shp_2', 'ord_1', async () => ({ value: 'unexpected', keep: 'open' }))).toBe('two');
    now = 1_000;
    expect(await cache.get('shp_2', 'ord_1', async () => ({ value: 'two again', keep: 'open' }))).toBe('two again');
  });
});
