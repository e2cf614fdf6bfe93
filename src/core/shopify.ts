/**
 * Shopify's post-purchase words (shared/reference/payments-and-shopify.md §4–5), pure: the extension's
 * `InputData` as Plusone reads it, the purchase it describes as an order, whether Shopify lets it be
 * edited, the changeset for a decided offer, and the reference an accepted Shopify upsell keeps.
 */
import type { DecidedOffer } from './decisions';
import type { OrderCustomer } from './orders';
import { currencyExponent, decimalToString, isCurrency, parseDecimal } from './money';

/** A shop's `*.myshopify.com` domain, lower case: the only hosts the Admin API is called on. */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;

/** The Admin GraphQL API version Plusone speaks (docs/shopify.md says why this one). */
export const SHOPIFY_API_VERSION = '2025-07';

/** Shopify's limit: "A customer can accept a maximum of three post-purchase offers for each checkout". */
export const MAX_SHOPIFY_APPLICATIONS = 3;

export interface ShopifyMoney {
  readonly amount: string;
  readonly currencyCode: string;
}

export interface ShopifyMoneyBag {
  readonly shopMoney: ShopifyMoney;
  readonly presentmentMoney: ShopifyMoney;
}

/** `InputData` of `@shopify/post-purchase-ui-extensions` 0.13, the parts Plusone reads. */
export interface ShopifyInputData {
  readonly extensionPoint?: string;
  readonly locale?: string;
  readonly shop: { readonly id?: number; readonly domain: string };
  readonly initialPurchase: {
    readonly referenceId: string;
    readonly customerId?: string;
    readonly destinationCountryCode?: string;
    readonly totalPriceSet: ShopifyMoneyBag;
    readonly lineItems: readonly {
      readonly product: { readonly id: number; readonly title: string; readonly variant: { readonly id: number; readonly title: string } };
      readonly quantity: number;
      readonly totalPriceSet: ShopifyMoneyBag;
      readonly sellingPlanId?: number | string | null;
    }[];
  };
}

/** The purchase as Plusone registers it (`OrderInput` of engine/orders, without the payment). */
export interface ShopifyPurchase {
  readonly externalId: string;
  readonly currency: string;
  readonly lines: { productId: string; variantId: string; title: string; quantity: number; unitPrice: number }[];
  readonly subtotal: number;
  readonly shippingTotal: number;
  readonly taxTotal: number;
  readonly total: number;
  readonly locale?: string;
  readonly customer: OrderCustomer;
}

/** Decimal money text ("19.99") to integer minor units; null when it has more digits than the currency. */
export function moneyToMinor(money: ShopifyMoney): number | null {
  if (!isCurrency(money.currencyCode)) return null;
  const decimal = parseDecimal(money.amount);
  const exponent = currencyExponent(money.currencyCode);
  if (!decimal || decimal.units < 0n || decimal.scale > exponent) return null;
  const minor = decimal.units * 10n ** BigInt(exponent - decimal.scale);
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}

/** Integer minor units as the JSON number Shopify's changeset takes for a fixed amount (19.99): exact text first. */
export function minorToShopifyNumber(amount: number, currency: string): number {
  return Number(decimalToString({ units: BigInt(amount), scale: currencyExponent(currency) }));
}

/**
 * Why Shopify will not edit this purchase (reference §4.8), or null when it can: several currencies (the
 * buyer paid in another currency than the shop's), no shipping address (digital-only or local pickup),
 * subscriptions. Wallets, BNPL and gift cards never reach the extension: Shopify skips the page itself.
 */
export function notEditableReason(input: ShopifyInputData): string | null {
  const purchase = input.initialPurchase;
  const { shopMoney, presentmentMoney } = purchase.totalPriceSet;
  if (shopMoney.currencyCode !== presentmentMoney.currencyCode) {
    return `the buyer paid in ${presentmentMoney.currencyCode}, the shop sells in ${shopMoney.currencyCode} (Shopify edits single-currency orders only)`;
  }
  if (!purchase.destinationCountryCode) return 'the purchase has no shipping address (digital or pickup orders cannot be edited after checkout)';
  if (purchase.lineItems.some((line) => line.sellingPlanId !== undefined && line.sellingPlanId !== null)) {
    return 'the purchase contains a subscription';
  }
  return null;
}

/**
 * The purchase as an order: lines from `initialPurchase.lineItems` (`productId` = `String(product.id)`,
 * `variantId` = `String(variant.id)`), money in the shop's currency as minor units, the country from
 * `destinationCountryCode`. Shopify gives line totals and the purchase total only: the unit price is the
 * line total over its quantity (rounded down; the line total stays exact), and what the total holds beyond
 * the lines (shipping and tax together) is reported as shipping. Null when an amount cannot be read.
 */
export function purchaseOrder(input: ShopifyInputData): ShopifyPurchase | null {
  const purchase = input.initialPurchase;
  const currency = purchase.totalPriceSet.shopMoney.currencyCode;
  const total = moneyToMinor(purchase.totalPriceSet.shopMoney);
  if (total === null) return null;
  const lines: ShopifyPurchase['lines'] = [];
  let subtotal = 0;
  for (const line of purchase.lineItems) {
    const lineTotal = moneyToMinor(line.totalPriceSet.shopMoney);
    if (lineTotal === null || line.totalPriceSet.shopMoney.currencyCode !== currency || line.quantity < 1) return null;
    subtotal += lineTotal;
    const title = line.product.variant.title ? `${line.product.title} — ${line.product.variant.title}` : line.product.title;
    lines.push({
      productId: String(line.product.id),
      variantId: String(line.product.variant.id),
      title: title.slice(0, 300),
      quantity: line.quantity,
      unitPrice: Math.floor(lineTotal / line.quantity),
    });
  }
  return {
    externalId: purchase.referenceId,
    currency,
    lines,
    subtotal,
    shippingTotal: Math.max(0, total - subtotal),
    taxTotal: 0,
    total: Math.max(total, subtotal),
    ...(input.locale ? { locale: input.locale } : {}),
    customer: {
      ...(purchase.customerId ? { id: String(purchase.customerId) } : {}),
      ...(purchase.destinationCountryCode ? { country: purchase.destinationCountryCode } : {}),
    },
  };
}

/** The numeric id Shopify's changeset wants from a catalog variant id: `123` or `gid://shopify/ProductVariant/123`. */
export function shopifyVariantNumber(variantId: string): number | null {
  const match = /^(?:gid:\/\/shopify\/ProductVariant\/)?(\d{1,16})$/.exec(variantId);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

export interface ShopifyDiscount {
  readonly value: number;
  readonly valueType: 'percentage' | 'fixed_amount';
  readonly title: string;
}

export interface AddVariantChange {
  readonly type: 'add_variant';
  readonly variantId: number;
  readonly quantity: number;
  readonly discount?: ShopifyDiscount;
}

/** What decided an offer's discount, as the changeset states it (the stored decision keeps the amounts). */
export type OfferDiscount = { readonly type: 'percentage'; readonly value: number } | { readonly type: 'fixed' } | null;

/**
 * The changeset of a decided offer, built from the server's decision only. A percentage stays a
 * percentage (Shopify rounds it as Plusone does, half away from zero on the line); a fixed discount is the
 * decided amount for the whole line, in the shop currency's major units. Null when the variant id is not
 * a Shopify id.
 */
export function changesFor(offer: DecidedOffer, discount: OfferDiscount, title: string): AddVariantChange[] | null {
  const variantId = shopifyVariantNumber(offer.variantId);
  if (variantId === null) return null;
  const change: AddVariantChange = { type: 'add_variant', variantId, quantity: offer.quantity };
  if (offer.discountAmount <= 0 || !discount) return [change];
  const value = discount.type === 'percentage' ? discount.value : minorToShopifyNumber(offer.discountAmount, offer.currency);
  return [{ ...change, discount: { value, valueType: discount.type === 'percentage' ? 'percentage' : 'fixed_amount', title: title.slice(0, 255) } }];
}

/** The Admin API id of the order a post-purchase `referenceId` names. */
export function orderGid(referenceId: string): string {
  return `gid://shopify/Order/${referenceId}`;
}

/**
 * What an accepted Shopify upsell keeps as its `authorization_ref`: the purchase, the added variant and
 * quantity, and when the changeset was signed (Shopify's charge for it is the sale after that instant).
 * Example: `shopify:v1:5012345678901:4123456789037:1:1764763200`.
 */
export interface ShopifyUpsellRef {
  readonly referenceId: string;
  readonly variantId: number;
  readonly quantity: number;
  readonly signedAt: Date;
}

export function formatShopifyRef(ref: ShopifyUpsellRef): string {
  return `shopify:v1:${ref.referenceId}:${ref.variantId}:${ref.quantity}:${Math.floor(ref.signedAt.getTime() / 1000)}`;
}

export function parseShopifyRef(text: string): ShopifyUpsellRef | null {
  const match = /^shopify:v1:([^:]+):(\d+):(\d+):(\d+)$/.exec(text);
  if (!match) return null;
  const [, referenceId = '', variantId = '', quantity = '', signedAt = ''] = match;
  return { referenceId, variantId: Number(variantId), quantity: Number(quantity), signedAt: new Date(Number(signedAt) * 1000) };
}

/** Shopify's `ChangesetError` codes (reference §4.6). */
export const CHANGESET_ERROR_CODES = [
  'payment_required',
  'insufficient_inventory',
  'changeset_already_applied',
  'unsupported_payment_method',
  'invalid_request',
  'server_error',
  'buyer_consent_required',
  'subscription_vaulting_error',
  'subscription_contract_creation_error',
  'subscription_no_shipping_address_error',
  'subscription_limit_error',
  'order_released_error',
] as const;

/**
 * Shopify's minimum for a post-purchase charge: $0.50 ("not shown … below $0.50", reference §4.8), taken
 * as 50 minor units of the shop's currency when it has cents, 50 units otherwise.
 */
export function shopifyMinimumCharge(currency: string): number {
  return currencyExponent(currency) === 0 ? 50 : 50 * 10 ** (currencyExponent(currency) - 2);
}
