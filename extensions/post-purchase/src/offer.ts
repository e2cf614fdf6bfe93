/**
 * The offer as Plusone's `POST /v1/shopify/offer` answers it (the checkout offer plus Shopify's changes),
 * parsed at the edge: ShouldRender stores it with the purchase's reference, and Render reads it back from
 * `storage.initialData`. Amounts are integers in the currency's minor unit.
 */
import type { Change } from './shopify';

export type AddVariantChange = Extract<Change, { type: 'add_variant' }>;

export interface ShopifyOffer {
  id: string;
  title: string;
  variantTitle: string;
  imageUrl: string | null;
  quantity: number;
  currency: string;
  unitPrice: number;
  /** The list price of the quantity before the discount; null when there is no discount. */
  compareAtPrice: number | null;
  discountAmount: number;
  taxAmount: number;
  shippingAmount: number;
  /** Plusone's own estimate of the charge; Shopify's calculation is what the buyer is shown and pays. */
  total: number;
  /** "Add for $19.99": the button's words until Shopify has calculated the exact charge. */
  buttonText: string;
  changes: AddVariantChange[];
}

/** What ShouldRender stores for Render: the purchase's reference and its offer. */
export interface StoredOffer {
  referenceId: string;
  offer: ShopifyOffer;
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isString = (value: unknown): value is string => typeof value === 'string';

function parseDiscount(value: unknown): AddVariantChange['discount'] | null {
  if (!isObject(value) || typeof value.value !== 'number' || !isString(value.title)) return null;
  if (value.valueType !== 'percentage' && value.valueType !== 'fixed_amount') return null;
  return { value: value.value, valueType: value.valueType, title: value.title };
}

function parseChange(value: unknown): AddVariantChange | null {
  if (!isObject(value) || value.type !== 'add_variant' || !isInteger(value.variantId) || !isInteger(value.quantity)) return null;
  const change: AddVariantChange = { type: 'add_variant', variantId: value.variantId, quantity: value.quantity };
  if (value.discount === undefined) return change;
  const discount = parseDiscount(value.discount);
  return discount ? { ...change, discount } : null;
}

function parseChanges(value: unknown): AddVariantChange[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const changes = value.map(parseChange);
  return changes.every((change) => change !== null) ? changes : null;
}

type Amounts = Pick<ShopifyOffer, 'quantity' | 'unitPrice' | 'compareAtPrice' | 'discountAmount' | 'taxAmount' | 'shippingAmount' | 'total'>;

function parseAmounts(value: Fields): Amounts | null {
  const { quantity, unitPrice, discountAmount, taxAmount, shippingAmount, total } = value;
  const compareAtPrice = value.compareAtPrice ?? null;
  if (!isInteger(quantity) || !isInteger(unitPrice) || !isInteger(discountAmount) || !isInteger(taxAmount)) return null;
  if (!isInteger(shippingAmount) || !isInteger(total) || (compareAtPrice !== null && !isInteger(compareAtPrice))) return null;
  return { quantity, unitPrice, compareAtPrice, discountAmount, taxAmount, shippingAmount, total };
}

/** The offer, or null when any field is missing or of the wrong type (the page then shows nothing). */
export function parseOffer(value: unknown): ShopifyOffer | null {
  if (!isObject(value)) return null;
  const { id, title, variantTitle, currency, buttonText } = value;
  const imageUrl = value.imageUrl ?? null;
  if (!isString(id) || !isString(title) || !isString(variantTitle) || !isString(currency) || !isString(buttonText)) return null;
  if (imageUrl !== null && !isString(imageUrl)) return null;
  const amounts = parseAmounts(value);
  const changes = parseChanges(value.changes);
  if (!amounts || !changes) return null;
  return { id, title, variantTitle, imageUrl, currency, buttonText, ...amounts, changes };
}

/** What Render finds in `storage.initialData`: the stored offer, or null when ShouldRender stored none. */
export function parseStoredOffer(value: unknown): StoredOffer | null {
  if (!isObject(value) || !isString(value.referenceId)) return null;
  const offer = parseOffer(value.offer);
  return offer ? { referenceId: value.referenceId, offer } : null;
}
