import { sql, type Kysely } from 'kysely';

/**
 * The offers version moves out of the shops row into its own table. Every catalog or offer change bumped
 * it, so a merchant syncing products updated the shop row thousands of times: every foreign-key check on
 * `shops` (each order, line, session, upsell insert) and every settings read then walked a long chain of
 * dead row versions until vacuum caught up. `shops` now changes only when its settings do.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE offer_versions (
      shop_id text PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
      version bigint NOT NULL DEFAULT 0
    );
    INSERT INTO offer_versions (shop_id, version) SELECT id, offers_version FROM shops WHERE offers_version > 0;
    ALTER TABLE shops DROP COLUMN offers_version;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE shops ADD COLUMN offers_version bigint NOT NULL DEFAULT 0;
    UPDATE shops SET offers_version = v.version FROM offer_versions v WHERE v.shop_id = shops.id;
    DROP TABLE offer_versions;
  `.execute(db);
}
