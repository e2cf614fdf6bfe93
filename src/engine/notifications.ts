/**
 * What Plusone does with a verified PSP notification (Stripe events, Braintree webhooks, Adyen
 * notifications). The PSP's word never replaces our own calls — every charge is still decided by the
 * accept, the finalizer and the reconciler — but it lets us learn an outcome sooner and hear about the
 * ones only the PSP knows (an Adyen capture that failed after it was `received`). Each notification is
 * also kept on the upsell's event log.
 */
import { answerMayStillCome, completeAtPsp, removeFromOrder, resolvePending, settleAuthorization } from './saga';
import { appendEvent, withLockedUpsell } from './upsells';
import { type UpsellContext } from './context';
import type { GatewayNotification } from '../gateways/adapter';
import type { UpsellRow } from '../store/schema';
import { claimPspEvent, releasePspEvent } from '../store/psp-events';
import { upsellByIdOrRef } from '../store/upsells';
import { isolate, silentObserver, type WorkerObserver } from './observer';

export interface NotificationsHandled {
  /** Notifications of this delivery that were new and handled now. */
  readonly handled: number;
  /** Matched an upsell of this shop. */
  readonly matched: number;
  /** Already handled before (a replay or a redelivery): answered without being processed again. */
  readonly duplicates: number;
  /** Threw: not recorded as handled, so the PSP's redelivery (the caller answers 5xx) tries them again. */
  readonly failed: number;
}

/**
 * Handles each notification once per shop and PSP: its event id is claimed in `psp_events` (the primary
 * key picks one winner between simultaneous deliveries). Each is isolated: one that throws is reported,
 * its claim is given back for the PSP's redelivery, and the others of the same delivery still run.
 */
export async function handleNotifications(
  ctx: UpsellContext,
  shopId: string,
  gateway: string,
  notifications: readonly GatewayNotification[],
  observer: WorkerObserver = silentObserver,
): Promise<NotificationsHandled> {
  let handled = 0;
  let matched = 0;
  let duplicates = 0;
  const claimed: GatewayNotification[] = [];
  for (const notification of notifications) {
    if (await claimEvent(ctx, shopId, gateway, notification.eventId)) claimed.push(notification);
    else duplicates += 1;
  }
  await isolate(observer, 'psp_notification', claimed, {
    ids: (notification) => ({ shopId, id: notification.eventId }),
    work: async (notification) => {
      if (await handleOne(ctx, shopId, notification)) matched += 1;
      handled += 1;
    },
    backOff: async (notification) => {
      await releasePspEvent(ctx.db, shopId, gateway, notification.eventId);
    },
  });
  return { handled, matched, duplicates, failed: claimed.length - handled };
}

/** True when this event id is new for the shop and PSP (and now taken). */
async function claimEvent(ctx: UpsellContext, shopId: string, gateway: string, eventId: string): Promise<boolean> {
  return claimPspEvent(ctx.db, shopId, gateway, eventId, ctx.clock.now());
}

/** Records the notification on its upsell's log and reacts; false when it is about no upsell of this shop. */
async function handleOne(ctx: UpsellContext, shopId: string, notification: GatewayNotification): Promise<boolean> {
  const upsell = await upsellOf(ctx, shopId, notification);
  if (!upsell) return false;
  await ctx.db.transaction().execute((trx) =>
    appendEvent(
      trx,
      upsell,
      'psp_notification',
      upsell.state,
      {
        actor: 'psp',
        reason: notification.pspType,
        data: { kind: notification.kind, eventId: notification.eventId, ref: notification.ref },
      },
      ctx.clock.now(),
    ),
  );
  await react(ctx, upsell, notification);
  return true;
}

/** The upsell a notification is about, in this shop only: by our id when the PSP echoed it, else by its ref. */
async function upsellOf(ctx: UpsellContext, shopId: string, notification: GatewayNotification): Promise<UpsellRow | null> {
  return (await upsellByIdOrRef(ctx.db, shopId, { upsellId: notification.upsellId ?? null, ref: notification.ref })) ?? null;
}

async function react(ctx: UpsellContext, upsell: UpsellRow, notification: GatewayNotification): Promise<void> {
  switch (notification.kind) {
    case 'authorized':
    case 'authorization_failed':
      // A pending upsell whose own accept request may still answer is left to it.
      if (upsell.state === 'pending' && !answerMayStillCome(ctx, upsell.updated_at)) {
        await resolvePending(ctx, upsell);
      } else if (upsell.state === 'requires_action' && upsell.authorization_ref) {
        const result = await completeAtPsp(ctx, { ...upsell, authorization_ref: upsell.authorization_ref });
        if (result.status === 'authorized' || result.status === 'declined') await settleAuthorization(ctx, upsell, result, 'psp');
      }
      return;
    case 'capture_failed':
      await withLockedUpsell(ctx, upsell, async (trx, current) => {
        // Only a capture we recorded as done is undone here; one still `capturing` is settled by the finalizer.
        if (current.state !== 'captured') return current;
        return removeFromOrder(ctx, trx, current, 'capture_failed', {
          actor: 'psp',
          reason: `${notification.pspType}: the PSP reported the capture failed`,
        });
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
