/**
 * Folds the analytics rollup's closed days (store/analytics `foldClosedDay`, migration 018), so the
 * merchant's reports read one row per offer and day instead of one per writers' slot, and a shop's
 * totals read one row per day. A day is closed 10 minutes after it ends (UTC): no transaction that
 * writes it is still running by then, so folding never waits on a buyer's accept.
 *
 * Once every 10 minutes per worker, and at once again while a round found a full batch (after an
 * upgrade, or after days without a worker). Each shop's day is one statement on its own: one that fails
 * is reported and left alone for a while, and never holds up another shop's.
 */
import type { UpsellContext } from '../engine/context';
import { failureBackoffMs, silentObserver, type WorkerObserver } from '../engine/observer';
import { daysToFold, foldClosedDay } from '../store/analytics';

const FOLD_INTERVAL_MS = 10 * 60_000;
/** How long after midnight UTC a day counts as closed. */
const CLOSED_AFTER_MS = 10 * 60_000;
export const FOLD_BATCH = 50;

/** The sweep: returns how many shop-days it folded (a full batch means a backlog: the next round runs it again). */
export function rollupFolder(ctx: Pick<UpsellContext, 'db' | 'clock'>, observer: WorkerObserver = silentObserver): () => Promise<number> {
  let dueAt = Number.NEGATIVE_INFINITY;
  /** `shopId day` → when it may be tried again, after its fold threw. */
  const failed = new Map<string, number>();

  return async function foldDueDays(): Promise<number> {
    const now = ctx.clock.now().getTime();
    if (now < dueAt) return 0;
    const before = new Date(now - CLOSED_AFTER_MS).toISOString().slice(0, 10);
    for (const [key, retryAt] of failed) if (retryAt <= now) failed.delete(key);
    const days = (await daysToFold(ctx.db, before, FOLD_BATCH + failed.size)).filter((day) => !failed.has(`${day.shop_id} ${day.day}`));
    let folded = 0;
    for (const { shop_id: shopId, day } of days.slice(0, FOLD_BATCH)) {
      try {
        await foldClosedDay(ctx.db, shopId, day);
        folded += 1;
      } catch (error) {
        observer.rowFailed('fold_rollup', error, { shopId, id: day });
        failed.set(`${shopId} ${day}`, now + failureBackoffMs(1));
      }
    }
    dueAt = days.length >= FOLD_BATCH ? now : now + FOLD_INTERVAL_MS;
    return folded;
  };
}
