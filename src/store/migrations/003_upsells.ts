import { sql, type Kysely } from 'kysely';

/**
 * Upsells (one per accepted offer per order, enforced by a unique key), their event log, the outbound
 * webhook outbox, the buyer's "no thanks", and the columns an upsell line adds to an order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE upsells (
      shop_id text NOT NULL,
      id text NOT NULL,
      order_id text NOT NULL,
      offer_id text NOT NULL,
      state text NOT NULL,
      amount bigint NOT NULL CHECK (amount >= 0),
      currency char(3) NOT NULL,
      offer jsonb NOT NULL,
      card jsonb NOT NULL,
      gateway text NOT NULL,
      capture_mode text NOT NULL CHECK (capture_mode IN ('after_window', 'immediate')),
      order_strategy text NOT NULL CHECK (order_strategy IN ('update_original', 'linked_order')),
      undo_window_seconds integer NOT NULL,
      authorization_ref text,
      captured_at_authorization boolean NOT NULL DEFAULT false,
      undo_until timestamptz,
      action jsonb,
      decline_code text,
      decline_message text,
      line_id text,
      linked_order_id text,
      reserved_quantity integer NOT NULL DEFAULT 0,
      cancel_requested_at timestamptz,
      lease_until timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, id),
      UNIQUE (shop_id, order_id, offer_id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, id) ON DELETE CASCADE
    );
    CREATE INDEX upsells_due_capture ON upsells (undo_until) WHERE state = 'authorized';
    CREATE INDEX upsells_unsettled ON upsells (updated_at) WHERE state IN ('pending', 'requires_action', 'capturing');
    CREATE INDEX upsells_cancel_requested ON upsells (cancel_requested_at) WHERE state = 'authorized' AND cancel_requested_at IS NOT NULL;

    CREATE TABLE upsell_events (
      shop_id text NOT NULL,
      id bigserial PRIMARY KEY,
      upsell_id text NOT NULL,
      type text NOT NULL,
      from_state text,
      actor text NOT NULL,
      reason text,
      data jsonb,
      at timestamptz NOT NULL,
      FOREIGN KEY (shop_id, upsell_id) REFERENCES upsells (shop_id, id) ON DELETE CASCADE
    );
    CREATE INDEX upsell_events_upsell ON upsell_events (shop_id, upsell_id, id);

    CREATE TABLE webhook_outbox (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id text NOT NULL,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      delivered_at timestamptz,
      last_error text,
      PRIMARY KEY (shop_id, id)
    );
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;

    ALTER TABLE decisions ADD COLUMN declined_at timestamptz;

    ALTER TABLE orders ADD COLUMN finalized_at timestamptz, ADD COLUMN upsell_id text;
    CREATE INDEX orders_open ON orders (created_at) WHERE status = 'open';

    ALTER TABLE order_lines
      ADD COLUMN discount_amount bigint NOT NULL DEFAULT 0,
      ADD COLUMN tax_amount bigint NOT NULL DEFAULT 0,
      ADD COLUMN shipping_amount bigint NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX order_lines_one_per_upsell ON order_lines (shop_id, upsell_id) WHERE upsell_id IS NOT NULL;
    CREATE UNIQUE INDEX orders_one_per_upsell ON orders (shop_id, upsell_id) WHERE upsell_id IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX orders_one_per_upsell;
    DROP INDEX order_lines_one_per_upsell;
    ALTER TABLE order_lines DROP COLUMN discount_amount, DROP COLUMN tax_amount, DROP COLUMN shipping_amount;
    DROP INDEX orders_open;
    ALTER TABLE orders DROP COLUMN finalized_at, DROP COLUMN upsell_id;
    ALTER TABLE decisions DROP COLUMN declined_at;
    DROP TABLE webhook_outbox, upsell_events, upsells;
  `.execute(db);
}
