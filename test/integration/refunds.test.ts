/**
 * `POST /v1/upsells/{id}/refund`: a merchant refunds a captured upsell in full through its gateway, once,
 * whatever is repeated — the request (Idempotency-Key), the PSP call (`ups_…:refund`) or the process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultPoint, Faults } from '../../src/engine/context';
import { SandboxFaults, type FaultedOperation, type FaultKind } from '../../src/gateways/sandbox/faults';
import { sandboxStats } from '../../src/gateways/sandbox/sandbox';
import { buildTestApp, call, createShop, FakeClock, type Shop, type TestApp } from '../support/app';
import { accept, ADDON_TOTAL, offerShop, orderOf, paidOrder, undo, upsellOf, type OfferShop, type PaidOrder } from '../support/upsell';

/** Sandbox faults chosen by the test, one call at a time (none unless queued). */
class ScriptedFaults extends SandboxFaults {
  private readonly queued: { operation: FaultedOperation; kind: FaultKind }[] = [];

  constructor() {
    super({ rate: 0, seed: 1 });
  }

  next(operation: FaultedOperation, kind: FaultKind): void {
    this.queued.push({ operation, kind });
  }

  override draw(operation: FaultedOperation): FaultKind | null {
    const index = this.queued.findIndex((fault) => fault.operation === operation);
    if (index < 0) return null;
    return this.queued.splice(index, 1)[0]?.kind ?? null;
  }
}

/** A merchant's webhook receiver on loopback. */
let receiver: Server;
let receiverUrl = '';
const deliveries: { type: string; data: { order: { lines: { source: string; refunded?: boolean }[] }; upsell?: { state: string } } }[] = [];

const faults = new ScriptedFaults();
let t: TestApp;
beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      deliveries.push(JSON.parse(body));
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  t = await buildTestApp({ sandboxFaults: faults, allowPrivateWebhooks: true });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

interface Captured {
  setup: OfferShop;
  order: PaidOrder;
  upsellId: string;
  ref: string;
}

/** An accepted upsell, captured by the worker once its undo window passed. */
async function capturedUpsell(node: TestApp = t, settings: Record<string, unknown> = {}): Promise<Captured> {
  const setup = await offerShop(node.app, settings);
  const order = await paidOrder(node.app, setup);
  const upsellId: string = (await accept(node.app, order)).json().upsell.id;
  node.clock.advance(61);
  await node.worker.runOnce();
  const upsell = await upsellOf(node.app, setup.shop, upsellId);
  expect(upsell.state).toBe('captured');
  return { setup, order, upsellId, ref: upsell.paymentRef };
}

function refund(node: TestApp, shop: Shop, upsellId: string, key: string | null, body?: Record<string, unknown>) {
  return call(node.app, 'POST', `/v1/upsells/${upsellId}/refund`, shop.secretKey, body, key ? { 'idempotency-key': key } : {});
}

async function events(node: TestApp, shop: Shop, upsellId: string): Promise<{ type: string; actor: string; reason: string | null }[]> {
  return (await upsellOf(node.app, shop, upsellId)).events;
}

describe('refund › a captured upsell', () => {
  it('refunds the whole amount at the PSP, records refunded and keeps the line on the order, shown refunded', async () => {
    const { setup, order, upsellId, ref } = await capturedUpsell();
    const before = await orderOf(t.app, setup.shop, order.orderId);

    const response = await refund(t, setup.shop, upsellId, 'refund-1', { reason: 'Arrived damaged' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      upsell: expect.objectContaining({ id: upsellId, state: 'refunded', amount: ADDON_TOTAL, gateway: 'sandbox' }),
    });
    expect(response.json().upsell.events).toBeUndefined();

    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1, refundedAmount: ADDON_TOTAL });
    const log = await events(t, setup.shop, upsellId);
    expect(log.map((event) => event.type)).toEqual(['pending', 'authorized', 'capturing', 'captured', 'refunded']);
    expect(log.at(-1)).toMatchObject({ actor: 'merchant', reason: 'Arrived damaged' });

    const after = await orderOf(t.app, setup.shop, order.orderId);
    expect(after.total).toBe(before.total);
    expect(after.lines).toHaveLength(2);
    expect(after.lines[0].refunded).toBeUndefined();
    expect(after.lines[1]).toMatchObject({ source: 'upsell', upsellId, refunded: true });
    const listed = (await call(t.app, 'GET', `/v1/orders?externalId=${encodeURIComponent(after.externalId)}`, setup.shop.secretKey)).json();
    expect(listed.orders[0].upsell).toEqual({ id: upsellId, state: 'refunded', amount: ADDON_TOTAL });
  });

  it('shows an upsell line not refunded until it is', async () => {
    const { setup, order, upsellId } = await capturedUpsell();
    expect((await orderOf(t.app, setup.shop, order.orderId)).lines[1]).toMatchObject({ upsellId, refunded: false });
  });

  it('takes no body at all, like {}', async () => {
    const { setup, upsellId } = await capturedUpsell();
    const response = await refund(t, setup.shop, upsellId, 'no-body');
    expect(response.statusCode).toBe(200);
    expect((await events(t, setup.shop, upsellId)).at(-1)).toMatchObject({ type: 'refunded', reason: 'refunded by the merchant' });
  });

  it('refunds a linked order’s upsell; the linked order keeps its line, shown refunded', async () => {
    const { setup, order, upsellId, ref } = await capturedUpsell(t, { orderStrategy: 'linked_order' });
    expect((await refund(t, setup.shop, upsellId, 'linked')).statusCode).toBe(200);
    const linkedId = (await orderOf(t.app, setup.shop, order.orderId)).linkedOrders[0];
    const linked = await orderOf(t.app, setup.shop, linkedId);
    expect(linked.lines).toEqual([expect.objectContaining({ upsellId, refunded: true })]);
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1 });
  });

  it('refunds an upsell captured with its authorization (immediate capture mode)', async () => {
    const { setup, upsellId, ref } = await capturedUpsell(t, { captureMode: 'immediate' });
    expect((await refund(t, setup.shop, upsellId, 'immediate')).statusCode).toBe(200);
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1, captures: 1 });
  });

  it('counts the refund in the analytics metrics', async () => {
    const { setup, upsellId } = await capturedUpsell();
    await refund(t, setup.shop, upsellId, 'analytics');
    const day = t.clock.now().toISOString().slice(0, 10);
    const response = await call(t.app, 'GET', `/v1/analytics/metrics?from=${day}&to=${day}`, setup.shop.secretKey);
    expect(response.statusCode).toBe(200);
    expect(response.json().rows).toEqual([
      expect.objectContaining({ currency: 'USD', captures: 1, refunds: 1, capturedAmount: ADDON_TOTAL, refundedAmount: ADDON_TOTAL, netRevenue: 0 }),
    ]);
  });

  it('sends the webhook upsell.refunded with the order showing the line refunded', async () => {
    const setup = await offerShop(t.app, { webhookUrl: receiverUrl });
    const order = await paidOrder(t.app, setup);
    const upsellId: string = (await accept(t.app, order)).json().upsell.id;
    t.clock.advance(61);
    await t.worker.runOnce();
    await refund(t, setup.shop, upsellId, 'webhook');
    await t.worker.runOnce();
    const refunded = deliveries.find((delivery) => delivery.type === 'upsell.refunded');
    expect(refunded?.data.upsell?.state).toBe('refunded');
    expect(refunded?.data.order.lines.find((line) => line.source === 'upsell')?.refunded).toBe(true);
  });
});

describe('refund › repeated', () => {
  it('replays the same answer for the same key and body, and refunds once', async () => {
    const { setup, upsellId, ref } = await capturedUpsell();
    const first = await refund(t, setup.shop, upsellId, 'same-key', { reason: 'customer asked' });
    const again = await refund(t, setup.shop, upsellId, 'same-key', { reason: 'customer asked' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ refunds: 1, refundedAmount: ADDON_TOTAL });
  });

  it('answers 200 with the refunded upsell for another key (idempotent by state), without a second refund', async () => {
    const { setup, upsellId, ref } = await capturedUpsell();
    await refund(t, setup.shop, upsellId, 'key-a');
    const other = await refund(t, setup.shop, upsellId, 'key-b');
    expect(other.statusCode).toBe(200);
    expect(other.json().upsell.state).toBe('refunded');
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ refunds: 1 });
    expect((await events(t, setup.shop, upsellId)).filter((event) => event.type === 'refunded')).toHaveLength(1);
  });

  it('refunds once when ten requests arrive at once with the same and with different keys', async () => {
    const { setup, upsellId, ref } = await capturedUpsell();
    const keys = [...Array.from({ length: 5 }, () => 'burst'), ...Array.from({ length: 5 }, (_, i) => `burst-${i}`)];
    const answers = await Promise.all(keys.map((key) => refund(t, setup.shop, upsellId, key)));
    for (const answer of answers) {
      expect([200, 409]).toContain(answer.statusCode);
      if (answer.statusCode === 409) expect(answer.json().error.code).toBe('idempotency_in_progress');
    }
    expect(answers.some((answer) => answer.statusCode === 200)).toBe(true);
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1 });
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('refunded');
  });

  it('refuses the key with another body or another upsell: 422 idempotency_key_reused', async () => {
    const first = await capturedUpsell();
    const second = await capturedUpsell();
    await refund(t, first.setup.shop, first.upsellId, 'reused', { reason: 'one' });
    const otherBody = await refund(t, first.setup.shop, first.upsellId, 'reused', { reason: 'two' });
    expect(otherBody.statusCode).toBe(422);
    expect(otherBody.json().error.code).toBe('idempotency_key_reused');
    // Keys are per shop: the second shop's own 'reused' key is a new one.
    expect((await refund(t, second.setup.shop, second.upsellId, 'reused', { reason: 'one' })).statusCode).toBe(200);
  });

  it('refuses the same key for another upsell of the shop', async () => {
    const setup = await offerShop(t.app);
    const upsellIds: string[] = [];
    for (let i = 0; i < 2; i += 1) upsellIds.push((await accept(t.app, await paidOrder(t.app, setup))).json().upsell.id);
    t.clock.advance(61);
    await t.worker.runOnce();
    expect((await refund(t, setup.shop, upsellIds[0] ?? '', 'one-key')).statusCode).toBe(200);
    const other = await refund(t, setup.shop, upsellIds[1] ?? '', 'one-key');
    expect(other.statusCode).toBe(422);
    expect((await upsellOf(t.app, setup.shop, upsellIds[1] ?? '')).state).toBe('captured');
  });
});

describe('refund › refused', () => {
  it('needs an Idempotency-Key', async () => {
    const { setup, upsellId } = await capturedUpsell();
    const response = await refund(t, setup.shop, upsellId, null);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('idempotency_key_required');
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('captured');
  });

  it.each([
    ['an unknown field', { reason: 'x', amount: 1 }],
    ['an empty reason', { reason: '' }],
    ['a reason over 500 characters', { reason: 'x'.repeat(501) }],
    ['a reason that is not text', { reason: 5 }],
  ])('refuses %s with 400 invalid_request, nothing written', async (_name, body) => {
    const { setup, upsellId, ref } = await capturedUpsell();
    const response = await refund(t, setup.shop, upsellId, 'bad-body', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ refunds: 0 });
    // The key was not used up: the same key with a good body works.
    expect((await refund(t, setup.shop, upsellId, 'bad-body', { reason: 'fine' })).statusCode).toBe(200);
  });

  it('answers 409 upsell_not_refundable for authorized, cancelled and declined upsells, and writes nothing', async () => {
    const setup = await offerShop(t.app);
    const authorized = await paidOrder(t.app, setup);
    const authorizedId: string = (await accept(t.app, authorized)).json().upsell.id;
    const undone = await paidOrder(t.app, setup);
    const undoneId: string = (await accept(t.app, undone)).json().upsell.id;
    await undo(t.app, undone, undoneId);
    const declined = await paidOrder(t.app, setup, 'pm_sandbox_declined');
    const declinedId: string = (await accept(t.app, declined)).json().upsell.id;

    for (const [upsellId, state] of [
      [authorizedId, 'authorized'],
      [undoneId, 'cancelled'],
      [declinedId, 'declined'],
    ] as const) {
      const before = await events(t, setup.shop, upsellId);
      const response = await refund(t, setup.shop, upsellId, `not-${state}`);
      expect(response.statusCode).toBe(409);
      expect(response.json().error).toMatchObject({ code: 'upsell_not_refundable', details: { state } });
      expect(await events(t, setup.shop, upsellId)).toEqual(before);
    }
    // Refused requests do not use up their key: once captured, the same key refunds.
    t.clock.advance(61);
    await t.worker.runOnce();
    expect((await refund(t, setup.shop, authorizedId, 'not-authorized')).statusCode).toBe(200);
  });

  it("answers 404 for another shop's upsell and for an unknown one", async () => {
    const { upsellId, ref } = await capturedUpsell();
    const stranger = await createShop(t.app, { name: 'Stranger' });
    for (const id of [upsellId, 'ups_missing']) {
      const response = await refund(t, stranger, id, 'foreign');
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ refunds: 0 });
  });

  it('answers 409 refund_failed with the PSP’s words when the PSP refuses; the upsell stays captured', async () => {
    const { setup, upsellId, ref } = await capturedUpsell();
    // Refunded in the PSP's dashboard first: nothing is left to refund.
    expect(await t.sandbox.refund(ref, ADDON_TOTAL, 'USD', `dashboard-${upsellId}`)).toEqual({ status: 'succeeded' });

    const response = await refund(t, setup.shop, upsellId, 'refused');
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'refund_failed', details: { pspCode: 'invalid_amount' } });
    expect(response.json().error.message).toContain('0 USD is refundable');
    const upsell = await upsellOf(t.app, setup.shop, upsellId);
    expect(upsell.state).toBe('captured');
    expect(upsell.events.at(-1)).toMatchObject({ type: 'refund_failed', actor: 'psp' });
    expect((await orderOf(t.app, setup.shop, upsell.orderId)).lines[1].refunded).toBe(false);

    const replay = await refund(t, setup.shop, upsellId, 'refused');
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toEqual(response.json());
    const day = t.clock.now().toISOString().slice(0, 10);
    const metrics = (await call(t.app, 'GET', `/v1/analytics/metrics?from=${day}&to=${day}`, setup.shop.secretKey)).json();
    expect(metrics.rows[0]).toMatchObject({ refunds: 0 });
  });
});

describe('refund › the PSP does not answer', () => {
  it.each([
    ['answers after the timeout (the refund went through)', 'timeout', 'refunded'],
    ['fails before recording anything', 'unavailable', 'captured'],
  ] as const)('%s: 202 pending, still captured; the same key retries under the same PSP key', async (_name, kind, pspStatus) => {
    const { setup, upsellId, ref } = await capturedUpsell();
    faults.next('refund', kind);
    const first = await refund(t, setup.shop, upsellId, 'unknown-then-retry');
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: 'pending', upsell: { id: upsellId, state: 'captured' } });
    const upsell = await upsellOf(t.app, setup.shop, upsellId);
    expect(upsell.state).toBe('captured');
    expect(upsell.events.at(-1)).toMatchObject({ type: 'refund_unknown', actor: 'psp' });
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: pspStatus });

    const retry = await refund(t, setup.shop, upsellId, 'unknown-then-retry');
    expect(retry.statusCode).toBe(200);
    expect(retry.json().upsell.state).toBe('refunded');
    expect(await sandboxStats(t.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1, refundedAmount: ADDON_TOTAL });
    // Settled: the key now replays the refund.
    expect((await refund(t, setup.shop, upsellId, 'unknown-then-retry')).json()).toEqual(retry.json());
  });
});

class SimulatedCrash extends Error {}

/** Crashes the first time `point` is reached. */
function crashAt(point: FaultPoint): Faults {
  let armed = true;
  return {
    reach(reached) {
      if (armed && reached === point) {
        armed = false;
        throw new SimulatedCrash(`crash at ${point}`);
      }
    },
  };
}

describe('refund › a crash between the PSP and the record', () => {
  it('leaves the upsell captured; the next request, with the same key or another, records the PSP’s refund without a second one', async () => {
    const clock = new FakeClock();
    const crashing = await buildTestApp({ clock, faults: crashAt('refund.after_psp') });
    const fresh = await buildTestApp({ clock });
    try {
      const { setup, upsellId, ref } = await capturedUpsell(crashing);
      expect((await refund(crashing, setup.shop, upsellId, 'crashed')).statusCode).toBe(500);
      expect((await upsellOf(fresh.app, setup.shop, upsellId)).state).toBe('captured');
      expect(await sandboxStats(fresh.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1 });

      // The same key, while its first request could still be answering: in progress.
      const early = await refund(fresh, setup.shop, upsellId, 'crashed');
      expect(early.statusCode).toBe(409);
      expect(early.json().error.code).toBe('idempotency_in_progress');
      // Past the gateway timeout and its grace, the key goes on: the PSP answers the first refund again.
      clock.advance(5);
      const settled = await refund(fresh, setup.shop, upsellId, 'crashed');
      expect(settled.statusCode).toBe(200);
      expect(settled.json().upsell.state).toBe('refunded');
      expect(await sandboxStats(fresh.database.db, ref)).toMatchObject({ status: 'refunded', refunds: 1, refundedAmount: ADDON_TOTAL });
    } finally {
      await crashing.close();
      await fresh.close();
    }
  });

  it('another key after the crash records it at once', async () => {
    const clock = new FakeClock();
    const crashing = await buildTestApp({ clock, faults: crashAt('refund.after_psp') });
    try {
      const { setup, upsellId, ref } = await capturedUpsell(crashing);
      expect((await refund(crashing, setup.shop, upsellId, 'first')).statusCode).toBe(500);
      const other = await refund(crashing, setup.shop, upsellId, 'second');
      expect(other.statusCode).toBe(200);
      expect(other.json().upsell.state).toBe('refunded');
      expect(await sandboxStats(crashing.database.db, ref)).toMatchObject({ refunds: 1 });
    } finally {
      await crashing.close();
    }
  });
});
