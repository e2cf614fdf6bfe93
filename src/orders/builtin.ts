/** The built-in order store's two strategies (see `contract.ts`). */
import { sql, type Transaction } from 'kysely';
import type { IdGenerator } from '../core/clock';
import type { OrderStrategy } from '../core/settings';
import type { Database } from '../store/schema';
import type { OrderChange, OrderSink, UpsellLine } from './contract';

type Trx = Transaction<Database>;

function lineValues(shopId: string, orderId: string, id: string, position: number, line: UpsellLine) {
  return {
    shop_id: shopId,
    id,
    order_id: orderId,
    position,
    product_id: line.productId,
    variant_id: line.variantId,
    title: line.title,
    quantity: line.quantity,
    unit_price: line.unitPrice,
    discount_amount: line.discountAmount,
    tax_amount: line.taxAmount,
    shipping_amount: line.shippingAmount,
    source: 'upsell' as const,
    upsell_id: line.upsellId,
  };
}

/** Moves an order's totals by one upsell line, `sign` +1 to add it, −1 to take it back. */
async function shiftTotals(trx: Trx, shopId: string, orderId: string, line: Pick<UpsellLine, 'discountAmount' | 'taxAmount' | 'shippingAmount' | 'total'>, sign: 1 | -1) {
  const subtotal = line.total - line.taxAmount - line.shippingAmount;
  await trx
    .updateTable('orders')
    .set({
      subtotal: sql`subtotal + ${sign * subtotal}`,
      tax_total: sql`tax_total + ${sign * line.taxAmount}`,
      shipping_total: sql`shipping_total + ${sign * line.shippingAmount}`,
      total: sql`total + ${sign * line.total}`,
    })
    .where('shop_id', '=', shopId)
    .where('id', '=', orderId)
    .execute();
}

export function updateOriginalSink(ids: IdGenerator): OrderSink {
  return {
    strategy: 'update_original',
    async applyUpsell(trx, shopId, orderId, line) {
      // One statement: the line already added for this upsell (a retry), or a new last line and the
      // order's totals moved by it. The caller holds the upsell's row lock, so no twin runs beside it.
      const lineId = ids.id('line');
      const values = lineValues(shopId, orderId, lineId, 0, line);
      const subtotal = line.total - line.taxAmount - line.shippingAmount;
      const { rows } = await sql<{ id: string }>`
        WITH existing AS (
          SELECT id FROM order_lines WHERE shop_id = ${shopId} AND upsell_id = ${line.upsellId}
        ), added AS (
          INSERT INTO order_lines (shop_id, id, order_id, position, product_id, variant_id, title, quantity, unit_price,
            discount_amount, tax_amount, shipping_amount, source, upsell_id)
          SELECT ${values.shop_id}, ${values.id}, ${values.order_id},
            coalesce((SELECT max(position) FROM order_lines WHERE shop_id = ${shopId} AND order_id = ${orderId}), -1) + 1,
            ${values.product_id}, ${values.variant_id}, ${values.title}, ${values.quantity}::integer, ${values.unit_price}::bigint,
            ${values.discount_amount}::bigint, ${values.tax_amount}::bigint, ${values.shipping_amount}::bigint, ${values.source}, ${values.upsell_id}
          WHERE NOT EXISTS (SELECT 1 FROM existing)
          RETURNING id
        ), shifted AS (
          UPDATE orders SET subtotal = subtotal + ${subtotal}::bigint, tax_total = tax_total + ${line.taxAmount}::bigint,
            shipping_total = shipping_total + ${line.shippingAmount}::bigint, total = total + ${line.total}::bigint
          WHERE shop_id = ${shopId} AND id = ${orderId} AND EXISTS (SELECT 1 FROM added)
        )
        SELECT id FROM existing UNION ALL SELECT id FROM added
      `.execute(trx);
      const applied = rows[0];
      if (!applied) throw new Error(`order ${orderId} could not take the line of upsell ${line.upsellId}`);
      return { lineId: applied.id, linkedOrderId: null };
    },
    async revertUpsell(trx, shopId, orderId, change) {
      const removed = await trx
        .deleteFrom('order_lines')
        .where('shop_id', '=', shopId)
        .where('upsell_id', '=', change.upsellId)
        .returning(['discount_amount', 'tax_amount', 'shipping_amount', 'quantity', 'unit_price'])
        .executeTakeFirst();
      if (!removed) return;
      const total = removed.quantity * removed.unit_price - removed.discount_amount + removed.tax_amount + removed.shipping_amount;
      await shiftTotals(trx, shopId, orderId, {
        discountAmount: removed.discount_amount, taxAmount: removed.tax_amount, shippingAmount: removed.shipping_amount, total,
      }, -1);
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
      const existing = await trx
        .selectFrom('orders')
        .select('id')
        .where('shop_id', '=', shopId)
        .where('upsell_id', '=', line.upsellId)
        .executeTakeFirst();
      if (existing) return { lineId: null, linkedOrderId: existing.id };
      const parent = await trx.selectFrom('orders').selectAll().where('shop_id', '=', shopId).where('id', '=', orderId).executeTakeFirstOrThrow();
      const linkedOrderId = ids.id('ord');
      await trx
        .insertInto('orders')
        .values({
          shop_id: shopId,
          id: linkedOrderId,
          external_id: null,
          parent_order_id: orderId,
          upsell_id: line.upsellId,
          currency: line.currency,
          subtotal: line.total - line.taxAmount - line.shippingAmount,
          shipping_total: line.shippingAmount,
          tax_total: line.taxAmount,
          total: line.total,
          tax_rate: parent.tax_rate,
          locale: parent.locale,
          customer_key: parent.customer_key,
          customer: JSON.stringify(parent.customer),
          payment: JSON.stringify(parent.payment),
          status: 'open',
          created_at: now,
        })
        .execute();
      await trx.insertInto('order_lines').values(lineValues(shopId, linkedOrderId, ids.id('line'), 0, line)).execute();
      return { lineId: null, linkedOrderId };
    },
    async revertUpsell(trx, shopId, _orderId, change) {
      if (!change.linkedOrderId) return;
      await trx
        .updateTable('orders')
        .set({ status: 'cancelled' })
        .where('shop_id', '=', shopId)
        .where('id', '=', change.linkedOrderId)
        .execute();
    },
    async settleUpsell(trx, shopId, change) {
      if (!change.linkedOrderId) return;
      await trx
        .updateTable('orders')
        .set({ status: 'finalized' })
        .where('shop_id', '=', shopId)
        .where('id', '=', change.linkedOrderId)
        .where('status', '=', 'open')
        .execute();
    },
  };
}

export type OrderSinks = Readonly<Record<OrderStrategy, OrderSink>>;

export function builtinOrderSinks(ids: IdGenerator): OrderSinks {
  return { update_original: updateOriginalSink(ids), linked_order: linkedOrderSink(ids) };
}

export type { OrderChange };
