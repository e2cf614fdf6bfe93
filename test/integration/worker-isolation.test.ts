/**
 * Issue #12, defects 1, 6 and 9 (server side): one shop's broken rows never stall the worker for the
 * others; an offer is never free; accept and decline at the same instant have one winner; the undo
 * outlives the session; a replayed key answers the current state; a failed capture is counted and sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '../../src/gateways/contract';
import { sandboxStats } from '../../src/gateways/sandbox/sandbox';
import { createWorker } from '../../src/worker/index';
import { buildTestApp, call, createOffer, createShop, putProduct, registerOrder, withGateway, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder, undo, upsellOf, type OfferShop } from '../support/upsell';

let t: TestApp;
let receiver: Server;
let receiverUrl = '';
const received: string[] = [];
/** Shops whose PSP throws on every call, as a broken adapter or an SDK refusing the request would. */
const brokenShops = new Set<string>();
/** Shops whose PSP throws on authorize but answers lookups (it holds nothing under the key). */
const refusingShops = new Set<string>();

function throwing(real: PaymentGateway, methods: readonly string[]): PaymentGateway {
  return new Proxy(real, {
    get(target, property, receiverObject) {
      if (typeof property === 'string' && methods.includes(property))
        return () => Promise.reject(new RangeError('Amount must be a positive integer'));
      return Reflect.get(target, property, receiverObject);
    },
  });
}

beforeAll(async () => {
  t = await buildTestApp({ allowPrivateWebhooks: true });
  const gateways = t.ctx.gateways;
  const forShop = gateways.forShop.bind(gateways);
  gateways.forShop = async (shopId, name) => {
    const real = await forShop(shopId, name);
    if (brokenShops.has(shopId)) return throwing(real, ['authorize', 'lookup', 'capture', 'void', 'refund', 'completeAction']);
    if (refusingShops.has(shopId)) return throwing(real, ['authorize']);
    return real;
  };
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function metricValue(name: string, labels = ''): Promise<number> {
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function row(upsellId: string) {
  return t.database.db.selectFrom('upsells').select(['state', 'attempts', 'lease_until']).where('id', '=', upsellId).executeTakeFirstOrThrow();
}

describe('worker isolation', () => {
  it("processes all of shop B's work in one round while shop A's rows throw; A's failures are counted and backed off", async () => {
    // Shop A: an authorization due for capture, and a pending accept, on a PSP that throws on every call.
    const a = await offerShop(t.app);
    const aDue = (await accept(t.app, await paidOrder(t.app, a))).json().upsell.id;
    brokenShops.add(a.shop.id);
    const aPending = await accept(t.app, await paidOrder(t.app, a));
    expect(aPending.statusCode, aPending.body).toBe(202);
    // Shop B: a capture due, a pending accept (timeout card) and webhooks to deliver.
    const b = await offerShop(t.app, { webhookUrl: receiverUrl });
    const bDue = (await accept(t.app, await paidOrder(t.app, b))).json().upsell.id;
    const bPending = await accept(t.app, await paidOrder(t.app, b, 'pm_sandbox_timeout'));
    expect(bPending.statusCode, bPending.body).toBe(202);
    t.clock.advance(61);

    const captureFailures = await metricValue('plusone_worker_row_failures_total', '{sweep="capture"}');
    const pendingFailures = await metricValue('plusone_worker_row_failures_total', '{sweep="reconcile_pending"}');
    received.length = 0;
    await t.worker.runOnce();

    expect((await upsellOf(t.app, b.shop, bDue)).state).toBe('captured');
    expect((await upsellOf(t.app, b.shop, bPending.json().upsell.id)).state).toBe('authorized');
    const types = received.map((body) => JSON.parse(body).type);
    expect(types).toEqual(expect.arrayContaining(['upsell.captured', 'upsell.accepted']));

    expect(await metricValue('plusone_worker_row_failures_total', '{sweep="capture"}')).toBe(captureFailures + 1);
    expect(await metricValue('plusone_worker_row_failures_total', '{sweep="reconcile_pending"}')).toBe(pendingFailures + 1);
    for (const id of [aDue, aPending.json().upsell.id]) {
      const backedOff = await row(id);
      expect(backedOff.lease_until!.getTime()).toBeGreaterThan(t.clock.now().getTime());
    }
    // Backed off: the next round leaves A alone; after the backoff it is tried again, and once the PSP
    // answers again both rows finish.
    await t.worker.runOnce();
    expect(await metricValue('plusone_worker_row_failures_total', '{sweep="capture"}')).toBe(captureFailures + 1);
    brokenShops.delete(a.shop.id);
    t.clock.advance(3600);
    await t.worker.runOnce();
    expect((await upsellOf(t.app, a.shop, aDue)).state).toBe('captured');
    expect((await upsellOf(t.app, a.shop, aPending.json().upsell.id)).state).toMatch(/authorized|captured|declined/);
  });

  it('an authorize that throws, with nothing held under the key at the PSP, is a final decline (402), not a 500 with a pending upsell', async () => {
    const setup = await offerShop(t.app);
    refusingShops.add(setup.shop.id);
    const response = await accept(t.app, await paidOrder(t.app, setup));
    refusingShops.delete(setup.shop.id);
    expect(response.statusCode, response.body).toBe(402);
    expect(response.json()).toMatchObject({ status: 'declined', upsell: { state: 'declined' }, error: { code: 'processing_error' } });
  });
});

describe('offers are never free', () => {
  it('refuses a 100 % discount and a fixed discount reaching the price, naming the field', async () => {
    const shop = await createShop(t.app);
    await putProduct(t.app, shop.secretKey, 'addon', { prices: { USD: 1999, EUR: 1500 } });
    const full = await call(t.app, 'POST', '/v1/offers', shop.secretKey, {
      name: 'Free',
      variantId: 'addon-v',
      discount: { type: 'percentage', value: 100 },
    });
    expect(full.statusCode).toBe(400);
    expect(full.json().error.message).toContain('discount.value');
    const fixed = await call(t.app, 'POST', '/v1/offers', shop.secretKey, {
      name: 'Free',
      variantId: 'addon-v',
      discount: { type: 'fixed', value: 1500 },
    });
    expect(fixed.statusCode).toBe(400);
    expect(fixed.json().error.message).toContain('discount.value');
    const perCurrency = await call(t.app, 'POST', '/v1/offers', shop.secretKey, {
      name: 'Free',
      variantId: 'addon-v',
      discount: { type: 'fixed', value: 100, amounts: [{ currency: 'USD', amount: 2500 }] },
    });
    expect(perCurrency.statusCode).toBe(400);
    expect(perCurrency.json().error.message).toContain('discount.amounts[0].amount');
  });

  it('skips an offer whose price fell to the discount later, with the reason in the decision', async () => {
    const shop = await createShop(t.app);
    await putProduct(t.app, shop.secretKey, 'main', { prices: { USD: 5000 } });
    await putProduct(t.app, shop.secretKey, 'addon', { prices: { USD: 1999 } });
    const offer = await createOffer(t.app, shop.secretKey, { variantId: 'addon-v', discount: { type: 'fixed', value: 500 } });
    await putProduct(t.app, shop.secretKey, 'addon', { prices: { USD: 500 } });
    const registered = await registerOrder(t.app, shop.secretKey);
    expect(registered.offer).toBeNull();
    const decision = (await call(t.app, 'GET', `/v1/orders/${registered.order.id}/decision`, shop.secretKey)).json();
    const evaluation = JSON.stringify(decision);
    expect(evaluation).toContain(offer.id);
    expect(evaluation).toContain('price_not_positive');
  });
});

describe('races and windows', () => {
  it('accept and decline at the same instant: exactly one wins, the other answers 409, 20 times', async () => {
    const setup = await offerShop(t.app, {}, null);
    for (let round = 0; round < 20; round += 1) {
      const order = await paidOrder(t.app, setup);
      const [accepted, declined] = await Promise.all([
        accept(t.app, order),
        call(t.app, 'POST', '/v1/checkout/decline', order.token, { offerId: order.offerId }),
      ]);
      if (accepted.statusCode === 200) {
        expect(declined.statusCode, declined.body).toBe(409);
        expect(declined.json().error.code).toBe('offer_already_accepted');
      } else {
        expect(accepted.statusCode, accepted.body).toBe(409);
        expect(accepted.json().error.code).toBe('offer_closed');
        expect(declined.statusCode).toBe(204);
      }
      const events = await t.database.db
        .selectFrom('analytics_events')
        .select('type')
        .where('shop_id', '=', setup.shop.id)
        .where('order_id', '=', order.orderId)
        .where('type', 'in', ['offer_accepted', 'offer_declined'])
        .execute();
      expect(events).toHaveLength(1);
    }
  });

  it('the undo works for the whole window after the session TTL ended, and not after it', async () => {
    const setup = await offerShop(t.app, { sessionTtlSeconds: 60, undoWindowSeconds: 300 });
    const order = await paidOrder(t.app, setup);
    t.clock.advance(50);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    t.clock.advance(30);
    // The session's TTL has passed; the page still shows the accepted upsell, and the undo still works.
    expect((await call(t.app, 'GET', '/v1/checkout/offer', order.token)).json()).toMatchObject({ offer: null, status: 'accepted' });
    expect((await call(t.app, 'GET', `/v1/checkout/upsells/${upsellId}`, order.token)).statusCode).toBe(200);
    const undone = await undo(t.app, order, upsellId);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json().status).toBe('cancelled');
    t.clock.advance(300);
    await t.worker.runOnce();
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('cancelled');
    expect((await undo(t.app, order, upsellId)).json().error.code).toBe('session_expired');
  });

  it("replays the first accept's key after an undo as offer_closed, not the stored accepted", async () => {
    const setup: OfferShop = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    const key = randomUUID();
    const first = await accept(t.app, order, key);
    expect(first.statusCode).toBe(200);
    expect((await undo(t.app, order, first.json().upsell.id)).statusCode).toBe(200);
    const replayed = await accept(t.app, order, key);
    expect(replayed.statusCode, replayed.body).toBe(409);
    expect(replayed.json().error.code).toBe('offer_closed');
  });
});

describe('a capture that fails after the window', () => {
  it('ends capture_failed, is counted in /metrics and sent as upsell.capture_failed', async () => {
    const setup = await offerShop(t.app, { webhookUrl: receiverUrl });
    const order = await paidOrder(t.app, setup, 'pm_sandbox_capture_fails');
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    const before = await metricValue('plusone_capture_failures_total');
    received.length = 0;
    t.clock.advance(61);
    await t.worker.runOnce();
    await t.worker.runOnce();
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('capture_failed');
    expect(await metricValue('plusone_capture_failures_total')).toBe(before + 1);
    const failed = received.map((body) => JSON.parse(body)).find((event) => event.type === 'upsell.capture_failed');
    expect(failed?.data.upsell).toMatchObject({ id: upsellId, state: 'capture_failed' });
    expect((await sandboxStats(t.database.db, await authorizationOf(upsellId)))?.status).toBe('voided');
  });

  it('releases the hold even when the PSP does not answer the first void: the worker asks again', async () => {
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup, 'pm_sandbox_capture_fails');
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    const ref = await authorizationOf(upsellId);
    t.clock.advance(61);
    const unanswered = withGateway(t.ctx, { void: async () => ({ status: 'unknown', reason: 'PSP 503' }) as const });
    await createWorker(unanswered).runOnce();
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('capture_failed');
    // Before: the void's answer was dropped and the buyer's bank kept the hold until it lapsed.
    expect((await sandboxStats(t.database.db, ref))?.status).toBe('authorized');

    // After the capture's lease, as every claimed row.
    t.clock.advance(61);
    await createWorker(t.ctx).runOnce();
    expect((await sandboxStats(t.database.db, ref))?.status).toBe('voided');
    const row = await t.database.db.selectFrom('upsells').select(['release_due_at', 'state']).where('id', '=', upsellId).executeTakeFirstOrThrow();
    expect(row).toEqual({ release_due_at: null, state: 'capture_failed' });
  });
});

async function authorizationOf(upsellId: string): Promise<string> {
  const row = await t.database.db.selectFrom('upsells').select('authorization_ref').where('id', '=', upsellId).executeTakeFirstOrThrow();
  return row.authorization_ref ?? '';
}
