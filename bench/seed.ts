/**
 * Seeding through the public API, in parallel batches: shops (operator token), 1,000 products and 1,000
 * offers per shop, and paid orders whose session tokens and offers the scenarios use. The analytics event
 * log, whose scale the API could not write in minutes, goes straight into PostgreSQL (`seedAnalyticsEvents`).
 */
import pg from 'pg';
import { HOLDOUT_ARM_ID } from '../src/core/experiments';
import { ADMIN_TOKEN } from './server';
import { offerInputs, orderInput, productInputs, random } from './fixtures';

const CONCURRENCY = 20;

export interface Shop {
  readonly id: string;
  readonly secretKey: string;
}

export interface RegisteredOrder {
  readonly orderId: string;
  readonly token: string;
  readonly offerId: string | null;
}

export async function api<T>(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Runs `task` for every index in [0, count) with at most `concurrency` in flight. */
export async function inParallel<T>(count: number, task: (index: number) => Promise<T>, concurrency = CONCURRENCY): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export async function createShop(baseUrl: string, name: string, undoWindowSeconds: number): Promise<Shop> {
  const created = await api<{ id: string; secretKey: string }>(baseUrl, 'POST', '/v1/shops', ADMIN_TOKEN, { name, settings: { undoWindowSeconds } });
  return { id: created.id, secretKey: created.secretKey };
}

export interface CatalogShape {
  /** Offers (default 1,000). */
  readonly offers?: number;
  /** Units of stock on every variant; absent, stock is not tracked. */
  readonly stock?: number;
}

export async function seedCatalog(baseUrl: string, shop: Shop, seed: number, shape: CatalogShape = {}): Promise<void> {
  const products = productInputs(shape.stock);
  await inParallel(products.length, (index) => {
    const product = products[index];
    if (!product) throw new Error('product index out of range');
    return api(baseUrl, 'PUT', `/v1/products/${product.id}`, shop.secretKey, product.body);
  });
  const offers = offerInputs(seed, shape.offers);
  await inParallel(offers.length, (index) => api(baseUrl, 'POST', '/v1/offers', shop.secretKey, offers[index]));
}

let orderSequence = 0;

/** Registers `count` paid orders; returns each order's session token and chosen offer (if any). */
export async function registerOrders(baseUrl: string, shop: Shop, count: number, label: string): Promise<RegisteredOrder[]> {
  const rand = random(orderSequence + 7);
  const prefix = `${label}-${Date.now().toString(36)}-${orderSequence}`;
  orderSequence += 1;
  return inParallel(count, async (index) => {
    const answer = await api<{ order: { id: string }; session: { token: string }; offer: { id: string } | null }>(
      baseUrl,
      'POST',
      '/v1/orders',
      shop.secretKey,
      orderInput(`${prefix}-${index}`, rand),
    );
    return { orderId: answer.order.id, token: answer.session.token, offerId: answer.offer?.id ?? null };
  });
}

/**
 * `count` registered orders whose decision picked an offer (registering more while some were shown
 * nothing), for scenarios that need every session to have an offer on its page.
 */
export async function registerOrdersWithOffer(baseUrl: string, shop: Shop, count: number, label: string): Promise<RegisteredOrder[]> {
  const chosen: RegisteredOrder[] = [];
  for (let round = 0; chosen.length < count; round += 1) {
    if (round >= 10) throw new Error(`only ${chosen.length} of ${count} orders were offered something`);
    const batch = await registerOrders(baseUrl, shop, Math.ceil((count - chosen.length) * 1.2), `${label}-${round}`);
    chosen.push(...batch.filter((order) => order.offerId !== null));
  }
  return chosen.slice(0, count);
}

/**
 * The analytics event log at scale, written straight into PostgreSQL (seconds, where the API would take
 * hours): one INSERT … SELECT generate_series per writer. Row `g` is one event: a type from the funnel mix
 * (per 100 rows: 70 views, 12 accepts, 2 undos, 6 declines, 8 captures, 1 failed capture, 1 refund), the
 * offer `g mod offers`, an amount and a currency from the row number, a time spread evenly over the days
 * from `start`; rows of the first offer carry the experiment and one of its arms. The rollup trigger
 * folds them into `analytics_daily` as it does in production.
 */
export interface EventSeed {
  readonly shopId: string;
  readonly count: number;
  readonly start: Date;
  readonly days: number;
  readonly offerIds: readonly string[];
  readonly currencies: readonly string[];
  readonly experiment: { readonly id: string; readonly armIds: readonly string[] } | null;
  /**
   * Connections that write, each on a rollup slot of its own (the trigger's `pg_backend_pid() % 8`): 1 puts
   * every row in one slot; 8 spreads each day and offer over the 8 rows a busy shop's pool of writers fills.
   */
  readonly writers: number;
  /**
   * Also count, in the rollup only, the orders these events belong to, as the decision trigger would have:
   * one per view (under the viewed offer and arm), the experiment's held-out orders (8 per 70 of its views)
   * and orders that were shown nothing (5 per 100 rows). They get no rows in `orders`.
   */
  readonly orders: boolean;
}

/** `$1 …`: the parameters every statement of `seedAnalyticsEvents` shares, in this order. */
function eventParameters(seed: EventSeed, writer: number): unknown[] {
  return [
    seed.shopId,
    seed.count,
    [...seed.offerIds],
    seed.experiment?.id ?? null,
    seed.experiment ? [...seed.experiment.armIds] : [''],
    [...seed.currencies],
    seed.start,
    seed.days,
    seed.writers,
    writer,
  ];
}

/** The columns row `g` gives every event and order (its offer, experiment, arm, currency, time), and its writer. */
const ROW_COLUMNS = `
  ($3::text[])[1 + g % cardinality($3::text[])] AS offer_id,
  CASE WHEN g % cardinality($3::text[]) = 0 THEN $4::text END AS experiment_id,
  CASE WHEN g % cardinality($3::text[]) = 0 AND $4::text IS NOT NULL
    THEN ($5::text[])[1 + (g / cardinality($3::text[])) % cardinality($5::text[])] END AS arm_id,
  ($6::text[])[1 + (g / 7) % cardinality($6::text[])] AS currency,
  $7::timestamptz + make_interval(secs => (g::double precision / $2::bigint) * $8::int * 86400) AS occurred_at`;
const WRITER_ROWS = `(hashint8(g) & 2147483647) % $9::int = $10::int`;

const EVENTS_SQL = `
  INSERT INTO analytics_events (shop_id, type, order_id, offer_id, upsell_id, experiment_id, arm_id, amount, currency, occurred_at)
  SELECT $1, kind.type, 'ord_' || g, cols.offer_id,
    CASE WHEN kind.type IN ('offer_viewed', 'offer_declined') THEN NULL ELSE 'ups_' || g END,
    cols.experiment_id, cols.arm_id, 500 + (g * 7919) % 8500, cols.currency, cols.occurred_at
  FROM generate_series(1, $2::bigint) AS g
  CROSS JOIN LATERAL (SELECT ${ROW_COLUMNS}) AS cols
  CROSS JOIN LATERAL (SELECT CASE
    WHEN g % 100 < 70 THEN 'offer_viewed' WHEN g % 100 < 82 THEN 'offer_accepted' WHEN g % 100 < 84 THEN 'upsell_undone'
    WHEN g % 100 < 90 THEN 'offer_declined' WHEN g % 100 < 98 THEN 'upsell_captured' WHEN g % 100 < 99 THEN 'upsell_capture_failed'
    ELSE 'upsell_refunded' END AS type) AS kind
  WHERE ${WRITER_ROWS}`;

/** The decision trigger's counts (orders, checkout total and its squares) for the orders of `EventSeed.orders`. */
const ORDERS_SQL = `
  INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, orders, checkout_total, checkout_squares)
  SELECT $1, (occurred_at AT TIME ZONE 'UTC')::date, offer_id, experiment_id, arm_id, currency, pg_backend_pid() % 8,
    count(*), sum(total), sum(total::numeric * total)
  FROM (
    SELECT cols.occurred_at, cols.currency, 2000 + (g * 104729) % 18000 AS total,
      CASE WHEN kind.shown = 'nothing' THEN '' ELSE cols.offer_id END AS offer_id,
      CASE WHEN kind.shown = 'nothing' THEN '' ELSE coalesce(cols.experiment_id, '') END AS experiment_id,
      CASE kind.shown WHEN 'nothing' THEN '' WHEN 'held_out' THEN '${HOLDOUT_ARM_ID}' ELSE coalesce(cols.arm_id, '') END AS arm_id
    FROM generate_series(1, $2::bigint) AS g
    CROSS JOIN LATERAL (SELECT ${ROW_COLUMNS}) AS cols
    CROSS JOIN LATERAL (SELECT CASE
      WHEN g % 100 < 70 THEN 'offer' WHEN g % 100 >= 95 THEN 'nothing'
      WHEN cols.experiment_id IS NOT NULL AND g % 100 < 78 THEN 'held_out' END AS shown) AS kind
    WHERE kind.shown IS NOT NULL AND ${WRITER_ROWS}
  ) AS seeded
  GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
    orders = d.orders + excluded.orders, checkout_total = d.checkout_total + excluded.checkout_total,
    checkout_squares = d.checkout_squares + excluded.checkout_squares`;

/** `count` connections whose backends sit on different rollup slots (pg_backend_pid() % 8); the others are closed. */
async function writersOnDistinctSlots(databaseUrl: string, count: number): Promise<pg.Client[]> {
  const writers = new Map<number, pg.Client>();
  for (let attempt = 0; attempt < 64 && writers.size < count; attempt += 1) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ slot: number }>('SELECT pg_backend_pid() % 8 AS slot');
    const slot = rows[0]?.slot ?? 0;
    if (writers.has(slot)) await client.end();
    else writers.set(slot, client);
  }
  if (writers.size < count) throw new Error(`found connections on ${writers.size} rollup slots, not ${count}`);
  return [...writers.values()];
}

export async function seedAnalyticsEvents(databaseUrl: string, seed: EventSeed): Promise<void> {
  if (seed.writers < 1 || seed.writers > 8) throw new Error('writers is 1 to 8');
  const writers = await writersOnDistinctSlots(databaseUrl, seed.writers);
  try {
    await Promise.all(
      writers.map(async (client, writer) => {
        await client.query(EVENTS_SQL, eventParameters(seed, writer));
        if (seed.orders) await client.query(ORDERS_SQL, eventParameters(seed, writer));
      }),
    );
    // As autovacuum leaves a table after a busy spell: dead row versions of the upserts reclaimed, statistics fresh.
    await writers[0]?.query('VACUUM ANALYZE analytics_daily');
  } finally {
    await Promise.all(writers.map((client) => client.end()));
  }
}
