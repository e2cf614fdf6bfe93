/**
 * The analytics rollup's closed days folded by the worker (migration 018, worker/rollup): every metrics
 * answer is the same before and after, a late write to a folded day counts at once and is folded again,
 * writers running during a fold lose nothing, and one shop's day that cannot be folded is reported and
 * never stops another shop's.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentObserver, type SweepName, type WorkerObserver } from '../../src/engine/observer';
import { FOLDED_SLOT, foldClosedDay } from '../../src/store/analytics';
import { rollupFolder } from '../../src/worker/rollup';
import { buildTestApp, call, createShop, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app, { name: 'Folded rollup' });
});
afterAll(() => t.close());

/** The clock starts on 2026-11-22 at noon: the days before are closed, the 22nd is today. */
const DAYS = ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
const KEYS: { offer: string; experiment: string; arm: string; currency: string }[] = [
  { offer: 'offA', experiment: 'exp_fold', arm: 'control', currency: 'USD' },
  { offer: 'offA', experiment: 'exp_fold', arm: 'holdout', currency: 'USD' },
  { offer: 'offB', experiment: '', arm: '', currency: 'USD' },
  { offer: 'offB', experiment: '', arm: '', currency: 'EUR' },
  { offer: '', experiment: '', arm: '', currency: 'USD' },
];

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function generator(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) % limit;
  };
}

/** Slot rows as the triggers leave them: each key spread over several of the 8 slots, every counter set. */
async function seedSlots(shopId: string, days: readonly string[], seed: number): Promise<void> {
  const next = generator(seed);
  const rows = [];
  for (const day of days)
    for (const key of KEYS)
      for (let slot = 0; slot < 8; slot += 1) {
        if (next(4) === 0) continue;
        const views = 1 + next(50);
        const accepts = next(views);
        const captures = next(accepts + 1);
        const orders = key.offer === '' ? 1 + next(20) : views;
        rows.push({
          shop_id: shopId,
          day,
          offer_id: key.offer,
          experiment_id: key.experiment,
          arm_id: key.arm,
          currency: key.currency,
          slot,
          orders,
          checkout_total: orders * 4_000 + next(999),
          checkout_squares: orders * 16_000_000 + next(99_999),
          views,
          accepts,
          declines: next(views - accepts + 1),
          undos: next(accepts + 1 - captures),
          captures,
          capture_failures: next(2),
          refunds: next(captures + 1),
          payment_declines: next(2),
          accepted_amount: accepts * 1_999,
          captured_amount: captures * 1_999,
          refunded_amount: next(2) * 1_999,
          captured_squares: captures * 1_999 * 1_999,
          refunded_squares: next(2) * 1_999 * 1_999,
        });
      }
  await t.database.db.insertInto('analytics_daily').values(rows).execute();
}

const QUERIES = [
  '',
  'groupBy=day',
  'groupBy=offer',
  'groupBy=arm',
  'groupBy=day,offer',
  'groupBy=day,arm',
  'offerId=offA',
  'experimentId=exp_fold',
  'experimentId=exp_fold&groupBy=day',
];

async function metrics(key: string, query: string, from = '2026-11-19') {
  const response = await call(t.app, 'GET', `/v1/analytics/metrics?from=${from}&to=2026-11-22&${query}`, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const allMetrics = (target: Shop, from?: string) => Promise.all(QUERIES.map((query) => metrics(target.secretKey, query, from)));

async function slotRows(shopId: string) {
  const result = await sql<{ day: string; slot: number; rows: string }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, slot, count(*)::text AS rows FROM analytics_daily
    WHERE shop_id = ${shopId} GROUP BY 1, 2 ORDER BY 1, 2
  `.execute(t.database.db);
  return result.rows;
}

let lateViews = 0;
/** A view written now to `day`, through the event trigger, for an order of its own (a view counts once per order). */
async function insertView(shopId: string, day: string, offer = 'offB'): Promise<void> {
  lateViews += 1;
  await t.database.db
    .insertInto('analytics_events')
    .values({
      shop_id: shopId,
      type: 'offer_viewed',
      order_id: `late_${lateViews}`,
      offer_id: offer,
      amount: 1_999,
      currency: 'USD',
      occurred_at: `${day}T23:59:00Z`,
    })
    .execute();
}

const totalViews = async (target: Shop) =>
  (await metrics(target.secretKey, '')).rows.find((row: { currency: string }) => row.currency === 'USD').views;

describe('analytics › the rollup’s closed days, folded', () => {
  it('answers every metrics query the same before and after the worker folds the closed days', async () => {
    await t.database.db
      .insertInto('experiments')
      .values({
        shop_id: shop.id,
        id: 'exp_fold',
        name: 'Fold',
        offer_id: 'offA',
        status: 'running',
        arms: JSON.stringify([{ id: 'control', weight: 1 }]),
        holdout_basis_points: 1_000,
        settings: JSON.stringify({}),
        winner_arm_id: null,
        created_at: '2026-11-18T00:00:00Z',
        updated_at: '2026-11-18T00:00:00Z',
        ended_at: null,
      } as never)
      .execute();
    await seedSlots(shop.id, DAYS, 7);
    const before = await allMetrics(shop);
    expect(before[0].rows.find((row: { currency: string }) => row.currency === 'USD').holdout).toBeTruthy();

    const round = await t.worker.runOnce();
    expect(round.foldedDays).toBeGreaterThanOrEqual(3);

    // The closed days hold only folded rows, one per key; today keeps the writers' slots.
    const slots = await slotRows(shop.id);
    for (const day of DAYS.slice(0, 3))
      expect(slots.filter((row) => row.day === day)).toEqual([{ day, slot: FOLDED_SLOT, rows: String(KEYS.length) }]);
    expect(slots.filter((row) => row.day === '2026-11-22').every((row) => row.slot >= 0)).toBe(true);
    const shopDays = await t.database.db
      .selectFrom('analytics_shop_daily')
      .select(['day', 'experiment_id', 'arm_id', 'currency'])
      .where('shop_id', '=', shop.id)
      .execute();
    expect(shopDays).toHaveLength(3 * 4); // (exp, control), (exp, holdout), (none, USD), (none, EUR) per closed day

    expect(await allMetrics(shop)).toEqual(before);
    // Nothing left to fold: the next round (ten minutes on) finds no closed day with slot rows.
    t.clock.advance(600);
    expect((await t.worker.runOnce()).foldedDays).toBe(0);
  });

  it('counts a late write to a folded day at once, and folds it again', async () => {
    const views = await totalViews(shop);
    await insertView(shop.id, '2026-11-20');
    expect(await totalViews(shop)).toBe(views + 1);
    expect((await metrics(shop.secretKey, 'offerId=offB')).rows.find((row: { currency: string }) => row.currency === 'USD')).toBeTruthy();

    t.clock.advance(600);
    expect((await t.worker.runOnce()).foldedDays).toBe(1);
    expect(await totalViews(shop)).toBe(views + 1);
    expect((await slotRows(shop.id)).filter((row) => row.day === '2026-11-20')).toEqual([
      { day: '2026-11-20', slot: FOLDED_SLOT, rows: String(KEYS.length) },
    ]);
  });

  it('loses nothing written while a fold runs', async () => {
    const views = await totalViews(shop);
    const writes = Array.from({ length: 40 }, () => insertView(shop.id, '2026-11-21'));
    const folds = Array.from({ length: 10 }, () => foldClosedDay(t.database.db, shop.id, '2026-11-21'));
    await Promise.all([...writes, ...folds]);
    await foldClosedDay(t.database.db, shop.id, '2026-11-21');
    expect(await totalViews(shop)).toBe(views + 40);
    expect(
      (await metrics(shop.secretKey, 'groupBy=offer')).rows.find(
        (row: { offerId: string; currency: string }) => row.offerId === 'offB' && row.currency === 'USD',
      ),
    ).toBeTruthy();
  });

  it('reports a shop’s day that cannot be folded and folds the other shops’ days', async () => {
    const broken = await createShop(t.app, { name: 'Overflowing rollup' });
    const healthy = await createShop(t.app, { name: 'Healthy rollup' });
    // Two slot rows whose orders add up past a bigint: that day's fold fails, as bad data would make it.
    const huge = { day: '2026-11-10', offer_id: 'offB', experiment_id: '', arm_id: '', currency: 'USD', orders: '5000000000000000000' };
    await t.database.db
      .insertInto('analytics_daily')
      .values([
        { shop_id: broken.id, slot: 1, ...huge },
        { shop_id: broken.id, slot: 2, ...huge },
      ])
      .execute();
    await seedSlots(healthy.id, ['2026-11-10'], 11);
    const healthyBefore = await allMetrics(healthy, '2026-11-10');

    const failures: { sweep: SweepName; shopId?: string }[] = [];
    const observer: WorkerObserver = { ...silentObserver, rowFailed: (sweep, _error, ids) => failures.push({ sweep, ...ids }) };
    const fold = rollupFolder({ db: t.database.db, clock: t.clock }, observer);
    expect(await fold()).toBeGreaterThanOrEqual(1);
    expect(failures).toEqual([{ sweep: 'fold_rollup', shopId: broken.id, id: '2026-11-10' }]);
    expect((await slotRows(healthy.id)).every((row) => row.slot === FOLDED_SLOT)).toBe(true);
    expect(await allMetrics(healthy, '2026-11-10')).toEqual(healthyBefore);
    // The broken day keeps its slot rows (nothing half-moved), and is tried again on the next due round.
    expect((await slotRows(broken.id)).map((row) => row.slot)).toEqual([1, 2]);
    expect(await fold()).toBe(0);
    expect(failures).toHaveLength(1);
    t.clock.advance(600);
    await fold();
    expect(failures).toHaveLength(2);
    expect((await slotRows(broken.id)).map((row) => row.slot)).toEqual([1, 2]);
  });
});
