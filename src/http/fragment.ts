/**
 * The offer as a server-rendered HTML fragment for the merchant's confirmation page, or what became of it
 * once the buyer answered (added, undone, charged, declined, not charged): readable without any script
 * (the widget enhances it), minimal semantic markup, every class prefixed `plusone-`
 * so nothing leaks into the page's styles, every text escaped. The section's `data-plusone-*` attributes
 * are what the widget reads: the offer id, the exact charge, and its own strings in the offer's language.
 */
import { escapeHtml } from '../core/html';
import { message, widgetMessages, type MessageKey } from '../core/messages';
import { formatMoney } from '../core/money';
import { buyerUpsell, type CheckoutStatus } from '../engine/buyer-state';
import type { CheckoutOfferAnswer } from '../engine/checkout';
import { toCheckoutOffer, type CheckoutOffer, type DecidedOffer } from '../core/decisions';

/** The order's upsell once the buyer answered the offer. */
type AnsweredUpsell = NonNullable<CheckoutOfferAnswer['upsell']>;

type Text = (key: MessageKey, values?: Record<string, string | number>) => string;

function texts(locale: string): Text {
  return (key, values = {}) => escapeHtml(message(locale, key, values));
}

/** The section's opening tag: the offer id, its language and the widget's strings, plus `extra` attributes. */
function sectionStart(offer: DecidedOffer, extra: Record<string, string>): string {
  const attributes = Object.entries(extra)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  return (
    `<section class="plusone-offer" lang="${escapeHtml(offer.locale)}" aria-labelledby="plusone-offer-title-${escapeHtml(offer.id)}"` +
    ` data-plusone-offer="${escapeHtml(offer.id)}"${attributes}` +
    ` data-plusone-messages="${escapeHtml(JSON.stringify(widgetMessages(offer.locale)))}">`
  );
}

/** Image, title and variant of the offer, then `price` (already HTML). */
function productBody(offer: DecidedOffer, text: Text, price: string): string {
  const image = offer.imageUrl ? `<img class="plusone-offer__image" src="${escapeHtml(offer.imageUrl)}" alt="" width="96" height="96">` : '';
  return [
    `<div class="plusone-offer__body">${image}<div class="plusone-offer__details">`,
    `<h2 class="plusone-offer__title" id="plusone-offer-title-${escapeHtml(offer.id)}">${escapeHtml(offer.title)}</h2>`,
    `<p class="plusone-offer__variant">${escapeHtml(offer.variantTitle)}`,
    offer.quantity > 1 ? ` · ${text('quantity', { quantity: offer.quantity })}` : '',
    `</p>`,
    price,
    `</div></div>`,
  ].join('');
}

/**
 * The live offer. `upsell` is set while an accept is still being answered (`pending`, or `requires_action`:
 * a click on the same button reopens the bank's step), so the widget picks up where the page was left.
 */
export function renderOfferFragment(offer: CheckoutOffer, upsell: { id: string; status: 'pending' | 'requires_action' } | null = null): string {
  const money = (amount: number) => escapeHtml(formatMoney(amount, offer.currency, offer.locale));
  const text = texts(offer.locale);
  const netPrice = offer.total - offer.taxAmount - offer.shippingAmount;
  const price =
    offer.compareAtPrice !== null
      ? `<del class="plusone-offer__compare">${money(offer.compareAtPrice)}</del> <ins class="plusone-offer__net">${money(netPrice)}</ins>`
      : `<span class="plusone-offer__net">${money(netPrice)}</span>`;
  const savings =
    offer.discountAmount > 0
      ? `<p class="plusone-offer__savings">${text('youSave', { amount: formatMoney(offer.discountAmount, offer.currency, offer.locale) })}</p>`
      : '';
  const breakdown = [
    offer.taxAmount > 0 ? text('includesTax', { amount: formatMoney(offer.taxAmount, offer.currency, offer.locale) }) : '',
    offer.shippingAmount > 0 ? text('includesShipping', { amount: formatMoney(offer.shippingAmount, offer.currency, offer.locale) }) : '',
  ]
    .filter(Boolean)
    .join(' · ');

  return [
    sectionStart(offer, {
      'data-plusone-expires-at': offer.expiresAt,
      'data-plusone-amount': String(offer.total),
      'data-plusone-currency': offer.currency,
      ...(upsell ? { 'data-plusone-status': upsell.status, 'data-plusone-upsell': upsell.id } : {}),
    }),
    `<p class="plusone-offer__heading">${text('offerHeading')}</p>`,
    productBody(offer, text, `<p class="plusone-offer__price">${price}</p>${savings}`),
    `<button type="button" class="plusone-offer__accept" data-plusone-action="accept" data-plusone-offer-id="${escapeHtml(offer.id)}">`,
    `${escapeHtml(offer.buttonText)}</button>`,
    `<p class="plusone-offer__card">${escapeHtml(offer.cardText)}</p>`,
    breakdown ? `<p class="plusone-offer__breakdown">${breakdown}</p>` : '',
    `<button type="button" class="plusone-offer__decline" data-plusone-action="decline">${text('noThanks')}</button>`,
    `<p class="plusone-offer__status" role="status" aria-live="polite">${upsell?.status === 'pending' ? text('confirming') : ''}</p>`,
    `</section>`,
  ].join('');
}

/** What the buyer reads once the offer was answered, without script (the widget takes it from there). */
function outcomeText(upsell: AnsweredUpsell, status: Exclude<CheckoutStatus, 'open' | 'none' | 'dismissed' | 'pending' | 'requires_action'>): string {
  const text = texts(upsell.offer.locale);
  switch (status) {
    case 'accepted':
      return text('added');
    case 'captured':
      return text('charged');
    case 'removed':
      return text('removed');
    case 'declined':
      return upsell.decline_message ? escapeHtml(upsell.decline_message) : text('declinedFallback');
    case 'capture_failed':
      return text('captureFailed');
    case 'refunded':
      return text('refunded');
    default: {
      const exhaustive: never = status;
      return exhaustive;
    }
  }
}

/** The order's upsell after the buyer answered: what was added (or not), for what, and what happens now. */
function renderOutcomeFragment(upsell: AnsweredUpsell, status: Parameters<typeof outcomeText>[1], now: Date): string {
  const { offer } = upsell;
  const view = buyerUpsell(upsell, now);
  const amount = escapeHtml(formatMoney(upsell.amount, upsell.currency, offer.locale));
  return [
    sectionStart(offer, {
      'data-plusone-status': status,
      'data-plusone-upsell': upsell.id,
      'data-plusone-amount': String(upsell.amount),
      'data-plusone-currency': upsell.currency,
      ...(status === 'accepted' && view.undoSecondsLeft > 0 ? { 'data-plusone-undo-seconds-left': String(view.undoSecondsLeft) } : {}),
    }),
    `<p class="plusone-offer__heading">${texts(offer.locale)('offerHeading')}</p>`,
    productBody(offer, texts(offer.locale), `<p class="plusone-offer__price"><span class="plusone-offer__net">${amount}</span></p>`),
    `<p class="plusone-offer__status" role="status" aria-live="polite">${outcomeText(upsell, status)}</p>`,
    `</section>`,
  ].join('');
}

/**
 * The fragment for what the buyer's page should show now (`checkoutOfferAnswer`), or null for nothing:
 * no offer, or the buyer said "No thanks".
 */
export function renderCheckoutFragment(answer: CheckoutOfferAnswer, session: { expiresAt: Date }, now: Date): string | null {
  const { status, offer, upsell } = answer;
  switch (status) {
    case 'open':
      return offer ? renderOfferFragment(offer) : null;
    case 'none':
    case 'dismissed':
      return null;
    case 'pending':
    case 'requires_action':
      return upsell ? renderOfferFragment(toCheckoutOffer(upsell.offer, session.expiresAt), { id: upsell.id, status }) : null;
    default:
      return upsell ? renderOutcomeFragment(upsell, status, now) : null;
  }
}
