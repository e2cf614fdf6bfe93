/**
 * Metric definitions on a hand-built event log: every number below is worked out by hand from the events,
 * including undos, refunds, a failed capture and three currencies that are never added together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsEventType } from '../../src/core/analytics';
import { buildTestApp, call, createOffer, createShop, putProduct, type Shop, type TestApp } from '../support/app';

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
    expect(lines).toContain('2026-11-01,offA,USD,0,6,4,1,1,3,0,0,0,7788,5841,0,5841,0,0.5,0.25,973.5,,1947,');
    expect(lines).toContain('2026-11-02,offA,USD,0,0,0,0,0,0,0,1,0,0,0,1947,-1947,0,,,,,,');
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
