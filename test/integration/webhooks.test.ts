import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, FakeClock, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder, undo, type OfferShop } from '../support/upsell';

interface Delivery {
  signature: string;
  body: string;
}

/** A merchant's webhook receiver on loopback; answers 500 while `failures` > 0. */
let receiver: Server;
let deliveries: Delivery[] = [];
let failures = 0;
let receiverUrl = '';

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.statusCode = 500;
        response.end('down');
        return;
      }
      deliveries.push({ signature: String(request.headers['plusone-signature'] ?? ''), body });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const open: TestApp[] = [];
afterEach(async () => {
  deliveries = [];
  failures = 0;
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function node(clock = new FakeClock()): Promise<TestApp> {
  // The receiver listens on loopback: allowed only because this app opts in to private targets.
  const app = await buildTestApp({ clock, allowPrivateWebhooks: true });
  open.push(app);
  return app;
}

function verify(delivery: Delivery, secret: string) {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.signature);
  expect(match).not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${match?.[1]}.${delivery.body}`).digest('hex');
  expect(match?.[2]).toBe(expected);
  return JSON.parse(delivery.body) as {
    id: string;
    type: string;
    createdAt: string;
    data: { order: { id: string }; upsell?: { id: string; state: string } };
  };
}

async function hookedShop(t: TestApp): Promise<OfferShop> {
  return offerShop(t.app, { webhookUrl: receiverUrl });
}

describe('outbound webhooks', () => {
  it('sends upsell.accepted, upsell.captured and order.finalized, signed with the shop’s webhook secret', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const order = await paidOrder(t.app, setup);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    await t.worker.runOnce();
    t.clock.advance(61);
    await t.worker.runOnce();
    await t.worker.runOnce();
    const events = deliveries.map((delivery) => verify(delivery, setup.shop.webhookSecret));
    expect(events.map((event) => event.type)).toEqual(['upsell.accepted', 'upsell.captured', 'order.finalized']);
    expect(events[0]?.data).toMatchObject({ order: { id: order.orderId }, upsell: { id: upsellId, state: 'authorized' } });
    expect(events[1]?.data.upsell?.state).toBe('captured');
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });

  it('delivers events due at the same instant in the order they were queued, whatever their ids', async () => {
    // Two events of one change share the clock's instant (a capture and the order's finalization), and
    // ids are random: before the queue had its own order, they left in whatever order the table returned.
    const t = await node();
    const setup = await hookedShop(t);
    const now = t.clock.now();
    const ids = Array.from({ length: 30 }, (_, index) => `evt_${String(99 - index).padStart(2, '0')}`);
    for (const id of ids) {
      const payload = JSON.stringify({ id, type: 'test.event', createdAt: now.toISOString(), data: {} });
      const later = new Date(now.getTime() + 1000);
      await t.database.db
        .insertInto('webhook_outbox')
        .values({ shop_id: setup.shop.id, id, type: 'test.event', payload, created_at: now, next_attempt_at: later })
        .execute();
    }
    // Made due newest first: the rows now sit in the table, and in its index, in the reverse of the queue's order.
    for (const id of [...ids].reverse())
      await t.database.db.updateTable('webhook_outbox').set({ next_attempt_at: now }).where('id', '=', id).execute();
    await t.worker.runOnce();
    expect(deliveries.map((delivery) => (JSON.parse(delivery.body) as { id: string }).id)).toEqual(ids);
  });

  it('sends upsell.cancelled on undo', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const order = await paidOrder(t.app, setup);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    await undo(t.app, order, upsellId);
    await t.worker.runOnce();
    expect(deliveries.map((delivery) => verify(delivery, setup.shop.webhookSecret).type)).toEqual(['upsell.accepted', 'upsell.cancelled']);
  });

  it('retries with backoff after the receiver fails', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const order = await paidOrder(t.app, setup);
    failures = 1;
    await accept(t.app, order);
    await t.worker.runOnce();
    expect(deliveries).toHaveLength(0);
    await t.worker.runOnce();
    expect(deliveries).toHaveLength(0);
    t.clock.advance(5);
    await t.worker.runOnce();
    expect(deliveries.map((delivery) => verify(delivery, setup.shop.webhookSecret).type)).toEqual(['upsell.accepted']);
    const row = await t.database.db.selectFrom('webhook_outbox').selectAll().where('shop_id', '=', setup.shop.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 2, last_error: null });
    expect(row.delivered_at).not.toBeNull();
  });

  it('delivers after a restart what the previous process had not sent', async () => {
    const clock = new FakeClock();
    const before = await node(clock);
    const setup = await hookedShop(before);
    const order = await paidOrder(before.app, setup);
    await accept(before.app, order);
    await before.close();
    open.splice(open.indexOf(before), 1);

    const after = await node(clock);
    await after.worker.runOnce();
    expect(deliveries.map((delivery) => verify(delivery, setup.shop.webhookSecret).type)).toEqual(['upsell.accepted']);
  });

  it('queues nothing for a shop without a webhook URL', async () => {
    const t = await node();
    const setup = await offerShop(t.app);
    await accept(t.app, await paidOrder(t.app, setup));
    const rows = await t.database.db.selectFrom('webhook_outbox').select('id').where('shop_id', '=', setup.shop.id).execute();
    expect(rows).toEqual([]);
  });
});
