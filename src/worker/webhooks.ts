/**
 * Outbound webhooks, delivered from the outbox (`webhook_outbox`, written in the same transaction as the
 * change it reports). Each delivery is claimed with a lease, POSTed with
 * `Plusone-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body" with the shop's webhook secret>`, and on
 * anything but 2xx retried with exponential backoff (5 s, 10 s, 20 s … at most 1 h) until it succeeds.
 * A restart loses nothing: undelivered rows stay due.
 *
 * The target is checked again at every delivery (API.md "Outbound URLs"): the URL as when it was saved,
 * then every address its host name resolves to, and the connection goes to one of exactly those checked
 * addresses (our `lookup` answers the socket's own resolution), so a DNS answer that changes between the
 * check and the connect cannot lead it elsewhere. Redirects are not followed: a 3xx is a failed delivery,
 * retried like any other, and the signed body is never re-posted to the address a receiver names.
 *
 * Every attempt is recorded (`webhook_deliveries`: when, the status or why there was none, how long it
 * took) in the transaction that moves the event, so the merchant sees each one. The POST itself, with the
 * URL checks, is `sendSignedWebhook` (engine/webhook-sender): the one path a signed body leaves by, for the
 * outbox's events and the merchant's test event alike.
 */

import type { UpsellContext } from '../engine/context';
import { isolate, silentObserver, type WorkerObserver } from '../engine/observer';
import { sendSignedWebhook } from '../engine/webhook-sender';
import { webhookSigning } from '../store/shops';
import { claimDueWebhooks, dropWebhook, markWebhookFailed, recordWebhookAttempt, type OutboxRow } from '../store/webhooks';

const LEASE_MS = 30_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 3_600_000;

export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export async function deliverWebhooks(ctx: UpsellContext, observer: WorkerObserver = silentObserver, limit = 50): Promise<number> {
  const now = ctx.clock.now();
  const due = await claimDueWebhooks(ctx.db, now, new Date(now.getTime() + LEASE_MS), limit);
  // A delivery that throws (not a receiver's failure, which `deliver` records) is backed off alone.
  await isolate(observer, 'deliver_webhooks', due, {
    ids: (event) => ({ shopId: event.shop_id, id: event.id }),
    work: (event) => deliver(ctx, event),
    backOff: async (event) => {
      const attempts = event.attempts + 1;
      await markWebhookFailed(ctx.db, event, {
        attempts,
        lastError: 'the delivery failed before an answer (see the worker log)',
        nextAttemptAt: new Date(ctx.clock.now().getTime() + retryDelayMs(attempts)),
      });
    },
  });
  return due.length;
}

async function deliver(ctx: UpsellContext, event: Pick<OutboxRow, 'shop_id' | 'id' | 'payload' | 'attempts' | 'lease_until'>): Promise<void> {
  const shop = await webhookSigning(ctx.db, event.shop_id);
  const url = shop.settings.webhookUrl;
  if (!url) {
    await dropWebhook(ctx.db, event, { droppedAt: ctx.clock.now(), reason: 'dropped: the shop no longer has a webhookUrl' });
    return;
  }
  const sent = await sendSignedWebhook(ctx, { url, secret: shop.webhookSecret }, JSON.stringify(event.payload));
  const now = ctx.clock.now();
  const outcome = sent.ok ? { deliveredAt: now } : { nextAttemptAt: new Date(now.getTime() + retryDelayMs(event.attempts + 1)) };
  await recordWebhookAttempt(ctx.db, event, sent, outcome);
}
