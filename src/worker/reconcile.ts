/**
 * Reconciliation: everything the worker resolves from database state after a timeout, a crash or an
 * abandoned page. Each sweep claims rows with a short lease (`FOR UPDATE SKIP LOCKED`), so several
 * workers share the work and a crashed one's rows come back after the lease.
 * - `pending` upsells whose authorize outcome is unknown: ask the PSP by idempotency key (re-sending the
 *   same authorize when it never arrived — the key makes that safe) and finish the accept. While the PSP
 *   does not answer, the upsell stays pending (never captured, never guessed) and is asked again after
 *   each lease.
 * - `requires_action` upsells left by the buyer: complete them if the bank confirmed, else release and
 *   decline; while the PSP does not answer, ask again (never decline with money held).
 * - `authorized` upsells marked for undo whose release did not go through: release again.
 * - holds of upsells that will never be captured (a failed capture) the PSP did not confirm releasing:
 *   release again (`release_due_at`).
 */
import { completeAtPsp, pendingSettledBefore, recordDeclined, releaseAuthorization, resolvePending, settleAuthorization } from '../engine/saga';
import { appendEvent, withLockedUpsell } from '../engine/upsells';
import { type UpsellContext } from '../engine/context';
import { completeUndo } from '../engine/undo';
import { releaseHold } from './finalizer';
import type { UpsellRow } from '../store/schema';
import { claimForSweep, type Sweep } from '../store/upsells';
import { backOffUpsell, upsellIds } from './backoff';
import { isolate, silentObserver, type SweepName, type WorkerObserver } from '../engine/observer';

const LEASE_MS = 30_000;
/** A 3-D Secure step not finished within this is abandoned (`PLUSONE_3DS_TIMEOUT_SECONDS`). */
export const ACTION_TIMEOUT_MS = 15 * 60_000;

/** Claims up to `limit` rows of the sweep for this worker by setting their lease. */
function claim(ctx: UpsellContext, sweep: Sweep, limit: number): Promise<UpsellRow[]> {
  const now = ctx.clock.now();
  return claimForSweep(ctx.db, sweep, now, new Date(now.getTime() + LEASE_MS), limit);
}

export interface ReconcileOptions {
  /** Rows claimed per sweep. Default 50. */
  readonly limit?: number;
  /** How long a buyer has for a 3-D Secure step before it counts as abandoned. Default 15 min. */
  readonly actionTimeoutMs?: number;
}

export async function reconcile(ctx: UpsellContext, observer: WorkerObserver = silentObserver, options: ReconcileOptions = {}): Promise<number> {
  const limit = options.limit ?? 50;
  const now = ctx.clock.now();
  const pendingBefore = pendingSettledBefore(ctx, now);
  const abandonedBefore = new Date(now.getTime() - (options.actionTimeoutMs ?? ACTION_TIMEOUT_MS));
  // Each sweep on its own: one whose claim throws (the database away a moment) does not skip the next.
  const sweep = async (name: SweepName, candidates: Sweep, work: (upsell: UpsellRow) => Promise<unknown>) => {
    try {
      const rows = await claim(ctx, candidates, limit);
      await isolate(observer, name, rows, {
        ids: upsellIds,
        work: async (upsell) => void (await work(upsell)),
        backOff: (upsell) => backOffUpsell(ctx, upsell),
      });
      return rows.length;
    } catch (error) {
      observer.rowFailed(name, error, {});
      return 0;
    }
  };
  return (
    (await sweep('reconcile_pending', { kind: 'pending', updatedBefore: pendingBefore }, (upsell) => resolvePending(ctx, upsell))) +
    (await sweep('reconcile_action', { kind: 'abandoned_action', updatedBefore: abandonedBefore }, (upsell) => resolveAbandonedAction(ctx, upsell))) +
    (await sweep('reconcile_undo', { kind: 'undo_requested' }, (upsell) => completeUndo(ctx, upsell, 'worker'))) +
    (await sweep('release_hold', { kind: 'release_due' }, (upsell) => releaseHold(ctx, upsell)))
  );
}

/**
 * A 3-D Secure step past its timeout. The PSP is asked first: the buyer may have finished the challenge
 * (the PSP then holds, or in immediate mode has taken, the money) with the page's own completion lost. Only
 * a step the PSP still calls open is released and declined. An answer that does not come (timeout, 5xx)
 * decides nothing: the upsell stays `requires_action` and is asked again after the lease, so a hold or a
 * charge is never left behind a declined upsell.
 */
async function resolveAbandonedAction(ctx: UpsellContext, upsell: UpsellRow): Promise<void> {
  const ref = upsell.authorization_ref;
  if (!ref) {
    await recordDeclined(ctx, upsell, 'authentication_failed', 'worker', { detail: '3-D Secure step abandoned' });
    return;
  }
  const ask = () => completeAtPsp(ctx, { ...upsell, authorization_ref: ref });
  const result = await ask();
  if (result.status !== 'requires_action') {
    await settleAuthorization(ctx, upsell, result, 'worker');
    return;
  }
  const released = await releaseAuthorization(ctx, upsell, ref, false);
  if (released.status === 'unknown') {
    await withLockedUpsell(ctx, upsell, async (trx, current) => {
      await appendEvent(trx, current, 'void_failed', current.state, { actor: 'psp', reason: released.reason }, ctx.clock.now());
      return current;
    });
    return;
  }
  if (released.status === 'failed') {
    // The PSP refused to release the step: it may have been finished just now. Its answer decides.
    const again = await ask();
    if (again.status !== 'requires_action') {
      await settleAuthorization(ctx, upsell, again, 'worker');
      return;
    }
  }
  await recordDeclined(ctx, upsell, 'authentication_failed', 'worker', { detail: '3-D Secure step abandoned' });
}
