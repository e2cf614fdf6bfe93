/**
 * Capture after the window. Claims authorizations whose undo window closed with `FOR UPDATE SKIP LOCKED`
 * and moves them to `capturing` with a lease before calling the PSP, so any number of workers can run:
 * a row is claimed by one of them, and a capture that crashed half-way is retried after its lease with
 * the same idempotency key (`ups_…:capture`), which the PSP answers without moving money twice.
 */
import { captureAtPsp, releaseAuthorization, removeFromOrder } from '../engine/saga';
import { appendEvent, orderChangeOf, sinkFor, transition, withLockedUpsell } from '../engine/upsells';
import { type UpsellContext } from '../engine/context';
import type { UpsellRow } from '../store/schema';
import { dueForCapture, updateUpsell } from '../store/upsells';
import { backOffUpsell, inSavepoint, upsellIds, type Trx } from './backoff';
import { isolate, isolateOne, silentObserver, type WorkerObserver } from '../engine/observer';

const CAPTURE_LEASE_MS = 60_000;
/**
 * Captures in flight at once per worker: a PSP round trip takes 100–400 ms, so one at a time would cap a
 * worker at a few captures a second. Each claimed row is this worker's alone, so they run independently.
 */
const CAPTURE_CONCURRENCY = 8;

/** Rows claimed per round; a full batch means more are due, and the worker goes again at once. */
export const CAPTURE_BATCH = 100;

export async function captureDue(ctx: UpsellContext, observer: WorkerObserver = silentObserver, limit = CAPTURE_BATCH): Promise<number> {
  const claimed = await claimDue(ctx, observer, limit);
  ctx.faults.reach('capture.after_claim');
  const row = {
    ids: upsellIds,
    work: (upsell: UpsellRow) => capture(ctx, observer, upsell),
    backOff: (upsell: UpsellRow) => backOffUpsell(ctx, upsell),
  };
  await eachConcurrently(claimed, CAPTURE_CONCURRENCY, (upsell) => isolateOne(observer, 'capture', upsell, row));
  return claimed.length;
}

/** Runs `work` over `items`, at most `limit` at a time (each item isolates its own failure). */
async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Claims due rows in one short transaction; immediate-capture upsells are simply marked captured. */
async function claimDue(ctx: UpsellContext, observer: WorkerObserver, limit: number): Promise<UpsellRow[]> {
  const now = ctx.clock.now();
  const leaseUntil = new Date(now.getTime() + CAPTURE_LEASE_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await dueForCapture(trx, now, limit);
    const toCapture: UpsellRow[] = [];
    // Each row in its own savepoint: one that throws is rolled back alone and backed off, the rest go on.
    await isolate(observer, 'capture', rows, {
      ids: upsellIds,
      work: (row) =>
        inSavepoint(trx, async () => {
          const claimed = await claimOne(ctx, trx, row, leaseUntil);
          if (claimed) toCapture.push(claimed);
        }),
      backOff: (row) => backOffUpsell(ctx, row, trx),
    });
    return toCapture;
  });
}

/** One due row: `capturing` with a lease (returned, for the PSP call), or captured at once in immediate mode. */
async function claimOne(ctx: UpsellContext, trx: Trx, row: UpsellRow, leaseUntil: Date): Promise<UpsellRow | null> {
  const now = ctx.clock.now();
  if (row.state === 'capturing') {
    await appendEvent(trx, row, 'capture_retry', row.state, { actor: 'worker', reason: 'lease expired' }, now);
    return updateUpsell(trx, row, { lease_until: leaseUntil });
  }
  if (row.captured_at_authorization) {
    // Immediate mode: the money was captured with the authorization; the window closing makes it final.
    const captured = await transition(ctx, trx, row, 'captured', { actor: 'worker', reason: 'captured at authorization' });
    await sinkFor(ctx, captured).settleUpsell(trx, captured.shop_id, orderChangeOf(captured));
    return null;
  }
  return transition(ctx, trx, row, 'capturing', { actor: 'worker', reason: 'undo window closed', set: { lease_until: leaseUntil } });
}

async function capture(ctx: UpsellContext, observer: WorkerObserver, upsell: UpsellRow): Promise<void> {
  const result = await captureAtPsp(ctx, upsell);
  ctx.faults.reach('capture.after_psp');
  switch (result.status) {
    case 'succeeded':
    case 'received':
      await finish(ctx, upsell, async (trx, current) => {
        const captured = await transition(ctx, trx, current, 'captured', { actor: 'worker' });
        await sinkFor(ctx, captured).settleUpsell(trx, captured.shop_id, orderChangeOf(captured));
      });
      return;
    case 'failed':
      if (
        await finish(ctx, upsell, async (trx, current) => {
          await removeFromOrder(ctx, trx, current, 'capture_failed', {
            actor: 'psp',
            reason: `${result.code}: ${result.message}`,
            set: { release_due_at: ctx.clock.now() },
          });
        })
      )
        observer.captureFailed({ shopId: upsell.shop_id, id: upsell.id, reason: result.code });
      await releaseHold(ctx, { ...upsell, state: 'capture_failed' });
      return;
    case 'unknown':
      // Left in `capturing`: after the lease a worker asks again with the same idempotency key.
      await ctx.db
        .transaction()
        .execute((trx) => appendEvent(trx, upsell, 'capture_unknown', upsell.state, { actor: 'psp', reason: result.reason }, ctx.clock.now()));
      return;
    default: {
      const exhaustive: never = result;
      return exhaustive;
    }
  }
}

/** Settles a capture on the locked row, if it is still `capturing` (another worker may have done it); true when it did. */
async function finish(ctx: UpsellContext, upsell: UpsellRow, work: (trx: Trx, current: UpsellRow) => Promise<void>): Promise<boolean> {
  let settled = false;
  await withLockedUpsell(ctx, upsell, async (trx, current) => {
    if (current.state !== 'capturing') return current;
    await work(trx, current);
    settled = true;
    return current;
  });
  return settled;
}

/**
 * Releases the hold of an upsell that will never be captured, so the buyer's bank shows nothing pending
 * for a line that was removed. An answer clears `release_due_at` (a refusal too: the PSP holds nothing it
 * can release, say an expired authorization); no answer leaves it set, and the `release_hold` sweep asks
 * again with the same key.
 */
export async function releaseHold(ctx: UpsellContext, upsell: UpsellRow): Promise<void> {
  const released = await releaseAuthorization(ctx, upsell, upsell.authorization_ref ?? '', false);
  await ctx.db.transaction().execute(async (trx) => {
    if (released.status !== 'succeeded' && released.status !== 'received') {
      const reason = released.status === 'failed' ? `${released.code}: ${released.message}` : released.reason;
      await appendEvent(trx, upsell, 'void_failed', upsell.state, { actor: 'psp', reason }, ctx.clock.now());
    }
    if (released.status !== 'unknown') {
      await updateUpsell(trx, upsell, { release_due_at: null });
    }
  });
}
