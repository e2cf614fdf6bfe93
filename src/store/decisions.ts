/**
 * The decisions' queries: one row per order, written with the order at registration (store/orders), read
 * by the buyer's page and the accept, locked by an accept and a "No thanks" alike so they serialize.
 */
import type { Db } from './database';

export async function decisionRow(db: Db, shopId: string, orderId: string) {
  return db.selectFrom('decisions').selectAll().where('shop_id', '=', shopId).where('order_id', '=', orderId).executeTakeFirst();
}

/** The decided offer as stored (it never changes after registration); undefined when the order has none. */
export async function decidedOffer(db: Db, shopId: string, orderId: string) {
  const row = await db.selectFrom('decisions').select('offer').where('shop_id', '=', shopId).where('order_id', '=', orderId).executeTakeFirst();
  return row && row.offer;
}

/** Whether the buyer said "No thanks", and the id of the order's latest upsell: one indexed read. */
export async function decisionProgress(db: Db, shopId: string, orderId: string) {
  return db
    .selectFrom('decisions')
    .select((eb) => [
      'decisions.declined_at',
      eb
        .selectFrom('upsells')
        .select('upsells.id')
        .whereRef('upsells.shop_id', '=', 'decisions.shop_id')
        .whereRef('upsells.order_id', '=', 'decisions.order_id')
        .orderBy('upsells.created_at', 'desc')
        .limit(1)
        .as('upsell_id'),
    ])
    .where('decisions.shop_id', '=', shopId)
    .where('decisions.order_id', '=', orderId)
    .executeTakeFirst();
}

/** Locks the order's decision row for the transaction and returns what a "No thanks" needs. */
export async function lockDecision(trx: Db, shopId: string, orderId: string) {
  return trx
    .selectFrom('decisions')
    .select(['offer_id', 'declined_at'])
    .where('shop_id', '=', shopId)
    .where('order_id', '=', orderId)
    .forUpdate()
    .executeTakeFirst();
}
