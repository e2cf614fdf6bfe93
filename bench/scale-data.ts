/**
 * Stored data at scale (issue #16): 10,000 shops and 1,000,000 orders — each with its order line and its
 * decision row, as registration writes them — inserted straight into PostgreSQL with generate_series, so
 * the checkout read and registration can be measured again with them in the tables. The API would take
 * hours to write this much; one INSERT … SELECT per table takes seconds.
 *
 * The decision rows' rollup trigger (`decisions_roll_up`, one upsert per row) does not run for the seed
 * (skipped with every trigger for the seeding session where the role may, else disabled inside the
 * transaction, so other sessions wait on the table's lock and never see it off), and the same counts go
 * into `analytics_daily` in one grouped statement: the rollup stays what the trigger would have made of
 * these orders. Everything seeded is under shop ids starting `scale-`, and `dropScaleData`
 * removes it again, table by table (the set-wise deletes are much faster than one cascade per shop).
 */
import pg from 'pg';

export const SCALE_SHOP_PREFIX = 'scale-';

export interface ScaleData {
  readonly shops: number;
  readonly orders: number;
  /** Spread the orders' creation over this many days before now. */
  readonly days: number;
}

export const ISSUE_SCALE: ScaleData = { shops: 10_000, orders: 1_000_000, days: 90 };

/**
 * Order `g` (0 … orders − 1): shop `g div (orders / shops)`, so each shop's orders are consecutive and,
 * with the numbers zero-padded, every index (by shop and id, external id, customer) is filled in its own
 * order — appended to, not split all over, which is most of what makes this fast. One line of 1–2 units
 * of a product priced from `g`, $5 shipping, 8.25 % tax, created at a time spread over the days. Integer
 * cents only, as the API stores them.
 */
const ORDER_ROWS = `
  SELECT g, '${SCALE_SHOP_PREFIX}' || lpad((g / ceil($1::numeric / $2::int)::bigint)::text, 6, '0') AS shop_id,
    'ord_scale_' || lpad(g::text, 8, '0') AS order_id, price.unit, price.quantity, price.unit * price.quantity AS subtotal,
    (price.unit * price.quantity * 825 + 5000) / 10000 AS tax,
    now() - make_interval(secs => ((g * 7919) % $1::bigint)::double precision / $1::int * $3::int * 86400) AS created_at
  FROM generate_series(0, $1::bigint - 1) AS g
  CROSS JOIN LATERAL (SELECT 500 + (g * 7919) % 8500 AS unit, 1 + g % 2 AS quantity) AS price`;

const SHOPS_SQL = `
  INSERT INTO shops (id, name, settings, webhook_secret)
  SELECT '${SCALE_SHOP_PREFIX}' || lpad(s::text, 6, '0'), 'Scale shop ' || s, '{}'::jsonb, md5('scale' || s)
  FROM generate_series(0, $1::int - 1) AS s`;

const ORDERS_SQL = `
  INSERT INTO orders (shop_id, id, external_id, currency, subtotal, shipping_total, tax_total, total, tax_rate, locale,
    customer_key, customer, payment, status, created_at, finalized_at)
  SELECT shop_id, order_id, 'ext-' || lpad(g::text, 8, '0'), 'USD', subtotal, 500, tax, subtotal + 500 + tax, 0.0825, 'en-US',
    'email:buyer-' || lpad(g::text, 8, '0') || '@scale.example',
    ('{"country": "US", "email": "buyer-' || lpad(g::text, 8, '0') || '@scale.example"}')::jsonb,
    '{"gateway": "sandbox", "paymentMethodRef": "pm_sandbox_visa", "brand": "visa", "last4": "4242"}'::jsonb,
    'finalized', created_at, created_at + interval '1 hour'
  FROM (${ORDER_ROWS}) AS o`;

const LINES_SQL = `
  INSERT INTO order_lines (shop_id, id, order_id, position, product_id, variant_id, title, quantity, unit_price, source)
  SELECT shop_id, 'line_scale_' || lpad(g::text, 8, '0'), order_id, 0, 'p-' || (g % 1000), 'p-' || (g % 1000) || '-v', 'Scale product', quantity, unit, 'checkout'
  FROM (${ORDER_ROWS}) AS o`;

/** Shown nothing (these shops have no offers): offer, experiment and arm all empty. */
const DECISIONS_SQL = `
  INSERT INTO decisions (shop_id, order_id, offer_id, decided_at)
  SELECT shop_id, order_id, NULL, created_at FROM (${ORDER_ROWS}) AS o`;

/**
 * What `analytics_roll_up_order` adds per decision, for all of them at once (slot 0, as a backfill). The
 * shops are new, so no key exists yet: a plain insert, no upsert.
 */
const ROLLUP_SQL = `
  INSERT INTO analytics_daily (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, orders, checkout_total, checkout_squares)
  SELECT shop_id, (created_at AT TIME ZONE 'UTC')::date, '', '', '', 'USD', 0,
    count(*), sum(subtotal + 500 + tax), sum((subtotal + 500 + tax)::numeric * (subtotal + 500 + tax))
  FROM (${ORDER_ROWS}) AS o
  GROUP BY 1, 2 ORDER BY 1, 2`;

const SCALE_TABLES = ['analytics_daily', 'analytics_shop_daily', 'decisions', 'order_lines', 'orders', 'shops'] as const;

async function withClient<T>(databaseUrl: string, task: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether this role may skip triggers for its session (`session_replication_role`, superusers only, as
 * the embedded PostgreSQL's is). Skipped, the 3,000,000 foreign-key checks — one per row, on keys the
 * statements build consistent by construction — and the rollup trigger cost nothing: seeding takes about
 * half the time. Without it the foreign keys are checked and only the rollup trigger is turned off.
 */
async function maySkipTriggers(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.rolsuper === true;
}

/** Runs `statements` in one transaction with every trigger skipped where allowed, else the rollup trigger only. */
async function withoutTriggers(client: pg.Client, statements: (client: pg.Client) => Promise<void>): Promise<void> {
  const skipAll = await maySkipTriggers(client);
  await client.query('BEGIN');
  try {
    if (skipAll) await client.query('SET LOCAL session_replication_role = replica');
    else await client.query('ALTER TABLE decisions DISABLE TRIGGER decisions_roll_up');
    await statements(client);
    if (!skipAll) await client.query('ALTER TABLE decisions ENABLE TRIGGER decisions_roll_up');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Seeds `data` (a minute or so on 2 shared cores); answers the seconds it took. */
export async function seedScaleData(
  databaseUrl: string,
  data: ScaleData = ISSUE_SCALE,
  log: (message: string) => void = () => undefined,
): Promise<number> {
  const started = Date.now();
  await withClient(databaseUrl, async (client) => {
    const parameters = [data.orders, data.shops, data.days];
    const step = async (what: string, text: string, values: unknown[]) => {
      const at = Date.now();
      await client.query(text, values);
      log(`scale seed: ${what} ${((Date.now() - at) / 1000).toFixed(1)} s`);
    };
    await withoutTriggers(client, async () => {
      await step('shops', SHOPS_SQL, [data.shops]);
      await step('orders', ORDERS_SQL, parameters);
      await step('order lines', LINES_SQL, parameters);
      await step('decisions', DECISIONS_SQL, parameters);
      await step('rollup', ROLLUP_SQL, parameters);
    });
    // As autovacuum would soon after: fresh statistics, so the planner sees the tables as they now are.
    await step('analyze', `ANALYZE ${SCALE_TABLES.join(', ')}`, []);
  });
  return (Date.now() - started) / 1000;
}

/** Counts what is stored under the scale shops: a check that the seed wrote what it says. */
export async function countScaleData(
  databaseUrl: string,
): Promise<{ shops: number; orders: number; lines: number; decisions: number; rolledUp: number }> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ shops: string; orders: string; lines: string; decisions: string; rolled_up: string | null }>(
      `SELECT (SELECT count(*) FROM shops WHERE starts_with(id, $1)) AS shops,
              (SELECT count(*) FROM orders WHERE starts_with(shop_id, $1)) AS orders,
              (SELECT count(*) FROM order_lines WHERE starts_with(shop_id, $1)) AS lines,
              (SELECT count(*) FROM decisions WHERE starts_with(shop_id, $1)) AS decisions,
              (SELECT sum(orders) FROM analytics_daily WHERE starts_with(shop_id, $1)) AS rolled_up`,
      [SCALE_SHOP_PREFIX],
    );
    const row = rows[0];
    return {
      shops: Number(row?.shops ?? 0),
      orders: Number(row?.orders ?? 0),
      lines: Number(row?.lines ?? 0),
      decisions: Number(row?.decisions ?? 0),
      rolledUp: Number(row?.rolled_up ?? 0),
    };
  });
}

/** Removes every row the seed wrote, child tables first; answers the seconds it took. */
export async function dropScaleData(databaseUrl: string): Promise<number> {
  const started = Date.now();
  await withClient(databaseUrl, async (client) => {
    // Child tables first, so the cascades (skipped where allowed) find nothing left to delete.
    await withoutTriggers(client, async () => {
      for (const table of SCALE_TABLES) {
        await client.query(`DELETE FROM ${table} WHERE starts_with(${table === 'shops' ? 'id' : 'shop_id'}, $1)`, [SCALE_SHOP_PREFIX]);
      }
    });
    await client.query(`VACUUM ANALYZE ${SCALE_TABLES.join(', ')}`);
  });
  return (Date.now() - started) / 1000;
}
