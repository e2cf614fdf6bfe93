/**
 * The daily rollup's reads (`analytics_daily`, kept in step with the event log and the orders by
 * triggers): the aggregates behind `/v1/analytics/metrics` and their comparison with the holdout, and the
 * per-arm sums behind an experiment's statistics. Sums are computed in SQL as exact integers, per
 * currency, and arrive as decimal text.
 *
 * And the rollup's one write outside the triggers: `foldClosedDay` (migration 018), which the worker runs
 * for each day that is over, so a closed day costs one row per key instead of up to 8 slots, and a
 * query without the offer reads the per-shop rollup (`analytics_shop_daily`) instead of a row per offer.
 */
import { sql, type RawBuilder } from 'kysely';
import type { MetricsQuery } from '../core/analytics';
import { HOLDOUT_ARM_ID } from '../core/experiments';
import { PLANNED_PER_CALL, type Db } from './database';

/** The slot of a closed day's folded rows; the triggers write slots 0–7. */
export const FOLDED_SLOT = -1;

/** Every counter of a rollup row, in both rollup tables. */
const COUNTERS = [
  'orders',
  'checkout_total',
  'checkout_squares',
  'views',
  'accepts',
  'declines',
  'undos',
  'captures',
  'capture_failures',
  'refunds',
  'payment_declines',
  'accepted_amount',
  'captured_amount',
  'refunded_amount',
  'captured_squares',
  'refunded_squares',
] as const;

/** What a metrics row sums: every counter but the squares (those feed only the holdout's and experiments' spreads). */
const METRIC_SUMS = COUNTERS.filter((column) => !column.endsWith('_squares'));

const counterRefs = sql.join(COUNTERS.map((column) => sql.ref(column)));
const counterSums = sql.join(COUNTERS.map((column) => sql`sum(${sql.ref(column)})`));
const addExcluded = (table: string) =>
  sql.join(COUNTERS.map((column) => sql`${sql.ref(column)} = ${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`));

/** Shops and days with rows still in the writers' slots, among the days before `before` (YYYY-MM-DD). */
export async function daysToFold(db: Db, before: string, limit: number): Promise<{ shop_id: string; day: string }[]> {
  const result = await sql<{ shop_id: string; day: string }>`
    SELECT DISTINCT shop_id, to_char(day, 'YYYY-MM-DD') AS day FROM analytics_daily
    WHERE slot >= 0 AND day < ${before}::date
    ORDER BY 2, 1 LIMIT ${limit}
  `.execute(db);
  return result.rows;
}

/**
 * Moves one shop's day out of the writers' slots: its slot rows are deleted and their sums added to the
 * key's folded row and, without the offer, to the shop's daily row, in one statement (so every read sees
 * the day either before or after, never half-moved). A writer that still adds to that day meanwhile
 * waits on the row it updates and then writes a slot row again, which the next fold moves. Returns the
 * slot rows moved.
 */
export async function foldClosedDay(db: Db, shopId: string, day: string): Promise<number> {
  const result = await sql<{ moved: string }>`
    WITH moved AS (
      DELETE FROM analytics_daily WHERE shop_id = ${shopId} AND day = ${day}::date AND slot >= 0 RETURNING *
    ), folded AS (
      INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, ${counterRefs})
      SELECT shop_id, day, offer_id, experiment_id, arm_id, currency, ${FOLDED_SLOT}, ${counterSums}
      FROM moved GROUP BY shop_id, day, offer_id, experiment_id, arm_id, currency
      ORDER BY 3, 4, 5, 6
      ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET ${addExcluded('d')}
    ), shop AS (
      INSERT INTO analytics_shop_daily AS s (shop_id, day, experiment_id, arm_id, currency, ${counterRefs})
      SELECT shop_id, day, experiment_id, arm_id, currency, ${counterSums}
      FROM moved GROUP BY shop_id, day, experiment_id, arm_id, currency
      ORDER BY 3, 4, 5
      ON CONFLICT (shop_id, day, experiment_id, arm_id, currency) DO UPDATE SET ${addExcluded('s')}
    )
    SELECT count(*)::text AS moved FROM moved
  `.execute(db);
  return Number(result.rows[0]?.moved ?? 0);
}

/** One metrics aggregate: the grouped keys ('' for "none") and the counters' sums as exact decimal text. */
export interface MetricsAggregate {
  day?: string;
  offer_id?: string;
  experiment_id?: string;
  arm_id?: string;
  currency: string;
  orders: string;
  checkout_total: string;
  views: string;
  accepts: string;
  declines: string;
  undos: string;
  captures: string;
  capture_failures: string;
  refunds: string;
  payment_declines: string;
  accepted_amount: string;
  captured_amount: string;
  refunded_amount: string;
}

/**
 * The grouped dimensions (in the order of the rows) and the rows a metrics query sums: `analytics_daily`
 * when it groups or filters by offer, else the per-shop rollup of the folded days with the rows not folded
 * yet (the partial index `analytics_daily_unfolded` finds them), which sum to the same.
 */
function rollupScope(shopId: string, query: MetricsQuery) {
  const dimensions: RawBuilder<unknown>[] = [];
  if (query.groupBy.includes('day')) dimensions.push(sql`to_char(day, 'YYYY-MM-DD') AS day`);
  if (query.groupBy.includes('offer')) dimensions.push(sql`offer_id`);
  if (query.groupBy.includes('arm')) dimensions.push(sql`experiment_id`, sql`arm_id`);
  const filters: RawBuilder<unknown>[] = [];
  if (query.offerIds) filters.push(sql`AND offer_id = ANY(${[...query.offerIds]}::text[])`);
  if (query.experimentId) filters.push(sql`AND experiment_id = ${query.experimentId}`);
  const where = sql`shop_id = ${shopId} AND day BETWEEN ${query.from}::date AND ${query.to}::date ${sql.join(filters, sql` `)}`;
  if (query.groupBy.includes('offer') || query.offerIds) return { dimensions, from: sql`analytics_daily`, where };
  const columns = sql`shop_id, day, experiment_id, arm_id, currency, ${counterRefs}`;
  const from = sql`(
    SELECT ${columns} FROM analytics_shop_daily WHERE ${where}
    UNION ALL SELECT ${columns} FROM analytics_daily WHERE ${where} AND slot >= 0
  ) AS rollup`;
  return { dimensions, from, where: sql`true` };
}

/** `1, 2, …, count`: the GROUP BY and ORDER BY of the first `count` columns. */
const positions = (count: number) => sql.join(Array.from({ length: count }, (_, index) => sql.lit(index + 1)));

/** The shop's rollup over the query's days, grouped by its dimensions and the currency, in that order. */
export async function metricsAggregates(db: Db, shopId: string, query: MetricsQuery): Promise<MetricsAggregate[]> {
  const { dimensions, from, where } = rollupScope(shopId, query);
  const total = (column: string) => sql`sum(${sql.ref(column)})::text AS ${sql.ref(column)}`;
  const grouped = positions(dimensions.length + 1);
  const result = await sql<MetricsAggregate>`${PLANNED_PER_CALL}
    SELECT ${sql.join([...dimensions, sql`currency`])},
      ${sql.join(METRIC_SUMS.map(total))}
    FROM ${from}
    WHERE ${where}
    GROUP BY ${grouped} ORDER BY ${grouped}
  `.execute(db);
  return result.rows;
}

/**
 * One group of orders of one experiment with a holdout, within a metrics row: the row's keys, the
 * experiment, whether these are its held-out orders, and the sums as exact decimal text.
 */
export interface HoldoutAggregate {
  day?: string;
  offer_id?: string;
  experiment_id?: string;
  arm_id?: string;
  currency: string;
  stratum: string;
  held_out: boolean;
  orders: string;
  checkout_total: string;
  checkout_squares: string;
  /** captured − refunded. */
  kept: string;
  /** captured² − refunded², summed per upsell. */
  kept_squares: string;
}

/**
 * The same rollup rows as `metricsAggregates`, restricted to the shop's experiments with a holdout, split
 * further by experiment and by held out or exposed: the sums behind each row's holdout comparison.
 */
export async function holdoutAggregates(db: Db, shopId: string, query: MetricsQuery): Promise<HoldoutAggregate[]> {
  const { dimensions, from, where } = rollupScope(shopId, query);
  const grouped = positions(dimensions.length + 3);
  const result = await sql<HoldoutAggregate>`${PLANNED_PER_CALL}
    SELECT ${sql.join([...dimensions, sql`currency`])}, experiment_id AS stratum, arm_id = ${HOLDOUT_ARM_ID} AS held_out,
      sum(orders)::text AS orders, sum(checkout_total)::text AS checkout_total, sum(checkout_squares)::text AS checkout_squares,
      (sum(captured_amount) - sum(refunded_amount))::text AS kept, (sum(captured_squares) - sum(refunded_squares))::text AS kept_squares
    FROM ${from}
    WHERE ${where} AND experiment_id IN (SELECT id FROM experiments WHERE shop_id = ${shopId} AND holdout_basis_points > 0)
    GROUP BY ${grouped} ORDER BY ${grouped}
  `.execute(db);
  return result.rows;
}

/** An experiment's sums per arm and currency, as exact decimal text. */
export interface ArmCurrencyRow {
  arm_id: string;
  currency: string;
  orders: string;
  checkout_total: string;
  views: string;
  accepts: string;
  undos: string;
  declines: string;
  captured: string;
  refunded: string;
  revenue_squares: string;
}

/** The experiment's rollup per arm (the holdout included) and currency, over all its days. */
export async function experimentArmRollup(db: Db, shopId: string, experimentId: string): Promise<ArmCurrencyRow[]> {
  const result = await sql<ArmCurrencyRow>`
    SELECT arm_id, currency, sum(orders)::text AS orders, sum(checkout_total)::text AS checkout_total,
      sum(views)::text AS views, sum(accepts)::text AS accepts, sum(undos)::text AS undos, sum(declines)::text AS declines,
      sum(captured_amount)::text AS captured, sum(refunded_amount)::text AS refunded,
      (sum(captured_squares) - sum(refunded_squares))::text AS revenue_squares
    FROM analytics_daily
    WHERE shop_id = ${shopId} AND experiment_id = ${experimentId}
    GROUP BY arm_id, currency
  `.execute(db);
  return result.rows;
}
