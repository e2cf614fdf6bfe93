import { sql, type Kysely } from 'kysely';

/**
 * Work done once and retried alone.
 * - `psp_events`: the PSP's event ids already handled, per shop and PSP. A webhook replayed (Stripe accepts
 *   a signature for 300 s; Braintree and Adyen redeliver) finds its id here and is answered without being
 *   processed again; the primary key is what makes two simultaneous deliveries pick one winner.
 * - `orders.finalize_attempts` / `finalize_retry_at`: an order whose finalization threw is backed off on
 *   its own row, so the sweep goes on with the others and tries it again later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE psp_events (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      gateway text NOT NULL,
      event_id text NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, gateway, event_id)
    );
    ALTER TABLE orders ADD COLUMN finalize_attempts integer NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN finalize_retry_at timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders DROP COLUMN finalize_retry_at;
    ALTER TABLE orders DROP COLUMN finalize_attempts;
    DROP TABLE psp_events;
  `.execute(db);
}
