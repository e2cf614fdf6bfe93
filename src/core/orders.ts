/** The order as the shop's checkout reports it: who bought, and the PSP's reference to the card. */

/**
 * An order's status: `open` while its upsell may still change it, `finalized` once nothing can (the
 * `order.finalized` webhook), `cancelled` for a linked order whose upsell was undone.
 */
export const ORDER_STATUSES = ['open', 'finalized', 'cancelled'] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderCustomer {
  id?: string;
  email?: string;
  country?: string;
  tags?: string[];
  orderCount?: number;
}

/** PSP references only: never a card number, CVV or expiry. */
export interface OrderPayment {
  gateway: string;
  customerRef?: string;
  paymentMethodRef: string;
  brand?: string;
  last4?: string;
}

/** An accepted upsell as a line of the order. */
export interface UpsellLine {
  readonly upsellId: string;
  readonly productId: string;
  readonly variantId: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly discountAmount: number;
  readonly taxAmount: number;
  readonly shippingAmount: number;
  /** The exact charge for this line: quantity × unitPrice − discount + tax + shipping. */
  readonly total: number;
  readonly currency: string;
}

/** What a line adds to the order's subtotal: its charge without tax and shipping. */
export function lineSubtotal(line: Pick<UpsellLine, 'total' | 'taxAmount' | 'shippingAmount'>): number {
  return line.total - line.taxAmount - line.shippingAmount;
}
