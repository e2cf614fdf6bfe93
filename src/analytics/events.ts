/**
 * The analytics event log (docs/analytics.md). Lifecycle events are written in the same transaction as
 * the upsell's state change, so each is recorded exactly once and never lost; views go through the
 * `ViewRecorder` batcher so the buyer's page never waits on an insert.
 */
import type { Insertable, Transaction } from 'kysely';
import { eventsForTransition, type OfferView } from '../core/analytics';
import type { UpsellState } from '../core/upsell-state';
import type { Db } from '../store/database';
import { insertLifecycleEvents, insertOfferViews } from '../store/events';
import type { Database, UpsellEventsTable, UpsellRow } from '../store/schema';

/** "No thanks": the decision marked declined and `offer_declined` recorded, in one statement. */
export { declineDecision } from '../store/events';

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
  await insertLifecycleEvents(trx, upsell, eventsForTransition(from, to), at, alongside);
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

  constructor(
    private readonly db: Db,
    private readonly options: ViewRecorderOptions = {},
  ) {
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
        await insertOfferViews(this.db, batch);
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
