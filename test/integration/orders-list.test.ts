/**
 * `GET /v1/orders` and `GET /v1/upsells`: the shop's own rows, newest first, a keyset page at a time,
 * filtered; one query per page; a bad parameter or another shop's cursor is a 400, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, createShop, registerOrder, type Shop, type TestApp } from '../support/app';
import { accept, ADDON_TOTAL, offerShop, paidOrder, undo, type OfferShop } from '../support/upsell';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

interface Summary {
  id: string;
  externalId: string;
  createdAt: string;
  status: string;
  total: number;
  currency: string;
  offerId: string | null;
  upsell: { id: string; state: string; amount: number } | null;
}

async function list(shop: Shop, query = '') {
  const response = await call(t.app, 'GET', `/v1/orders${query ? `?${query}` : ''}`, shop.secretKey);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { orders: Summary[]; nextCursor: string | null };
}

async function listUpsells(shop: Shop, query = '') {
  const response = await call(t.app, 'GET', `/v1/upsells${query ? `?${query}` : ''}`, shop.secretKey);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    upsells: { id: string; state: string; orderId: string; offerId: string; createdAt: string }[];
    nextCursor: string | null;
  };
}

/** Every page of a list, following `nextCursor`; `between` runs after each page (new orders arriving). */
async function allPages(shop: Shop, query: string, between: () => Promise<void> = async () => undefined): Promise<Summary[][]> {
  const pages: Summary[][] = [];
  let cursor: string | null = null;
  do {
    const page = await list(shop, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.orders);
    cursor = page.nextCursor;
    await between();
  } while (cursor);
  return pages;
}

async function order(shop: Shop, externalId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  return (await registerOrder(t.app, shop.secretKey, { externalId, ...overrides })).order.id;
}

function expectNewestFirst(orders: { createdAt: string }[]) {
  for (let i = 1; i < orders.length; i += 1)
    expect(Date.parse(orders[i - 1]?.createdAt ?? '')).toBeGreaterThanOrEqual(Date.parse(orders[i]?.createdAt ?? ''));
}

describe('GET /v1/orders › pages', () => {
  it('pages newest first with no duplicate and no gap while new orders arrive, ties broken by id', async () => {
    const shop = await createShop(t.app, { name: 'Paging shop' });
    const initial: string[] = [];
    // Five orders at the same instant (a tie the page boundary cuts through), then seven a second apart.
    for (let i = 0; i < 5; i += 1) initial.push(await order(shop, `tie-${i}`));
    for (let i = 0; i < 7; i += 1) {
      t.clock.advance(1);
      initial.push(await order(shop, `later-${i}`));
    }
    let arrived = 0;
    const pages = await allPages(shop, 'limit=4', async () => {
      t.clock.advance(1);
      await order(shop, `arriving-${(arrived += 1)}`);
    });
    expect(pages.map((page) => page.length)).toEqual([4, 4, 4]);
    const seen = pages.flat();
    expect(seen.map((summary) => summary.id).sort()).toEqual([...initial].sort());
    expect(new Set(seen.map((summary) => summary.id)).size).toBe(seen.length);
    expectNewestFirst(seen);
    expect(seen[0]?.externalId).toBe('later-6');
    // The orders that arrived meanwhile lead a fresh first page.
    expect((await list(shop, 'limit=3')).orders.map((summary) => summary.externalId)).toEqual(['arriving-3', 'arriving-2', 'arriving-1']);
  });

  it('ends with nextCursor null, also when the last page is exactly full', async () => {
    const shop = await createShop(t.app, { name: 'Exact shop' });
    for (let i = 0; i < 4; i += 1) await order(shop, `exact-${i}`);
    const first = await list(shop, 'limit=2');
    expect(first.nextCursor).not.toBeNull();
    const second = await list(shop, `limit=2&cursor=${first.nextCursor}`);
    expect(second.orders).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect(await list(shop, 'limit=100')).toMatchObject({ nextCursor: null });
    expect(await list(await createShop(t.app, { name: 'Empty shop' }))).toEqual({ orders: [], nextCursor: null });
  });

  it('pages 25 by default, at most 100', async () => {
    const shop = await createShop(t.app, { name: 'Default page shop' });
    for (let i = 0; i < 26; i += 1) await order(shop, `default-${i}`);
    const page = await list(shop);
    expect(page.orders).toHaveLength(25);
    expect(page.nextCursor).not.toBeNull();
    expect((await list(shop, 'limit=100')).orders).toHaveLength(26);
    expect((await list(shop, 'limit=1')).orders).toHaveLength(1);
  });

  it.each(['0', '101', '-1', 'abc', '1.5', '', '1000'])('refuses limit=%s with 400 invalid_request', async (limit) => {
    const shop = await createShop(t.app, { name: 'Limit shop' });
    const response = await call(t.app, 'GET', `/v1/orders?limit=${limit}`, shop.secretKey);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });

  it("refuses a malformed cursor, another list's and another shop's with 400 invalid_request", async () => {
    const shop = await createShop(t.app, { name: 'Cursor shop' });
    const stranger = await createShop(t.app, { name: 'Cursor stranger' });
    for (let i = 0; i < 2; i += 1) {
      t.clock.advance(1);
      await order(shop, `cursor-${i}`);
    }
    await order(stranger, 'stranger-0');
    await order(stranger, 'stranger-1');
    const own = (await list(shop, 'limit=1')).nextCursor ?? '';
    const foreign = (await list(stranger, 'limit=1')).nextCursor ?? '';
    const decoded = JSON.parse(Buffer.from(own, 'base64url').toString('utf8'));
    const forged = (change: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...decoded, ...change })).toString('base64url');
    for (const cursor of [
      foreign,
      'not-a-cursor',
      'e30',
      Buffer.from('[1,2]').toString('base64url'),
      forged({ l: 'upsells' }),
      forged({ t: 'yesterday' }),
      forged({ t: 42 }),
      forged({ i: '' }),
      'a.b',
    ]) {
      const response = await call(t.app, 'GET', `/v1/orders?cursor=${encodeURIComponent(cursor)}`, shop.secretKey);
      expect(response.statusCode, cursor).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
    expect((await list(shop, `cursor=${own}`)).orders.map((summary) => summary.externalId)).toEqual(['cursor-0']);
  });

  it('answers in one query per page, whatever the page size', async () => {
    let queries = 0;
    const counted = await buildTestApp({ clock: t.clock, onQuery: () => (queries += 1) });
    try {
      const setup = await offerShop(counted.app);
      for (let i = 0; i < 3; i += 1) {
        const paid = await paidOrder(counted.app, setup);
        await accept(counted.app, paid);
      }
      for (let i = 0; i < 20; i += 1) await registerOrder(counted.app, setup.shop.secretKey);
      // The first request also loads the key into the process's cache.
      await call(counted.app, 'GET', '/v1/orders?limit=1', setup.shop.secretKey);
      for (const limit of [2, 23]) {
        queries = 0;
        const response = await call(counted.app, 'GET', `/v1/orders?limit=${limit}`, setup.shop.secretKey);
        expect(response.json().orders).toHaveLength(limit);
        expect(queries).toBe(1);
      }
      queries = 0;
      expect((await call(counted.app, 'GET', '/v1/upsells?limit=3', setup.shop.secretKey)).json().upsells).toHaveLength(3);
      expect(queries).toBe(1);
    } finally {
      await counted.close();
    }
  });
});

describe('GET /v1/orders › what a row shows', () => {
  it('shows the decided offer and the upsell at a glance', async () => {
    const setup = await offerShop(t.app);
    const paid = await paidOrder(t.app, setup);
    const upsellId: string = (await accept(t.app, paid)).json().upsell.id;
    // The add-on is already in this order: no offer.
    const without = await order(setup.shop, 'no-offer', {
      lines: [{ productId: 'addon', variantId: 'addon-v', title: 'Add-on', quantity: 1, unitPrice: 5000 }],
    });
    const { orders } = await list(setup.shop);
    expect(orders.find((summary) => summary.id === paid.orderId)).toEqual({
      id: paid.orderId,
      externalId: expect.any(String),
      currency: 'USD',
      total: 5913 + ADDON_TOTAL,
      status: 'open',
      createdAt: t.clock.now().toISOString(),
      upsell: { id: upsellId, state: 'authorized', amount: ADDON_TOTAL },
      offerId: setup.offerId,
    });
    expect(orders.find((summary) => summary.id === without)).toMatchObject({ offerId: null, upsell: null });
  });

  it('lists the original orders only; a linked order is reached through its parent', async () => {
    const setup = await offerShop(t.app, { orderStrategy: 'linked_order' });
    const paid = await paidOrder(t.app, setup);
    await accept(t.app, paid);
    const { orders } = await list(setup.shop);
    expect(orders.map((summary) => summary.id)).toEqual([paid.orderId]);
    expect(orders[0]?.total).toBe(5913);
  });
});

describe('GET /v1/orders › filters', () => {
  let setup: OfferShop;
  let ids: Record<string, string>;
  let start: string;

  beforeAll(async () => {
    setup = await offerShop(t.app);
    start = t.clock.now().toISOString();
    const accepted = await paidOrder(t.app, setup);
    t.clock.advance(10);
    const plain = await order(setup.shop, 'A_1');
    t.clock.advance(10);
    const similar = await order(setup.shop, 'AB1');
    t.clock.advance(10);
    const percent = await order(setup.shop, 'A%2');
    t.clock.advance(10);
    const lower = await order(setup.shop, 'a_3');
    await accept(t.app, accepted);
    ids = { accepted: accepted.orderId, plain, similar, percent, lower };
    // The sessions end and the worker finalizes every order without an upsell in progress.
    t.clock.advance(900);
    await t.worker.runOnce();
    t.clock.advance(61);
    await t.worker.runOnce();
    await t.worker.runOnce();
    t.clock.advance(60);
    await order(setup.shop, 'A_open');
  });

  const idsOf = async (query: string) => (await list(setup.shop, query)).orders.map((summary) => summary.id);

  it('externalId: exactly that one', async () => {
    expect(await idsOf('externalId=A_1')).toEqual([ids.plain]);
    expect(await idsOf('externalId=A_')).toEqual([]);
  });

  it('q: a prefix of externalId, case-sensitive, where % and _ are plain characters', async () => {
    expect(await idsOf('q=A_')).toEqual([(await list(setup.shop, 'externalId=A_open')).orders[0]?.id, ids.plain]);
    expect(await idsOf('q=A%25')).toEqual([ids.percent]);
    expect(await idsOf('q=AB')).toEqual([ids.similar]);
    expect(await idsOf('q=a')).toEqual([ids.lower]);
    expect(await idsOf('q=zzz')).toEqual([]);
  });

  it('status', async () => {
    expect(await idsOf('status=open')).toHaveLength(1);
    expect((await idsOf('status=finalized')).sort()).toEqual(Object.values(ids).sort());
    expect(await idsOf('status=cancelled')).toEqual([]);
  });

  it('createdFrom (inclusive) and createdTo (exclusive), as date-times with Z or an offset, or UTC days', async () => {
    const at = (seconds: number) => new Date(Date.parse(start) + seconds * 1000).toISOString();
    expect(await idsOf(`createdFrom=${at(10)}&createdTo=${at(30)}`)).toEqual([ids.similar, ids.plain]);
    expect(await idsOf(`createdFrom=${at(40)}&createdTo=${at(41)}`)).toEqual([ids.lower]);
    expect(await idsOf(`createdTo=${at(0)}`)).toEqual([]);
    // 12:00:10Z written as 13:00:10 at +01:00.
    const plus = `${at(10).slice(0, 11)}13${at(10).slice(13, 19)}%2B01:00`;
    expect(await idsOf(`createdFrom=${plus}&createdTo=${at(11)}`)).toEqual([ids.plain]);
    const day = start.slice(0, 10);
    expect(await idsOf(`createdFrom=${day}&q=A`)).toHaveLength(4);
    expect(await idsOf(`createdTo=${day}`)).toEqual([]);
  });

  it('hasUpsell', async () => {
    expect(await idsOf('hasUpsell=true')).toEqual([ids.accepted]);
    expect(await idsOf('hasUpsell=false')).not.toContain(ids.accepted);
    expect(await idsOf('hasUpsell=false')).toHaveLength(5);
  });

  it('all at once, paged', async () => {
    const pages = await allPages(setup.shop, 'status=finalized&hasUpsell=false&q=A&limit=1');
    expect(pages.flat().map((summary) => summary.id)).toEqual([ids.percent, ids.similar, ids.plain]);
  });

  it.each([
    'createdFrom=yesterday',
    'createdFrom=2026-02-30',
    'createdFrom=2026-11-22T25:00:00Z',
    'createdFrom=2026-11-22T12:00:00',
    'createdFrom=1969-12-31',
    'createdFrom=2026-11-23&createdTo=2026-11-22',
    'status=shipped',
    'hasUpsell=yes',
    'q=',
    'externalId=',
    'sort=asc',
    'status=open&status=finalized',
  ])('refuses %s with 400 invalid_request', async (query) => {
    const response = await call(t.app, 'GET', `/v1/orders?${query}`, setup.shop.secretKey);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
  });

  it("never shows another shop's orders: filters find nothing, ids answer 404", async () => {
    const stranger = await createShop(t.app, { name: 'Filter stranger' });
    expect((await list(stranger, 'externalId=A_1')).orders).toEqual([]);
    expect((await list(stranger, 'q=A')).orders).toEqual([]);
    for (const url of [`/v1/orders/${ids.plain}`, `/v1/orders/${ids.plain}/decision`]) {
      expect((await call(t.app, 'GET', url, stranger.secretKey)).statusCode).toBe(404);
    }
  });
});

describe('GET /v1/upsells', () => {
  let setup: OfferShop;
  let states: Record<string, string>;

  beforeAll(async () => {
    setup = await offerShop(t.app, {}, null);
    const paidIds = async (method = 'pm_sandbox_visa') => {
      const paid = await paidOrder(t.app, setup, method);
      t.clock.advance(1);
      return { paid, upsellId: (await accept(t.app, paid)).json().upsell.id as string };
    };
    const captured = await paidIds();
    t.clock.advance(61);
    await t.worker.runOnce();
    const undone = await paidIds();
    await undo(t.app, undone.paid, undone.upsellId);
    const declined = await paidIds('pm_sandbox_declined');
    const authorized = await paidIds();
    states = { captured: captured.upsellId, cancelled: undone.upsellId, declined: declined.upsellId, authorized: authorized.upsellId };
  });

  it('lists the shop’s upsells newest first, as GET /v1/upsells/{id} shows them without events', async () => {
    const { upsells, nextCursor } = await listUpsells(setup.shop);
    expect(upsells.map((upsell) => upsell.id)).toEqual([states.authorized, states.declined, states.cancelled, states.captured]);
    expect(nextCursor).toBeNull();
    const single = (await call(t.app, 'GET', `/v1/upsells/${states.captured}`, setup.shop.secretKey)).json().upsell;
    const { events, ...withoutEvents } = single;
    expect(events.length).toBeGreaterThan(0);
    expect(upsells.find((upsell) => upsell.id === states.captured)).toEqual(withoutEvents);
  });

  it('pages with a cursor', async () => {
    const first = await listUpsells(setup.shop, 'limit=3');
    expect(first.upsells).toHaveLength(3);
    const second = await listUpsells(setup.shop, `limit=3&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ upsells: [{ id: states.captured }], nextCursor: null });
  });

  it('filters by state, order, offer and gateway', async () => {
    for (const [state, id] of Object.entries(states)) {
      expect((await listUpsells(setup.shop, `state=${state}`)).upsells.map((upsell) => upsell.id)).toEqual([id]);
    }
    const captured = (await listUpsells(setup.shop, 'state=captured')).upsells[0];
    expect((await listUpsells(setup.shop, `orderId=${captured?.orderId}`)).upsells.map((upsell) => upsell.id)).toEqual([states.captured]);
    expect((await listUpsells(setup.shop, `offerId=${setup.offerId}`)).upsells).toHaveLength(4);
    expect((await listUpsells(setup.shop, 'offerId=off_other')).upsells).toEqual([]);
    expect((await listUpsells(setup.shop, 'gateway=sandbox')).upsells).toHaveLength(4);
    expect((await listUpsells(setup.shop, 'gateway=shopify')).upsells).toEqual([]);
    expect((await listUpsells(setup.shop, 'state=refunded')).upsells).toEqual([]);
  });

  it.each(['state=paid', 'gateway=paypal', 'limit=0', 'limit=101', 'cursor=nope', 'orderId=', 'status=open'])(
    'refuses %s with 400 invalid_request',
    async (query) => {
      const response = await call(t.app, 'GET', `/v1/upsells?${query}`, setup.shop.secretKey);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    },
  );

  it("refuses an orders cursor and another shop's cursor; never shows another shop's upsells", async () => {
    const ordersCursor = (await list(setup.shop, 'limit=1')).nextCursor ?? '';
    const other = await offerShop(t.app);
    for (let i = 0; i < 2; i += 1) await accept(t.app, await paidOrder(t.app, other));
    const foreign = (await listUpsells(other.shop, 'limit=1')).nextCursor ?? '';
    for (const cursor of [ordersCursor, foreign]) {
      const response = await call(t.app, 'GET', `/v1/upsells?cursor=${cursor}`, setup.shop.secretKey);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
    const captured = (await listUpsells(setup.shop, 'state=captured')).upsells[0];
    expect((await listUpsells(other.shop, `orderId=${captured?.orderId}`)).upsells).toEqual([]);
    expect((await call(t.app, 'GET', `/v1/upsells/${states.captured}`, other.shop.secretKey)).statusCode).toBe(404);
  });
});
