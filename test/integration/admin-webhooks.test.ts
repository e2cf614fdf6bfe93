/**
 * The merchant admin's webhooks on an order's page: each event of the order with its status, attempts,
 * last error and every attempt (time, HTTP status), and **Resend**, a form post carrying the session's
 * form token that makes the event due now and comes back to the order with a notice. A post without the
 * token is refused with 403 and nothing changes. The admin runs on its own Fastify app calling the
 * suite's API app in process, as `createService` wires it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminSessionOptions, type App } from '../../src/runtime';
import { injectClient } from '../../src/web/api-client';
import { time } from '../../src/web/admin/format';
import { adminRoutes } from '../../src/web/admin/routes';
import { buildTestApp, call, createShop, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder, type OfferShop } from '../support/upsell';

/** The shop's receiver on loopback: answers 500 while `failures` > 0, then 200; records the bodies per path. */
let sink: Server;
let sinkPort = 0;
let bodies: { path: string; body: string }[] = [];
let failures = 0;

let t: TestApp;
let admin: App;

beforeAll(async () => {
  sink = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      bodies.push({ path: request.url ?? '', body });
      response.statusCode = failures > 0 ? 500 : 200;
      failures = Math.max(0, failures - 1);
      response.end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkPort = (sink.address() as AddressInfo).port;
  // The receiver listens on loopback: allowed only because this app opts in to private targets.
  t = await buildTestApp({ allowPrivateWebhooks: true });
  admin = Fastify();
  await admin.register(adminRoutes, { api: injectClient(t.app), ...adminSessionOptions(t.ctx), now: () => t.clock.now() });
  await admin.ready();
});

afterEach(async () => {
  bodies = [];
  failures = 0;
  // Settle what a test left queued, so no later round sends it anywhere.
  await t.database.db
    .updateTable('webhook_outbox')
    .set({ delivered_at: new Date(0) })
    .where('delivered_at', 'is', null)
    .execute();
});

afterAll(async () => {
  await admin?.close();
  await t?.close();
  await new Promise<void>((resolve) => sink.close(() => resolve()));
});

function attribute(html: string, pattern: RegExp): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`${pattern} not found`);
  return match[1];
}

const csrfOf = (html: string) => attribute(html, /name="csrf" value="([^"]+)"/);

function cookieValue(response: { headers: Record<string, unknown> }, name: string): string | null {
  const header = [response.headers['set-cookie'] ?? []]
    .flat()
    .map(String)
    .find((value) => value.startsWith(`${name}=`));
  return header ? (header.split(';')[0] ?? null) : null;
}

function post(url: string, fields: Record<string, string>, cookie: string) {
  return admin.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams(fields).toString(),
  });
}

function get(url: string, cookie: string) {
  return admin.inject({ method: 'GET', url, headers: { cookie } });
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string): Promise<Session> {
  const page = await admin.inject({ method: 'GET', url: '/admin' });
  const form = cookieValue(page, 'plusone_admin_signin') ?? '';
  const response = await post('/admin/sign-in', { csrf: csrfOf(page.body), secretKey: key }, form);
  expect(response.statusCode).toBe(303);
  const cookie = cookieValue(response, 'plusone_admin') ?? '';
  return { cookie, csrf: csrfOf((await get('/admin/orders', cookie)).body) };
}

interface Hooked {
  setup: OfferShop;
  path: string;
  orderId: string;
  eventId: string;
  session: Session;
}

/** An order whose upsell was accepted, its `upsell.accepted` sent once to a receiver that answered 500, then delivered. */
async function deliveredAfterAFailure(): Promise<Hooked> {
  const path = `/hooks/${randomUUID()}`;
  const setup = await offerShop(t.app, { webhookUrl: `http://127.0.0.1:${sinkPort}${path}` });
  const order = await paidOrder(t.app, setup);
  expect((await accept(t.app, order)).statusCode).toBe(200);
  failures = 1;
  await t.worker.runOnce();
  t.clock.advance(5);
  await t.worker.runOnce();
  const events = (await call(t.app, 'GET', `/v1/webhook-events?orderId=${order.orderId}`, setup.shop.secretKey)).json().webhookEvents;
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'upsell.accepted', status: 'delivered', attempts: 2 });
  return { setup, path, orderId: order.orderId, eventId: events[0].id, session: await signIn(setup.shop.secretKey) };
}

async function outboxRow(eventId: string) {
  return t.database.db.selectFrom('webhook_outbox').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
}

/** What the receiver got of this event (the order's other events go to the same path). */
const sentOf = (hooked: Hooked) =>
  bodies.filter((delivery) => delivery.path === hooked.path && (JSON.parse(delivery.body) as { id?: string }).id === hooked.eventId);

const resendUrl = (hooked: Hooked, eventId = hooked.eventId) => `/admin/orders/${hooked.orderId}/webhook-events/${eventId}/resend`;

describe('admin › webhooks on the order page', () => {
  it('shows each event with its status, attempts and every attempt with its time and HTTP status', async () => {
    const hooked = await deliveredAfterAFailure();
    const page = await get(`/admin/orders/${hooked.orderId}`, hooked.session.cookie);
    expect(page.statusCode).toBe(200);
    const html = page.body;
    expect(html).toContain('<h3>Webhooks sent</h3>');
    expect(html).toContain(`<strong>upsell.accepted</strong> <span class="badge badge--good">delivered</span> 2 attempts`);
    expect(html).toContain(`<code>${hooked.eventId}</code>`);
    expect(html).toContain('<caption>Deliveries of upsell.accepted, newest first</caption>');
    const attempts = [
      ...html.matchAll(/<tr><th scope="row" class="num">(\d+)<\/th><td><time datetime="([^"]+)">[^<]+<\/time><\/td><td>([^<]+)<\/td>/g),
    ];
    expect(attempts.map((row) => [row[1], row[3]])).toEqual([
      ['2', 'HTTP 200'],
      ['1', 'HTTP 500'],
    ]);
    for (const row of attempts) expect(row[2]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(html).toContain('<td>HTTP 500</td>');
    expect(html).toContain(
      `<form method="post" action="/admin/orders/${hooked.orderId}/webhook-events/${hooked.eventId}/resend" class="actions">` +
        `<input type="hidden" name="csrf" value="${hooked.session.csrf}">`,
    );
    expect(html).toContain(`aria-describedby="webhook-${hooked.eventId}">Resend</button>`);
  });

  it('shows a failing event with its last error and next attempt', async () => {
    const path = `/hooks/${randomUUID()}`;
    const setup = await offerShop(t.app, { webhookUrl: `http://127.0.0.1:${sinkPort}${path}` });
    const order = await paidOrder(t.app, setup);
    await accept(t.app, order);
    failures = 1;
    await t.worker.runOnce();
    const nextAttempt = time(new Date(t.clock.now().getTime() + 5_000).toISOString());
    const session = await signIn(setup.shop.secretKey);
    const html = (await get(`/admin/orders/${order.orderId}`, session.cookie)).body;
    expect(html).toContain('<span class="badge badge--bad">retrying</span> 1 attempt ');
    expect(html).toContain('<p>Last error: HTTP 500</p>');
    expect(html).toContain(`next attempt ${nextAttempt}.`);
  });

  it('says so when no webhook was queued for the order', async () => {
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    const session = await signIn(setup.shop.secretKey);
    const html = (await get(`/admin/orders/${order.orderId}`, session.cookie)).body;
    expect(html).toContain('No webhook was queued for this order');
  });
});

describe('admin › Resend', () => {
  it('queues the event again with its form token, comes back to the order with a notice, and the worker sends the same body', async () => {
    const hooked = await deliveredAfterAFailure();
    t.clock.advance(60);
    const response = await post(resendUrl(hooked), { csrf: hooked.session.csrf }, hooked.session.cookie);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/admin/orders/${hooked.orderId}?resent=${hooked.eventId}`);
    const row = await outboxRow(hooked.eventId);
    expect(row).toMatchObject({ delivered_at: null, attempts: 2, last_error: null });
    expect(row.next_attempt_at.toISOString()).toBe(t.clock.now().toISOString());

    const page = await get(String(response.headers.location), hooked.session.cookie);
    expect(page.body).toContain(`Sent again: upsell.accepted (${hooked.eventId}) is due now`);
    expect(page.body).toContain('<span class="badge ">pending</span> 2 attempts');

    await t.worker.runOnce();
    const sent = sentOf(hooked);
    expect(sent).toHaveLength(3);
    expect(sent[2]?.body).toBe(sent[1]?.body);
    expect((await outboxRow(hooked.eventId)).attempts).toBe(3);
  });

  it('shows no notice for an event the page does not list', async () => {
    const hooked = await deliveredAfterAFailure();
    const page = await get(`/admin/orders/${hooked.orderId}?resent=evt_<script>`, hooked.session.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Sent again');
    expect(page.body).not.toContain('<script>');
  });

  it('refuses a resend without the form token, with a wrong one or another session’s: 403, nothing changed', async () => {
    const hooked = await deliveredAfterAFailure();
    const before = await outboxRow(hooked.eventId);
    const other = await signIn((await createShop(t.app, { name: 'Someone else' })).secretKey);
    const forged: Record<string, string>[] = [{}, { csrf: 'wrong' }, { csrf: other.csrf }];
    for (const fields of forged) {
      const response = await post(resendUrl(hooked), fields, hooked.session.cookie);
      expect(response.statusCode).toBe(403);
    }
    // Without a session at all.
    expect((await post(resendUrl(hooked), { csrf: hooked.session.csrf }, '')).statusCode).toBe(403);
    expect(await outboxRow(hooked.eventId)).toEqual(before);
    await t.worker.runOnce();
    expect(sentOf(hooked)).toHaveLength(2);
  });

  it("answers 404 for another shop's event and leaves it alone", async () => {
    const hooked = await deliveredAfterAFailure();
    const theirs = await deliveredAfterAFailure();
    const before = await outboxRow(theirs.eventId);
    const response = await post(resendUrl(hooked, theirs.eventId), { csrf: hooked.session.csrf }, hooked.session.cookie);
    expect(response.statusCode).toBe(404);
    expect(await outboxRow(theirs.eventId)).toEqual(before);
  });

  it('explains that there is nowhere to send it while the shop has no webhook URL, and changes nothing', async () => {
    const hooked = await deliveredAfterAFailure();
    expect((await call(t.app, 'PATCH', '/v1/shop', hooked.setup.shop.secretKey, { settings: { webhookUrl: null } })).statusCode).toBe(200);
    const before = await outboxRow(hooked.eventId);
    const response = await post(resendUrl(hooked), { csrf: hooked.session.csrf }, hooked.session.cookie);
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('Nothing to send it to');
    expect(await outboxRow(hooked.eventId)).toEqual(before);
  });
});
