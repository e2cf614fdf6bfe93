/**
 * The merchant admin's pages at a real shop's scale (issue #15: every page's server time under 100 ms with
 * 1,000 offers and 1,000,000 events). One Plusone process (`src/cli.ts start`, worker on) and one shop:
 * its catalog and offers, an experiment, API keys, orders and buyers' clicks go through the API, as a
 * merchant and buyers make them (the audit log fills itself); 90 days of analytics events go straight into
 * PostgreSQL (`seedAnalyticsEvents`). Then the harness signs in as a browser does and requests every page
 * one request at a time, a few warm-ups then the timed runs, and fails loudly on any answer but 200.
 *
 *   results.push(await runAdminBenchmark({ databaseUrl: database.url, dataDir, log }));
 */
import pg from 'pg';
import type { AdminPagesReport, PageTiming, ScenarioResult } from './report';
import { api, createShop, inParallel, registerOrders, seedAnalyticsEvents, seedCatalog, type RegisteredOrder, type Shop } from './seed';
import { startPlusone } from './server';
import { daysToFold, foldClosedDay } from '../src/store/analytics';
import { connectDatabase } from '../src/store/database';

export interface AdminBenchOptions {
  readonly databaseUrl: string;
  /** The Plusone process's data folder. */
  readonly dataDir: string;
  readonly log: (message: string) => void;
  /** Analytics events to seed (default 1,000,000). */
  readonly events?: number;
  /** Requests per page before the timed ones (default 5). */
  readonly warmup?: number;
  /** Timed requests per page (default 50). */
  readonly runs?: number;
  /** Leave the shop in the database afterwards, to EXPLAIN the pages' queries against it (with DATABASE_URL). */
  readonly keepShop?: boolean;
}

const TARGET_MS = 100;
const DEFAULT_EVENTS = 1_000_000;
const ORDERS = 3000;
const ACCEPTS = 400;
const UNDOS = 40;
const DECLINES = 60;
const REFUNDS = 20;
const EVENT_DAYS = 90;
const DAY_MS = 86_400_000;
/** The shortest undo window a shop can have: the worker captures the accepted upsells while the events are seeded. */
const UNDO_WINDOW_SECONDS = 5;

/** What the pages show about: the shop, the offer and experiment and the order whose pages are timed. */
interface Seeded {
  readonly shop: Shop;
  readonly offerId: string;
  readonly experimentId: string;
  readonly orderId: string;
}

export async function runAdminBenchmark(options: AdminBenchOptions): Promise<ScenarioResult> {
  const warmup = options.warmup ?? 5;
  const runs = options.runs ?? 50;
  const server = await startPlusone({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, sandboxLatencyMs: 0, worker: true });
  try {
    const seeded = await seedShop(server.url, options);
    const data = await describeData(options.databaseUrl, seeded.shop.id, options.events ?? DEFAULT_EVENTS);
    const cookie = await signIn(server.url, seeded.shop.secretKey);
    const pages: PageTiming[] = [];
    for (const page of adminPages(seeded)) {
      pages.push(await timePage(server.url, cookie, page, warmup, runs));
      const last = pages.at(-1);
      options.log(`admin: ${page.label}: p50 ${last?.p50Ms.toFixed(1)} ms, p95 ${last?.p95Ms.toFixed(1)} ms`);
    }
    if (options.keepShop) options.log(`admin: kept shop ${seeded.shop.id} (secret key ${seeded.shop.secretKey})`);
    else await removeShop(options.databaseUrl, seeded.shop.id);
    return adminResult({ targetMs: TARGET_MS, warmup, runs, data, pages });
  } finally {
    await server.stop();
  }
}

async function seedShop(baseUrl: string, options: AdminBenchOptions): Promise<Seeded> {
  const { log } = options;
  const shop = await createShop(baseUrl, 'Admin bench shop', UNDO_WINDOW_SECONDS);
  await seedCatalog(baseUrl, shop, 44);
  const offers = (await api<{ offers: { id: string }[] }>(baseUrl, 'GET', '/v1/offers', shop.secretKey)).offers.map((offer) => offer.id);
  const offerId = offers[0];
  if (!offerId) throw new Error('the shop has no offers');
  const experimentId = await startExperiment(baseUrl, shop, offerId);
  await seedApiKeys(baseUrl, shop);
  log('admin: catalog, offers, experiment and keys seeded through the API');

  const orders = await registerOrders(baseUrl, shop, ORDERS, 'admin');
  const orderId = await buyerClicks(baseUrl, orders);
  log(`admin: ${ORDERS} orders registered, ${ACCEPTS} accepted, ${UNDOS} undone, ${DECLINES} declined`);

  const events = options.events ?? DEFAULT_EVENTS;
  const seedStart = Date.now();
  await seedAnalyticsEvents(options.databaseUrl, {
    shopId: shop.id,
    count: events,
    start: new Date(Date.now() - EVENT_DAYS * DAY_MS),
    days: EVENT_DAYS,
    // The experiment's offer first: the rows of the first offer carry the experiment's arms.
    offerIds: offers,
    currencies: ['USD'],
    experiment: { id: experimentId, armIds: ['control', 'short'] },
    writers: 8,
    orders: true,
  });
  log(`admin: ${events.toLocaleString('en-US')} analytics events seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  await settle(options.databaseUrl, shop.id);
  const refunded = await refundSome(baseUrl, options.databaseUrl, shop);
  log(`admin: upsells captured, ${refunded.length} refunded`);
  const folded = await foldClosedDays(options.databaseUrl);
  log(`admin: ${folded} closed days of the rollup folded`);
  return { shop, offerId, experimentId, orderId: refunded[0] ?? orderId };
}

/**
 * What the worker's fold (worker/rollup) has done by the time a shop has been running a day: every day
 * before today, out of the writers' slots. The worker folds every 10 minutes; the benchmark does not wait
 * for it and runs the same statement itself.
 */
async function foldClosedDays(databaseUrl: string): Promise<number> {
  const database = connectDatabase(databaseUrl, { maxConnections: 2 });
  try {
    let folded = 0;
    const today = new Date().toISOString().slice(0, 10);
    for (;;) {
      const days = await daysToFold(database.db, today, 100);
      if (days.length === 0) return folded;
      for (const day of days) await foldClosedDay(database.db, day.shop_id, day.day);
      folded += days.length;
    }
  } finally {
    await database.close();
  }
}

async function startExperiment(baseUrl: string, shop: Shop, offerId: string): Promise<string> {
  const body = {
    name: 'Shorter button',
    offerId,
    arms: [
      { id: 'control', name: 'Control' },
      { id: 'short', name: 'Short copy', copy: 'Add it' },
    ],
    holdoutPercent: 10,
  };
  return (await api<{ experiment: { id: string } }>(baseUrl, 'POST', '/v1/experiments', shop.secretKey, body)).experiment.id;
}

/** Three more keys, one of them revoked, as a merchant rotating keys leaves them. */
async function seedApiKeys(baseUrl: string, shop: Shop): Promise<void> {
  const created = [];
  for (let index = 0; index < 3; index += 1) {
    created.push((await api<{ apiKey: { id: string } }>(baseUrl, 'POST', '/v1/api-keys', shop.secretKey)).apiKey.id);
  }
  await api(baseUrl, 'DELETE', `/v1/api-keys/${created[0] ?? ''}`, shop.secretKey);
}

/**
 * Buyers on the page after checkout: of the orders with an offer, the first ones view it and accept (some
 * of them undo at once, well within the window); the next ones view it and say "no thanks". Answers the
 * id of an order whose upsell stays accepted.
 */
async function buyerClicks(baseUrl: string, orders: readonly RegisteredOrder[]): Promise<string> {
  const withOffer = orders.filter((order): order is RegisteredOrder & { offerId: string } => order.offerId !== null);
  if (withOffer.length < ACCEPTS + DECLINES) throw new Error(`only ${withOffer.length} of ${orders.length} orders got an offer`);
  const accepting = withOffer.slice(0, ACCEPTS);
  await inParallel(accepting.length, async (index) => {
    const order = accepting[index];
    if (!order) throw new Error('order index out of range');
    await api(baseUrl, 'GET', '/v1/checkout/offer', order.token);
    const answer = await api<{ upsell: { id: string } }>(
      baseUrl,
      'POST',
      '/v1/checkout/accept',
      order.token,
      { offerId: order.offerId },
      {
        'idempotency-key': `bench-admin-${order.orderId}`,
      },
    );
    if (index < UNDOS) await api(baseUrl, 'POST', '/v1/checkout/cancel', order.token, { upsellId: answer.upsell.id });
  });
  const declining = withOffer.slice(ACCEPTS, ACCEPTS + DECLINES);
  await inParallel(declining.length, async (index) => {
    const order = declining[index];
    if (!order) throw new Error('order index out of range');
    await api(baseUrl, 'GET', '/v1/checkout/offer', order.token);
    return api(baseUrl, 'POST', '/v1/checkout/decline', order.token, { offerId: order.offerId });
  });
  const kept = accepting[UNDOS];
  if (!kept) throw new Error('no accepted order');
  return kept.orderId;
}

async function query<T extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until the worker has captured every accepted upsell whose window closed (a minute at most). */
async function settle(databaseUrl: string, shopId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [open] = await query<{ count: string }>(
      databaseUrl,
      "SELECT count(*) AS count FROM upsells WHERE shop_id = $1 AND state IN ('pending', 'authorized', 'capturing')",
      [shopId],
    );
    if (Number(open?.count ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the worker did not capture the accepted upsells within a minute');
}

/** Refunds a few captured upsells through the API; answers their orders' ids. */
async function refundSome(baseUrl: string, databaseUrl: string, shop: Shop): Promise<string[]> {
  const captured = await query<{ id: string; order_id: string }>(
    databaseUrl,
    "SELECT id, order_id FROM upsells WHERE shop_id = $1 AND state = 'captured' ORDER BY id LIMIT $2",
    [shop.id, REFUNDS],
  );
  for (const upsell of captured) {
    await api(
      baseUrl,
      'POST',
      `/v1/upsells/${upsell.id}/refund`,
      shop.secretKey,
      { reason: 'Changed their mind' },
      {
        'idempotency-key': `bench-admin-refund-${upsell.id}`,
      },
    );
  }
  return captured.map((upsell) => upsell.order_id);
}

/** What the shop holds, counted in PostgreSQL after the seeding (and `ANALYZE`d, as autovacuum would have). */
async function describeData(databaseUrl: string, shopId: string, seededEvents: number): Promise<string[]> {
  const [counts] = await query<Record<string, string>>(
    databaseUrl,
    `SELECT
       (SELECT count(*) FROM products WHERE shop_id = $1) AS products,
       (SELECT count(*) FROM offers WHERE shop_id = $1 AND deleted_at IS NULL) AS offers,
       (SELECT count(*) FROM analytics_events WHERE shop_id = $1) AS events,
       (SELECT count(*) FROM analytics_daily WHERE shop_id = $1) AS rollup_rows,
       (SELECT count(*) FROM analytics_shop_daily WHERE shop_id = $1) AS shop_days,
       (SELECT coalesce(sum(orders), 0) FROM analytics_daily WHERE shop_id = $1) AS rollup_orders,
       (SELECT count(*) FROM orders WHERE shop_id = $1) AS orders,
       (SELECT string_agg(state || ' ' || n, ', ' ORDER BY n DESC)
          FROM (SELECT state, count(*) AS n FROM upsells WHERE shop_id = $1 GROUP BY state) s) AS upsells,
       (SELECT count(*) FROM experiments WHERE shop_id = $1) AS experiments,
       (SELECT count(*) FROM audit_log WHERE shop_id = $1) AS audit,
       (SELECT count(*) FROM api_keys WHERE shop_id = $1) AS keys`,
    [shopId],
  );
  await query(databaseUrl, 'ANALYZE', []);
  const n = (key: string) => Number(counts?.[key] ?? 0).toLocaleString('en-US');
  return [
    `${n('products')} products, ${n('offers')} offers (bench/fixtures.ts), created through the API`,
    `${n('events')} analytics events: ${seededEvents.toLocaleString('en-US')} over the last ${EVENT_DAYS} days across those offers, written straight into PostgreSQL (the funnel mix of bench/analytics.ts, USD, from 8 connections, so each day and offer spreads over the rollup's 8 slots as a pool of writers spreads it), and those of the buyers' clicks below: ${n('rollup_rows')} rows in \`analytics_daily\` once the days before today are folded (worker/rollup: one row per offer and day), and ${n('shop_days')} in \`analytics_shop_daily\``,
    `${n('rollup_orders')} orders counted in the rollup: the ${n('orders')} orders registered through the API (1–3 lines each) and, for the seeded events, the rollup rows the decision trigger would have written (one order per view, the experiment's held-out orders, orders shown nothing), without rows in \`orders\``,
    `upsells of the registered orders, through the buyer's API and the worker: ${counts?.upsells ?? 'none'}`,
    `${n('experiments')} experiment (2 arms, 10 % holdout) on one offer, ${n('keys')} API keys (one revoked), ${n('audit')} audit-log entries`,
  ];
}

async function removeShop(databaseUrl: string, shopId: string): Promise<void> {
  await query(databaseUrl, 'DELETE FROM shops WHERE id = $1', [shopId]);
}

interface AdminPage {
  /** The address shown in the report (ids as `{id}`). */
  readonly label: string;
  readonly path: string;
}

function adminPages(seeded: Seeded): AdminPage[] {
  const id = (value: string) => encodeURIComponent(value);
  return [
    { label: '/admin/overview', path: '/admin/overview' },
    { label: '/admin/overview.csv', path: '/admin/overview.csv' },
    { label: '/admin/offers', path: '/admin/offers' },
    { label: '/admin/offers/new', path: '/admin/offers/new' },
    { label: '/admin/offers/{id}', path: `/admin/offers/${id(seeded.offerId)}` },
    { label: '/admin/experiments', path: '/admin/experiments' },
    { label: '/admin/experiments/{id}', path: `/admin/experiments/${id(seeded.experimentId)}` },
    { label: '/admin/orders', path: '/admin/orders' },
    { label: '/admin/orders/{id}', path: `/admin/orders/${id(seeded.orderId)}` },
    { label: '/admin/settings', path: '/admin/settings' },
    { label: '/admin/settings/keys', path: '/admin/settings/keys' },
    { label: '/admin/settings/audit', path: '/admin/settings/audit' },
  ];
}

/** `name=value` of the cookie `name` that the answer sets. */
function setCookie(response: Response, name: string): string {
  const header = response.headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!header) throw new Error(`the admin set no ${name} cookie (status ${response.status})`);
  return header.split(';')[0] ?? '';
}

/** The browser's exchange: the sign-in page (its form token and cookie), then the form with the secret key. */
async function signIn(baseUrl: string, secretKey: string): Promise<string> {
  const form = await fetch(`${baseUrl}/admin`, { redirect: 'manual' });
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (form.status !== 200 || !token) throw new Error(`GET /admin answered ${form.status} without a sign-in form`);
  const signedIn = await fetch(`${baseUrl}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: setCookie(form, 'plusone_admin_signin') },
    body: new URLSearchParams({ csrf: token, secretKey }).toString(),
  });
  if (signedIn.status !== 303) throw new Error(`POST /admin/sign-in answered ${signedIn.status}: ${(await signedIn.text()).slice(0, 300)}`);
  return setCookie(signedIn, 'plusone_admin');
}

/** The nearest-rank percentile of ascending samples. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((sorted.length * p) / 100) - 1)] ?? 0;
}

/** One request, from sending it to the page's last byte; anything but 200 stops the benchmark. */
async function timedRequest(baseUrl: string, cookie: string, page: AdminPage): Promise<{ ms: number; bytes: number }> {
  const start = performance.now();
  const response = await fetch(`${baseUrl}${page.path}`, { headers: { cookie }, redirect: 'manual' });
  const body = await response.arrayBuffer();
  const ms = performance.now() - start;
  if (response.status !== 200) {
    throw new Error(`GET ${page.path} answered ${response.status}: ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  }
  return { ms, bytes: body.byteLength };
}

async function timePage(baseUrl: string, cookie: string, page: AdminPage, warmup: number, runs: number): Promise<PageTiming> {
  for (let run = 0; run < warmup; run += 1) await timedRequest(baseUrl, cookie, page);
  const samples: number[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run += 1) {
    const answer = await timedRequest(baseUrl, cookie, page);
    samples.push(answer.ms);
    bytes = answer.bytes;
  }
  samples.sort((a, b) => a - b);
  const p95Ms = percentile(samples, 95);
  return { page: page.label, p50Ms: percentile(samples, 50), p95Ms, maxMs: samples.at(-1) ?? 0, kb: bytes / 1024, pass: p95Ms <= TARGET_MS };
}

function adminResult(report: AdminPagesReport): ScenarioResult {
  const passing = report.pages.filter((page) => page.pass).length;
  const worst = [...report.pages].sort((a, b) => b.p95Ms - a.p95Ms)[0];
  return {
    id: 'admin_pages',
    name: `Merchant admin pages (${report.pages.length}, one request at a time)`,
    rps: null,
    p50Ms: Math.max(...report.pages.map((page) => page.p50Ms)),
    p99Ms: null,
    p999Ms: null,
    rssMb: null,
    ratio: null,
    checks: [{ label: `p95 ≤ ${report.targetMs} ms on ${passing}/${report.pages.length} pages`, pass: passing === report.pages.length }],
    notes: [
      `p50 is the slowest page's; the slowest p95: ${worst?.page ?? '—'} ${worst?.p95Ms.toFixed(1) ?? '—'} ms (every page: "Merchant admin pages" below)`,
    ],
    adminPages: report,
  };
}
