/**
 * Offers, their targeting rules, their exact price, and the decision that picks at most one offer for an
 * order. Pure code: the caller passes the order, the candidate offers (with their variants) and `now`.
 */
import { applyPercentage, applyRate, decimalFromJson, type Decimal } from './money';

export interface CurrencyAmount {
  readonly currency: string;
  readonly amount: number;
}

export type Discount =
  | { readonly type: 'percentage'; readonly value: number }
  | { readonly type: 'fixed'; readonly value: number; readonly amounts?: readonly CurrencyAmount[] };

export interface OfferRules {
  /** The order contains at least one of these products. */
  readonly anyProductIds?: readonly string[];
  /** The order contains none of these products. */
  readonly excludeProductIds?: readonly string[];
  /** Order subtotal, minor units of the order's currency, inclusive bounds. */
  readonly minSubtotal?: number;
  readonly maxSubtotal?: number;
  /** ISO 3166-1 alpha-2 country of the customer. */
  readonly countries?: readonly string[];
  /** The customer carries at least one of these tags. */
  readonly customerTags?: readonly string[];
  readonly firstOrderOnly?: boolean;
  readonly currencies?: readonly string[];
}

export interface ButtonCopy {
  readonly id: string;
  /** May contain `{price}`, replaced by the formatted total. */
  readonly text: string;
}

export interface Offer {
  readonly id: string;
  readonly name: string;
  readonly variantId: string;
  readonly quantity: number;
  readonly discount: Discount | null;
  readonly priority: number;
  readonly active: boolean;
  readonly rules: OfferRules;
  readonly buttonCopy: readonly ButtonCopy[];
  /** Shipping charged for the upsell, per currency; absent currency means free. */
  readonly shipping: readonly CurrencyAmount[];
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
  readonly createdAt: Date;
}

/** An offer as the merchant writes it (API.md "Offers"); absent fields take their defaults. */
export interface OfferInput {
  name: string;
  variantId: string;
  quantity?: number;
  discount?: Discount | null;
  priority?: number;
  active?: boolean;
  rules?: OfferRules;
  buttonCopy?: ButtonCopy[];
  shipping?: CurrencyAmount[];
  startsAt?: string | null;
  endsAt?: string | null;
}

export interface OfferVariant {
  readonly id: string;
  readonly productId: string;
  readonly productTitle: string;
  readonly title: string;
  readonly imageUrl: string | null;
  /** Price per unit by currency, minor units. */
  readonly prices: Readonly<Record<string, number>>;
  /** Units available; null when stock is not tracked. */
  readonly stock: number | null;
}

export interface Candidate {
  readonly offer: Offer;
  /** The offer's variant, or null when the catalog no longer has it. */
  readonly variant: OfferVariant | null;
}

export interface OrderFacts {
  readonly currency: string;
  readonly subtotal: number;
  readonly productIds: ReadonlySet<string>;
  readonly taxRate: Decimal | null;
  readonly country: string | null;
  readonly customerTags: ReadonlySet<string>;
  /** True/false when known (from `orderCount` or the shop's order history); null when unknown. */
  readonly firstOrder: boolean | null;
  /** What the channel the order came through allows (Shopify post-purchase); absent for the API. */
  readonly channel?: ChannelLimits | null;
}

/**
 * A sales channel's own limits on an upsell (Shopify post-purchase, reference §4.8): whether the purchase
 * can be edited at all, a minimum charge, and variant ids the channel can add (Shopify's are numeric).
 */
export interface ChannelLimits {
  readonly name: string;
  /** Why the channel will not edit this purchase; null when it will. */
  readonly notEditable: string | null;
  readonly minimumCharge: number;
  /** The channel's own test of a variant id (Shopify: `123` or `gid://shopify/ProductVariant/123`). */
  readonly variantIdPattern: RegExp;
}

export const REASON_CODES = [
  'inactive',
  'not_started',
  'ended',
  'variant_missing',
  'no_price_in_currency',
  'out_of_stock',
  'already_in_order',
  'currency_not_targeted',
  'required_product_missing',
  'excluded_product_in_order',
  'subtotal_below_minimum',
  'subtotal_above_maximum',
  'country_not_targeted',
  'customer_tag_missing',
  'not_first_order',
  'purchase_not_editable',
  'variant_not_on_channel',
  'below_channel_minimum',
  'lower_priority',
  'lower_expected_revenue',
  'tie_broken_by_age',
  'price_not_positive',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
}

export interface OfferPrice {
  readonly currency: string;
  readonly quantity: number;
  readonly unitPrice: number;
  /** unitPrice × quantity, before discount. */
  readonly listTotal: number;
  readonly discountAmount: number;
  readonly taxAmount: number;
  readonly shippingAmount: number;
  /** The exact charge: listTotal − discount + tax + shipping. */
  readonly total: number;
}

/**
 * The exact price of `quantity` units: the discount is rounded half away from zero to the minor unit,
 * tax is the order's rate on the discounted price (rounded the same way), shipping is added untaxed.
 */
export function priceOffer(input: {
  currency: string;
  unitPrice: number;
  quantity: number;
  discount: Discount | null;
  taxRate: Decimal | null;
  shippingAmount: number;
}): OfferPrice {
  const listTotal = input.unitPrice * input.quantity;
  const discountAmount = Math.min(listTotal, discountFor(input.discount, listTotal, input.currency));
  const discounted = listTotal - discountAmount;
  const taxAmount = input.taxRate ? applyRate(discounted, input.taxRate) : 0;
  return {
    currency: input.currency,
    quantity: input.quantity,
    unitPrice: input.unitPrice,
    listTotal,
    discountAmount,
    taxAmount,
    shippingAmount: input.shippingAmount,
    total: discounted + taxAmount + input.shippingAmount,
  };
}

function discountFor(discount: Discount | null, listTotal: number, currency: string): number {
  if (!discount) return 0;
  switch (discount.type) {
    case 'percentage': {
      const percent = decimalFromJson(discount.value);
      return percent ? applyPercentage(listTotal, percent) : 0;
    }
    case 'fixed': {
      const perCurrency = discount.amounts?.find((entry) => entry.currency === currency);
      return perCurrency ? perCurrency.amount : discount.value;
    }
    default: {
      const exhaustive: never = discount;
      return exhaustive;
    }
  }
}

/** The offer's exact price for this order: its variant's price in the order's currency, discount, tax, shipping. */
function candidatePrice(offer: Offer, variant: OfferVariant, order: OrderFacts): OfferPrice {
  return priceOffer({
    currency: order.currency,
    unitPrice: variant.prices[order.currency] ?? 0,
    quantity: offer.quantity,
    discount: offer.discount,
    taxRate: order.taxRate,
    shippingAmount: shippingFor(offer, order.currency),
  });
}

function shippingFor(offer: Offer, currency: string): number {
  return offer.shipping.find((entry) => entry.currency === currency)?.amount ?? 0;
}

/** What a targeting rule looks at: the prepared offer, its variant with its current stock, the order, the time. */
interface RuleFacts {
  readonly compiled: CompiledOffer;
  readonly variant: OfferVariant | null;
  /** The variant's stock now (live when tracked and known, else the compiled value); null: not tracked. */
  readonly stock: number | null;
  readonly order: OrderFacts;
  readonly nowMs: number;
}

/** Records a failed rule; true when the caller should stop (the decision wants the first failure only). */
function stopAt(failed: ReasonCode[] | null, code: ReasonCode): boolean {
  if (failed === null) return true;
  failed.push(code);
  return false;
}

const hasAny = (ids: readonly string[], set: ReadonlySet<string>) => ids.some((id) => set.has(id));

/**
 * Every targeting rule, once, in the order the explanation lists them (`TARGETING_MESSAGES` says why for
 * each). The decision (`decideCompiled`, `failed` null) stops at the first rule that fails; the
 * explanation (`ineligibilityReasons`) collects every one into `failed`. Written as plain conditions, not
 * a table of closures: the decision runs this for every offer of the shop on every registration.
 */
function meetsTargeting(facts: RuleFacts, failed: ReasonCode[] | null): boolean {
  const { compiled, variant, stock, order, nowMs } = facts;
  const { offer } = compiled.candidate;
  const { rules } = offer;
  if (!offer.active && stopAt(failed, 'inactive')) return false;
  if (compiled.startsAtMs !== null && nowMs < compiled.startsAtMs && stopAt(failed, 'not_started')) return false;
  if (compiled.endsAtMs !== null && nowMs >= compiled.endsAtMs && stopAt(failed, 'ended')) return false;
  if (variant === null) {
    if (stopAt(failed, 'variant_missing')) return false;
  } else {
    if (variant.prices[order.currency] === undefined && stopAt(failed, 'no_price_in_currency')) return false;
    if (stock !== null && stock < offer.quantity && stopAt(failed, 'out_of_stock')) return false;
    if (order.productIds.has(variant.productId) && stopAt(failed, 'already_in_order')) return false;
  }
  if (compiled.currencies && !compiled.currencies.has(order.currency) && stopAt(failed, 'currency_not_targeted')) return false;
  if (rules.anyProductIds && !hasAny(rules.anyProductIds, order.productIds) && stopAt(failed, 'required_product_missing')) return false;
  if (rules.excludeProductIds && hasAny(rules.excludeProductIds, order.productIds) && stopAt(failed, 'excluded_product_in_order')) return false;
  if (rules.minSubtotal !== undefined && order.subtotal < rules.minSubtotal && stopAt(failed, 'subtotal_below_minimum')) return false;
  if (rules.maxSubtotal !== undefined && order.subtotal > rules.maxSubtotal && stopAt(failed, 'subtotal_above_maximum')) return false;
  if (compiled.countries && (order.country === null || !compiled.countries.has(order.country)) && stopAt(failed, 'country_not_targeted'))
    return false;
  if (rules.customerTags && !hasAny(rules.customerTags, order.customerTags) && stopAt(failed, 'customer_tag_missing')) return false;
  if (rules.firstOrderOnly && order.firstOrder !== true && stopAt(failed, 'not_first_order')) return false;
  if (order.channel && !meetsChannel(facts, order.channel, failed)) return false;
  return failed === null || failed.length === 0;
}

/** The channel's limits (`ChannelLimits`), as targeting rules: false when the decision should stop. */
function meetsChannel(facts: RuleFacts, channel: ChannelLimits, failed: ReasonCode[] | null): boolean {
  const { variant, order, compiled } = facts;
  if (channel.notEditable !== null && stopAt(failed, 'purchase_not_editable')) return false;
  if (variant && !channel.variantIdPattern.test(variant.id) && stopAt(failed, 'variant_not_on_channel')) return false;
  const unitPrice = variant?.prices[order.currency];
  if (
    unitPrice !== undefined &&
    expectedRevenueOf(compiled, unitPrice, order.currency) < channel.minimumCharge &&
    stopAt(failed, 'below_channel_minimum')
  )
    return false;
  return true;
}

type TargetingCode = Exclude<ReasonCode, 'lower_priority' | 'lower_expected_revenue' | 'tie_broken_by_age' | 'price_not_positive'>;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** Why, for each targeting rule (the conditions are in `meetsTargeting`). */
const TARGETING_MESSAGES: Readonly<Record<TargetingCode, (facts: RuleFacts) => string>> = {
  inactive: () => 'The offer is not active',
  not_started: (f) => `The offer starts at ${iso(f.compiled.startsAtMs)}`,
  ended: (f) => `The offer ended at ${iso(f.compiled.endsAtMs)}`,
  variant_missing: (f) => `Variant ${f.compiled.candidate.offer.variantId} is no longer in the catalog`,
  no_price_in_currency: (f) => `Variant ${f.variant?.id} has no price in ${f.order.currency}`,
  out_of_stock: (f) => `Variant ${f.variant?.id} has ${f.stock} in stock, the offer needs ${f.compiled.candidate.offer.quantity}`,
  already_in_order: (f) => `Product ${f.variant?.productId} is already in the order`,
  currency_not_targeted: (f) => `Order currency ${f.order.currency} is not in ${f.compiled.candidate.offer.rules.currencies?.join(', ')}`,
  required_product_missing: (f) => `The order contains none of ${f.compiled.candidate.offer.rules.anyProductIds?.join(', ')}`,
  excluded_product_in_order: (f) =>
    `The order contains excluded ${f.compiled.candidate.offer.rules.excludeProductIds?.filter((id) => f.order.productIds.has(id)).join(', ')}`,
  subtotal_below_minimum: (f) => `Subtotal ${f.order.subtotal} is below the minimum ${f.compiled.candidate.offer.rules.minSubtotal}`,
  subtotal_above_maximum: (f) => `Subtotal ${f.order.subtotal} is above the maximum ${f.compiled.candidate.offer.rules.maxSubtotal}`,
  country_not_targeted: (f) => `Customer country ${f.order.country ?? 'unknown'} is not in ${f.compiled.candidate.offer.rules.countries?.join(', ')}`,
  customer_tag_missing: (f) => `The customer has none of the tags ${f.compiled.candidate.offer.rules.customerTags?.join(', ')}`,
  not_first_order: (f) => (f.order.firstOrder === null ? 'Whether this is a first order is unknown' : 'The customer has ordered before'),
  purchase_not_editable: (f) => `${f.order.channel?.name} cannot add to this purchase: ${f.order.channel?.notEditable}`,
  variant_not_on_channel: (f) => `Variant ${f.variant?.id} is not a ${f.order.channel?.name} variant id`,
  below_channel_minimum: (f) => `${f.order.channel?.name} charges at least ${f.order.channel?.minimumCharge} (minor units) after checkout`,
};

/** Why an offer cannot be shown for this order; empty when it is eligible. */
export function ineligibilityReasons(candidate: Candidate, order: OrderFacts, now: Date): Reason[] {
  const facts: RuleFacts = {
    compiled: compileOffer(candidate),
    variant: candidate.variant,
    stock: candidate.variant?.stock ?? null,
    order,
    nowMs: now.getTime(),
  };
  const failed: ReasonCode[] = [];
  meetsTargeting(facts, failed);
  return failed.map((code) => ({ code, message: TARGETING_MESSAGES[code as TargetingCode](facts) }));
}

export interface OfferEvaluation {
  readonly offerId: string;
  readonly name: string;
  readonly priority: number;
  readonly eligible: boolean;
  readonly chosen: boolean;
  /** Net revenue the offer is expected to bring (price after discount, before tax and shipping). */
  readonly expectedRevenue: number | null;
  readonly reasons: readonly Reason[];
}

export interface Decision {
  readonly chosen: { readonly candidate: Candidate; readonly price: OfferPrice } | null;
  readonly evaluations: readonly OfferEvaluation[];
}

interface Eligible {
  readonly candidate: Candidate;
  readonly price: OfferPrice;
  readonly expectedRevenue: number;
}

/**
 * Picks at most one offer: among the eligible ones the highest priority wins; a tie goes to the higher
 * expected revenue, then to the older offer (stable, so the same order always gets the same offer).
 */
export function decide(candidates: readonly Candidate[], order: OrderFacts, now: Date): Decision {
  const eligible: Eligible[] = [];
  const outcomes = new Map<Candidate, Eligible | readonly Reason[]>();
  for (const candidate of candidates) {
    const reasons = ineligibilityReasons(candidate, order, now);
    if (reasons.length > 0 || !candidate.variant) {
      outcomes.set(candidate, reasons);
      continue;
    }
    const price = candidatePrice(candidate.offer, candidate.variant, order);
    const entry = { candidate, price, expectedRevenue: price.listTotal - price.discountAmount };
    if (entry.expectedRevenue <= 0) {
      outcomes.set(candidate, [notPositive(price)]);
      continue;
    }
    eligible.push(entry);
    outcomes.set(candidate, entry);
  }
  const winner = eligible.reduce<Eligible | null>((best, entry) => (best === null || compareEligible(entry, best) < 0 ? entry : best), null);

  const evaluations = candidates.map((candidate): OfferEvaluation => {
    const { offer } = candidate;
    const outcome = outcomes.get(candidate);
    if (outcome === undefined || Array.isArray(outcome)) {
      return {
        offerId: offer.id,
        name: offer.name,
        priority: offer.priority,
        eligible: false,
        chosen: false,
        expectedRevenue: null,
        reasons: outcome ?? [],
      };
    }
    const entry = outcome as Eligible;
    const chosen = entry === winner;
    const reasons = chosen || !winner ? [] : [lostTo(entry, winner)];
    return { offerId: offer.id, name: offer.name, priority: offer.priority, eligible: true, chosen, expectedRevenue: entry.expectedRevenue, reasons };
  });

  return { chosen: winner ? { candidate: winner.candidate, price: winner.price } : null, evaluations };
}

/**
 * An offer is never free: after its discount the item must cost at least one minor unit (a catalog price
 * change can make a saved discount reach the price; such an offer is skipped, never charged 0).
 */
function notPositive(price: OfferPrice): Reason {
  return {
    code: 'price_not_positive',
    message: `The discount leaves nothing to charge: ${price.listTotal} − ${price.discountAmount} ${price.currency} (minor units)`,
  };
}

function compareEligible(a: Eligible, b: Eligible): number {
  return (
    b.candidate.offer.priority - a.candidate.offer.priority ||
    b.expectedRevenue - a.expectedRevenue ||
    a.candidate.offer.createdAt.getTime() - b.candidate.offer.createdAt.getTime() ||
    (a.candidate.offer.id < b.candidate.offer.id ? -1 : 1)
  );
}

function lostTo(loser: Eligible, winner: Eligible): Reason {
  const winnerId = winner.candidate.offer.id;
  if (loser.candidate.offer.priority !== winner.candidate.offer.priority) {
    return { code: 'lower_priority', message: `Offer ${winnerId} has a higher priority` };
  }
  if (loser.expectedRevenue !== winner.expectedRevenue) {
    return { code: 'lower_expected_revenue', message: `Offer ${winnerId} has the same priority and a higher expected revenue` };
  }
  return { code: 'tie_broken_by_age', message: `Offer ${winnerId} ties on priority and revenue and was created first` };
}

/**
 * A shop's offers prepared once for many decisions: ranked (priority, then age), with discounts parsed
 * and rule lists turned into sets, so a decision walks the ranking, skips ineligible offers without
 * building reasons, and stops after the first priority level that has an eligible offer. It picks the
 * same offer as `decide` (the unit tests compare both on random orders); `decide` stays the explanation.
 */
export interface CompiledOffer {
  readonly candidate: Candidate;
  readonly percent: Decimal | null;
  readonly startsAtMs: number | null;
  readonly endsAtMs: number | null;
  readonly createdAtMs: number;
  readonly currencies: ReadonlySet<string> | null;
  readonly countries: ReadonlySet<string> | null;
}

export interface CompiledOffers {
  /** Highest priority first; within a priority, oldest first. */
  readonly ranked: readonly CompiledOffer[];
  /** `inCurrency`'s answers, made on the first order in each currency and kept with the offers. */
  readonly byCurrency: Map<string, readonly CurrencyLevel[]>;
}

/** An offer that can be chosen for an order in one currency, with its net revenue there. */
interface CurrencyOption {
  readonly entry: CompiledOffer;
  readonly variant: OfferVariant;
  readonly revenue: number;
}

/** One priority level's options in one currency: highest revenue first, then in `ranked` order (oldest first). */
type CurrencyLevel = readonly CurrencyOption[];

/** One offer prepared for decisions: its discount parsed, its rule lists as sets, its times as numbers. */
function compileOffer(candidate: Candidate): CompiledOffer {
  const { offer } = candidate;
  const discount = offer.discount;
  return {
    candidate,
    percent: discount?.type === 'percentage' ? decimalFromJson(discount.value) : null,
    startsAtMs: offer.startsAt?.getTime() ?? null,
    endsAtMs: offer.endsAt?.getTime() ?? null,
    createdAtMs: offer.createdAt.getTime(),
    currencies: offer.rules.currencies ? new Set(offer.rules.currencies) : null,
    countries: offer.rules.countries ? new Set(offer.rules.countries) : null,
  };
}

export function compileOffers(candidates: readonly Candidate[]): CompiledOffers {
  const ranked = candidates.map(compileOffer);
  ranked.sort(
    (a, b) =>
      b.candidate.offer.priority - a.candidate.offer.priority ||
      a.createdAtMs - b.createdAtMs ||
      (a.candidate.offer.id < b.candidate.offer.id ? -1 : 1),
  );
  return { ranked, byCurrency: new Map() };
}

/**
 * The ranking for orders in `currency`, by priority level, each level ordered as the decision breaks
 * its ties (highest revenue, then oldest): the first eligible option of the first level that has one is
 * the choice. A net revenue depends only on the offer, its variant's price and the currency, so it is
 * worked out once per currency; an offer whose variant is gone, has no price in the currency, or would
 * be free (see `notPositive`) is never eligible there and is left out.
 */
function inCurrency(compiled: CompiledOffers, currency: string): readonly CurrencyLevel[] {
  const known = compiled.byCurrency.get(currency);
  if (known) return known;
  const levels: CurrencyOption[][] = [];
  let level: CurrencyOption[] = [];
  let priority: number | null = null;
  for (const entry of compiled.ranked) {
    if (priority !== null && entry.candidate.offer.priority !== priority) {
      levels.push(level);
      level = [];
    }
    priority = entry.candidate.offer.priority;
    const variant = entry.candidate.variant;
    const unitPrice = variant?.prices[currency];
    if (!variant || unitPrice === undefined) continue;
    const revenue = expectedRevenueOf(entry, unitPrice, currency);
    if (revenue > 0) level.push({ entry, variant, revenue });
  }
  levels.push(level);
  // Array sort is stable: equal revenues keep their `ranked` order.
  const ordered = levels.filter((options) => options.length > 0).map((options) => options.sort((a, b) => b.revenue - a.revenue));
  compiled.byCurrency.set(currency, ordered);
  return ordered;
}

/** Current stock of a tracked variant when it may differ from the compiled one; undefined: use the compiled. */
export type StockOf = (variantId: string) => number | null | undefined;

function isEligible(compiled: CompiledOffer, variant: OfferVariant, order: OrderFacts, nowMs: number, stockOf: StockOf | null): boolean {
  const live = stockOf?.(variant.id);
  return meetsTargeting({ compiled, variant, stock: live === undefined ? variant.stock : live, order, nowMs }, null);
}

/** Net revenue (list total − discount) without building the whole price; integer math, exact. */
function expectedRevenueOf(compiled: CompiledOffer, unitPrice: number, currency: string): number {
  const { offer } = compiled.candidate;
  const listTotal = unitPrice * offer.quantity;
  const discount = offer.discount;
  if (!discount) return listTotal;
  const amount =
    discount.type === 'percentage'
      ? compiled.percent
        ? applyPercentage(listTotal, compiled.percent)
        : 0
      : discountFor(discount, listTotal, currency);
  return listTotal - Math.min(listTotal, amount);
}

/** The same choice as `decide(candidates, order, now).chosen`, over compiled offers and without the explanation. */
export function decideCompiled(compiled: CompiledOffers, order: OrderFacts, now: Date, stockOf: StockOf | null = null): Decision['chosen'] {
  const nowMs = now.getTime();
  // Levels by priority, each by revenue then age: the first eligible option is the one `decide` picks.
  for (const level of inCurrency(compiled, order.currency)) {
    for (const { entry, variant } of level) {
      if (!isEligible(entry, variant, order, nowMs, stockOf)) continue;
      const { candidate } = entry;
      return { candidate, price: candidatePrice(candidate.offer, variant, order) };
    }
  }
  return null;
}
