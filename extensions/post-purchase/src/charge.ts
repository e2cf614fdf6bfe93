/**
 * The exact charge, as Shopify calculated it for the offer's changeset: the lines the buyer reads before
 * paying (subtotal, shipping, taxes) and the total that `applyChangeset` will charge, all in the buyer's
 * presentment currency.
 */
import { copy } from './copy';
import { formatMinorUnits, formatMoneyBag, sumMoneyBags } from './money';
import type { CalculatedPurchase } from './shopify';

export interface ChargeLine {
  label: string;
  amount: string;
}

export interface Charge {
  lines: ChargeLine[];
  /** What the buyer pays now: Shopify's `totalOutstandingSet`, formatted ("$7.02"). */
  total: string;
}

/**
 * The added items' subtotal: their updated lines (the offer's variants). `subtotalPriceSet` is the whole
 * purchase's, kettle and all, so it is not what this page charges; without those lines, the total to pay
 * less its added taxes and shipping.
 */
function itemsSubtotal(purchase: CalculatedPurchase, variantIds: readonly number[], currency: string, taxesAndShipping: number): number {
  const added = purchase.updatedLineItems.filter((line) => variantIds.includes(line.variantId));
  if (added.length > 0)
    return sumMoneyBags(
      added.map((line) => line.totalPriceSet),
      currency,
    );
  return sumMoneyBags([purchase.totalOutstandingSet], currency) - taxesAndShipping;
}

/** `variantIds`: the variants the offer's changes add. */
export function chargeOf(purchase: CalculatedPurchase, variantIds: readonly number[], locale: string): Charge {
  const currency = purchase.totalOutstandingSet.presentmentMoney.currencyCode;
  const money = (minor: number) => formatMinorUnits(minor, currency, locale);
  const shipping = sumMoneyBags(
    purchase.addedShippingLines.map((line) => line.priceSet),
    currency,
  );
  const taxes = sumMoneyBags(
    purchase.addedTaxLines.map((line) => line.priceSet),
    currency,
  );
  return {
    lines: [
      { label: copy.subtotal, amount: money(itemsSubtotal(purchase, variantIds, currency, shipping + taxes)) },
      { label: copy.shipping, amount: shipping === 0 ? copy.free : money(shipping) },
      { label: copy.taxes, amount: money(taxes) },
    ],
    total: formatMoneyBag(purchase.totalOutstandingSet, locale),
  };
}
