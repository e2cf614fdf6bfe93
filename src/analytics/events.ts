/**
 * The analytics event log (docs/analytics.md). Lifecycle events are written in the same transaction as
 * the upsell's state change, so each is recorded exactly once and never lost; views go through the
 * `ViewRecorder` batcher so the buyer's page never waits on an insert.
 */
import { sql, type Insertable, type Transaction } from 'kysely';
import { eventsForTransition } from '../core/analytics';
import type { UpsellState } from '../core/upsell-state';
import type { Db } from '../store/database';
import type { Database, UpsellEventsTable, UpsellRow } from '../store/schema';

/** The experiment and arm stored with the order's decision (null when the order is in none). */
function armOf(shopId: string, orderId: string) {
  return {
    experiment_id: sql<string | null>`(SELECT experiment_id FROM decisions WHERE shop_id = ${shopId} AND order_id = ${orderId})`,
    arm_id: sql<string | null>`(SELECT arm_id FROM decisions WHERE shop_id = ${shopId} AND order_id = ${orderId})`,
  };
}

/**
 * Called by `transition` inside its transaction: one INSERT for the state entered. The unique index per
 * (upsell, type) makes a repeat a no-op; the state table has no cycles, so a state is entered once.
 */
export async function recordUpsellTransition(
  trx: Transaction<Database>,
  upsell: UpsellRow,
  from: UpsellState,
  to: UpsellState,
  at: Date,
  /** The upsell's own event row, written by the same statement. */
  alongside?: Insertable<UpsellEventsTable>,
): Promise<void> {
  const types = eventsForTransition(from, to);
  if (types.length === 0) {
    if (alongside) await trx.insertInto('upsell_events').values(alongside).execute();
    return;
  }
  const rows = types.map((type) => ({
    shop_id: upsell.shop_id,
    type,
    order_id: upsell.order_id,
    offer_id: upsell.offer_id,
    upsell_id: upsell.id,
    ...armOf(upsell.shop_id, upsell.order_id),
    amount: upsell.amount,
    currency: upsell.currency,
    occurred_at: at,
  }));
  const insert = alongside
    ? trx.with('logged', (cte) => cte.insertInto('upsell_events').values(alongside).returning('id')).insertInto('analytics_events')
    : trx.insertInto('analytics_events');
  await insert
    .values(rows)
    .onConflict((conflict) => conflict.columns(['shop_id', 'upsell_id', 'type']).where('upsell_id', 'is not', null).doNothing())
    .execute();
}

/**
 * "No thanks": marks the decision declined and records `offer_declined` in one statement, so both or
 * neither happen. A repeat (already declined) changes nothing and records nothing.
 */
export async function declineDecision(db: Db, shopId: string, orderId: string, at: Date): Promise<void> {
  await sql`
    WITH declined AS (
      UPDATE decisions SET declined_at = ${at}
      WHERE shop_id = ${shopId} AND order_id = ${orderId} AND declined_at IS NULL AND offer_id IS NOT NULL
      RETURNING shop_id, order_id, offer_id, offer, experiment_id, arm_id
    )
    INSERT INTO analytics_events (shop_id, type, order_id, offer_id, experiment_id, arm_id, amount, currency, occurred_at)
    SELECT shop_id, 'offer_declined', order_id, offer_id, experiment_id, arm_id,
           (offer->>'total')::bigint, offer->>'currency', ${at}
    FROM declined
    ON CONFLICT (shop_id, order_id, offer_id, type) WHERE upsell_id IS NULL DO NOTHING
  `.execute(db);
}

/** An offer shown on the buyer's page. */
export interface OfferView {
  readonly shopId: string;
  readonly orderId: string;
  readonly offerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly at: Date;
}

export interface ViewRecorderOptions {
  /** Flush at least this often while views wait (default 250 ms). */
  readonly flushIntervalMs?: number;
  /** Flush as soon as this many views wait (default 500). */
  readonly batchSize?: number;
  /** Views kept while the database is unreachable; beyond it the oldest are dropped (default 100,000). */
  readonly maxBuffered?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Batches `offer_viewed` events: `record` only pushes to memory; a timer (or a full batch) writes them with
 * one INSERT, taking the arm from the order's decision and skipping repeats of (order, offer). `close`
 * (wired to Fastify's onClose) writes what is left, so a clean shutdown loses nothing.
 */
const SEEN_VIEWS_LIMIT = 100_000;

export class ViewRecorder {
  private buffer: OfferView[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  /**
   * Views this process already queued (`shop:order:offer`), so a page refreshed or polled again costs no
   * write: the unique index stays the authority (another node may queue the same view), this only spares
   * the database the repeats. Bounded; the oldest keys are forgotten first.
   */
  private readonly seen = new Set<string>();

  constructor(private readonly db: Db, private readonly options: ViewRecorderOptions = {}) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
  }

  record(view: OfferView): void {
    const key = `${view.shopId}:${view.orderId}:${view.offerId}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.seen.size > SEEN_VIEWS_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    this.buffer.push(view);
    if (this.buffer.length > this.maxBuffered) this.buffer.splice(0, this.buffer.length - this.maxBuffered);
    if (this.buffer.length >= this.batchSize) {
      void this.flush();
    } else if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes every view recorded so far; resolves when they are stored (or failed and were put back). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.inFlight = this.inFlight.then(() => this.writeBuffered());
    return this.inFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  get pending(): number {
    return this.buffer.length;
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await insertViews(this.db, batch);
      } catch (error) {
        // Put them back for the next flush; the unique index makes a retried batch safe.
        this.buffer.unshift(...batch);
        this.options.onError?.(error);
        if (!this.closed && !this.timer) {
          this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs * 4);
          this.timer.unref();
        }
        return;
      }
    }
  }
}

async function insertViews(db: Db, views: readonly OfferView[]): Promise<void> {
  if (views.length === 0) return;
  await sql`
    INSERT INTO analytics_events (shop_id, type, order_id, offer_id, experiment_id, arm_id, amount, currency, occurred_at)
    SELECT v.shop_id, 'offer_viewed', v.order_id, v.offer_id, d.experiment_id, d.arm_id, v.amount, v.currency, v.at
    FROM unnest(
      ${views.map((view) => view.shopId)}::text[], ${views.map((view) => view.orderId)}::text[],
      ${views.map((view) => view.offerId)}::text[], ${views.map((view) => view.amount)}::bigint[],
      ${views.map((view) => view.currency)}::text[], ${views.map((view) => view.at.toISOString())}::timestamptz[]
    ) AS v(shop_id, order_id, offer_id, amount, currency, at)
    LEFT JOIN decisions d ON d.shop_id = v.shop_id AND d.order_id = v.order_id
    ON CONFLICT (shop_id, order_id, offer_id, type) WHERE upsell_id IS NULL DO NOTHING
  `.execute(db);
}
