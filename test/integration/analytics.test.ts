import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewRecorder } from '../../src/analytics/events';
import { ratioText } from '../../src/core/money';
import { transition } from '../../src/engine/upsells';
import { buildTestApp, call, createOffer, createShop, orderBody, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const EUR_ORDER = {
  currency: 'EUR',
  lines: [{ productId: 'main', variantId: 'main-v', title: 'Main product', quantity: 1, unitPrice: 4000 }],
  subtotal: 4000,
  shippingTotal: 0,
  taxTotal: 0,
  total: 4000,
  taxRate: 0,
};

interface Setup {
  shop: Shop;
  offerId: string;
  rivalId: string;
}

async function analyticsShop(): Promise<Setup> {
  const shop = await createShop(t.app, { name: 'Analytics shop' });
  await putProduct(t.app, shop.secretKey, 'main', { prices: { USD: 5000, EUR: 4000 } });
  await putProduct(t.app, shop.secretKey, 'addon', { prices: { USD: 1999, EUR: 1799 }, title: 'Add-on' });
  await putProduct(t.app, shop.secretKey, 'rival', { prices: { USD: 2999, EUR: 2499 }, title: 'Rival' });
  const offer = await createOffer(t.app, shop.secretKey, { variantId: 'addon-v', discount: { type: 'percentage', value: 10 }, priority: 10 });
  const rival = await createOffer(t.app, shop.secretKey, { variantId: 'rival-v', priority: 0 });
  return { shop, offerId: offer.id, rivalId: rival.id };
}

async function order(shop: Shop, overrides: Record<string, unknown> = {}) {
  const registered = await registerOrder(t.app, shop.secretKey, overrides);
  return {
    id: registered.order.id as string,
    token: registered.session.token as string,
    offer: registered.offer as { id: string; total: number; buttonText: string } | null,
  };
}

async function view(token: string) {
  const response = await call(t.app, 'GET', '/v1/checkout/offer', token);
  expect(response.statusCode).toBe(200);
  return response.json().offer;
}

async function acceptOffer(token: string, offerId: string) {
  const response = await call(t.app, 'POST', '/v1/checkout/accept', token, { offerId }, { 'idempotency-key': `k-${offerId}-${token.slice(-8)}` });
  expect(response.statusCode).toBe(200);
  return response.json().upsell.id as string;
}

async function metrics(shop: Shop, query: string) {
  const response = await call(t.app, 'GET', `/v1/analytics/metrics?${query}`, shop.secretKey);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('analytics › metrics through HTTP', () => {
  it('counts a scripted day of orders per currency: views once per order, undos, declines, captures, refunds', async () => {
    const { shop, offerId } = await analyticsShop();

    const captured = await order(shop);
    await view(captured.token);
    await view(captured.token); // a reload is the same view
    const capturedUpsell = await acceptOffer(captured.token, offerId);

    const undone = await order(shop);
    await call(t.app, 'GET', '/v1/checkout/offer.html', undone.token);
    const undoneUpsell = await acceptOffer(undone.token, offerId);
    expect((await call(t.app, 'POST', '/v1/checkout/cancel', undone.token, { upsellId: undoneUpsell })).statusCode).toBe(200);

    const declined = await order(shop);
    await view(declined.token);
    expect((await call(t.app, 'POST', '/v1/checkout/decline', declined.token, { offerId })).statusCode).toBe(204);
    expect((await call(t.app, 'POST', '/v1/checkout/decline', declined.token, { offerId })).statusCode).toBe(204);

    const failed = await order(shop, {
      payment: { gateway: 'sandbox', customerRef: 'c', paymentMethodRef: 'pm_sandbox_capture_fails', brand: 'visa', last4: '4242' },
    });
    await view(failed.token);
    await acceptOffer(failed.token, offerId);

    await order(shop); // never rendered: counts as an order without a view

    const euro = await order(shop, EUR_ORDER);
    await view(euro.token);
    const euroUpsell = await acceptOffer(euro.token, offerId);

    t.clock.advance(61);
    await t.worker.runOnce();
    await t.worker.runOnce();

    // A refund (as the gateway's refund flow records it) on the EUR upsell.
    const euroRow = await t.database.db.selectFrom('upsells').selectAll().where('id', '=', euroUpsell).executeTakeFirstOrThrow();
    expect(euroRow.state).toBe('captured');
    await t.database.db.transaction().execute((trx) => transition(t.ctx, trx, euroRow, 'refunded', { actor: 'merchant', reason: 'test refund' }));

    const range = 'from=2026-11-22&to=2026-11-22';
    const body = await metrics(shop, range);
    const usd = body.rows.find((row: { currency: string }) => row.currency === 'USD');
    const eur = body.rows.find((row: { currency: string }) => row.currency === 'EUR');
    expect(body.rows).toHaveLength(2);
    const addonUsd = captured.offer?.total ?? 0;
    expect(usd).toMatchObject({
      orders: 5,
      views: 4,
      accepts: 3,
      undos: 1,
      declines: 1,
      captures: 1,
      captureFailures: 1,
      refunds: 0,
      capturedAmount: addonUsd,
      netRevenue: addonUsd,
      takeRate: 0.5,
      undoRate: 0.333333,
      offerShare: 0.8,
      revenuePerView: ratioText(addonUsd, 4, 4),
      averageUpsellValue: String(addonUsd),
      checkoutTotal: 5 * 5913,
      aovLift: Number((addonUsd / (5 * 5913)).toFixed(6)),
    });
    expect(eur).toMatchObject({
      orders: 1,
      views: 1,
      accepts: 1,
      captures: 1,
      refunds: 1,
      capturedAmount: euro.offer?.total,
      refundedAmount: euro.offer?.total,
      netRevenue: 0,
      takeRate: 1,
      revenuePerView: '0',
      checkoutTotal: 4000,
      aovLift: 0,
    });
    expect(capturedUpsell).toBeTruthy();

    const byOffer = await metrics(shop, `${range}&groupBy=day,offer`);
    expect(byOffer.rows.every((row: { day: string }) => row.day === '2026-11-22')).toBe(true);
    expect(byOffer.rows.filter((row: { offerId: string | null }) => row.offerId === offerId)).toHaveLength(2);

    const csv = await call(t.app, 'GET', `/v1/analytics/metrics.csv?${range}&groupBy=offer`, shop.secretKey);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'offerId,currency,orders,views,accepts,declines,undos,captures,captureFailures,refunds,paymentDeclines,acceptedAmount,capturedAmount,refundedAmount,netRevenue,checkoutTotal,takeRate,undoRate,revenuePerView,offerShare,averageUpsellValue,aovLift,' +
        'holdoutHeldOutOrders,holdoutExposedOrders,holdoutHeldOutAov,holdoutExposedAov,holdoutAovLift,holdoutAovLiftLower,holdoutAovLiftUpper',
    );
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith(`${offerId},USD,5,4,3,1,1,1,1,0,`))).toBeTruthy();
  });

  it('answers 400 on bad parameters and keeps shops apart', async () => {
    const { shop } = await analyticsShop();
    for (const query of [
      'from=yesterday',
      'from=2026-11-01T00:00:00Z',
      'to=2026-02-30',
      'groupBy=week',
      'from=2026-11-22&to=2026-11-01',
      'from=2020-01-01&to=2026-01-01',
      'extra=1',
    ]) {
      const response = await call(t.app, 'GET', `/v1/analytics/metrics?${query}`, shop.secretKey);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
    expect((await call(t.app, 'GET', '/v1/analytics/metrics', null)).statusCode).toBe(401);
    const other = await analyticsShop();
    const empty = await metrics(other.shop, 'groupBy=offer');
    expect(empty.rows).toEqual([]);
  });

  it('documents the analytics and experiment routes in the OpenAPI document', async () => {
    const paths = Object.keys((await call(t.app, 'GET', '/v1/openapi.json', null)).json().paths);
    for (const path of [
      '/v1/analytics/metrics',
      '/v1/analytics/metrics.csv',
      '/v1/experiments',
      '/v1/experiments/{id}',
      '/v1/experiments/{id}/stop',
      '/v1/experiments/{id}/promote',
    ]) {
      expect(paths).toContain(path);
    }
  });
});

describe('analytics › experiments through HTTP', () => {
  it('runs the lifecycle: arms of copy and a rival offer, sticky assignment, holdout, statistics, stop', async () => {
    const { shop, offerId, rivalId } = await analyticsShop();
    const bad = await call(t.app, 'POST', '/v1/experiments', shop.secretKey, { offerId, arms: [{ id: 'a' }] });
    expect(bad.statusCode).toBe(400);
    const foreign = await analyticsShop();
    const foreignOffer = await call(t.app, 'POST', '/v1/experiments', shop.secretKey, { offerId: foreign.offerId, arms: [{ id: 'a' }, { id: 'b' }] });
    expect(foreignOffer.statusCode).toBe(404);

    const created = await call(t.app, 'POST', '/v1/experiments', shop.secretKey, {
      name: 'Button copy',
      offerId,
      arms: [
        { id: 'control', name: 'Default' },
        { id: 'get-this', copy: 'Get this too — {price}' },
        { id: 'rival', offerId: rivalId, copy: 'Add the rival for {price}' },
      ],
      holdoutPercent: 20,
    });
    expect(created.statusCode, created.body).toBe(201);
    const experiment = created.json().experiment;
    expect(experiment).toMatchObject({ status: 'running', holdoutPercent: 20, settings: { alpha: 0.05, minViewsPerArm: 100 } });
    const again = await call(t.app, 'POST', '/v1/experiments', shop.secretKey, { offerId, arms: [{ id: 'a' }, { id: 'b' }] });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('experiment_conflict');

    const seen = new Map<string, number>();
    for (let index = 0; index < 40; index += 1) {
      const placed = await order(shop);
      const decision = await t.database.db
        .selectFrom('decisions')
        .select(['experiment_id', 'arm_id'])
        .where('order_id', '=', placed.id)
        .executeTakeFirstOrThrow();
      expect(decision.experiment_id).toBe(experiment.id);
      const arm = decision.arm_id ?? '';
      seen.set(arm, (seen.get(arm) ?? 0) + 1);
      const shown = await view(placed.token);
      if (arm === 'holdout') {
        expect(placed.offer).toBeNull();
        expect(shown).toBeNull();
        continue;
      }
      expect(shown.id).toBe(arm === 'rival' ? rivalId : offerId);
      if (arm === 'get-this') expect(shown.buttonText).toBe('Get this too — $19.47');
      if (arm === 'rival') expect(shown.buttonText).toMatch(/^Add the rival for \$32\.4\d$/);
      if (arm === 'control') expect(shown.buttonText).toMatch(/^Add for \$19\.47$/);
      if (arm === 'get-this') {
        const html = await call(t.app, 'GET', '/v1/checkout/offer.html', placed.token);
        expect(html.body).toContain('Get this too — $19.47');
      }
      if (index % 3 === 0) await acceptOffer(placed.token, shown.id);
    }
    expect([...seen.keys()].sort()).toEqual(['control', 'get-this', 'holdout', 'rival']);

    const report = await call(t.app, 'GET', `/v1/experiments/${experiment.id}`, shop.secretKey);
    expect(report.statusCode).toBe(200);
    const { statistics } = report.json();
    expect(statistics).toMatchObject({ verdict: 'keep_running', reason: 'minimum_sample', controlArmId: 'control', winnerArmId: null });
    const armViews = statistics.arms.reduce((total: number, arm: { views: number }) => total + arm.views, 0);
    expect(armViews).toBe(40 - (seen.get('holdout') ?? 0));
    expect(statistics.holdout.orders).toBe(seen.get('holdout'));
    expect(statistics.arms[0].takeRate.lower).toBeGreaterThanOrEqual(0);

    const byArm = await metrics(shop, `groupBy=arm&experimentId=${experiment.id}`);
    const holdoutRow = byArm.rows.find((row: { armId: string }) => row.armId === 'holdout');
    expect(holdoutRow).toMatchObject({ orders: seen.get('holdout'), views: 0, offerShare: 0 });

    expect((await call(t.app, 'GET', `/v1/experiments/${experiment.id}`, foreign.shop.secretKey)).statusCode).toBe(404);
    expect((await call(t.app, 'POST', `/v1/experiments/${experiment.id}/stop`, foreign.shop.secretKey)).statusCode).toBe(404);
    const listed = await call(t.app, 'GET', `/v1/experiments?offerId=${offerId}`, shop.secretKey);
    expect(listed.json().experiments.map((entry: { id: string }) => entry.id)).toEqual([experiment.id]);

    const stopped = await call(t.app, 'POST', `/v1/experiments/${experiment.id}/stop`, shop.secretKey);
    expect(stopped.json().experiment).toMatchObject({ status: 'stopped' });
    const after = await order(shop);
    expect(after.offer?.id).toBe(offerId);
    expect(after.offer?.buttonText).toBe('Add for $19.47');
    const promoteStopped = await call(t.app, 'POST', `/v1/experiments/${experiment.id}/promote`, shop.secretKey, { armId: 'get-this' });
    expect(promoteStopped.statusCode).toBe(409);
  });

  it('promotes an arm: every later order gets its copy, none is held out', async () => {
    const { shop, offerId } = await analyticsShop();
    const created = await call(t.app, 'POST', '/v1/experiments', shop.secretKey, {
      offerId,
      arms: [{ id: 'control' }, { id: 'short', copy: 'Yes, add it' }],
      holdoutPercent: 50,
    });
    const { id } = created.json().experiment;
    expect((await call(t.app, 'POST', `/v1/experiments/${id}/promote`, shop.secretKey, { armId: 'nope' })).statusCode).toBe(400);
    const promoted = await call(t.app, 'POST', `/v1/experiments/${id}/promote`, shop.secretKey, { armId: 'short' });
    expect(promoted.json().experiment).toMatchObject({ status: 'completed', winnerArmId: 'short' });
    for (let index = 0; index < 6; index += 1) {
      const placed = await order(shop);
      expect(placed.offer?.buttonText).toBe('Yes, add it');
    }
  });

  it('keeps a registration replay in the same arm', async () => {
    const { shop, offerId } = await analyticsShop();
    await call(t.app, 'POST', '/v1/experiments', shop.secretKey, {
      offerId,
      arms: [{ id: 'a' }, { id: 'b', copy: 'B {price}' }],
      holdoutPercent: 30,
    });
    const body = orderBody({ externalId: 'replayed-order-1' });
    const first = (await call(t.app, 'POST', '/v1/orders', shop.secretKey, body, { 'idempotency-key': 'reg-1' })).json();
    const second = (await call(t.app, 'POST', '/v1/orders', shop.secretKey, body, { 'idempotency-key': 'reg-1' })).json();
    expect(second.order.id).toBe(first.order.id);
    expect(second.offer).toEqual(first.offer);
  });
});

describe('analytics › view recording', () => {
  const viewsOf = async (shopId: string) =>
    (await t.database.db.selectFrom('analytics_events').select('type').where('shop_id', '=', shopId).where('type', '=', 'offer_viewed').execute())
      .length;

  it('keeps views in memory until the batch is due, once per order and offer, and writes them on close', async () => {
    const { shop, offerId } = await analyticsShop();
    const placed = await order(shop);
    const recorder = new ViewRecorder(t.database.db, { flushIntervalMs: 60_000 });
    const view = { shopId: shop.id, orderId: placed.id, offerId, amount: 1947, currency: 'USD', at: t.clock.now() };
    recorder.record(view);
    recorder.record(view);
    // The repeat (a refresh, a poll) is not even queued; another node's repeat is stopped by the unique index.
    expect(recorder.pending).toBe(1);
    expect(await viewsOf(shop.id)).toBe(0);
    await recorder.close();
    expect(recorder.pending).toBe(0);
    expect(await viewsOf(shop.id)).toBe(1);
  });

  it('writes the views an app served when it closes', async () => {
    const other = await buildTestApp({ clock: t.clock });
    const { shop, offerId } = await analyticsShop();
    const placed = await order(shop);
    const response = await call(other.app, 'GET', '/v1/checkout/offer', placed.token);
    expect(response.json().offer.id).toBe(offerId);
    await other.close();
    expect(await viewsOf(shop.id)).toBe(1);
  });
});
