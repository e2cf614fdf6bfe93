/**
 * How the fake Shopify reads and prices a changeset's `changes`: strictly, in integer minor units.
 *
 * - Only `add_variant` is priced (the one change Plusone sends); `add_shipping_line`, `set_metafield` and
 *   `add_subscription` are refused as `invalid_request`, and so is any key a change does not declare.
 * - `variantId` is the variant's numeric id (a `gid://` string is refused, as Shopify refuses it);
 *   `quantity` a whole number from 1 to 100.
 * - `discount.value` is read as the exact decimal text of the JSON number (20 stays 20, 12.5 stays 12.5):
 *   - `percentage`: per cent off the line (variant price × quantity), above 0 and at most 100, rounded
 *     half away from zero to the minor unit (20 → 20 % off; 12.5 → 12.5 % off);
 *   - `fixed_amount`: an amount off the whole line in the shop currency's major unit (5 → $5.00 off,
 *     0.5 → $0.50 off), with no more decimals than the currency has and at most the line's price.
 * - Tax is added at the shop's rate on the discounted line, rounded half away from zero; shipping is 0.
 */
import { applyPercentage, applyRate, currencyExponent, decimalFromJson, type Decimal } from '../../../core/money';
import type { DemoShopifyProduct } from '../../../core/demo';

export interface VariantChange {
  readonly variantId: number;
  readonly quantity: number;
  readonly discount: { readonly value: number; readonly valueType: 'percentage' | 'fixed_amount'; readonly title: string } | null;
}

/** One added line, priced. Amounts in minor units. */
export interface PricedLine {
  readonly product: DemoShopifyProduct;
  readonly handle: string;
  readonly quantity: number;
  readonly unitPrice: number;
  /** Price × quantity, before the discount. */
  readonly listTotal: number;
  readonly discount: number;
  readonly discountTitle: string | null;
  /** After the discount, before tax. */
  readonly total: number;
  readonly tax: number;
}

export interface PricedChanges {
  readonly lines: readonly PricedLine[];
  readonly subtotal: number;
  readonly tax: number;
  /** What the buyer is charged for the changes: subtotal + tax (+ shipping, always 0 here). */
  readonly outstanding: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const MAX_CHANGES = 10;
const MAX_QUANTITY = 100;
const CHANGE_KEYS = new Set(['type', 'variantId', 'quantity', 'discount']);
const DISCOUNT_KEYS = new Set(['value', 'valueType', 'title']);
const UNSUPPORTED = new Set(['add_shipping_line', 'set_metafield', 'add_subscription']);

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKey(value: Record<string, unknown>, allowed: ReadonlySet<string>): string | undefined {
  return Object.keys(value).find((key) => !allowed.has(key));
}

function parseDiscount(value: unknown, where: string): Parsed<VariantChange['discount']> {
  if (value === undefined) return { ok: true, value: null };
  if (!isRecord(value)) return fail(`${where}.discount must be an object`);
  const extra = unknownKey(value, DISCOUNT_KEYS);
  if (extra !== undefined) return fail(`${where}.discount has an unknown field "${extra}"`);
  const { value: amount, valueType, title } = value;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return fail(`${where}.discount.value must be a number above 0`);
  if (valueType !== 'percentage' && valueType !== 'fixed_amount') return fail(`${where}.discount.valueType must be "percentage" or "fixed_amount"`);
  if (typeof title !== 'string' || title.trim() === '' || title.length > 255) return fail(`${where}.discount.title must be a non-empty string`);
  return { ok: true, value: { value: amount, valueType, title } };
}

function parseChange(value: unknown, where: string): Parsed<VariantChange> {
  if (!isRecord(value)) return fail(`${where} must be an object`);
  if (typeof value.type === 'string' && UNSUPPORTED.has(value.type)) return fail(`${where}: "${value.type}" changes are not supported by this store`);
  if (value.type !== 'add_variant') return fail(`${where}.type must be "add_variant"`);
  const extra = unknownKey(value, CHANGE_KEYS);
  if (extra !== undefined) return fail(`${where} has an unknown field "${extra}"`);
  const { variantId, quantity } = value;
  if (typeof variantId !== 'number' || !Number.isSafeInteger(variantId) || variantId <= 0)
    return fail(`${where}.variantId must be a numeric variant id`);
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    return fail(`${where}.quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
  }
  const discount = parseDiscount(value.discount, where);
  if (!discount.ok) return discount;
  return { ok: true, value: { variantId, quantity, discount: discount.value } };
}

/** A changeset's `changes` (from the extension, or the `changes` claim of a signed changeset). */
export function parseChanges(value: unknown): Parsed<VariantChange[]> {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CHANGES) return fail(`changes must be a list of 1 to ${MAX_CHANGES} changes`);
  const changes: VariantChange[] = [];
  for (const [index, item] of (value as unknown[]).entries()) {
    const change = parseChange(item, `changes[${index}]`);
    if (!change.ok) return change;
    changes.push(change.value);
  }
  return { ok: true, value: changes };
}

/** "Paper Filters" → "paper-filters". */
export function productHandle(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function discountAmount(discount: NonNullable<VariantChange['discount']>, listTotal: number, currency: string): Parsed<number> {
  const decimal = decimalFromJson(discount.value);
  if (!decimal) return fail('discount.value must be a plain decimal number');
  if (discount.valueType === 'percentage') {
    if (decimal.units > 100n * 10n ** BigInt(decimal.scale)) return fail('a percentage discount is at most 100');
    return { ok: true, value: applyPercentage(listTotal, decimal) };
  }
  const exponent = currencyExponent(currency);
  if (decimal.scale > exponent) return fail(`a fixed_amount discount in ${currency} has at most ${exponent} decimals`);
  const amount = Number(decimal.units * 10n ** BigInt(exponent - decimal.scale));
  if (amount > listTotal) return fail('a fixed_amount discount cannot exceed the line price');
  return { ok: true, value: amount };
}

/** Prices the changes against the catalog: an unknown variant or an impossible discount is refused. */
export function priceChanges(
  changes: readonly VariantChange[],
  products: readonly DemoShopifyProduct[],
  currency: string,
  taxRate: Decimal,
): Parsed<PricedChanges> {
  const lines: PricedLine[] = [];
  for (const change of changes) {
    const product = products.find((candidate) => candidate.variantId === change.variantId);
    if (!product) return fail(`variant ${change.variantId} does not exist in this store`);
    const listTotal = product.price * change.quantity;
    const discount = change.discount ? discountAmount(change.discount, listTotal, currency) : { ok: true as const, value: 0 };
    if (!discount.ok) return discount;
    const total = listTotal - discount.value;
    lines.push({
      product,
      handle: productHandle(product.title),
      quantity: change.quantity,
      unitPrice: product.price,
      listTotal,
      discount: discount.value,
      discountTitle: change.discount?.title ?? null,
      total,
      tax: applyRate(total, taxRate),
    });
  }
  const subtotal = lines.reduce((sum, line) => sum + line.total, 0);
  const tax = lines.reduce((sum, line) => sum + line.tax, 0);
  return { ok: true, value: { lines, subtotal, tax, outstanding: subtotal + tax } };
}
