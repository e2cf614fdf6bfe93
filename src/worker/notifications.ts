/**
 * What Plusone does with a verified PSP notification (Stripe events, Braintree webhooks, Adyen
 * notifications). The PSP's word never replaces our own calls — every charge is still decided by the
 * accept, the finalizer and the reconciler — but it lets us learn an outcome sooner and hear about the
 * ones only the PSP knows (an Adyen capture that failed after it was `received`). Each notification is
 * also kept on the upsell's event log.
 */
import { settleAuthorization } from '../engine/accept';
import {
  appendEvent, gatewayFor, orderChangeOf, releaseStock, sinkFor, transition, withGatewayTimeout, withLockedUpsell,
  type UpsellContext,
} from '../engine/upsells';
import type { GatewayNotification } from '../gateways/adapter';
import type { AuthorizeResult } from '../gateways/contract';
import type { UpsellRow } from '../store/schema';
import { resolvePending } from './reconcile';

/** A pending upsell younger than this may still be answered by its own accept request: leave it. */
const PENDING_GRACE_MS = 2_000;

export async function handleNotifications(ctx: UpsellContext, shopId: string, notifications: readonly GatewayNotification[]): Promise<number> {
  let matched = 0;
  for (const notification of notifications) {
    const upsell = await upsellOf(ctx, shopId, notification);
    if (!upsell) continue;
    matched += 1;
    await ctx.db.transaction().execute((trx) =>
      appendEvent(trx, upsell, 'psp_notification', upsell.state, {
        actor: 'psp',
        reason: notification.pspType,
        data: { kind: notification.kind, eventId: notification.eventId, ref: notification.ref },
      }, ctx.clock.now()));
    await react(ctx, upsell, notification);
  }
  return matched;
}

/** The upsell a notification is about, in this shop only: by our id when the PSP echoed it, else by its ref. */
async function upsellOf(ctx: UpsellContext, shopId: string, notification: GatewayNotification): Promise<UpsellRow | null> {
  let query = ctx.db.selectFrom('upsells').selectAll().where('shop_id', '=', shopId);
  query = notification.upsellId ? query.where('id', '=', notification.upsellId) : query.where('authorization_ref', '=', notification.ref);
  return (await query.executeTakeFirst()) ?? null;
}

async function react(ctx: UpsellContext, upsell: UpsellRow, notification: GatewayNotification): Promise<void> {
  switch (notification.kind) {
    case 'authorized':
    case 'authorization_failed':
      if (upsell.state === 'pending' && ctx.clock.now().getTime() - upsell.updated_at.getTime() > ctx.gatewayTimeoutMs + PENDING_GRACE_MS) {
        await resolvePending(ctx, upsell);
      } else if (upsell.state === 'requires_action' && upsell.authorization_ref) {
        const unknown: AuthorizeResult = { status: 'unknown', reason: 'timeout' };
        const gateway = await gatewayFor(ctx, upsell);
        const result = await withGatewayTimeout(ctx, gateway.completeAction(upsell.authorization_ref, `${upsell.id}:complete`), unknown);
        if (result.status === 'authorized' || result.status === 'declined') await settleAuthorization(ctx, upsell, result, 'psp');
      }
      return;
    case 'capture_failed':
      await withLockedUpsell(ctx, upsell, async (trx, current) => {
        // Only a capture we recorded as done is undone here; one still `capturing` is settled by the finalizer.
        if (current.state !== 'captured') return current;
        await sinkFor(ctx, current).revertUpsell(trx, current.shop_id, current.order_id, orderChangeOf(current));
        await releaseStock(trx, current);
        return transition(ctx, trx, current, 'capture_failed', { actor: 'psp', reason: `${notification.pspType}: the PSP reported the capture failed` });
      });
      return;
    case 'captured':
    case 'voided':
    case 'void_failed':
    case 'refunded':
    case 'refund_failed':
    case 'ignored':
      // Our own calls already recorded these outcomes (or will retry them); the event log keeps the PSP's word.
      return;
    default: {
      const exhaustive: never = notification.kind;
      return exhaustive;
    }
  }
}

