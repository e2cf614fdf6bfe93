/**
 * The webhook outbox's queries (`webhook_outbox`): an event queued in the transaction of the change it
 * reports, the worker's claim of due deliveries under a lease (across shops, whole rows in queue order),
 * each delivery's outcome, and the backlog for `/metrics`.
 */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database';
import type { WebhookOutboxTable } from './schema';

export type OutboxRow = Selectable<WebhookOutboxTable>;

type OutboxKey = Pick<OutboxRow, 'shop_id' | 'id'>;

/** Queues an event, due now; call it inside the transaction that makes the change it reports. */
export async function insertWebhookEvent(
  trx: Db,
  event: { readonly shopId: string; readonly id: string; readonly type: string; readonly payload: unknown; readonly now: Date },
): Promise<void> {
  await trx
    .insertInto('webhook_outbox')
    .values({
      shop_id: event.shopId,
      id: event.id,
      type: event.type,
      payload: JSON.stringify(event.payload),
      created_at: event.now,
      next_attempt_at: event.now,
    })
    .execute();
}

/** bigserial values arrive as decimal strings: compare them as numbers without losing precision. */
function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Leases up to `limit` undelivered events due at `now` (and not leased by another worker) until
 * `leaseUntil`, in one transaction; rows another worker is claiming are skipped, not waited for.
 * Returns them in the queue's order (due time, then `seq`).
 */
export async function claimDueWebhooks(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('webhook_outbox')
      .select(['shop_id', 'id'])
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .orderBy('seq')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return [];
    const leased = await trx
      .updateTable('webhook_outbox')
      .set({ lease_until: leaseUntil })
      .where(sql<boolean>`(shop_id, id) in (${sql.join(rows.map((row) => sql`(${row.shop_id}, ${row.id})`))})`)
      .returningAll()
      .execute();
    // RETURNING has no order: deliver in the queue's.
    return leased.sort((a, b) => compareSeq(a.seq, b.seq));
  });
}

/**
 * The receiver took the event (or it was dropped, with `lastError` saying why): never delivered again.
 * `attempts` absent leaves the count as it was. Releases the lease.
 */
export async function markWebhookDelivered(
  db: Db,
  event: OutboxKey,
  delivery: { readonly deliveredAt: Date; readonly attempts?: number; readonly lastError: string | null },
): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ delivered_at: delivery.deliveredAt, attempts: delivery.attempts, last_error: delivery.lastError, lease_until: null })
    .where('shop_id', '=', event.shop_id)
    .where('id', '=', event.id)
    .execute();
}

/** The delivery failed: counted, with why, and due again at `nextAttemptAt`. Releases the lease. */
export async function markWebhookFailed(
  db: Db,
  event: OutboxKey,
  failure: { readonly attempts: number; readonly lastError: string; readonly nextAttemptAt: Date },
): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ attempts: failure.attempts, last_error: failure.lastError, next_attempt_at: failure.nextAttemptAt, lease_until: null })
    .where('shop_id', '=', event.shop_id)
    .where('id', '=', event.id)
    .execute();
}

/** Events not yet accepted by their receiver, across shops. */
export async function webhookBacklog(db: Db): Promise<number> {
  const row = await db
    .selectFrom('webhook_outbox')
    .select(sql<string>`count(*)`.as('backlog'))
    .where('delivered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.backlog);
}
