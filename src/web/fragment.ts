/**
 * The offer as a server-rendered HTML fragment for the merchant's confirmation page: readable and usable
 * without any script (the widget enhances it), minimal semantic markup, every class prefixed `plusone-`
 * so nothing leaks into the page's styles, every text escaped. The section's `data-plusone-*` attributes
 * are what the widget reads: the offer id, the exact charge, and its own strings in the offer's language.
 */
import { message, widgetMessages } from '../core/messages';
import { formatMoney } from '../core/money';
import type { CheckoutOffer } from '../engine/decisions';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

export function renderOfferFragment(offer: CheckoutOffer): string {
  const money = (amount: number) => escapeHtml(formatMoney(amount, offer.currency, offer.locale));
  const text = (key: Parameters<typeof message>[1], values: Record<string, string | number> = {}) =>
    escapeHtml(message(offer.locale, key, values));
  const titleId = `plusone-offer-title-${escapeHtml(offer.id)}`;
  const netPrice = offer.total - offer.taxAmount - offer.shippingAmount;

  const image = offer.imageUrl
    ? `<img class="plusone-offer__image" src="${escapeHtml(offer.imageUrl)}" alt="" width="96" height="96">`
    : '';
  const price = offer.compareAtPrice !== null
    ? `<del class="plusone-offer__compare">${money(offer.compareAtPrice)}</del> <ins class="plusone-offer__net">${money(netPrice)}</ins>`
    : `<span class="plusone-offer__net">${money(netPrice)}</span>`;
  const savings = offer.discountAmount > 0
    ? `<p class="plusone-offer__savings">${text('youSave', { amount: formatMoney(offer.discountAmount, offer.currency, offer.locale) })}</p>`
    : '';
  const breakdown = [
    offer.taxAmount > 0 ? text('includesTax', { amount: formatMoney(offer.taxAmount, offer.currency, offer.locale) }) : '',
    offer.shippingAmount > 0 ? text('includesShipping', { amount: formatMoney(offer.shippingAmount, offer.currency, offer.locale) }) : '',
  ].filter(Boolean).join(' · ');

  return [
    `<section class="plusone-offer" lang="${escapeHtml(offer.locale)}" aria-labelledby="${titleId}"`,
    ` data-plusone-offer="${escapeHtml(offer.id)}" data-plusone-expires-at="${escapeHtml(offer.expiresAt)}"`,
    ` data-plusone-amount="${offer.total}" data-plusone-currency="${escapeHtml(offer.currency)}"`,
    ` data-plusone-messages="${escapeHtml(JSON.stringify(widgetMessages(offer.locale)))}">`,
    `<p class="plusone-offer__heading">${text('offerHeading')}</p>`,
    `<div class="plusone-offer__body">${image}<div class="plusone-offer__details">`,
    `<h2 class="plusone-offer__title" id="${titleId}">${escapeHtml(offer.title)}</h2>`,
    `<p class="plusone-offer__variant">${escapeHtml(offer.variantTitle)}`,
    offer.quantity > 1 ? ` · ${text('quantity', { quantity: offer.quantity })}` : '',
    `</p>`,
    `<p class="plusone-offer__price">${price}</p>${savings}`,
    `</div></div>`,
    `<button type="button" class="plusone-offer__accept" data-plusone-action="accept" data-plusone-offer-id="${escapeHtml(offer.id)}">`,
    `${escapeHtml(offer.buttonText)}</button>`,
    `<p class="plusone-offer__card">${escapeHtml(offer.cardText)}</p>`,
    breakdown ? `<p class="plusone-offer__breakdown">${breakdown}</p>` : '',
    `<button type="button" class="plusone-offer__decline" data-plusone-action="decline">${text('noThanks')}</button>`,
    `<p class="plusone-offer__status" role="status" aria-live="polite"></p>`,
    `</section>`,
  ].join('');
}
