/**
 * Metric definitions on a hand-built event log: every number below is worked out by hand from the events,
 * including undos, refunds, a failed capture and three currencies that are never added together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignArm } from '../../src/analytics/experiments/assignment';
import type { AnalyticsEventType } from '../../src/core/analytics';
import type { ExperimentArm } from '../../src/core/experiments';
import { buildTestApp, call, createOffer, createShop, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let shop: Shop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await createShop(t.app, { name: 'Hand-built events' });
});
afterAll(() => t.close());

type Event = [
  type: AnalyticsEventType,
  order: string,
  offer: string,
  arm: string | null,
  amount: number,
  currency: string,
  day: string,
  upsell?: string,
];

const EVENTS: Event[] = [
  // USD, offer A, arm "control", day 1: 4 views, 2 accepts (1 undone), 1 decline, 1 captured.
  ['offer_viewed', 'o1', 'offA', 'control', 1947, 'USD', '2026-11-01'],
  ['offer_viewed', 'o2', 'offA', 'control', 1947, 'USD', '2026-11-01'],
  ['offer_viewed', 'o3', 'offA', 'control', 1947, 'USD', '2026-11-01'],
  ['offer_viewed', 'o4', 'offA', 'control', 1947, 'USD', '2026-11-01'],
  ['offer_accepted', 'o1', 'offA', 'control', 1947, 'USD', '2026-11-01', 'u1'],
  ['upsell_captured', 'o1', 'offA', 'control', 1947, 'USD', '2026-11-01', 'u1'],
  ['offer_accepted', 'o2', 'offA', 'control', 1947, 'USD', '2026-11-01', 'u2'],
  ['upsell_undone', 'o2', 'offA', 'control', 1947, 'USD', '2026-11-01', 'u2'],
  ['offer_declined', 'o3', 'offA', 'control', 1947, 'USD', '2026-11-01'],
  // USD, offer A, arm "copy", day 1: 2 views, 2 accepts, both captured, one refunded on day 2.
  ['offer_viewed', 'o5', 'offA', 'copy', 1947, 'USD', '2026-11-01'],
  ['offer_viewed', 'o6', 'offA', 'copy', 1947, 'USD', '2026-11-01'],
  ['offer_accepted', 'o5', 'offA', 'copy', 1947, 'USD', '2026-11-01', 'u5'],
  ['offer_accepted', 'o6', 'offA', 'copy', 1947, 'USD', '2026-11-01', 'u6'],
  ['upsell_captured', 'o5', 'offA', 'copy', 1947, 'USD', '2026-11-01', 'u5'],
  ['upsell_captured', 'o6', 'offA', 'copy', 1947, 'USD', '2026-11-01', 'u6'],
  ['upsell_refunded', 'o6', 'offA', 'copy', 1947, 'USD', '2026-11-02', 'u6'],
  // EUR, offer A, no experiment, day 2: 2 views, 1 accept whose capture failed.
  ['offer_viewed', 'o7', 'offA', null, 1753, 'EUR', '2026-11-02'],
  ['offer_viewed', 'o8', 'offA', null, 1753, 'EUR', '2026-11-02'],
  ['offer_accepted', 'o7', 'offA', null, 1753, 'EUR', '2026-11-02', 'u7'],
  ['upsell_capture_failed', 'o7', 'offA', null, 1753, 'EUR', '2026-11-02', 'u7'],
  // JPY (no minor unit), offer B, day 2: 1 view, 1 accept captured.
  ['offer_viewed', 'o9', 'offB', null, 3300, 'JPY', '2026-11-02'],
  ['offer_accepted', 'o9', 'offB', null, 3300, 'JPY', '2026-11-02', 'u9'],
  ['upsell_captured', 'o9', 'offB', null, 3300, 'JPY', '2026-11-02', 'u9'],
  // JPY, offer B: a capture the PSP accepted, then reported failed (captured → capture_failed): reversed.
  ['offer_viewed', 'o10', 'offB', null, 3300, 'JPY', '2026-11-02'],
  ['offer_accepted', 'o10', 'offB', null, 3300, 'JPY', '2026-11-02', 'u10'],
  ['upsell_captured', 'o10', 'offB', null, 3300, 'JPY', '2026-11-02', 'u10'],
  ['upsell_capture_failed', 'o10', 'offB', null, 3300, 'JPY', '2026-11-02', 'u10'],
  ['upsell_capture_reversed', 'o10', 'offB', null, 3300, 'JPY', '2026-11-02', 'u10'],
  // Outside the range: ignored.
  ['offer_viewed', 'o0', 'offA', null, 1947, 'USD', '2026-10-31'],
];

async function seed(): Promise<void> {
  await t.database.db
    .insertInto('analytics_events')
    .values(
      EVENTS.map(([type, order, offer, arm, amount, currency, day, upsell]) => ({
        shop_id: shop.id,
        type,
        order_id: order,
        offer_id: offer,
        upsell_id: upsell ?? null,
        experiment_id: arm ? 'exp_hand' : null,
        arm_id: arm,
        amount,
        currency,
        occurred_at: `${day}T10:00:00Z`,
      })),
    )
    .execute();
}

async function rows(query: string) {
  const response = await call(t.app, 'GET', `/v1/analytics/metrics?from=2026-11-01&to=2026-11-03&${query}`, shop.secretKey);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().rows;
}

describe('analytics › metric definitions on a hand-built event set', () => {
  it('computes the shop totals per currency, never across currencies', async () => {
    await seed();
    const totals = await rows('');
    expect(totals.map((row: { currency: string }) => row.currency)).toEqual(['EUR', 'JPY', 'USD']);
    const [eur, jpy, usd] = totals;
    expect(usd).toMatchObject({
      views: 6,
      accepts: 4,
      undos: 1,
      declines: 1,
      captures: 3,
      refunds: 1,
      captureFailures: 0,
      acceptedAmount: 4 * 1947,
      capturedAmount: 3 * 1947,
      refundedAmount: 1947,
      netRevenue: 2 * 1947, // captured − refunded
      takeRate: 0.5, // (4 accepted − 1 undone) ÷ 6 views
      undoRate: 0.25, // 1 undone ÷ 4 accepted
      revenuePerView: '649', // 3894 ÷ 6
      averageUpsellValue: '1947', // captured amount ÷ captures
      orders: 0,
      offerShare: null,
      aovLift: null, // no orders were registered in this hand-built shop
    });
    expect(eur).toMatchObject({
      views: 2,
      accepts: 1,
      captureFailures: 1,
      captures: 0,
      netRevenue: 0,
      takeRate: 0.5,
      revenuePerView: '0',
      averageUpsellValue: null,
    });
    // The reversed capture is taken back: one capture stands, revenue 3300 over two views.
    expect(jpy).toMatchObject({
      views: 2,
      accepts: 2,
      captures: 1,
      captureFailures: 1,
      capturedAmount: 3300,
      netRevenue: 3300,
      takeRate: 1,
      revenuePerView: '1650',
    });
  });

  it('splits by day (UTC), offer and arm', async () => {
    const byDay = await rows('groupBy=day');
    const usdDay1 = byDay.find((row: { day: string; currency: string }) => row.day === '2026-11-01' && row.currency === 'USD');
    const usdDay2 = byDay.find((row: { day: string; currency: string }) => row.day === '2026-11-02' && row.currency === 'USD');
    expect(usdDay1).toMatchObject({ views: 6, accepts: 4, undos: 1, capturedAmount: 3 * 1947, netRevenue: 3 * 1947 });
    // A refund counts on the day it happened: day 2 has negative net revenue and no views.
    expect(usdDay2).toMatchObject({ views: 0, refunds: 1, netRevenue: -1947, takeRate: null, revenuePerView: null });

    const byArm = await rows('groupBy=offer,arm');
    const control = byArm.find((row: { armId: string | null }) => row.armId === 'control');
    const copy = byArm.find((row: { armId: string | null }) => row.armId === 'copy');
    expect(control).toMatchObject({
      offerId: 'offA',
      experimentId: 'exp_hand',
      views: 4,
      accepts: 2,
      undos: 1,
      declines: 1,
      takeRate: 0.25,
      netRevenue: 1947,
      revenuePerView: '486.75',
    });
    expect(copy).toMatchObject({
      offerId: 'offA',
      views: 2,
      accepts: 2,
      undos: 0,
      takeRate: 1,
      netRevenue: 1947,
      revenuePerView: '973.5',
      averageUpsellValue: '1947',
    });
    expect(byArm.filter((row: { offerId: string }) => row.offerId === 'offB')).toHaveLength(1);

    const filtered = await rows('groupBy=arm&experimentId=exp_hand');
    expect(filtered.map((row: { armId: string }) => row.armId).sort()).toEqual(['control', 'copy']);
  });

  it('exports the same rows as CSV', async () => {
    const response = await call(t.app, 'GET', '/v1/analytics/metrics.csv?from=2026-11-01&to=2026-11-03&groupBy=day,offer', shop.secretKey);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toBe('attachment; filename="plusone-metrics-2026-11-01-2026-11-03.csv"');
    const [header, ...lines] = response.body.trim().split('\r\n');
    expect(header?.startsWith('day,offerId,currency,orders,views,accepts,declines,undos,captures,')).toBe(true);
    // The holdout comparison's seven columns come last, empty: no experiment of this shop holds orders out.
    expect(lines).toContain('2026-11-01,offA,USD,0,6,4,1,1,3,0,0,0,7788,5841,0,5841,0,0.5,0.25,973.5,,1947,,,,,,,,');
    expect(lines).toContain('2026-11-02,offA,USD,0,0,0,0,0,0,0,1,0,0,0,1947,-1947,0,,,,,,,,,,,,,');
  });
});

describe('analytics › experiment verdict on a hand-built event set', () => {
  async function experimentWith(arms: Record<string, { views: number; accepts: number; undos?: number }>, settings: Record<string, unknown> = {}) {
    const owner = await createShop(t.app, { name: 'Verdicts' });
    await putProduct(t.app, owner.secretKey, 'addon', { prices: { USD: 1000 } });
    const offer = await createOffer(t.app, owner.secretKey, { variantId: 'addon-v' });
    const created = await call(t.app, 'POST', '/v1/experiments', owner.secretKey, {
      offerId: offer.id,
      arms: Object.keys(arms).map((id) => ({ id, copy: `${id} {price}` })),
      settings,
    });
    expect(created.statusCode, created.body).toBe(201);
    const experiment = created.json().experiment;
    await addEvents(owner.id, offer.id, experiment.id, arms);
    return { owner, experiment };
  }

  /** Views, accepts, undos and captures per arm, as the event log would hold them (`batch` keeps ids apart). */
  async function addEvents(
    shopId: string,
    offerId: string,
    experimentId: string,
    arms: Record<string, { views: number; accepts: number; undos?: number }>,
    batch = 'a',
  ) {
    const rows = Object.entries(arms).flatMap(([arm, counts]) =>
      Array.from({ length: counts.views }, (_, index) => {
        const base = {
          shop_id: shopId,
          order_id: `${batch}-${arm}-${index}`,
          offer_id: offerId,
          experiment_id: experimentId,
          arm_id: arm,
          amount: 1000,
          currency: 'USD',
          occurred_at: '2026-11-20T10:00:00Z',
        };
        const events: (typeof base & { type: AnalyticsEventType; upsell_id: string | null })[] = [{ ...base, type: 'offer_viewed', upsell_id: null }];
        if (index < counts.accepts) events.push({ ...base, type: 'offer_accepted', upsell_id: `u-${batch}-${arm}-${index}` });
        if (index < (counts.undos ?? 0)) events.push({ ...base, type: 'upsell_undone', upsell_id: `u-${batch}-${arm}-${index}` });
        else if (index < counts.accepts) events.push({ ...base, type: 'upsell_captured', upsell_id: `u-${batch}-${arm}-${index}` });
        return events;
      }).flat(),
    );
    await t.database.db.insertInto('analytics_events').values(rows).execute();
  }

  it('says keep_running below the minimum sample even when one arm looks far better', async () => {
    const { owner, experiment } = await experimentWith({ control: { views: 40, accepts: 2 }, bold: { views: 40, accepts: 20 } });
    const { statistics } = (await call(t.app, 'GET', `/v1/experiments/${experiment.id}`, owner.secretKey)).json();
    expect(statistics).toMatchObject({ verdict: 'keep_running', reason: 'minimum_sample', winnerArmId: null });
  });

  it('names a clear winner with intervals, and promotes it when asked to', async () => {
    const { owner, experiment } = await experimentWith(
      { control: { views: 400, accepts: 20 }, bold: { views: 400, accepts: 120, undos: 4 } },
      { autoPromote: true },
    );
    const report = (await call(t.app, 'GET', `/v1/experiments/${experiment.id}`, owner.secretKey)).json();
    expect(report.statistics).toMatchObject({ verdict: 'winner', winnerArmId: 'bold', reason: 'significant' });
    const bold = report.statistics.arms.find((arm: { armId: string }) => arm.armId === 'bold');
    expect(bold).toMatchObject({ views: 400, accepts: 120, undos: 4, guardrailBreached: false });
    expect(bold.takeRate.estimate).toBeCloseTo(116 / 400);
    expect(bold.takeRate.lower).toBeLessThan(116 / 400);
    expect(bold.revenue).toEqual([expect.objectContaining({ currency: 'USD', netRevenue: 116_000 })]);
    expect(bold.revenue[0].revenuePerView.estimate).toBeCloseTo(290);
    expect(report.statistics.comparisons[0].difference.lower).toBeGreaterThan(0);
    expect(report.experiment).toMatchObject({ status: 'completed', winnerArmId: 'bold' });
  });

  it('promotes a winner from the worker when nobody reads the report, and only experiments that ask for it', async () => {
    const arms = { control: { views: 400, accepts: 20 }, bold: { views: 400, accepts: 120 } };
    const auto = await experimentWith(arms, { autoPromote: true });
    const manual = await experimentWith(arms);
    const status = async (owner: { secretKey: string }, id: string) =>
      (await call(t.app, 'GET', '/v1/experiments', owner.secretKey)).json().experiments.find((experiment: { id: string }) => experiment.id === id);
    expect(await status(auto.owner, auto.experiment.id)).toMatchObject({ status: 'running' });
    const round = await t.worker.runOnce();
    expect(round.promotedExperiments).toBeGreaterThanOrEqual(1);
    expect(await status(auto.owner, auto.experiment.id)).toMatchObject({ status: 'completed', winnerArmId: 'bold' });
    expect(await status(manual.owner, manual.experiment.id)).toMatchObject({ status: 'running', winnerArmId: null });
    // A second worker round (or a second worker) finds nothing left to promote.
    expect((await t.worker.runOnce()).promotedExperiments).toBe(0);
  });

  it('recomputes a running experiment’s verdict at most once a minute per worker', async () => {
    const { owner, experiment } = await experimentWith(
      { control: { views: 40, accepts: 2 }, bold: { views: 40, accepts: 20 } },
      { autoPromote: true },
    );
    const status = async () =>
      (await call(t.app, 'GET', '/v1/experiments', owner.secretKey)).json().experiments.find((row: { id: string }) => row.id === experiment.id)
        .status;
    await t.worker.runOnce();
    expect(await status()).toBe('running'); // below the minimum sample
    await addEvents(owner.id, experiment.offerId, experiment.id, { control: { views: 400, accepts: 20 }, bold: { views: 400, accepts: 120 } }, 'b');
    await t.worker.runOnce();
    expect(await status()).toBe('running'); // a winner now, but this worker looked less than a minute ago
    t.clock.advance(60);
    await t.worker.runOnce();
    expect(await status()).toBe('completed');
  });

  it('holds back a winner whose undo rate is clearly worse', async () => {
    const { owner, experiment } = await experimentWith({
      control: { views: 1000, accepts: 60, undos: 1 },
      pushy: { views: 1000, accepts: 400, undos: 200 },
    });
    const { statistics } = (await call(t.app, 'GET', `/v1/experiments/${experiment.id}`, owner.secretKey)).json();
    expect(statistics).toMatchObject({ verdict: 'keep_running', reason: 'undo_guardrail' });
    expect(statistics.arms.find((arm: { armId: string }) => arm.armId === 'pushy').guardrailBreached).toBe(true);
  });
});

describe('analytics › AOV lift against the holdout', () => {
  const DAY_MS = 86_400_000;
  const day = (offset: number) => new Date(start + offset * DAY_MS).toISOString().slice(0, 10);
  let start = 0;
  let owner: Shop;
  let offerId: string;
  let experiment: { id: string; arms: ExperimentArm[] };
  let nextId = 0;

  /** Moves the clock to 09:00 UTC of day `offset` (counted from the first day of this story). */
  function onDay(offset: number) {
    t.clock.advance((start + offset * DAY_MS + 9 * 3_600_000 - t.clock.now().getTime()) / 1000);
  }

  /** Registers an order the experiment assigns as asked: the external id is picked so its hash lands there. */
  async function placeOrder(group: 'holdout' | 'exposed', total: number, currency = 'USD') {
    let externalId = '';
    do {
      nextId += 1;
      externalId = `lift-${owner.id}-${nextId}`;
    } while ((assignArm({ ...experiment, holdoutBasisPoints: 5000 }, externalId).kind === 'holdout') !== (group === 'holdout'));
    const registered = await registerOrder(t.app, owner.secretKey, {
      externalId,
      currency,
      lines: [{ productId: 'main', variantId: 'main-v', title: 'Main product', quantity: 1, unitPrice: total }],
      subtotal: total,
      shippingTotal: 0,
      taxTotal: 0,
      total,
      taxRate: 0,
    });
    expect(registered.offer?.id ?? null).toBe(group === 'holdout' ? null : offerId);
    return registered.session.token as string;
  }

  async function acceptOn(token: string): Promise<{ id: string; amount: number }> {
    const response = await call(t.app, 'POST', '/v1/checkout/accept', token, { offerId }, { 'idempotency-key': `accept-${token.slice(-12)}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().upsell;
  }

  async function captureDue() {
    t.clock.advance(61);
    await t.worker.runOnce();
  }

  async function metricsOf(query: string, key = owner.secretKey) {
    const response = await call(t.app, 'GET', `/v1/analytics/metrics?${query}`, key);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().rows as { day?: string; currency: string; armId?: string; orders: number; aovLift: number | null; holdout: unknown }[];
  }

  let usdUpsell = 0;
  let eurUpsell = 0;

  beforeAll(async () => {
    // The story starts on the UTC day after tomorrow, so the clock only moves forward.
    start = Math.floor(t.clock.now().getTime() / DAY_MS) * DAY_MS + 2 * DAY_MS;
    owner = await createShop(t.app, { name: 'Holdout lift' });
    await putProduct(t.app, owner.secretKey, 'main', { prices: { USD: 5000, EUR: 4000 } });
    await putProduct(t.app, owner.secretKey, 'addon', { prices: { USD: 2000, EUR: 1500 } });
    offerId = (await createOffer(t.app, owner.secretKey, { variantId: 'addon-v' })).id;
    const created = await call(t.app, 'POST', '/v1/experiments', owner.secretKey, {
      offerId,
      arms: [{ id: 'control' }, { id: 'short', copy: 'Add it' }],
      holdoutPercent: 50,
    });
    expect(created.statusCode, created.body).toBe(201);
    experiment = created.json().experiment;

    // Day 0, before the range: one order each side, an upsell kept.
    onDay(0);
    await placeOrder('holdout', 9000);
    await acceptOn(await placeOrder('exposed', 9000));
    await captureDue();

    // Day 1. USD held out: 4,000 and 6,000. Exposed: 5,000 with an upsell kept, 5,000 with an upsell undone,
    // 7,000 with an upsell captured (refunded on day 2), 3,000 without one.
    onDay(1);
    await placeOrder('holdout', 4000);
    await placeOrder('holdout', 6000);
    const kept = await acceptOn(await placeOrder('exposed', 5000));
    usdUpsell = kept.amount;
    const undoneToken = await placeOrder('exposed', 5000);
    const undone = await acceptOn(undoneToken);
    expect((await call(t.app, 'POST', '/v1/checkout/cancel', undoneToken, { upsellId: undone.id })).statusCode).toBe(200);
    const refunded = await acceptOn(await placeOrder('exposed', 7000));
    await placeOrder('exposed', 3000);
    // EUR, never mixed in: held out 3,000 and 5,000; exposed 4,000 and 4,000, one with an upsell kept.
    await placeOrder('holdout', 3000, 'EUR');
    await placeOrder('holdout', 5000, 'EUR');
    eurUpsell = (await acceptOn(await placeOrder('exposed', 4000, 'EUR'))).amount;
    await placeOrder('exposed', 4000, 'EUR');
    await captureDue();

    // Day 2: one order each side; the day-1 upsell is refunded.
    onDay(2);
    await placeOrder('holdout', 5000);
    await placeOrder('exposed', 5000);
    const refund = await call(t.app, 'POST', `/v1/upsells/${refunded.id}/refund`, owner.secretKey, {}, { 'idempotency-key': 'lift-refund' });
    expect(refund.statusCode, refund.body).toBe(200);

    // Day 3, after the range: exposed orders only.
    onDay(3);
    await acceptOn(await placeOrder('exposed', 8000));
    await captureDue();
  });

  it('compares the range’s held-out and exposed orders per currency, upsell money kept included, undos and refunds netted', async () => {
    expect(usdUpsell).toBe(2000);
    const [eur, usd] = await metricsOf(`from=${day(1)}&to=${day(2)}`);
    // USD held out: 4,000, 6,000 and 5,000. Exposed: 25,000 of checkout + 2,000 kept (+2,000 captured, −2,000 refunded).
    expect(usd?.holdout).toMatchObject({ heldOutOrders: 3, exposedOrders: 5, heldOutAov: 5000, exposedAov: 5400, aovLift: 0.08 });
    // The old measure is kept as it was: net upsell revenue ÷ every order's checkout total.
    expect(usd?.aovLift).toBeCloseTo(2000 / 40_000, 6);
    const { aovLiftLower, aovLiftUpper } = usd?.holdout as { aovLiftLower: number; aovLiftUpper: number };
    expect(aovLiftLower).toBeLessThan(0.08);
    expect(aovLiftUpper).toBeGreaterThan(0.08);
    expect(eur?.holdout).toMatchObject({
      heldOutOrders: 2,
      exposedOrders: 2,
      heldOutAov: 4000,
      exposedAov: Math.round((8000 + eurUpsell) / 2),
      aovLift: Number(((8000 + eurUpsell) / 2 / 4000 - 1).toFixed(6)),
    });
  });

  it('counts an order on its registration day and upsell money on the day it moved (groupBy=day)', async () => {
    const rows = await metricsOf(`from=${day(0)}&to=${day(3)}&groupBy=day`);
    const usdOn = (offset: number) => rows.find((row) => row.day === day(offset) && row.currency === 'USD')?.holdout;
    expect(usdOn(0)).toMatchObject({ heldOutOrders: 1, exposedOrders: 1, heldOutAov: 9000, exposedAov: 11_000, aovLift: 0.222222 });
    // Day 1: 20,000 of checkout and 4,000 captured over 4 exposed orders.
    expect(usdOn(1)).toMatchObject({ heldOutOrders: 2, exposedOrders: 4, heldOutAov: 5000, exposedAov: 6000, aovLift: 0.2 });
    // Day 2: the refund of a day-1 upsell lowers day 2; one order a side has no interval.
    expect(usdOn(2)).toEqual({
      heldOutOrders: 1,
      exposedOrders: 1,
      heldOutAov: 5000,
      exposedAov: 3000,
      aovLift: -0.4,
      aovLiftLower: null,
      aovLiftUpper: null,
    });
    // Day 3 held nobody out.
    expect(usdOn(3)).toBeNull();
    expect(rows.find((row) => row.day === day(3) && row.currency === 'USD')?.orders).toBe(1);
  });

  it('is null without held-out orders in the range, or without an experiment that holds out', async () => {
    const [onlyExposed] = await metricsOf(`from=${day(3)}&to=${day(3)}`);
    expect(onlyExposed).toMatchObject({ currency: 'USD', orders: 1, holdout: null });

    const plain = await createShop(t.app, { name: 'No holdout' });
    await putProduct(t.app, plain.secretKey, 'main', { prices: { USD: 5000 } });
    await putProduct(t.app, plain.secretKey, 'addon', { prices: { USD: 2000 } });
    const offer = await createOffer(t.app, plain.secretKey, { variantId: 'addon-v' });
    await call(t.app, 'POST', '/v1/experiments', plain.secretKey, { offerId: offer.id, arms: [{ id: 'a' }, { id: 'b', copy: 'B' }] });
    await registerOrder(t.app, plain.secretKey);
    const [row] = await metricsOf(`from=${day(3)}&to=${day(3)}`, plain.secretKey);
    expect(row).toMatchObject({ orders: 1, holdout: null });
  });

  it('splits with the rows: per arm, only the holdout row holds orders out, and it exposes none', async () => {
    const rows = await metricsOf(`from=${day(1)}&to=${day(2)}&groupBy=arm`);
    const usd = rows.filter((row) => row.currency === 'USD');
    expect(usd.find((row) => row.armId === 'holdout')?.holdout).toMatchObject({
      heldOutOrders: 3,
      exposedOrders: 0,
      heldOutAov: 5000,
      aovLift: null,
    });
    for (const row of usd.filter((row) => row.armId !== 'holdout')) expect(row.holdout).toBeNull();
  });

  it('writes the comparison in the last seven CSV columns, the same numbers as the JSON', async () => {
    const query = `from=${day(1)}&to=${day(2)}`;
    const [, usd] = await metricsOf(query);
    const { aovLiftLower, aovLiftUpper } = usd?.holdout as { aovLiftLower: number; aovLiftUpper: number };
    const response = await call(t.app, 'GET', `/v1/analytics/metrics.csv?${query}`, owner.secretKey);
    expect(response.statusCode).toBe(200);
    const [header, ...lines] = response.body.trim().split('\r\n');
    expect(header?.split(',').slice(-8)).toEqual([
      'aovLift',
      'holdoutHeldOutOrders',
      'holdoutExposedOrders',
      'holdoutHeldOutAov',
      'holdoutExposedAov',
      'holdoutAovLift',
      'holdoutAovLiftLower',
      'holdoutAovLiftUpper',
    ]);
    const usdLine = lines.find((line) => line.startsWith('USD,'));
    expect(usdLine?.split(',').slice(-7)).toEqual(['3', '5', '5000', '5400', '0.08', String(aovLiftLower), String(aovLiftUpper)]);
  });
});
