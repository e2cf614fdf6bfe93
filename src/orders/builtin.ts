/** The built-in order store's two strategies (see `contract.ts`); their queries are in store/orders. */
import type { IdGenerator } from '../core/clock';
import type { OrderStrategy } from '../core/settings';
import { addUpsellLine, insertLinkedOrder, linkedOrderOf, removeUpsellLine, setOrderStatus } from '../store/orders';
import type { OrderChange, OrderSink } from './contract';

export function updateOriginalSink(ids: IdGenerator): OrderSink {
  return {
    strategy: 'update_original',
    async applyUpsell(trx, shopId, orderId, line) {
      const lineId = await addUpsellLine(trx, shopId, orderId, ids.id('line'), line);
      if (!lineId) throw new Error(`order ${orderId} could not take the line of upsell ${line.upsellId}`);
      return { lineId, linkedOrderId: null };
    },
    async revertUpsell(trx, shopId, orderId, change) {
      await removeUpsellLine(trx, shopId, orderId, change.upsellId);
    },
    async settleUpsell() {
      // The line is part of the original order, which the finalizer closes as a whole.
    },
  };
}

export function linkedOrderSink(ids: IdGenerator): OrderSink {
  return {
    strategy: 'linked_order',
    async applyUpsell(trx, shopId, orderId, line, now) {
      const existing = await linkedOrderOf(trx, shopId, line.upsellId);
      if (existing) return { lineId: null, linkedOrderId: existing };
      const linkedOrderId = ids.id('ord');
      await insertLinkedOrder(trx, shopId, orderId, { orderId: linkedOrderId, lineId: ids.id('line') }, line, now);
      return { lineId: null, linkedOrderId };
    },
    async revertUpsell(trx, shopId, _orderId, change) {
      if (change.linkedOrderId) await setOrderStatus(trx, shopId, change.linkedOrderId, 'cancelled');
    },
    async settleUpsell(trx, shopId, change) {
      if (change.linkedOrderId) await setOrderStatus(trx, shopId, change.linkedOrderId, 'finalized', 'open');
    },
  };
}

export type OrderSinks = Readonly<Record<OrderStrategy, OrderSink>>;

export function builtinOrderSinks(ids: IdGenerator): OrderSinks {
  return { update_original: updateOriginalSink(ids), linked_order: linkedOrderSink(ids) };
}

export type { OrderChange };
