/**
 * Every word the buyer reads, in one place. The actions' names stay stable and plain (outside tests find
 * them by name): "Pay now · <total>", "No thanks", "Continue", and the undo's "Didn't mean to? Undo".
 */
import type { ChangesetErrorCode } from './shopify';

/** A message above the offer: the answer to what the buyer just did. */
export interface Notice {
  tone: 'success' | 'info' | 'warning' | 'critical';
  title: string;
  text: string | null;
}

export const copy = {
  calloutTitle: 'Add this to your order',
  calloutText: "One click: it's charged to the card you just paid with.",
  payNow: (total: string) => `Pay now · ${total}`,
  paying: 'Paying…',
  noThanks: 'No thanks',
  continue: 'Continue',
  undo: "Didn't mean to? Undo",
  timeLeft: (time: string) => `${time} left`,
  subtotal: 'Subtotal',
  shipping: 'Shipping',
  taxes: 'Taxes',
  total: 'Total charged now',
  free: 'Free',
  originalPrice: 'Original price',
  price: 'Price',
  youSave: (amount: string) => `You save ${amount}`,
  quantity: (quantity: number) => `Quantity: ${quantity}`,
};

const NOT_CHARGED = 'Your card was not charged.';

export const notices = {
  added: (total: string): Notice => ({ tone: 'success', title: 'Added to your order', text: `${total} was charged to the card you paid with.` }),
  removed: (total: string): Notice => ({ tone: 'success', title: `Removed from your order — you'll be refunded ${total}`, text: null }),
  undoClosed: (): Notice => ({
    tone: 'info',
    title: 'It can no longer be undone',
    text: 'The time to undo is over, so the item stays on your order. Contact the shop if you need to return it.',
  }),
  undoUnreachable: (): Notice => ({
    tone: 'critical',
    title: "We couldn't remove it yet",
    text: "We couldn't reach the shop. Nothing was changed — please try again.",
  }),
  payUnreachable: (): Notice => ({
    tone: 'critical',
    title: "We couldn't add it yet",
    text: `We couldn't reach the shop. ${NOT_CHARGED} Please try again.`,
  }),
  offerClosed: (): Notice => ({ tone: 'info', title: 'This offer is no longer available', text: NOT_CHARGED }),
  totalUnavailable: (): Notice => ({
    tone: 'warning',
    title: "We couldn't work out the total",
    text: `This offer can't be added right now. ${NOT_CHARGED}`,
  }),
  /** `applyChangeset` failed without an answer: whether Shopify charged is unknown, so say neither. */
  unconfirmed: (): Notice => ({
    tone: 'warning',
    title: "We couldn't confirm the change",
    text: 'Your order confirmation will show whether the item was added and charged.',
  }),
};

/** Why Shopify did not add the item, kindly and specifically, for each of its changeset error codes. */
function declineText(code: ChangesetErrorCode): string {
  switch (code) {
    case 'payment_required':
      return `Your card couldn't be charged for this item, so it wasn't added. ${NOT_CHARGED}`;
    case 'insufficient_inventory':
      return `Sorry, this item just sold out. ${NOT_CHARGED}`;
    case 'changeset_already_applied':
      return "This item is already on your order, so you won't be charged for it again.";
    case 'unsupported_payment_method':
      return `This offer can't be paid with the payment method you used for your order. ${NOT_CHARGED}`;
    case 'order_released_error':
      return `Your order is already being prepared, so it can't be changed now. ${NOT_CHARGED}`;
    case 'invalid_request':
      return `Something was wrong with this offer, so the item wasn't added. ${NOT_CHARGED}`;
    case 'server_error':
      return `Shopify couldn't add the item just now. ${NOT_CHARGED}`;
    case 'buyer_consent_required':
      return `This item needs your consent to a subscription, so it wasn't added. ${NOT_CHARGED}`;
    case 'subscription_vaulting_error':
    case 'subscription_contract_creation_error':
      return `The subscription for this item couldn't be set up, so it wasn't added. ${NOT_CHARGED}`;
    case 'subscription_no_shipping_address_error':
      return `A subscription needs a shipping address, and this order has none, so it wasn't added. ${NOT_CHARGED}`;
    case 'subscription_limit_error':
      return `No more subscriptions can be added to this order. ${NOT_CHARGED}`;
    default: {
      // A code newer than these types: still kind, still true.
      const newer: never = code;
      void newer;
      return `The item wasn't added. ${NOT_CHARGED}`;
    }
  }
}

/** The notice for a changeset Shopify did not process: by its first error's code. */
export function declineNotice(code: ChangesetErrorCode | undefined): Notice {
  const title = code === 'changeset_already_applied' ? 'Already on your order' : 'Not added to your order';
  return {
    tone: code === 'changeset_already_applied' ? 'info' : 'warning',
    title,
    text: code ? declineText(code) : `The item wasn't added. ${NOT_CHARGED}`,
  };
}
