/**
 * The decision as stored and shown: the chosen offer priced and worded for the buyer (`DecidedOffer`),
 * kept with the order so the confirmation page reads it by key, and the per-offer explanation.
 */
import { buttonText, cardText } from './messages';
import type { Decision } from './offers';

/** The priced, worded offer of a decision. `GET /v1/checkout/offer` adds the session's `expiresAt`. */
export interface DecidedOffer {
  id: string;
  productId: string;
  variantId: string;
  title: string;
  variantTitle: string;
  imageUrl: string | null;
  quantity: number;
  currency: string;
  unitPrice: number;
  /** List price of the quantity before discount; null when there is no discount. */
  compareAtPrice: number | null;
  discountAmount: number;
  taxAmount: number;
  shippingAmount: number;
  /** The exact charge. */
  total: number;
  buttonCopyId: string | null;
  buttonText: string;
  cardText: string;
  locale: string;
}

export interface CheckoutOffer extends DecidedOffer {
  /** When the post-purchase session, and with it the offer, ends. */
  expiresAt: string;
}

export function presentDecision(
  chosen: Decision['chosen'],
  context: { locale: string; card: { brand: string | null; last4: string | null } },
): DecidedOffer | null {
  if (!chosen) return null;
  const { candidate, price } = chosen;
  const { offer, variant } = candidate;
  if (!variant) return null;
  const copy = offer.buttonCopy[0] ?? null;
  return {
    id: offer.id,
    productId: variant.productId,
    variantId: variant.id,
    title: variant.productTitle,
    variantTitle: variant.title,
    imageUrl: variant.imageUrl,
    quantity: price.quantity,
    currency: price.currency,
    unitPrice: price.unitPrice,
    compareAtPrice: price.discountAmount > 0 ? price.listTotal : null,
    discountAmount: price.discountAmount,
    taxAmount: price.taxAmount,
    shippingAmount: price.shippingAmount,
    total: price.total,
    buttonCopyId: copy?.id ?? null,
    buttonText: remembered(textKey('button', context.locale, price.currency, price.total, copy?.text ?? null), () =>
      buttonText(copy?.text ?? null, price.total, price.currency, context.locale),
    ),
    cardText: remembered(textKey('card', context.locale, context.card.brand, context.card.last4), () => cardText(context.card, context.locale)),
    locale: context.locale,
  };
}

/** Texts presented at most (about 2 MB); then the memory starts over. */
const MAX_TEXTS = 10_000;

/**
 * The button and card texts already made, by everything they are made from: registrations of a shop
 * mostly present the same few offers at the same prices, and Intl formatting is the costly part.
 */
const texts = new Map<string, string>();

/** Each part as JSON would quote it, so no two different lists of parts give the same key. */
function textKey(...parts: (string | number | null)[]): string {
  return JSON.stringify(parts);
}

function remembered(key: string, make: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    if (texts.size >= MAX_TEXTS) texts.clear();
    text = make();
    texts.set(key, text);
  }
  return text;
}

export function toCheckoutOffer(offer: DecidedOffer, expiresAt: Date): CheckoutOffer {
  return { ...offer, expiresAt: expiresAt.toISOString() };
}
