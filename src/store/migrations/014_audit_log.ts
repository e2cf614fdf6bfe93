import { sql, type Kysely } from 'kysely';

/**
 * Who changed what: `audit_log`, one row per change made to a shop through the API or the admin (settings,
 * keys, catalog, offers, experiments, refunds, webhook resends), newest first per shop by keyset on
 * `(at, seq)` (`seq` orders changes made within one clock tick); and `api_keys.last_used_at`, when a key last authenticated a request (written at most once a
 * minute per key and node, so it is "last used" to the minute).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;
    CREATE TABLE audit_log (
      shop_id text NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
      id text NOT NULL,
      seq bigserial NOT NULL,
      at timestamptz NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('api_key', 'operator')),
      api_key_id text,
      api_key_last4 text,
      via text NOT NULL CHECK (via IN ('api', 'admin')),
      action text NOT NULL,
      target_type text NOT NULL,
      target_id text NOT NULL,
      changes jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (shop_id, id)
    );
    CREATE INDEX audit_log_recent ON audit_log (shop_id, at DESC, seq DESC);
    CREATE INDEX audit_log_target ON audit_log (shop_id, target_id, at DESC, seq DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE audit_log;
    ALTER TABLE api_keys DROP COLUMN last_used_at;
  `.execute(db);
}
