import { sql, type Kysely } from 'kysely';

/**
 * The merchant admin's sessions (`admin_sessions`), shared by every node so a restart or a second node
 * signs nobody out. A row is keyed by the SHA-256 of the cookie's random id (the id itself is never
 * stored); the secret key the merchant signed in with and the session's form token are sealed with the
 * server's secret box (`PLUSONE_SECRET_KEY`). `seq` is the sign-in order, so the per-shop cap ends the
 * oldest session even when two share a millisecond. The idle deadline never passes the expiry, so
 * `idle_until` alone says when a row is dead: its index serves the purge.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE admin_sessions (
      id_hash text PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      shop_id text NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
      shop_name text NOT NULL,
      secret_key_sealed text NOT NULL,
      csrf_token_sealed text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      idle_until timestamptz NOT NULL,
      CHECK (idle_until <= expires_at)
    );
    CREATE INDEX admin_sessions_dead ON admin_sessions (idle_until);
    CREATE INDEX admin_sessions_shop ON admin_sessions (shop_id, seq);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE admin_sessions;`.execute(db);
}
