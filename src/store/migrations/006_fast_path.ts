import { sql, type Kysely } from 'kysely';

/**
 * The fast path (issue 7): a per-shop offers version that every change to offers or the catalog bumps in
 * its own transaction (nodes compare it to drop their compiled offers), an index for the "first order?"
 * lookup at registration, and decisions whose per-offer explanation is computed when asked: the order
 * facts and offers version it was decided on are kept with it; rows from before keep their stored one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE shops ADD COLUMN offers_version bigint NOT NULL DEFAULT 0;
    CREATE INDEX orders_customer_key ON orders (shop_id, customer_key) WHERE customer_key IS NOT NULL;
    ALTER TABLE decisions ALTER COLUMN evaluations DROP NOT NULL;
    ALTER TABLE decisions ADD COLUMN facts jsonb, ADD COLUMN offers_version bigint;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE decisions DROP COLUMN offers_version, DROP COLUMN facts;
    UPDATE decisions SET evaluations = '[]' WHERE evaluations IS NULL;
    ALTER TABLE decisions ALTER COLUMN evaluations SET NOT NULL;
    DROP INDEX orders_customer_key;
    ALTER TABLE shops DROP COLUMN offers_version;
  `.execute(db);
}
