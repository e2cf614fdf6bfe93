/**
 * The demo shop's own pricing, as every merchant's checkout does it before registering the order with
 * Plusone: catalog prices in USD, a flat shipping fee and a sales tax on the subtotal, all in integer cents.
 */
import { applyRate, decimalToString, parseDecimal, trimDecimalText, type Decimal } from '../../core/money';

export const CURRENCY = 'USD';
export const SHIPPING_FLAT = 500;
/** Sent to Plusone as the order's `taxRate`, so the upsell is taxed like the order. */
export const TAX_RATE_TEXT = '0.0825';
export const MAX_QUANTITY = 20;

function decimal(text: string): Decimal {
  const parsed = parseDecimal(text);
  if (!parsed) throw new Error(`${text} is not a decimal`);
  return parsed;
}

const TAX_RATE = decimal(TAX_RATE_TEXT);

/** The tax rate for people: "8.25 %". */
export function taxRatePercent(): string {
  const percent =
    TAX_RATE.scale >= 2
      ? { units: TAX_RATE.units, scale: TAX_RATE.scale - 2 }
      : { units: TAX_RATE.units * 10n ** BigInt(2 - TAX_RATE.scale), scale: 0 };
  return `${trimDecimalText(decimalToString(percent))} %`;
}

export interface CatalogItem {
  readonly productId: string;
  readonly variantId: string;
  readonly title: string;
  readonly variantTitle: string;
  readonly imageUrl: string | null;
  /** Cents, USD. */
  readonly unitPrice: number;
}

export interface CartLine extends CatalogItem {
  readonly quantity: number;
}

export interface Cart {
  readonly lines: readonly CartLine[];
  readonly subtotal: number;
  readonly shippingTotal: number;
  readonly taxTotal: number;
  readonly total: number;
}

/** The `qty.<productId>` fields of a store-front query or checkout form. */
export type Quantities = ReadonlyMap<string, number>;

export const QUANTITY_PREFIX = 'qty.';

/** Reads `qty.<productId>` fields; `null` when one is not a whole number from 0 to MAX_QUANTITY. */
export function readQuantities(fields: Readonly<Record<string, string>>): Quantities | null {
  const quantities = new Map<string, number>();
  for (const [name, value] of Object.entries(fields)) {
    if (!name.startsWith(QUANTITY_PREFIX)) continue;
    const text = value.trim() === '' ? '0' : value.trim();
    if (!/^\d{1,3}$/.test(text) || Number(text) > MAX_QUANTITY) return null;
    quantities.set(name.slice(QUANTITY_PREFIX.length), Number(text));
  }
  return quantities;
}

/** Lines for the catalog items with a positive quantity (unknown product ids are ignored), and the totals. */
export function buildCart(catalog: readonly CatalogItem[], quantities: Quantities): Cart {
  const lines = catalog.flatMap((item) => {
    const quantity = quantities.get(item.productId) ?? 0;
    return quantity > 0 ? [{ ...item, quantity }] : [];
  });
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const shippingTotal = lines.length > 0 ? SHIPPING_FLAT : 0;
  const taxTotal = applyRate(subtotal, TAX_RATE);
  return { lines, subtotal, shippingTotal, taxTotal, total: subtotal + shippingTotal + taxTotal };
}

/** The cart as `qty.<productId>=n` pairs, for links and hidden fields. */
export function quantityFields(cart: Cart): Array<[string, string]> {
  return cart.lines.map((line) => [`${QUANTITY_PREFIX}${line.productId}`, String(line.quantity)]);
}
