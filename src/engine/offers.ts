/** Offers: create, read, update and delete, each change bumping the shop's offers version (store/offers). */
import { DomainError, notFound } from '../core/errors';
import { decimalFromJson, isCurrency } from '../core/money';
import type { ButtonCopy, CurrencyAmount, Discount, OfferInput, OfferRules } from '../core/offers';
import { variantExists, variantPrices } from '../store/catalog';
import type { Db } from '../store/database';
import type { OfferRow } from '../store/schema';
import type { EngineContext } from './context';
import { bumpOffersVersion, findOffer, insertOffer, liveOfferPage, liveOffers, saveOffer, softDeleteOffer, toOffer } from '../store/offers';
import { pageOf, pageQuery } from './pages';

export type { OfferInput } from '../core/offers';

export interface OfferView {
  id: string;
  name: string;
  variantId: string;
  quantity: number;
  discount: Discount | null;
  priority: number;
  active: boolean;
  rules: OfferRules;
  buttonCopy: ButtonCopy[];
  shipping: CurrencyAmount[];
  startsAt: string | null;
  endsAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The API's view of an offer: the domain offer (store/offers `toOffer`) with its times as ISO text. */
function toView(row: OfferRow): OfferView {
  const offer = toOffer(row);
  return {
    ...offer,
    buttonCopy: [...offer.buttonCopy],
    shipping: [...offer.shipping],
    startsAt: offer.startsAt?.toISOString() ?? null,
    endsAt: offer.endsAt?.toISOString() ?? null,
    createdAt: offer.createdAt.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Checks what a schema cannot: currencies, the discount's range, the schedule, copy ids, the variant. */
async function validate(db: Db, shopId: string, offer: Required<OfferInput>): Promise<void> {
  const discount = offer.discount;
  if (discount?.type === 'percentage') {
    const percent = decimalFromJson(discount.value);
    if (!percent || percent.units <= 0n || percent.scale > 2 || percent.units >= 100n * 10n ** BigInt(percent.scale)) {
      throw new DomainError(
        'invalid_request',
        'discount.value: a percentage discount is above 0 and below 100 (an offer is never free), with at most 2 decimals',
      );
    }
  }
  const currencies = [
    ...(offer.rules.currencies ?? []),
    ...offer.shipping.map((entry) => entry.currency),
    ...(discount?.type === 'fixed' ? (discount.amounts ?? []).map((entry) => entry.currency) : []),
  ];
  const unknown = currencies.find((currency) => !isCurrency(currency));
  if (unknown) throw new DomainError('invalid_currency', `${unknown} is not an ISO 4217 currency code`);
  if (offer.rules.minSubtotal !== undefined && offer.rules.maxSubtotal !== undefined && offer.rules.minSubtotal > offer.rules.maxSubtotal) {
    throw new DomainError('invalid_request', 'rules.minSubtotal is greater than rules.maxSubtotal');
  }
  for (const field of ['startsAt', 'endsAt'] as const) {
    const value = offer[field];
    if (value !== null && Number.isNaN(Date.parse(value))) throw new DomainError('invalid_request', `${field} is not an ISO 8601 time`);
  }
  if (offer.startsAt && offer.endsAt && Date.parse(offer.startsAt) >= Date.parse(offer.endsAt)) {
    throw new DomainError('invalid_request', 'startsAt must be before endsAt');
  }
  const copyIds = new Set(offer.buttonCopy.map((copy) => copy.id));
  if (copyIds.size !== offer.buttonCopy.length) throw new DomainError('invalid_request', 'buttonCopy ids must be unique');
  if (!(await variantExists(db, shopId, offer.variantId)))
    throw new DomainError('variant_not_found', `Variant ${offer.variantId} is not in this shop's catalog`);
  if (discount?.type === 'fixed') await refuseFreeFixedDiscount(db, shopId, offer, discount);
}

/**
 * A fixed discount must leave at least one minor unit to pay in every currency the variant is priced in
 * now. Prices may change later through the catalog: the decision then skips the offer (`price_not_positive`).
 */
async function refuseFreeFixedDiscount(
  db: Db,
  shopId: string,
  offer: Required<OfferInput>,
  discount: Extract<Discount, { type: 'fixed' }>,
): Promise<void> {
  const prices = await variantPrices(db, shopId, offer.variantId);
  for (const price of prices) {
    const index = (discount.amounts ?? []).findIndex((entry) => entry.currency === price.currency);
    const amount = index >= 0 ? (discount.amounts?.[index]?.amount ?? 0) : discount.value;
    if (amount >= price.amount * offer.quantity) {
      const field = index >= 0 ? `discount.amounts[${index}].amount` : 'discount.value';
      throw new DomainError(
        'invalid_request',
        `${field}: the discount of ${amount} leaves nothing to pay for ${offer.quantity} × ${price.amount} ${price.currency}; an offer is never free`,
      );
    }
  }
}

function withDefaults(input: OfferInput): Required<OfferInput> {
  return {
    name: input.name,
    variantId: input.variantId,
    quantity: input.quantity ?? 1,
    discount: input.discount ?? null,
    priority: input.priority ?? 0,
    active: input.active ?? true,
    rules: input.rules ?? {},
    buttonCopy: input.buttonCopy ?? [],
    shipping: input.shipping ?? [],
    startsAt: input.startsAt ?? null,
    endsAt: input.endsAt ?? null,
  };
}

export async function createOffer(ctx: EngineContext, shopId: string, input: OfferInput): Promise<OfferView> {
  const offer = withDefaults(input);
  await validate(ctx.db, shopId, offer);
  const now = ctx.clock.now();
  const row = await changeOffers(ctx, shopId, (trx) => insertOffer(trx, shopId, ctx.ids.id('off'), offer, now));
  return toView(row);
}

/**
 * Runs a change to the shop's offers (or what decisions read with them: catalog, experiments) in a
 * transaction that also bumps the offers version (and notifies every node), then drops this process's
 * compiled offers at once.
 */
export async function changeOffers<T>(ctx: EngineContext, shopId: string, change: (trx: Db) => Promise<T>): Promise<T> {
  const { result, version } = await ctx.db.transaction().execute(async (trx) => {
    const result = await change(trx);
    return { result, version: await bumpOffersVersion(trx, shopId) };
  });
  ctx.caches.offers.forget(shopId, version);
  return result;
}

export async function updateOffer(ctx: EngineContext, shopId: string, offerId: string, patch: Partial<OfferInput>): Promise<OfferView> {
  const current = await getOffer(ctx.db, shopId, offerId);
  const merged = withDefaults({ ...current, ...stripUndefined(patch) });
  await validate(ctx.db, shopId, merged);
  const row = await changeOffers(ctx, shopId, (trx) => saveOffer(trx, shopId, offerId, merged, ctx.clock.now()));
  if (!row) throw notFound('Offer');
  return toView(row);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

export async function getOffer(db: Db, shopId: string, offerId: string): Promise<OfferView> {
  const row = await findOffer(db, shopId, offerId);
  if (!row) throw notFound('Offer');
  return toView(row);
}

/**
 * The shop's live offers, highest priority first: all of them, or with `limit` a page of them and the
 * cursor of the next (keyset on priority, creation time and id, so an offer saved meanwhile never makes
 * a later page repeat or skip one).
 */
export async function listOffers(
  db: Db,
  shopId: string,
  input: { limit?: string; cursor?: string } = {},
): Promise<{ offers: OfferView[]; nextCursor: string | null }> {
  if (input.limit === undefined && input.cursor === undefined) return { offers: (await liveOffers(db, shopId)).map(toView), nextCursor: null };
  const page = pageQuery('offers', shopId, input);
  // One row more than the page: whether it comes tells whether there is a next page.
  const rows = await liveOfferPage(db, shopId, { limit: page.limit + 1, after: page.after });
  const shown = pageOf(
    'offers',
    shopId,
    rows.map((row) => ({ ...row, position_rank: row.priority })),
    page.limit,
  );
  return { offers: shown.rows.map(toView), nextCursor: shown.nextCursor };
}

/** Soft delete: decisions and upsells keep pointing at the offer they were made with. */
export async function deleteOffer(ctx: EngineContext, shopId: string, offerId: string): Promise<void> {
  await changeOffers(ctx, shopId, async (trx) => {
    // Thrown inside the transaction: an unknown offer bumps no version (a refused request writes nothing).
    if (!(await softDeleteOffer(trx, shopId, offerId, ctx.clock.now()))) throw notFound('Offer');
  });
}
