import { sql, type Kysely } from 'kysely';

/**
 * `buyer`: who clicked (the page's origin, the browser's 3-D Secure 2 fields, IP, email), stored with the
 * upsell at the accept so that every send of its authorize, the worker's retries included, carries the
 * same body under the same idempotency key. Personal data: cleared as soon as the upsell leaves
 * `pending` / `requires_action`, when no authorize will be sent again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upsells ADD COLUMN buyer jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upsells DROP COLUMN buyer`.execute(db);
}
