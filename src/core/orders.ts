/** The order as the shop's checkout reports it: who bought, and the PSP's reference to the card. */

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
