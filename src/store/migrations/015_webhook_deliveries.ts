import { sql, type Kysely } from 'kysely';

/**
 * Webhook deliveries the merchant can see (`GET /v1/webhook-events`, the admin's order page): each outbox
 * row names the order and upsell it reports (read from its payload for the rows queued before this
 * migration), with indexes for the newest-first list per shop, per order and per upsell; and every
 * attempt the worker makes is a row of `webhook_deliveries` — when, the HTTP status or why there was none,
 * and how long it took — numbered by the event's `attempts`, so an attempt number is unique per event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_outbox ADD COLUMN order_id text, ADD COLUMN upsell_id text;
    UPDATE webhook_outbox
      SET order_id = payload->'data'->'order'->>'id', upsell_id = payload->'data'->'upsell'->>'id';
    CREATE INDEX webhook_outbox_recent ON webhook_outbox (shop_id, created_at DESC, id DESC);
    CREATE INDEX webhook_outbox_order ON webhook_outbox (shop_id, order_id, created_at DESC, id DESC) WHERE order_id IS NOT NULL;
    CREATE INDEX webhook_outbox_upsell ON webhook_outbox (shop_id, upsell_id, created_at DESC, id DESC) WHERE upsell_id IS NOT NULL;

    CREATE TABLE webhook_deliveries (
      shop_id text NOT NULL,
      event_id text NOT NULL,
      attempt integer NOT NULL CHECK (attempt >= 1),
      at timestamptz NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL CHECK (duration_ms >= 0),
      PRIMARY KEY (shop_id, event_id, attempt),
      FOREIGN KEY (shop_id, event_id) REFERENCES webhook_outbox (shop_id, id) ON DELETE CASCADE
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE webhook_deliveries;
    DROP INDEX webhook_outbox_upsell;
    DROP INDEX webhook_outbox_order;
    DROP INDEX webhook_outbox_recent;
    ALTER TABLE webhook_outbox DROP COLUMN order_id, DROP COLUMN upsell_id;
  `.execute(db);
}
