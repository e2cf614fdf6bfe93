/**
 * The offers' queries: an offer's create, read, update and soft delete, a shop's live offers with their
 * variants as decision candidates, and the shop's offers version, bumped (with its NOTIFY) in every
 * transaction that changes offers or the catalog. Every statement filters by shop id; a deleted offer
 * (`deleted_at` set) is read only by decisions and upsells already made with it.
 */
import { sql } from 'kysely';
import type { Candidate, Offer, OfferInput, OfferVariant } from '../core/offers';
import type { Db } from './database';
import { positionOf, type PageQuery } from './pages';
import type { OfferRow } from './schema';

/** Where a committed change to a shop's offers or catalog is announced: `'<shopId>:<version>'`. */
export const OFFERS_CHANNEL = 'plusone_offers';

/**
 * Bumps the shop's offers version and queues the notification; call it inside the transaction that
 * changes offers, products, variants or prices, so nodes hear of it exactly when it commits.
 */
export async function bumpOffersVersion(trx: Db, shopId: string): Promise<number> {
  const { rows } = await sql<{ version: string | number }>`
    WITH bumped AS (
      INSERT INTO offer_versions AS v (shop_id, version) VALUES (${shopId}, 1)
      ON CONFLICT (shop_id) DO UPDATE SET version = v.version + 1
      RETURNING shop_id, version
    )
    SELECT version, pg_notify(${OFFERS_CHANNEL}, shop_id || ':' || version) FROM bumped
  `.execute(trx);
  return Number(rows[0]?.version ?? 0);
}

export async function offersVersion(db: Db, shopId: string): Promise<number> {
  const row = await db.selectFrom('offer_versions').select('version').where('shop_id', '=', shopId).executeTakeFirst();
  return row?.version ?? 0;
}

function offerColumns(offer: Required<OfferInput>) {
  return {
    name: offer.name,
    variant_id: offer.variantId,
    quantity: offer.quantity,
    discount: JSON.stringify(offer.discount),
    priority: offer.priority,
    active: offer.active,
    rules: JSON.stringify(offer.rules),
    button_copy: JSON.stringify(offer.buttonCopy),
    shipping: JSON.stringify(offer.shipping),
    starts_at: offer.startsAt,
    ends_at: offer.endsAt,
  };
}

export async function insertOffer(trx: Db, shopId: string, offerId: string, offer: Required<OfferInput>, now: Date): Promise<OfferRow> {
  return trx
    .insertInto('offers')
    .values({ shop_id: shopId, id: offerId, ...offerColumns(offer), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Writes every field of a live offer; undefined when the shop has no such offer (or it was deleted). */
export async function saveOffer(trx: Db, shopId: string, offerId: string, offer: Required<OfferInput>, now: Date): Promise<OfferRow | undefined> {
  return trx
    .updateTable('offers')
    .set({ ...offerColumns(offer), updated_at: now })
    .where('shop_id', '=', shopId)
    .where('id', '=', offerId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** A live offer (not deleted). */
export async function findOffer(db: Db, shopId: string, offerId: string): Promise<OfferRow | undefined> {
  return db
    .selectFrom('offers')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('id', '=', offerId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The shop's live offers, highest priority first, then oldest first. */
export async function liveOffers(db: Db, shopId: string): Promise<OfferRow[]> {
  return db
    .selectFrom('offers')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('deleted_at', 'is', null)
    .orderBy('priority', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * A page of the shop's live offers in `liveOffers`' order (priority, highest first, then oldest first),
 * each with its position (`position_at`, to the microsecond) for the next page's cursor.
 */
export async function liveOfferPage(db: Db, shopId: string, page: PageQuery): Promise<(OfferRow & { position_at: string })[]> {
  let query = db
    .selectFrom('offers')
    .selectAll()
    .select(positionOf('created_at').as('position_at'))
    .where('shop_id', '=', shopId)
    .where('deleted_at', 'is', null);
  const position = page.after;
  if (position) {
    const rank = position.rank ?? 0;
    query = query.where(
      sql<boolean>`(priority < ${rank} OR (priority = ${rank} AND (created_at, id) > (${position.createdAt}::timestamptz, ${position.id}::text)))`,
    );
  }
  return query.orderBy('priority', 'desc').orderBy('created_at').orderBy('id').limit(page.limit).execute();
}

/**
 * Soft delete (the row stays, inactive, for the decisions and upsells made with it); false when the shop
 * has no such live offer.
 */
export async function softDeleteOffer(trx: Db, shopId: string, offerId: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('offers')
    .set({ deleted_at: now, active: false })
    .where('shop_id', '=', shopId)
    .where('id', '=', offerId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function toOffer(row: OfferRow): Offer {
  return {
    id: row.id,
    name: row.name,
    variantId: row.variant_id,
    quantity: row.quantity,
    discount: row.discount,
    priority: row.priority,
    active: row.active,
    rules: row.rules,
    buttonCopy: row.button_copy,
    shipping: row.shipping,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
  };
}

/** Every live offer of the shop with its variant (null when gone), ready for `decide`. */
export async function loadCandidates(db: Db, shopId: string): Promise<Candidate[]> {
  const offers = await db.selectFrom('offers').selectAll().where('shop_id', '=', shopId).where('deleted_at', 'is', null).execute();
  if (offers.length === 0) return [];
  // The shop's offered variants by subquery: no list of a thousand parameters to build and send.
  const offeredVariants = db
    .selectFrom('offers')
    .select('offers.variant_id')
    .where('offers.shop_id', '=', shopId)
    .where('offers.deleted_at', 'is', null);
  const variants = await db
    .selectFrom('variants')
    .innerJoin('products', (join) => join.onRef('products.shop_id', '=', 'variants.shop_id').onRef('products.id', '=', 'variants.product_id'))
    .select(['variants.id', 'variants.product_id', 'variants.title', 'variants.stock', 'products.title as product_title', 'products.image_url'])
    .where('variants.shop_id', '=', shopId)
    .where('variants.id', 'in', offeredVariants)
    .execute();
  const prices = await db
    .selectFrom('variant_prices')
    .select(['variant_id', 'currency', 'amount'])
    .where('shop_id', '=', shopId)
    .where('variant_id', 'in', offeredVariants)
    .execute();
  const pricesByVariant = new Map<string, Record<string, number>>();
  for (const price of prices) {
    const entry = pricesByVariant.get(price.variant_id) ?? {};
    entry[price.currency] = price.amount;
    pricesByVariant.set(price.variant_id, entry);
  }
  const byId = new Map<string, OfferVariant>();
  for (const variant of variants) {
    byId.set(variant.id, {
      id: variant.id,
      productId: variant.product_id,
      productTitle: variant.product_title,
      title: variant.title,
      imageUrl: variant.image_url,
      prices: pricesByVariant.get(variant.id) ?? {},
      stock: variant.stock,
    });
  }
  return offers.map((row) => ({ offer: toOffer(row), variant: byId.get(row.variant_id) ?? null }));
}
