/**
 * `order.finalized`: once per order, when nothing can change it any more — no upsell of the order is in
 * progress, and either one reached a final money state (captured, failed, refunded) or every session of
 * the order has ended. The status change and the webhook are one transaction.
 */
import { sql } from 'kysely';
import { isInProgress, UPSELL_STATES, type UpsellState } from '../core/upsell-state';
import { enqueueWebhook } from '../engine/upsells';
import { type UpsellContext } from '../engine/context';
import { inSavepoint } from './backoff';
import { failureBackoffMs, isolate, silentObserver, type WorkerObserver } from './observer';

const IN_PROGRESS: UpsellState[] = UPSELL_STATES.filter(isInProgress);
const MONEY_FINAL: UpsellState[] = ['captured', 'capture_failed', 'refunded'];

export async function finalizeOrders(ctx: UpsellContext, observer: WorkerObserver = silentObserver, limit = 100): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const orders = await trx
      .selectFrom('orders as o')
      .select(['o.shop_id', 'o.id', 'o.finalize_attempts'])
      .where('o.status', '=', 'open')
      .where('o.parent_order_id', 'is', null)
      .where((eb) => eb.or([eb('o.finalize_retry_at', 'is', null), eb('o.finalize_retry_at', '<=', now)]))
      .where(({ not, exists, selectFrom }) => not(exists(
        selectFrom('upsells as u').select('u.id').whereRef('u.shop_id', '=', 'o.shop_id').whereRef('u.order_id', '=', 'o.id').where('u.state', 'in', IN_PROGRESS),
      )))
      .where(({ or, exists, selectFrom }) => or([
        exists(selectFrom('upsells as u').select('u.id').whereRef('u.shop_id', '=', 'o.shop_id').whereRef('u.order_id', '=', 'o.id').where('u.state', 'in', MONEY_FINAL)),
        sql<boolean>`(select max(s.expires_at) from checkout_sessions s where s.shop_id = o.shop_id and s.order_id = o.id) <= ${now}`,
      ]))
      .orderBy('o.created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    // Each order in its own savepoint: one that throws is rolled back alone and tried again later.
    return isolate(observer, 'finalize_orders', orders, {
      ids: (order) => ({ shopId: order.shop_id, id: order.id }),
      work: (order) => inSavepoint(trx, async () => {
        await trx.updateTable('orders').set({ status: 'finalized', finalized_at: now }).where('shop_id', '=', order.shop_id).where('id', '=', order.id).execute();
        await enqueueWebhook(ctx, trx, order.shop_id, 'order.finalized', { orderId: order.id });
      }),
      backOff: async (order) => {
        const attempts = order.finalize_attempts + 1;
        await trx.updateTable('orders').set({ finalize_attempts: attempts, finalize_retry_at: new Date(now.getTime() + failureBackoffMs(attempts)) })
          .where('shop_id', '=', order.shop_id).where('id', '=', order.id).execute();
      },
    });
  });
}
