/**
 * The analytics event log's queries (`analytics_events`): an upsell's lifecycle events written with its
 * own event row in one statement, the "No thanks" that marks the decision and records the decline in one
 * statement, and the batched insert of views. Each event takes its experiment and arm from the order's
 * decision; the unique indexes make every repeat a no-op.
 */
import { sql, type Insertable } from 'kysely';
import type { AnalyticsEventType, OfferView } from '../core/analytics';
import type { Db } from './database';
import type { UpsellEventsTable, UpsellRow } from './schema';

/** The experiment and arm stored with the order's decision (null when the order is in none). */
function armOf(shopId: string, orderId: string) {
  return {
    experiment_id: sql<string | null>`(SELECT experiment_id FROM decisions WHERE shop_id = ${shopId} AND order_id = ${orderId})`,
    arm_id: sql<string | null>`(SELECT arm_id FROM decisions WHERE shop_id = ${shopId} AND order_id = ${orderId})`,
  };
}

/**
 * One INSERT of the upsell's events of `types` (skipping those already recorded), with `alongside` — the
 * upsell's own event row — in the same statement. No types: only `alongside` is written (if given).
 */
export async function insertLifecycleEvents(
  trx: Db,
  upsell: UpsellRow,
  types: readonly AnalyticsEventType[],
  at: Date,
  alongside?: Insertable<UpsellEventsTable>,
): Promise<void> {
  if (types.length === 0) {
    if (alongside) await trx.insertInto('upsell_events').values(alongside).execute();
    return;
  }
  const rows = types.map((type) => ({
    shop_id: upsell.shop_id,
    type,
    order_id: upsell.order_id,
    offer_id: upsell.offer_id,
    upsell_id: upsell.id,
    ...armOf(upsell.shop_id, upsell.order_id),
    amount: upsell.amount,
    currency: upsell.currency,
    occurred_at: at,
  }));
  const insert = alongside
    ? trx.with('logged', (cte) => cte.insertInto('upsell_events').values(alongside).returning('id')).insertInto('analytics_events')
    : trx.insertInto('analytics_events');
  await insert
    .values(rows)
    .onConflict((conflict) => conflict.columns(['shop_id', 'upsell_id', 'type']).where('upsell_id', 'is not', null).doNothing())
    .execute();
}

/**
 * "No thanks": marks the decision declined and records `offer_declined` in one statement, so both or
 * neither happen. A repeat (already declined) changes nothing and records nothing.
 */
export async function declineDecision(db: Db, shopId: string, orderId: string, at: Date): Promise<void> {
  await sql`
    WITH declined AS (
      UPDATE decisions SET declined_at = ${at}
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND declined_at IS NULL AND offer_id IS NOT NULL
      RETURNING shop_id, order_id, offer_id, offer, experiment_id, arm_id
    )
    INSERT INTO analytics_events (shop_id, type, order_id, offer_id, experiment_id, arm_id, amount, currency, occurred_at)
    SELECT shop_id, 'offer_declined', order_id, offer_id, experiment_id, arm_id,
           (offer->>'total')::bigint, offer->>'currency', ${at}
    FROM declined
    ON CONFLICT (shop_id, order_id, offer_id, type) WHERE upsell_id IS NULL DO NOTHING
  `.execute(db);
}

/** One INSERT of `offer_viewed` events, the arm taken from each order's decision, repeats of (order, offer) skipped. */
export async function insertOfferViews(db: Db, views: readonly OfferView[]): Promise<void> {
  if (views.length === 0) return;
  await sql`
    INSERT INTO analytics_events (shop_id, type, order_id, offer_id, experiment_id, arm_id, amount, currency, occurred_at)
    SELECT v.shop_id, 'offer_viewed', v.order_id, v.offer_id, d.experiment_id, d.arm_id, v.amount, v.currency, v.at
    FROM unnest(
      ${views.map((view) => view.shopId)}::text[], ${views.map((view) => view.orderId)}::text[],
      ${views.map((view) => view.offerId)}::text[], ${views.map((view) => view.amount)}::bigint[],
      ${views.map((view) => view.currency)}::text[], ${views.map((view) => view.at.toISOString())}::timestamptz[]
    ) AS v(shop_id, order_id, offer_id, amount, currency, at)
    LEFT JOIN decisions d ON d.shop_id = v.shop_id AND d.order_id = v.order_id
    ON CONFLICT (shop_id, order_id, offer_id, type) WHERE upsell_id IS NULL DO NOTHING
  `.execute(db);
}
