/**
 * The fake Shopify's orders as others read them: a snapshot for tests and the demo pages
 * (`FakeShopify.order`), and the REST-shaped body Shopify's `orders/*` webhooks carry.
 */
import { toMajorUnitString } from '../../../core/money';
import { gid } from './admin-graphql';
import {
  currentShare,
  fulfillmentStatus,
  totals,
  type FulfillmentStatus,
  type OrderState,
  type TransactionKind,
  type TransactionStatus,
} from './orders';

export interface FakeShopifyLine {
  /** `gid://shopify/LineItem/<n>`. */
  readonly id: string;
  readonly productId: number;
  readonly variantId: number;
  readonly title: string;
  readonly variantTitle: string;
  /** The current quantity: 0 once an order edit removed the line. */
  readonly quantity: number;
  readonly originalQuantity: number;
  /** Minor units: the variant's price, the line's discount, tax and total (after discount, before tax) at the current quantity. */
  readonly unitPrice: number;
  readonly discount: number;
  readonly discountTitle: string | null;
  readonly tax: number;
  readonly total: number;
  /** `checkout` for the initial purchase, `changeset` for a line an applied changeset added. */
  readonly source: 'checkout' | 'changeset';
}

export interface FakeShopifyTransaction {
  /** `gid://shopify/OrderTransaction/<n>`. */
  readonly id: string;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly gateway: string;
  /** Minor units. */
  readonly amount: number;
  readonly parentId: string | null;
  readonly createdAt: string;
}

export interface FakeShopifyRefund {
  /** `gid://shopify/Refund/<n>`. */
  readonly id: string;
  readonly note: string | null;
  readonly notify: boolean;
  readonly amount: number;
  readonly transactionIds: readonly string[];
  readonly createdAt: string;
}

export interface FakeShopifyOrder {
  /** `gid://shopify/Order/<referenceId>`. */
  readonly id: string;
  readonly referenceId: string;
  /** "#1001". */
  readonly name: string;
  readonly createdAt: string;
  readonly currency: string;
  readonly customerId: string | null;
  readonly destinationCountryCode: string | null;
  readonly locale: string;
  readonly lines: readonly FakeShopifyLine[];
  readonly transactions: readonly FakeShopifyTransaction[];
  readonly refunds: readonly FakeShopifyRefund[];
  readonly staffNotes: readonly string[];
  readonly displayFulfillmentStatus: FulfillmentStatus;
  readonly released: boolean;
  readonly cancelled: boolean;
  readonly fulfilled: boolean;
  readonly changesetApplications: number;
  /** Minor units, for the lines at their current quantities; `paid` and `refunded` from the transactions. */
  readonly totals: {
    readonly subtotal: number;
    readonly discount: number;
    readonly tax: number;
    readonly total: number;
    readonly paid: number;
    readonly refunded: number;
  };
}

export function orderSnapshot(order: OrderState): FakeShopifyOrder {
  const sum = totals(order);
  return {
    id: gid('Order', order.id),
    referenceId: String(order.id),
    name: `#${order.number}`,
    createdAt: order.createdAt.toISOString(),
    currency: order.currency,
    customerId: order.customerId,
    destinationCountryCode: order.destinationCountryCode,
    locale: order.locale,
    lines: order.lines.map((line) => ({
      id: gid('LineItem', line.id),
      productId: line.product.productId,
      variantId: line.product.variantId,
      title: line.product.title,
      variantTitle: line.product.variantTitle,
      quantity: line.currentQuantity,
      originalQuantity: line.quantity,
      unitPrice: line.product.price,
      discount: currentShare(line.discount, line),
      discountTitle: line.discountTitle,
      tax: currentShare(line.tax, line),
      total: currentShare(line.listTotal - line.discount, line),
      source: line.source,
    })),
    transactions: order.transactions.map((each) => ({
      id: gid('OrderTransaction', each.id),
      kind: each.kind,
      status: each.status,
      gateway: each.gateway,
      amount: each.amount,
      parentId: each.parentId === null ? null : gid('OrderTransaction', each.parentId),
      createdAt: each.createdAt.toISOString(),
    })),
    refunds: order.refunds.map((refund) => ({
      id: gid('Refund', refund.id),
      note: refund.note,
      notify: refund.notify,
      amount: order.transactions.filter((each) => refund.transactionIds.includes(each.id)).reduce((total, each) => total + each.amount, 0),
      transactionIds: refund.transactionIds.map((id) => gid('OrderTransaction', id)),
      createdAt: refund.createdAt.toISOString(),
    })),
    staffNotes: [...order.staffNotes],
    displayFulfillmentStatus: fulfillmentStatus(order),
    released: order.releasedAt !== null,
    cancelled: order.cancelledAt !== null,
    fulfilled: order.fulfilledAt !== null,
    changesetApplications: order.changesetApplications,
    totals: { subtotal: sum.subtotal, discount: sum.discount, tax: sum.tax, total: sum.total, paid: sum.paid, refunded: sum.refunded },
  };
}

function restFulfillmentStatus(order: OrderState): 'on_hold' | 'fulfilled' | null {
  switch (fulfillmentStatus(order)) {
    case 'ON_HOLD':
      return 'on_hold';
    case 'FULFILLED':
      return 'fulfilled';
    case 'UNFULFILLED':
      return null;
  }
}

function financialStatus(order: OrderState): string {
  const { paid, refunded } = totals(order);
  if (refunded === 0) return 'paid';
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

/**
 * The REST `Order` resource as `orders/create`, `orders/updated` … webhooks carry it (fields Plusone may
 * read). Like Shopify's: `quantity` is what was bought and stays, `current_quantity` drops when an edit
 * removes items. `fulfillment_status` is `on_hold` while the post-purchase hold lasts (line items then have
 * `fulfillable_quantity` 0, as Shopify's 2021-07 changelog describes), null once released, `fulfilled` after.
 */
export function orderRestPayload(order: OrderState): Record<string, unknown> {
  const money = (amount: number) => toMajorUnitString(amount, order.currency);
  const all = order.lines.reduce((sum, line) => ({ list: sum.list + line.listTotal - line.discount, tax: sum.tax + line.tax }), { list: 0, tax: 0 });
  const current = totals(order);
  return {
    id: order.id,
    admin_graphql_api_id: gid('Order', order.id),
    name: `#${order.number}`,
    order_number: order.number,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
    currency: order.currency,
    presentment_currency: order.currency,
    subtotal_price: money(all.list),
    total_tax: money(all.tax),
    total_price: money(all.list + all.tax),
    current_subtotal_price: money(current.subtotal),
    current_total_tax: money(current.tax),
    current_total_price: money(current.total),
    financial_status: financialStatus(order),
    fulfillment_status: restFulfillmentStatus(order),
    cancelled_at: order.cancelledAt?.toISOString() ?? null,
    closed_at: order.fulfilledAt?.toISOString() ?? null,
    line_items: order.lines.map((line) => ({
      id: line.id,
      admin_graphql_api_id: gid('LineItem', line.id),
      variant_id: line.product.variantId,
      product_id: line.product.productId,
      title: line.product.title,
      variant_title: line.product.variantTitle,
      quantity: line.quantity,
      current_quantity: line.currentQuantity,
      fulfillable_quantity: order.releasedAt && !order.fulfilledAt ? line.currentQuantity : 0,
      price: money(line.product.price),
      total_discount: money(line.discount),
    })),
    refunds: order.refunds.map((refund) => ({
      id: refund.id,
      admin_graphql_api_id: gid('Refund', refund.id),
      note: refund.note,
      created_at: refund.createdAt.toISOString(),
      transactions: order.transactions
        .filter((each) => refund.transactionIds.includes(each.id))
        .map((each) => ({
          id: each.id,
          kind: 'refund',
          status: 'success',
          amount: money(each.amount),
          parent_id: each.parentId,
          gateway: each.gateway,
        })),
    })),
  };
}
