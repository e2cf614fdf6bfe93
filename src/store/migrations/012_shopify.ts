import { sql, type Kysely } from 'kysely';

/**
 * Shopify post-purchase (docs/shopify.md).
 * - `shopify_shops`: a shop's Shopify app: its store domain (one Plusone shop per domain, enforced here),
 *   API key, the sealed secrets (`{ apiSecret, adminAccessToken? }`, core/secret-box, bound to the shop id)
 *   with their masked view, and when Shopify told that the app was uninstalled.
 * - `shopify_purchases`: per order registered from the extension, what Shopify's webhooks said about it
 *   (`on_hold` until the post-purchase hold is released; `released`, `fulfilled`, `cancelled` after) and how
 *   many changesets Shopify still accepts for it.
 * - `shopify_changesets`: every changeset Plusone signed, by its `jti`: one per purchase and offer (so a
 *   second sign gives the same token back and Shopify's `changeset_already_applied` guards the charge).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE shopify_shops (
      shop_id text PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
      shop_domain text NOT NULL UNIQUE,
      api_key text NOT NULL,
      secrets text NOT NULL,
      secrets_view jsonb NOT NULL,
      uninstalled_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE shopify_purchases (
      shop_id text NOT NULL,
      order_id text NOT NULL,
      reference_id text NOT NULL,
      state text NOT NULL DEFAULT 'on_hold' CHECK (state IN ('on_hold', 'released', 'fulfilled', 'cancelled')),
      applications_remaining integer,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, order_id),
      UNIQUE (shop_id, reference_id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders(shop_id, id) ON DELETE CASCADE
    );
    CREATE TABLE shopify_changesets (
      jti uuid PRIMARY KEY,
      shop_id text NOT NULL,
      order_id text NOT NULL,
      offer_id text NOT NULL,
      changes jsonb NOT NULL,
      issued_at timestamptz NOT NULL,
      UNIQUE (shop_id, order_id, offer_id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders(shop_id, id) ON DELETE CASCADE
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE shopify_changesets;
    DROP TABLE shopify_purchases;
    DROP TABLE shopify_shops;
  `.execute(db);
}
