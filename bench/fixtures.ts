/**
 * Deterministic benchmark data: a catalog of products with one USD variant each, offers with varied
 * priorities, rules and discounts, and paid orders of 1–3 lines. Used by the HTTP seeding (seed.ts) and by
 * the in-process decision micro-benchmark (decision.ts), so both measure the same shape of data.
 */
import { mulberry32 } from '../src/core/random';
import type { OrderInput } from '../src/engine/orders';

export const PRODUCTS_PER_SHOP = 1000;
export const OFFERS_PER_SHOP = 1000;
/** The stock-tracked shop of issue #16: 300 offers, every variant tracking stock. */
export const STOCK_OFFERS_PER_SHOP = 300;
/** Units per tracked variant: far more than any run sells (the checkout scenario sells none). */
export const STOCK_PER_VARIANT = 10_000_000;
const COUNTRIES = ['US', 'CA', 'DE', 'GB', 'FR'] as const;

/** mulberry32 (src/core/random.ts): small, fast, seedable. */
export const random = mulberry32;

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const intBetween = (rand: () => number, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));

export const productId = (index: number): string => `p-${String(index).padStart(4, '0')}`;
export const variantId = (index: number): string => `${productId(index)}-v`;
export const unitPriceOf = (index: number): number => 500 + ((index * 7919) % 8500);

export interface ProductInput {
  readonly id: string;
  readonly body: {
    title: string;
    variants: { id: string; title: string; stock?: number; prices: { currency: string; amount: number }[] }[];
  };
}

/** The catalog; with `stock`, every variant tracks that many units (without, stock is not tracked). */
export function productInputs(stock?: number): ProductInput[] {
  return Array.from({ length: PRODUCTS_PER_SHOP }, (_, index) => ({
    id: productId(index),
    body: {
      title: `Bench product ${index}`,
      variants: [
        {
          id: variantId(index),
          title: 'Default',
          ...(stock === undefined ? {} : { stock }),
          prices: [{ currency: 'USD', amount: unitPriceOf(index) }],
        },
      ],
    },
  }));
}

export interface OfferRulesInput {
  anyProductIds?: string[];
  countries?: string[];
  minSubtotal?: number;
}

export type DiscountInput = { type: 'percentage'; value: number } | { type: 'fixed'; value: number };

export interface OfferInput {
  name: string;
  variantId: string;
  quantity: number;
  priority: number;
  discount?: DiscountInput;
  rules?: OfferRulesInput;
}

/** `count` (1,000) offers: a quarter targeted by product, a quarter by country, a quarter by subtotal, a quarter open. */
export function offerInputs(seed = 42, count = OFFERS_PER_SHOP): OfferInput[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, index) => {
    const product = (index * 7 + 3) % PRODUCTS_PER_SHOP;
    const offer: OfferInput = { name: `Bench offer ${index}`, variantId: variantId(product), quantity: 1, priority: intBetween(rand, 0, 9) };
    const kind = index % 4;
    if (kind === 0) offer.rules = { anyProductIds: Array.from({ length: 5 }, () => productId(intBetween(rand, 0, PRODUCTS_PER_SHOP - 1))) };
    if (kind === 1) offer.rules = { countries: [pick(rand, COUNTRIES), pick(rand, COUNTRIES)] };
    if (kind === 2) offer.rules = { minSubtotal: intBetween(rand, 1000, 15000) };
    const discountKind = index % 3;
    if (discountKind === 0) offer.discount = { type: 'percentage', value: intBetween(rand, 5, 30) };
    if (discountKind === 1) offer.discount = { type: 'fixed', value: intBetween(rand, 50, 400) };
    return offer;
  });
}

/** A paid order of 1–3 lines; `externalId` must be unique per shop. */
export function orderInput(externalId: string, rand: () => number): OrderInput {
  const lineCount = intBetween(rand, 1, 3);
  const indexes = new Set<number>();
  while (indexes.size < lineCount) indexes.add(intBetween(rand, 0, PRODUCTS_PER_SHOP - 1));
  const lines = [...indexes].map((index) => ({
    productId: productId(index),
    variantId: variantId(index),
    title: `Bench product ${index}`,
    quantity: intBetween(rand, 1, 2),
    unitPrice: unitPriceOf(index),
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  const taxTotal = Math.round(subtotal * 0.0825);
  const shippingTotal = 500;
  return {
    externalId,
    currency: 'USD',
    lines,
    subtotal,
    shippingTotal,
    taxTotal,
    total: subtotal + shippingTotal + taxTotal,
    taxRate: '0.0825',
    customer: { country: pick(rand, COUNTRIES), email: `buyer-${externalId}@bench.example` },
    payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
  };
}
