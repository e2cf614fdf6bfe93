/**
 * Shopify post-purchase's tables (migration 012): the shop's Shopify app, what Shopify said about each
 * purchase, and the changesets Plusone signed. Every statement filters by shop id, except the lookup of
 * a shop by its store domain (the input token names the domain, not the shop).
 */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database';
import type { ShopifyChangesetsTable, ShopifyPurchaseState, ShopifyShopsTable } from './schema';

export type ShopifyShopRow = Selectable<ShopifyShopsTable>;
export type ShopifyChangesetRow = Selectable<ShopifyChangesetsTable>;

export async function shopifyShopOf(db: Db, shopId: string): Promise<ShopifyShopRow | undefined> {
  return db.selectFrom('shopify_shops').selectAll().where('shop_id', '=', shopId).executeTakeFirst();
}

/** The shop whose Shopify app serves this store domain (installed or not: the caller checks). */
export async function shopifyShopByDomain(db: Db, shopDomain: string): Promise<ShopifyShopRow | undefined> {
  return db.selectFrom('shopify_shops').selectAll().where('shop_domain', '=', shopDomain).executeTakeFirst();
}

export interface ShopifyShopValues {
  readonly shopId: string;
  readonly shopDomain: string;
  readonly apiKey: string;
  readonly secrets: string;
  readonly secretsView: ShopifyShopRow['secrets_view'];
  readonly now: Date;
}

/** Sets the shop's Shopify app (a new one, or new settings: a reinstall clears `uninstalled_at`). */
export async function saveShopifyShop(trx: Db, values: ShopifyShopValues): Promise<ShopifyShopRow> {
  const row = {
    shop_domain: values.shopDomain,
    api_key: values.apiKey,
    secrets: values.secrets,
    secrets_view: JSON.stringify(values.secretsView),
    uninstalled_at: null,
    updated_at: values.now,
  };
  return trx
    .insertInto('shopify_shops')
    .values({ shop_id: values.shopId, ...row, created_at: values.now })
    .onConflict((oc) => oc.column('shop_id').doUpdateSet(row))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteShopifyShop(trx: Db, shopId: string): Promise<void> {
  await trx.deleteFrom('shopify_shops').where('shop_id', '=', shopId).execute();
}

/** Shopify said the app was uninstalled: the extension routes stop answering for this shop. */
export async function markShopifyUninstalled(db: Db, shopId: string, now: Date): Promise<void> {
  await db
    .updateTable('shopify_shops')
    .set({ uninstalled_at: sql<Date>`coalesce(uninstalled_at, ${now})`, updated_at: now })
    .where('shop_id', '=', shopId)
    .execute();
}

/** Remembers that an order came from Shopify's post-purchase page (once; a repeat changes nothing). */
export async function insertShopifyPurchase(db: Db, shopId: string, orderId: string, referenceId: string, now: Date): Promise<void> {
  await db
    .insertInto('shopify_purchases')
    .values({ shop_id: shopId, order_id: orderId, reference_id: referenceId, updated_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function shopifyPurchaseOf(db: Db, shopId: string, orderId: string) {
  return db.selectFrom('shopify_purchases').selectAll().where('shop_id', '=', shopId).where('order_id', '=', orderId).executeTakeFirst();
}

export async function shopifyPurchaseByReference(db: Db, shopId: string, referenceId: string) {
  return db.selectFrom('shopify_purchases').selectAll().where('shop_id', '=', shopId).where('reference_id', '=', referenceId).executeTakeFirst();
}

/**
 * What Shopify said about a purchase. A state only moves forward (on hold → released → fulfilled or
 * cancelled): webhooks arrive out of order, and a late "on hold" must not reopen an order Shopify released.
 */
export async function updateShopifyPurchase(
  db: Db,
  shopId: string,
  referenceId: string,
  update: { state?: ShopifyPurchaseState; applicationsRemaining?: number },
  now: Date,
): Promise<void> {
  const rank = sql<number>`array_position(ARRAY['on_hold', 'released', 'fulfilled', 'cancelled'], state)`;
  await db
    .updateTable('shopify_purchases')
    .set({
      ...(update.state
        ? {
            state: sql<ShopifyPurchaseState>`CASE WHEN ${rank} < array_position(ARRAY['on_hold', 'released', 'fulfilled', 'cancelled'], ${update.state}::text)
              THEN ${update.state}::text ELSE state END`,
          }
        : {}),
      ...(update.applicationsRemaining !== undefined ? { applications_remaining: update.applicationsRemaining } : {}),
      updated_at: now,
    })
    .where('shop_id', '=', shopId)
    .where('reference_id', '=', referenceId)
    .execute();
}

/**
 * The changeset signed for this purchase and offer: the one already stored, or this new one. The unique
 * key decides between two signs at once, so exactly one `jti` ever exists per purchase and offer.
 */
export async function claimChangeset(db: Db, changeset: Omit<ShopifyChangesetRow, 'changes'> & { changes: unknown[] }): Promise<ShopifyChangesetRow> {
  await db
    .insertInto('shopify_changesets')
    .values({ ...changeset, changes: JSON.stringify(changeset.changes) })
    .onConflict((oc) => oc.columns(['shop_id', 'order_id', 'offer_id']).doNothing())
    .execute();
  return db
    .selectFrom('shopify_changesets')
    .selectAll()
    .where('shop_id', '=', changeset.shop_id)
    .where('order_id', '=', changeset.order_id)
    .where('offer_id', '=', changeset.offer_id)
    .executeTakeFirstOrThrow();
}

export async function changesetOf(db: Db, shopId: string, orderId: string, offerId: string): Promise<ShopifyChangesetRow | undefined> {
  return db
    .selectFrom('shopify_changesets')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('order_id', '=', orderId)
    .where('offer_id', '=', offerId)
    .executeTakeFirst();
}
