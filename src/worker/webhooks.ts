/**
 * Outbound webhooks, delivered from the outbox (`webhook_outbox`, written in the same transaction as the
 * change it reports). Each delivery is claimed with a lease, POSTed with
 * `Plusone-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body" with the shop's webhook secret>`, and on
 * anything but 2xx retried with exponential backoff (5 s, 10 s, 20 s … at most 1 h) until it succeeds.
 * A restart loses nothing: undelivered rows stay due.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { EngineContext } from '../engine/context';
import { isolate, silentObserver, type WorkerObserver } from './observer';

const LEASE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 3_600_000;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export async function deliverWebhooks(ctx: EngineContext, observer: WorkerObserver = silentObserver, limit = 50): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('webhook_outbox')
      .select(['shop_id', 'id'])
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return [];
    return trx
      .updateTable('webhook_outbox')
      .set({ lease_until: new Date(now.getTime() + LEASE_MS) })
      .where(sql<boolean>`(shop_id, id) in (${sql.join(rows.map((row) => sql`(${row.shop_id}, ${row.id})`))})`)
      .returningAll()
      .execute();
  });
  // A delivery that throws (not a receiver's failure, which `deliver` records) is backed off alone.
  await isolate(observer, 'deliver_webhooks', due, {
    ids: (event) => ({ shopId: event.shop_id, id: event.id }),
    work: (event) => deliver(ctx, event),
    backOff: async (event) => {
      const attempts = event.attempts + 1;
      await ctx.db.updateTable('webhook_outbox')
        .set({ attempts, lease_until: null, last_error: 'the delivery failed before an answer (see the worker log)', next_attempt_at: new Date(ctx.clock.now().getTime() + retryDelayMs(attempts)) })
        .where('shop_id', '=', event.shop_id).where('id', '=', event.id).execute();
    },
  });
  return due.length;
}

async function deliver(ctx: EngineContext, event: { shop_id: string; id: string; payload: unknown; attempts: number }): Promise<void> {
  const shop = await ctx.db.selectFrom('shops').select(['settings', 'webhook_secret']).where('id', '=', event.shop_id).executeTakeFirstOrThrow();
  const url = shop.settings.webhookUrl;
  const done = (set: { delivered_at?: Date; last_error?: string | null; next_attempt_at?: Date; attempts?: number }) =>
    ctx.db.updateTable('webhook_outbox').set({ ...set, lease_until: null }).where('shop_id', '=', event.shop_id).where('id', '=', event.id).execute();
  if (!url) {
    await done({ delivered_at: ctx.clock.now(), last_error: 'dropped: the shop no longer has a webhookUrl' });
    return;
  }
  const body = JSON.stringify(event.payload);
  const timestamp = Math.floor(ctx.clock.now().getTime() / 1000);
  let failure: string | null;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plusone-signature': signWebhook(shop.webhook_secret, timestamp, body), 'user-agent': 'Plusone-Webhooks/1' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.body?.cancel();
    failure = response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const now = ctx.clock.now();
  const attempts = event.attempts + 1;
  if (failure === null) await done({ delivered_at: now, attempts, last_error: null });
  else await done({ attempts, last_error: failure, next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts)) });
}
