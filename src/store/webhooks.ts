/**
 * The webhook outbox's queries (`webhook_outbox`, `webhook_deliveries`): an event queued in the
 * transaction of the change it reports, the worker's claim of due deliveries under a lease (across shops,
 * whole rows in queue order), each attempt recorded with the outcome it gives the event, the merchant's
 * pages of events with their latest attempts, a resend, and the backlog for `/metrics`.
 *
 * An attempt's outcome moves the event (delivered, or due again later) only while the event still
 * carries the lease the worker claimed it with: a resend in the meantime clears the lease and makes the
 * event due now, and that request wins over the attempt that was in flight. The attempt itself is always
 * counted and kept.
 */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database';
import { after, positionOf, type PageQuery } from './pages';
import type { WebhookDeliveriesTable, WebhookOutboxTable } from './schema';

export type OutboxRow = Selectable<WebhookOutboxTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

type OutboxKey = Pick<OutboxRow, 'shop_id' | 'id'>;

/** Attempts kept per event: older ones are removed as new ones are recorded (a receiver down for weeks). */
export const DELIVERIES_KEPT = 100;

/** Queues an event, due now; call it inside the transaction that makes the change it reports. */
export async function insertWebhookEvent(
  trx: Db,
  event: {
    readonly shopId: string;
    readonly id: string;
    readonly type: string;
    readonly payload: unknown;
    readonly now: Date;
    /** The order and upsell it reports (`data.order.id`, `data.upsell.id`), for the merchant's lists. */
    readonly orderId: string | null;
    readonly upsellId: string | null;
  },
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
      order_id: event.orderId,
      upsell_id: event.upsellId,
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
 * The event is dropped without an attempt (`reason` says why, e.g. the shop has no `webhookUrl` any
 * more): never delivered again unless resent. Releases the lease.
 */
export async function dropWebhook(db: Db, event: OutboxKey, drop: { readonly droppedAt: Date; readonly reason: string }): Promise<void> {
  await db
    .updateTable('webhook_outbox')
    .set({ delivered_at: drop.droppedAt, last_error: drop.reason, lease_until: null })
    .where('shop_id', '=', event.shop_id)
    .where('id', '=', event.id)
    .execute();
}

/** What one attempt gave: the receiver's status (null without an answer), why it failed (null on a 2xx), how long it took. */
export interface AttemptRecord {
  readonly at: Date;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** What the attempt does to the event: delivered at that time, or due again at `nextAttemptAt`. */
export type AttemptOutcome = { readonly deliveredAt: Date } | { readonly nextAttemptAt: Date };

/**
 * Records one attempt and its outcome in one transaction: the event's `attempts` + 1 (the attempt's
 * number), its `last_error`, and — while it still carries the lease it was claimed with — delivered or
 * due again, lease released. Keeps the latest `DELIVERIES_KEPT` attempts of the event.
 */
export async function recordWebhookAttempt(
  db: Db,
  event: Pick<OutboxRow, 'shop_id' | 'id' | 'lease_until'>,
  attempt: AttemptRecord,
  outcome: AttemptOutcome,
): Promise<void> {
  const stillOurs = sql<boolean>`lease_until IS NOT DISTINCT FROM ${event.lease_until}`;
  const deliveredAt = 'deliveredAt' in outcome ? outcome.deliveredAt : null;
  const nextAttemptAt = 'nextAttemptAt' in outcome ? outcome.nextAttemptAt : null;
  await db.transaction().execute(async (trx) => {
    const counted = await trx
      .updateTable('webhook_outbox')
      .set({
        attempts: sql<number>`attempts + 1`,
        last_error: attempt.error,
        delivered_at: sql<Date | null>`CASE WHEN ${stillOurs} THEN COALESCE(${deliveredAt}::timestamptz, delivered_at) ELSE delivered_at END`,
        next_attempt_at: sql<Date>`CASE WHEN ${stillOurs} THEN COALESCE(${nextAttemptAt}::timestamptz, next_attempt_at) ELSE next_attempt_at END`,
        lease_until: sql<Date | null>`CASE WHEN ${stillOurs} THEN NULL ELSE lease_until END`,
      })
      .where('shop_id', '=', event.shop_id)
      .where('id', '=', event.id)
      .returning('attempts')
      .executeTakeFirst();
    if (!counted) return;
    await trx
      .insertInto('webhook_deliveries')
      .values({
        shop_id: event.shop_id,
        event_id: event.id,
        attempt: counted.attempts,
        at: attempt.at,
        status_code: attempt.statusCode,
        error: attempt.error,
        duration_ms: attempt.durationMs,
      })
      .execute();
    if (counted.attempts > DELIVERIES_KEPT) {
      await trx
        .deleteFrom('webhook_deliveries')
        .where('shop_id', '=', event.shop_id)
        .where('event_id', '=', event.id)
        .where('attempt', '<=', counted.attempts - DELIVERIES_KEPT)
        .execute();
    }
  });
}

/** The delivery failed before an attempt was recorded: counted, with why, and due again at `nextAttemptAt`. Releases the lease. */
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

/** What `GET /v1/webhook-events` may filter on; every filter is optional and they all must hold. */
export interface WebhookEventFilter {
  readonly orderId?: string;
  readonly upsellId?: string;
  /** Delivered or dropped (true), or still queued (false). */
  readonly settled?: boolean;
  /** A `last_error` is set: dropped, or the last attempt failed. */
  readonly failed?: boolean;
}

/** A page of the shop's events, newest first (`created_at`, then id), with each one's page position: one statement. */
export async function listWebhookEventRows(db: Db, shopId: string, filter: WebhookEventFilter, page: PageQuery) {
  let query = db
    .selectFrom('webhook_outbox')
    .selectAll()
    .select(positionOf('webhook_outbox.created_at').as('position_at'))
    .where('shop_id', '=', shopId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.upsellId !== undefined) query = query.where('upsell_id', '=', filter.upsellId);
  if (filter.settled !== undefined) query = query.where('delivered_at', filter.settled ? 'is not' : 'is', null);
  if (filter.failed !== undefined) query = query.where('last_error', filter.failed ? 'is not' : 'is', null);
  if (page.after) query = query.where(after('webhook_outbox.created_at', 'webhook_outbox.id', page.after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function findWebhookEvent(db: Db, shopId: string, eventId: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('webhook_outbox').selectAll().where('shop_id', '=', shopId).where('id', '=', eventId).executeTakeFirst();
}

/** The latest `perEvent` attempts of each of these events of the shop, newest first: one statement. */
export async function latestDeliveries(db: Db, shopId: string, eventIds: readonly string[], perEvent: number): Promise<DeliveryRow[]> {
  if (eventIds.length === 0) return [];
  const ranked = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .select(sql<number>`row_number() OVER (PARTITION BY event_id ORDER BY attempt DESC)`.as('rank'))
    .where('shop_id', '=', shopId)
    .where('event_id', 'in', eventIds)
    .as('ranked');
  return db
    .selectFrom(ranked)
    .select(['shop_id', 'event_id', 'attempt', 'at', 'status_code', 'error', 'duration_ms'])
    .where('rank', '<=', perEvent)
    .orderBy('event_id')
    .orderBy('attempt', 'desc')
    .execute();
}

/**
 * Makes the event due at `now`, with the same id and body. A queued one keeps its attempts and last
 * error; a delivered or dropped one is queued again (its last error cleared: nothing failed since). A
 * lease in flight is released, so this request wins over that attempt's outcome. Undefined for an id
 * the shop does not have.
 */
export async function requeueWebhookEvent(db: Db, shopId: string, eventId: string, now: Date): Promise<OutboxRow | undefined> {
  return db
    .updateTable('webhook_outbox')
    .set({
      next_attempt_at: now,
      lease_until: null,
      delivered_at: null,
      // SET reads the row as it was: a settled event's error (a drop's reason) is cleared, a queued one's kept.
      last_error: sql<string | null>`CASE WHEN delivered_at IS NULL THEN last_error ELSE NULL END`,
    })
    .where('shop_id', '=', shopId)
    .where('id', '=', eventId)
    .returningAll()
    .executeTakeFirst();
}
