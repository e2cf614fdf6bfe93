/**
 * The buyer's widget as a preview: the offer priced and worded by the same functions the decision uses
 * (`priceOffer`, `presentDecision` and its messages) and drawn by the same fragment the buyer's page gets
 * (`renderOfferFragment`), for a sample order — a currency, a tax rate, a language and a sample card.
 * Nothing is saved or sent anywhere.
 */
import { presentDecision, toCheckoutOffer } from '../../core/decisions';
import { isCurrency, parseDecimal, type Decimal } from '../../core/money';
import { priceOffer, type Offer, type OfferVariant } from '../../core/offers';
import { renderOfferFragment } from '../../http/fragment';
import type { DiscountView, PriceView, ProductView } from './api';

/** The sample card of every preview (the buyer's own card reads the same way: "Visa ending 4242"). */
export const SAMPLE_CARD = { brand: 'visa', last4: '4242' } as const;

/** The languages the buyer's strings exist in (core/messages); any other falls back to English. */
export const PREVIEW_LOCALES = [
  { tag: 'en-US', label: 'English (United States)' },
  { tag: 'de-DE', label: 'German (Germany)' },
  { tag: 'fr-FR', label: 'French (France)' },
] as const;

/** The sample order of a preview, as typed (kept when the form comes back). */
export interface PreviewSample {
  readonly currency: string;
  /** Percent, such as "8.25"; empty for no tax. */
  readonly taxRate: string;
  readonly locale: string;
}

/** What a preview needs of an offer: the fields that price and word it (an offer as saved, or a form's body). */
export interface PreviewedOffer {
  readonly variantId: string;
  readonly quantity: number;
  readonly discount: DiscountView | null;
  readonly buttonCopy: ReadonlyArray<{ readonly id: string; readonly text: string }>;
  readonly shipping: readonly PriceView[];
}

export type PreviewResult = { readonly ok: true; readonly html: string } | { readonly ok: false; readonly problem: string };

const TAX_PERCENT = /^\d{1,2}(\.\d{1,6})?$/;

/** "8.25" (percent) as the order's tax rate 0.0825, exactly; null for no tax; undefined when it cannot be read. */
export function taxRateOf(percent: string): Decimal | null | undefined {
  const text = percent.trim().replace(/\s*%$/, '');
  if (text === '') return null;
  const decimal = TAX_PERCENT.test(text) ? parseDecimal(text) : null;
  return decimal ? { units: decimal.units, scale: decimal.scale + 2 } : undefined;
}

/** The catalog's variant as the decision sees it, or null when the catalog does not have it. */
export function offerVariant(products: readonly ProductView[], variantId: string): OfferVariant | null {
  for (const product of products) {
    const variant = product.variants.find((candidate) => candidate.id === variantId);
    if (variant)
      return {
        id: variant.id,
        productId: product.id,
        productTitle: product.title,
        title: variant.title,
        imageUrl: product.imageUrl ?? null,
        prices: Object.fromEntries(variant.prices.map((price) => [price.currency, price.amount])),
        stock: variant.stock,
      };
  }
  return null;
}

/** The sample's currency: the one asked for if the variant has a price in it, else the main currency's, else its first. */
export function sampleCurrency(variant: OfferVariant | null, asked: string, mainCurrency: string): string {
  const priced = variant ? Object.keys(variant.prices) : [];
  return [asked, mainCurrency].find((currency) => priced.includes(currency)) ?? priced[0] ?? mainCurrency;
}

/** The buyer's widget for this offer and sample order, exactly as the fragment renders it, or why it cannot be shown. */
export function buyerPreview(offer: PreviewedOffer, variant: OfferVariant | null, sample: PreviewSample, now: Date): PreviewResult {
  if (!variant) return { ok: false, problem: 'Choose a product variant of your catalog to see the preview.' };
  const unitPrice = variant.prices[sample.currency];
  if (unitPrice === undefined || !isCurrency(sample.currency))
    return { ok: false, problem: `${variant.productTitle} — ${variant.title} has no price in ${sample.currency}: buyers paying in it get no offer.` };
  const taxRate = taxRateOf(sample.taxRate);
  if (taxRate === undefined) return { ok: false, problem: 'Enter the sample tax rate as a percentage, such as 8.25, or leave it empty.' };
  const price = priceOffer({
    currency: sample.currency,
    unitPrice,
    quantity: offer.quantity,
    discount: offer.discount,
    taxRate,
    shippingAmount: offer.shipping.find((entry) => entry.currency === sample.currency)?.amount ?? 0,
  });
  if (price.listTotal - price.discountAmount <= 0)
    return { ok: false, problem: `The discount leaves nothing to pay in ${sample.currency}: buyers paying in it get no offer.` };
  const core: Offer = {
    id: 'preview',
    name: '',
    variantId: offer.variantId,
    quantity: offer.quantity,
    discount: offer.discount,
    priority: 0,
    active: true,
    rules: {},
    buttonCopy: offer.buttonCopy,
    shipping: offer.shipping,
    startsAt: null,
    endsAt: null,
    createdAt: now,
  };
  const decided = presentDecision({ candidate: { offer: core, variant }, price }, { locale: sample.locale, card: SAMPLE_CARD });
  if (!decided) return { ok: false, problem: 'This offer cannot be shown.' };
  return { ok: true, html: renderOfferFragment(toCheckoutOffer(decided, new Date(now.getTime() + 60 * 60 * 1000))) };
}
