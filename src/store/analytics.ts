/**
 * The daily rollup's reads (`analytics_daily`, kept in step with the event log and the orders by
 * triggers): the aggregates behind `/v1/analytics/metrics` and their comparison with the holdout, and the
 * per-arm sums behind an experiment's statistics. Sums are computed in SQL as exact integers, per
 * currency, and arrive as decimal text.
 */
import { sql, type RawBuilder } from 'kysely';
import type { MetricsQuery } from '../core/analytics';
import { HOLDOUT_ARM_ID } from '../core/experiments';
import type { Db } from './database';

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

/** The grouped dimensions (in the order of the rows) and the WHERE of a metrics query over the rollup. */
function rollupScope(shopId: string, query: MetricsQuery) {
  const dimensions: RawBuilder<unknown>[] = [];
  if (query.groupBy.includes('day')) dimensions.push(sql`to_char(day, 'YYYY-MM-DD') AS day`);
  if (query.groupBy.includes('offer')) dimensions.push(sql`offer_id`);
  if (query.groupBy.includes('arm')) dimensions.push(sql`experiment_id`, sql`arm_id`);
  const filters: RawBuilder<unknown>[] = [];
  if (query.offerId) filters.push(sql`AND offer_id = ${query.offerId}`);
  if (query.experimentId) filters.push(sql`AND experiment_id = ${query.experimentId}`);
  const where = sql`shop_id = ${shopId} AND day BETWEEN ${query.from}::date AND ${query.to}::date ${sql.join(filters, sql` `)}`;
  return { dimensions, where };
}

/** `1, 2, …, count`: the GROUP BY and ORDER BY of the first `count` columns. */
const positions = (count: number) => sql.join(Array.from({ length: count }, (_, index) => sql.lit(index + 1)));

/** The shop's rollup over the query's days, grouped by its dimensions and the currency, in that order. */
export async function metricsAggregates(db: Db, shopId: string, query: MetricsQuery): Promise<MetricsAggregate[]> {
  const { dimensions, where } = rollupScope(shopId, query);
  const total = (column: string) => sql`sum(${sql.ref(column)})::text AS ${sql.ref(column)}`;
  const grouped = positions(dimensions.length + 1);
  const result = await sql<MetricsAggregate>`
    SELECT ${sql.join([...dimensions, sql`currency`])},
      ${sql.join(
        [
          'orders',
          'checkout_total',
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
        ].map(total),
      )}
    FROM analytics_daily
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
  const { dimensions, where } = rollupScope(shopId, query);
  const grouped = positions(dimensions.length + 3);
  const result = await sql<HoldoutAggregate>`
    SELECT ${sql.join([...dimensions, sql`currency`])}, experiment_id AS stratum, arm_id = ${HOLDOUT_ARM_ID} AS held_out,
      sum(orders)::text AS orders, sum(checkout_total)::text AS checkout_total, sum(checkout_squares)::text AS checkout_squares,
      (sum(captured_amount) - sum(refunded_amount))::text AS kept, (sum(captured_squares) - sum(refunded_squares))::text AS kept_squares
    FROM analytics_daily
    WHERE ${where}
      AND experiment_id IN (SELECT id FROM experiments WHERE shop_id = ${shopId} AND holdout_basis_points > 0)
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
