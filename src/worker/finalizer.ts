/**
 * Capture after the window. Claims authorizations whose undo window closed with `FOR UPDATE SKIP LOCKED`
 * and moves them to `capturing` with a lease before calling the PSP, so any number of workers can run:
 * a row is claimed by one of them, and a capture that crashed half-way is retried after its lease with
 * the same idempotency key (`ups_…:capture`), which the PSP answers without moving money twice.
 */
import type { ModificationResult } from '../gateways/contract';
import { releaseAuthorization } from '../engine/accept';
import {
  appendEvent, gatewayFor, orderChangeOf, releaseStock, sinkFor, transition, withGatewayTimeout, withLockedUpsell, type UpsellContext,
} from '../engine/upsells';
import type { UpsellRow } from '../store/schema';

const CAPTURE_LEASE_MS = 60_000;
/**
 * Captures in flight at once per worker: a PSP round trip takes 100–400 ms, so one at a time would cap a
 * worker at a few captures a second. Each claimed row is this worker's alone, so they run independently.
 */
const CAPTURE_CONCURRENCY = 8;

/** Rows claimed per round; a full batch means more are due, and the worker goes again at once. */
export const CAPTURE_BATCH = 100;

export async function captureDue(ctx: UpsellContext, limit = CAPTURE_BATCH): Promise<number> {
  const claimed = await claimDue(ctx, limit);
  ctx.faults.reach('capture.after_claim');
  await eachConcurrently(claimed, CAPTURE_CONCURRENCY, (upsell) => capture(ctx, upsell));
  return claimed.length;
}

/**
 * Runs `work` over `items`, at most `limit` at a time. After a failure no new item starts; the ones in
 * flight finish, then the first error is thrown (unstarted rows come back after their lease).
 */
async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}

/** Claims due rows in one short transaction; immediate-capture upsells are simply marked captured. */
async function claimDue(ctx: UpsellContext, limit: number): Promise<UpsellRow[]> {
  const now = ctx.clock.now();
  const leaseUntil = new Date(now.getTime() + CAPTURE_LEASE_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('upsells')
      .selectAll()
      .where((eb) => eb.or([
        eb.and([eb('state', '=', 'authorized'), eb('undo_until', '<=', now), eb('cancel_requested_at', 'is', null)]),
        eb.and([eb('state', '=', 'capturing'), eb('lease_until', '<=', now)]),
      ]))
      .orderBy('undo_until')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const toCapture: UpsellRow[] = [];
    for (const row of rows) {
      if (row.state === 'capturing') {
        await appendEvent(trx, row, 'capture_retry', row.state, { actor: 'worker', reason: 'lease expired' }, now);
        toCapture.push(await trx.updateTable('upsells').set({ lease_until: leaseUntil })
          .where('shop_id', '=', row.shop_id).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow());
      } else if (row.captured_at_authorization) {
        // Immediate mode: the money was captured with the authorization; the window closing makes it final.
        const captured = await transition(ctx, trx, row, 'captured', { actor: 'worker', reason: 'captured at authorization' });
        await sinkFor(ctx, captured).settleUpsell(trx, captured.shop_id, orderChangeOf(captured));
      } else {
        toCapture.push(await transition(ctx, trx, row, 'capturing', { actor: 'worker', reason: 'undo window closed', set: { lease_until: leaseUntil } }));
      }
    }
    return toCapture;
  });
}

async function capture(ctx: UpsellContext, upsell: UpsellRow): Promise<void> {
  const ref = upsell.authorization_ref ?? '';
  const result = await withGatewayTimeout<ModificationResult>(
    ctx,
    (await gatewayFor(ctx, upsell)).capture(ref, upsell.amount, upsell.currency, `${upsell.id}:capture`),
    { status: 'unknown', reason: 'timeout' },
  );
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
      await finish(ctx, upsell, async (trx, current) => {
        await sinkFor(ctx, current).revertUpsell(trx, current.shop_id, current.order_id, orderChangeOf(current));
        await releaseStock(trx, current);
        await transition(ctx, trx, current, 'capture_failed', { actor: 'psp', reason: `${result.code}: ${result.message}` });
      });
      // The hold is released too, so the buyer's bank shows nothing pending for a line we removed.
      await releaseAuthorization(ctx, upsell, ref, false);
      return;
    case 'unknown':
      // Left in `capturing`: after the lease a worker asks again with the same idempotency key.
      await ctx.db.transaction().execute((trx) =>
        appendEvent(trx, upsell, 'capture_unknown', upsell.state, { actor: 'psp', reason: result.reason }, ctx.clock.now()));
      return;
    default: {
      const exhaustive: never = result;
      return exhaustive;
    }
  }
}

/** Settles a capture on the locked row, if it is still `capturing` (another worker may have done it). */
async function finish(
  ctx: UpsellContext,
  upsell: UpsellRow,
  work: (trx: Parameters<typeof transition>[1], current: UpsellRow) => Promise<void>,
): Promise<void> {
  await withLockedUpsell(ctx, upsell, async (trx, current) => {
    if (current.state === 'capturing') await work(trx, current);
    return current;
  });
}
