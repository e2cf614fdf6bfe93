import { sql, type Kysely } from 'kysely';

/**
 * PSP credentials per shop: sealed (AES-256-GCM, `PLUSONE_SECRET_KEY`) in `gateway_credentials`, and a
 * masked description beside it for the API (`sk_test_…4242`), so reading a shop never decrypts anything.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE shops
      ADD COLUMN gateway_credentials text,
      ADD COLUMN gateway_credentials_view jsonb NOT NULL DEFAULT '{}'::jsonb
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE shops DROP COLUMN gateway_credentials, DROP COLUMN gateway_credentials_view`.execute(db);
}
