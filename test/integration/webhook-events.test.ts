/**
 * Outbound webhooks as the merchant sees them (`/v1/webhook-events`): every attempt the worker makes is
 * recorded and listed with its event, the list filters and pages like the other lists and never shows
 * another shop's events, a resend makes an event due now with the same id and body, and a test event goes
 * out signed through the same delivery path, under the same outbound URL rules.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../../src/core/outbound-url';
import * as deliveriesMigration from '../../src/store/migrations/015_webhook_deliveries';
import { DELIVERIES_KEPT } from '../../src/store/webhooks';
import { buildTestApp, call, createShop, FakeClock, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder, undo, type OfferShop } from '../support/upsell';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A merchant's receiver on loopback. Each shop gets a path of its own, so rows other tests left due
 * (the worker sweeps every shop) never count as this test's deliveries. Answers `status` while
 * `failures` is above 0 (then 200), or `status` always when `failures` is null.
 */
let sink: Server;
let sinkPort = 0;
let received: Received[] = [];
let answer: { status: number; failures: number | null } = { status: 200, failures: null };

beforeAll(async () => {
  sink = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      let status = answer.status;
      if (answer.failures !== null) {
        status = answer.failures > 0 ? answer.status : 200;
        answer.failures = Math.max(0, answer.failures - 1);
      }
      response.statusCode = status;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkPort = (sink.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => sink.close(() => resolve())));

const open: TestApp[] = [];
afterEach(async () => {
  received = [];
  answer = { status: 200, failures: null };
  // Settle what this test left queued, so no later round (of this file or another) sends it anywhere.
  await open[0]?.database.db
    .updateTable('webhook_outbox')
    .set({ delivered_at: new Date(0) })
    .where('delivered_at', 'is', null)
    .execute();
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function node(options: Parameters<typeof buildTestApp>[0] = { allowPrivateWebhooks: true }): Promise<TestApp> {
  const app = await buildTestApp(options);
  open.push(app);
  return app;
}

interface HookedShop extends OfferShop {
  path: string;
  url: string;
}

/** A shop with an offer whose webhooks go to its own path of the sink. */
async function hookedShop(t: TestApp, host = '127.0.0.1'): Promise<HookedShop> {
  const path = `/hooks/${randomUUID()}`;
  const url = `http://${host}:${sinkPort}${path}`;
  return { ...(await offerShop(t.app, { webhookUrl: url })), path, url };
}

const mine = (shop: HookedShop) => received.filter((delivery) => delivery.path === shop.path);

interface Delivery {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  orderId: string | null;
  upsellId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deliveries: Delivery[];
}

async function list(t: TestApp, key: string, query = ''): Promise<{ webhookEvents: WebhookEvent[]; nextCursor: string | null }> {
  const response = await call(t.app, 'GET', `/v1/webhook-events${query}`, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function eventOf(t: TestApp, key: string, id: string): Promise<WebhookEvent> {
  const response = await call(t.app, 'GET', `/v1/webhook-events/${id}`, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().webhookEvent;
}

async function resend(t: TestApp, key: string, id: string) {
  return call(t.app, 'POST', `/v1/webhook-events/${id}/resend`, key);
}

/** An accepted upsell: one `upsell.accepted` event queued, not sent yet. */
async function acceptedUpsell(
  t: TestApp,
  setup: OfferShop,
): Promise<{ orderId: string; upsellId: string; order: Awaited<ReturnType<typeof paidOrder>> }> {
  const order = await paidOrder(t.app, setup);
  const response = await accept(t.app, order);
  expect(response.statusCode).toBe(200);
  return { orderId: order.orderId, upsellId: response.json().upsell.id, order };
}

async function onlyEvent(t: TestApp, setup: OfferShop): Promise<WebhookEvent> {
  const { webhookEvents } = await list(t, setup.shop.secretKey);
  expect(webhookEvents).toHaveLength(1);
  return webhookEvents[0] as WebhookEvent;
}

function verifySignature(delivery: Received, secret: string): void {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['plusone-signature'] ?? ''));
  expect(match).not.toBeNull();
  expect(match?.[2]).toBe(createHmac('sha256', secret).update(`${match?.[1]}.${delivery.body}`).digest('hex'));
}

describe('webhook events › attempts recorded by the worker', () => {
  it('records each failed attempt and the delivery, with the status, the error and the duration, newest first', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const { orderId, upsellId } = await acceptedUpsell(t, setup);
    const queued = await onlyEvent(t, setup);
    expect(queued).toMatchObject({
      type: 'upsell.accepted',
      orderId,
      upsellId,
      status: 'pending',
      attempts: 0,
      lastError: null,
      nextAttemptAt: t.clock.now().toISOString(),
      deliveredAt: null,
      deliveries: [],
    });

    answer = { status: 500, failures: 2 };
    const firstAt = t.clock.now().toISOString();
    await t.worker.runOnce();
    const failing = await eventOf(t, setup.shop.secretKey, queued.id);
    expect(failing).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'HTTP 500', deliveredAt: null });
    expect(failing.nextAttemptAt).toBe(new Date(Date.parse(firstAt) + 5_000).toISOString());
    expect(failing.deliveries).toEqual([{ attempt: 1, at: firstAt, statusCode: 500, error: 'HTTP 500', durationMs: expect.any(Number) }]);

    t.clock.advance(5);
    await t.worker.runOnce();
    t.clock.advance(10);
    const deliveredAt = t.clock.now().toISOString();
    await t.worker.runOnce();

    const delivered = await eventOf(t, setup.shop.secretKey, queued.id);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 3, lastError: null, nextAttemptAt: null, deliveredAt });
    expect(delivered.deliveries.map(({ attempt, statusCode, error }) => ({ attempt, statusCode, error }))).toEqual([
      { attempt: 3, statusCode: 200, error: null },
      { attempt: 2, statusCode: 500, error: 'HTTP 500' },
      { attempt: 1, statusCode: 500, error: 'HTTP 500' },
    ]);
    expect(delivered.deliveries[0]?.at).toBe(deliveredAt);
    for (const delivery of delivered.deliveries) expect(Number.isInteger(delivery.durationMs) && delivery.durationMs >= 0).toBe(true);
    expect(mine(setup)).toHaveLength(3);
  });

  it('records an attempt the outbound URL rules refused, without connecting', async () => {
    const resolveHost: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    const t = await node({ resolveHost });
    const setup = await hookedShop(t, 'hooks.example.com');
    await acceptedUpsell(t, setup);
    await t.worker.runOnce();
    const event = await onlyEvent(t, setup);
    expect(event).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(event.lastError).toContain('refused: the host resolves to a loopback address');
    expect(event.deliveries).toEqual([
      { attempt: 1, at: expect.any(String), statusCode: null, error: event.lastError, durationMs: expect.any(Number) },
    ]);
    expect(mine(setup)).toEqual([]);
  });

  it('keeps the latest attempts of an event whose receiver stays down, and counts every one', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    const event = await onlyEvent(t, setup);
    // Attempts far back in the past, as a receiver down for weeks leaves them.
    await t.database.db
      .updateTable('webhook_outbox')
      .set({ attempts: DELIVERIES_KEPT + 5, last_error: 'HTTP 503' })
      .where('shop_id', '=', setup.shop.id)
      .execute();
    await t.database.db
      .insertInto('webhook_deliveries')
      .values(
        Array.from({ length: DELIVERIES_KEPT + 5 }, (_, index) => ({
          shop_id: setup.shop.id,
          event_id: event.id,
          attempt: index + 1,
          at: new Date(t.clock.now().getTime() - (DELIVERIES_KEPT + 5 - index) * 3_600_000),
          status_code: 503,
          error: 'HTTP 503',
          duration_ms: 3,
        })),
      )
      .execute();
    answer = { status: 503, failures: null };
    await t.worker.runOnce();
    const kept = await t.database.db.selectFrom('webhook_deliveries').select('attempt').where('event_id', '=', event.id).orderBy('attempt').execute();
    expect(kept).toHaveLength(DELIVERIES_KEPT);
    expect(kept[0]?.attempt).toBe(7);
    expect(kept.at(-1)?.attempt).toBe(DELIVERIES_KEPT + 6);
    const shown = await eventOf(t, setup.shop.secretKey, event.id);
    expect(shown.attempts).toBe(DELIVERIES_KEPT + 6);
    expect(shown.deliveries).toHaveLength(20);
    expect(shown.deliveries[0]?.attempt).toBe(DELIVERIES_KEPT + 6);
  });
});

describe('webhook events › the list', () => {
  it('lists newest first, filters by order, upsell and status, and pages with a cursor', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const kept = await acceptedUpsell(t, setup);
    t.clock.advance(1);
    const undone = await acceptedUpsell(t, setup);
    t.clock.advance(1);
    expect((await undo(t.app, undone.order, undone.upsellId)).statusCode).toBe(200);
    const key = setup.shop.secretKey;

    const all = await list(t, key);
    expect(all.webhookEvents.map((event) => [event.type, event.upsellId])).toEqual([
      ['upsell.cancelled', undone.upsellId],
      ['upsell.accepted', undone.upsellId],
      ['upsell.accepted', kept.upsellId],
    ]);
    expect(all.nextCursor).toBeNull();

    const ofOrder = await list(t, key, `?orderId=${kept.orderId}`);
    expect(ofOrder.webhookEvents.map((event) => event.upsellId)).toEqual([kept.upsellId]);
    const ofUpsell = await list(t, key, `?upsellId=${undone.upsellId}`);
    expect(ofUpsell.webhookEvents.map((event) => event.type)).toEqual(['upsell.cancelled', 'upsell.accepted']);

    // One receiver failure: the first event sent fails, the rest are delivered.
    answer = { status: 500, failures: 1 };
    await t.worker.runOnce();
    const retrying = await list(t, key, '?status=retrying');
    expect(retrying.webhookEvents).toHaveLength(1);
    expect((await list(t, key, '?status=delivered')).webhookEvents).toHaveLength(2);
    expect((await list(t, key, '?status=pending')).webhookEvents).toHaveLength(0);
    expect((await list(t, key, '?status=dropped')).webhookEvents).toHaveLength(0);

    const first = await list(t, key, '?limit=2');
    expect(first.webhookEvents.map((event) => event.id)).toEqual(all.webhookEvents.slice(0, 2).map((event) => event.id));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(t, key, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.webhookEvents.map((event) => event.id)).toEqual(all.webhookEvents.slice(2).map((event) => event.id));
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a bad status, limit, parameter or cursor with 400 invalid_request', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const other = await hookedShop(t);
    await acceptedUpsell(t, other);
    await acceptedUpsell(t, other);
    const othersCursor = (await list(t, other.shop.secretKey, '?limit=1')).nextCursor;
    const ordersCursor = (await call(t.app, 'GET', '/v1/orders?limit=1', other.shop.secretKey)).json().nextCursor;
    expect(othersCursor).toEqual(expect.any(String));
    for (const query of ['?status=failed', '?limit=0', '?limit=101', '?shopId=x', '?status=pending&status=dropped', `?cursor=${othersCursor}`]) {
      const response = await call(t.app, 'GET', `/v1/webhook-events${query}`, setup.shop.secretKey);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code, query).toBe('invalid_request');
    }
    const wrongList = await call(t.app, 'GET', `/v1/webhook-events?cursor=${ordersCursor}`, other.shop.secretKey);
    expect(wrongList.statusCode).toBe(400);
    expect((await call(t.app, 'GET', '/v1/webhook-events', null)).statusCode).toBe(401);
  });

  it("never shows another shop's events: its ids answer 404, its order lists nothing", async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const other = await hookedShop(t);
    const theirs = await acceptedUpsell(t, other);
    const theirEvent = await onlyEvent(t, other);
    const key = setup.shop.secretKey;
    expect((await list(t, key)).webhookEvents).toEqual([]);
    expect((await list(t, key, `?orderId=${theirs.orderId}`)).webhookEvents).toEqual([]);
    expect((await list(t, key, `?upsellId=${theirs.upsellId}`)).webhookEvents).toEqual([]);
    for (const response of [await call(t.app, 'GET', `/v1/webhook-events/${theirEvent.id}`, key), await resend(t, key, theirEvent.id)]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    }
    expect((await call(t.app, 'GET', '/v1/webhook-events/evt_unknown', key)).statusCode).toBe(404);
    expect(await eventOf(t, other.shop.secretKey, theirEvent.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('webhook events › resend', () => {
  it('makes a retrying event due now and keeps its attempts', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    answer = { status: 500, failures: 1 };
    await t.worker.runOnce();
    const failed = await onlyEvent(t, setup);
    expect(failed.nextAttemptAt).not.toBe(t.clock.now().toISOString());

    t.clock.advance(1);
    const response = await resend(t, setup.shop.secretKey, failed.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().webhookEvent).toMatchObject({
      id: failed.id,
      status: 'retrying',
      attempts: 1,
      lastError: 'HTTP 500',
      nextAttemptAt: t.clock.now().toISOString(),
    });
    await t.worker.runOnce();
    expect(await eventOf(t, setup.shop.secretKey, failed.id)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(mine(setup)).toHaveLength(2);
  });

  it('makes a pending event due now', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    const event = await onlyEvent(t, setup);
    // Queued for later (as a retry would be): the resend brings it forward.
    await t.database.db
      .updateTable('webhook_outbox')
      .set({ next_attempt_at: new Date(t.clock.now().getTime() + 3_600_000) })
      .where('shop_id', '=', setup.shop.id)
      .execute();
    await t.worker.runOnce();
    expect(mine(setup)).toEqual([]);
    const response = await resend(t, setup.shop.secretKey, event.id);
    expect(response.json().webhookEvent).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: t.clock.now().toISOString() });
    await t.worker.runOnce();
    expect(mine(setup)).toHaveLength(1);
  });

  it('queues a delivered event again with the same id and body, signed again', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    await t.worker.runOnce();
    const delivered = await onlyEvent(t, setup);
    expect(delivered.status).toBe('delivered');

    t.clock.advance(30);
    const response = await resend(t, setup.shop.secretKey, delivered.id);
    expect(response.statusCode).toBe(200);
    expect(response.json().webhookEvent).toMatchObject({ status: 'pending', attempts: 1, deliveredAt: null, lastError: null });
    await t.worker.runOnce();

    const [first, again] = mine(setup);
    expect(again?.body).toBe(first?.body);
    expect(JSON.parse(again?.body ?? '{}').id).toBe(delivered.id);
    if (again) verifySignature(again, setup.shop.webhookSecret);
    expect(again?.headers['plusone-signature']).not.toBe(first?.headers['plusone-signature']);
    const resent = await eventOf(t, setup.shop.secretKey, delivered.id);
    expect(resent).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: t.clock.now().toISOString() });
    expect(resent.deliveries.map((delivery) => delivery.attempt)).toEqual([2, 1]);
    expect((await list(t, setup.shop.secretKey)).webhookEvents).toHaveLength(1);
    const audit = await call(t.app, 'GET', '/v1/audit-log?action=webhook_event.resent', setup.shop.secretKey);
    expect(audit.json().auditLog).toMatchObject([{ action: 'webhook_event.resent', target: { type: 'webhook_event', id: delivered.id } }]);
  });

  it('queues a dropped event again once the shop has a webhookUrl, and refuses while it has none', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    const key = setup.shop.secretKey;
    expect((await call(t.app, 'PATCH', '/v1/shop', key, { settings: { webhookUrl: null } })).statusCode).toBe(200);
    await t.worker.runOnce();
    const dropped = await onlyEvent(t, setup);
    expect(dropped).toMatchObject({ status: 'dropped', attempts: 0, deliveredAt: null, nextAttemptAt: null, deliveries: [] });
    expect(dropped.lastError).toContain('dropped');

    const refused = await resend(t, key, dropped.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('webhook_url_not_set');
    expect(await eventOf(t, key, dropped.id)).toEqual(dropped);

    expect((await call(t.app, 'PATCH', '/v1/shop', key, { settings: { webhookUrl: setup.url } })).statusCode).toBe(200);
    expect((await resend(t, key, dropped.id)).json().webhookEvent).toMatchObject({ status: 'pending', lastError: null });
    await t.worker.runOnce();
    expect(await eventOf(t, key, dropped.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(JSON.parse(mine(setup)[0]?.body ?? '{}')).toMatchObject({ id: dropped.id, type: 'upsell.accepted' });
  });

  it('wins over an attempt in flight: a failure then does not push the event back', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    await acceptedUpsell(t, setup);
    const event = await onlyEvent(t, setup);
    // The receiver answers only once the merchant has pressed resend.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = createServer((request, response) => {
      request.resume();
      void released.then(() => {
        response.statusCode = 500;
        response.end();
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
    try {
      expect((await call(t.app, 'PATCH', '/v1/shop', setup.shop.secretKey, { settings: { webhookUrl: slowUrl } })).statusCode).toBe(200);
      const round = t.worker.runOnce();
      const lease = async () =>
        (await t.database.db.selectFrom('webhook_outbox').select('lease_until').where('id', '=', event.id).executeTakeFirstOrThrow()).lease_until;
      await expect.poll(lease, { timeout: 10_000 }).not.toBeNull();
      expect((await resend(t, setup.shop.secretKey, event.id)).statusCode).toBe(200);
      release();
      await round;
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
    const after = await eventOf(t, setup.shop.secretKey, event.id);
    expect(after).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'HTTP 500', nextAttemptAt: t.clock.now().toISOString() });
    expect(after.deliveries).toHaveLength(1);
  });
});

describe('webhook events › test event', () => {
  it('sends a signed webhook.test event to the webhookUrl and answers what the receiver did; nothing is queued', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const response = await call(t.app, 'POST', '/v1/webhook-events/test', setup.shop.secretKey);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ delivery: { url: setup.url, ok: true, statusCode: 200, error: null, durationMs: expect.any(Number) } });
    const [delivery] = mine(setup);
    expect(delivery).toBeDefined();
    if (delivery) verifySignature(delivery, setup.shop.webhookSecret);
    expect(delivery?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(delivery?.body ?? '{}');
    expect(body).toEqual({ id: expect.stringMatching(/^evt_/), type: 'webhook.test', createdAt: t.clock.now().toISOString(), data: {} });
    expect((await list(t, setup.shop.secretKey)).webhookEvents).toEqual([]);
    const rows = await t.database.db.selectFrom('webhook_outbox').select('id').where('shop_id', '=', setup.shop.id).execute();
    expect(rows).toEqual([]);
  });

  it('answers 200 with the failure when the receiver answers 500, and does not retry', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    answer = { status: 500, failures: null };
    const response = await call(t.app, 'POST', '/v1/webhook-events/test', setup.shop.secretKey);
    expect(response.statusCode).toBe(200);
    expect(response.json().delivery).toMatchObject({ url: setup.url, ok: false, statusCode: 500, error: 'HTTP 500' });
    t.clock.advance(3600);
    await t.worker.runOnce();
    expect(mine(setup)).toHaveLength(1);
  });

  it('answers 409 webhook_url_not_set for a shop without a webhookUrl', async () => {
    const t = await node();
    const shop = await createShop(t.app, { name: 'No hooks' });
    const response = await call(t.app, 'POST', '/v1/webhook-events/test', shop.secretKey);
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('webhook_url_not_set');
  });

  it('is refused by the outbound URL rules like a real delivery when private targets are not allowed, and never connects', async () => {
    const permissive = await node();
    const setup = await hookedShop(permissive);
    // The loopback URL was saved by a node that allows it; this one, like production, does not.
    const strict = await node({ clock: new FakeClock() });
    const stored = await call(strict.app, 'POST', '/v1/webhook-events/test', setup.shop.secretKey);
    expect(stored.statusCode).toBe(200);
    expect(stored.json().delivery).toMatchObject({
      ok: false,
      statusCode: null,
      error: 'refused: loopback addresses are not allowed (outbound URL rules)',
    });

    const resolveHost: ResolveHost = async () => [{ address: '10.0.0.7', family: 4 }];
    const resolving = await node({ resolveHost });
    const named = await offerShop(resolving.app, { webhookUrl: `http://hooks.example.com:${sinkPort}/named` });
    const answered = await call(resolving.app, 'POST', '/v1/webhook-events/test', named.shop.secretKey);
    expect(answered.json().delivery).toMatchObject({ ok: false, statusCode: null });
    expect(answered.json().delivery.error).toContain('refused: the host resolves to a private address');
    expect(received).toEqual([]);
  });
});

describe('webhook events › the OpenAPI document', () => {
  it('documents the routes with their answers, 409 webhook_url_not_set included', async () => {
    const t = await node();
    const spec = (await call(t.app, 'GET', '/v1/openapi.json', null)).json() as {
      paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
    };
    const operations: Array<[string, string, string[]]> = [
      ['/v1/webhook-events', 'get', ['200', '400', '401']],
      ['/v1/webhook-events/{id}', 'get', ['200', '404']],
      ['/v1/webhook-events/{id}/resend', 'post', ['200', '404', '409']],
      ['/v1/webhook-events/test', 'post', ['200', '409']],
    ];
    for (const [path, method, statuses] of operations) {
      const operation = spec.paths[path]?.[method];
      expect(operation?.summary, path).toMatch(/\S/);
      expect(Object.keys(operation?.responses ?? {}), path).toEqual(expect.arrayContaining(statuses));
    }
  });
});

describe('webhook events › migration 015', () => {
  it('fills the order and upsell of events queued before it from their payload', async () => {
    const t = await node();
    const setup = await hookedShop(t);
    const { orderId, upsellId } = await acceptedUpsell(t, setup);
    const now = t.clock.now();
    const legacy = { id: `evt_legacy_${randomUUID()}`, type: 'order.finalized', createdAt: now.toISOString(), data: { order: { id: orderId } } };
    await t.database.db
      .insertInto('webhook_outbox')
      .values({ shop_id: setup.shop.id, id: legacy.id, type: legacy.type, payload: JSON.stringify(legacy), created_at: now, next_attempt_at: now })
      .execute();

    // Migrations take an untyped Kysely: one on the suite's pool (never destroyed here, the pool is the app's).
    const untyped = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: t.database.pool }) });
    await deliveriesMigration.down(untyped);
    await deliveriesMigration.up(untyped);

    const rows = await t.database.db
      .selectFrom('webhook_outbox')
      .select(['type', 'order_id', 'upsell_id'])
      .where('shop_id', '=', setup.shop.id)
      .orderBy('type')
      .execute();
    expect(rows).toEqual([
      { type: 'order.finalized', order_id: orderId, upsell_id: null },
      { type: 'upsell.accepted', order_id: orderId, upsell_id: upsellId },
    ]);
  });
});
