/**
 * The offers' queries: a shop's live offers with their variants as decision candidates, and the shop's
 * offers version, bumped (with its NOTIFY) in every transaction that changes offers or the catalog.
 */
import { sql } from 'kysely';
import type { Candidate, Offer, OfferVariant } from '../core/offers';
import type { Db } from './database';
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
  const offers = await db
    .selectFrom('offers')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('deleted_at', 'is', null)
    .execute();
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
    .select([
      'variants.id', 'variants.product_id', 'variants.title', 'variants.stock',
      'products.title as product_title', 'products.image_url',
    ])
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
