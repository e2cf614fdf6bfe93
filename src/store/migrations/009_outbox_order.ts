import { sql, type Kysely } from 'kysely';

/**
 * Webhooks leave in the order they were queued. `created_at` is the clock's time, which two events
 * queued by one change share (a capture and the order's finalization), and ids are random: `seq` is the
 * queue's own order. Rows queued before this migration are numbered in no particular order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_outbox ADD COLUMN seq bigserial;
    DROP INDEX webhook_outbox_due;
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at, seq) WHERE delivered_at IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX webhook_outbox_due;
    ALTER TABLE webhook_outbox DROP COLUMN seq;
    CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
  `.execute(db);
}
