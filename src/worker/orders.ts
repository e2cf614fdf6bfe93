/**
 * `order.finalized`: once per order, when nothing can change it any more — no upsell of the order is in
 * progress, and either one reached a final money state (captured, failed, refunded) or every session of
 * the order has ended. The status change and the webhook are one transaction.
 */
import { enqueueWebhook } from '../engine/upsells';
import { type UpsellContext } from '../engine/context';
import { backOffFinalize, finalizableOrders, markFinalized } from '../store/orders';
import { inSavepoint } from '../store/savepoint';
import { failureBackoffMs, isolate, silentObserver, type WorkerObserver } from '../engine/observer';

export async function finalizeOrders(ctx: UpsellContext, observer: WorkerObserver = silentObserver, limit = 100): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const orders = await finalizableOrders(trx, now, limit);
    // Each order in its own savepoint: one that throws is rolled back alone and tried again later.
    return isolate(observer, 'finalize_orders', orders, {
      ids: (order) => ({ shopId: order.shop_id, id: order.id }),
      work: (order) =>
        inSavepoint(trx, async () => {
          await markFinalized(trx, order, now);
          await enqueueWebhook(ctx, trx, order.shop_id, 'order.finalized', { orderId: order.id });
        }),
      backOff: async (order) => {
        const attempts = order.finalize_attempts + 1;
        await backOffFinalize(trx, order, attempts, new Date(now.getTime() + failureBackoffMs(attempts)));
      },
    });
  });
}
