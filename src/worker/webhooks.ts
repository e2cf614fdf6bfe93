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
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed, checkOutboundUrl, classifyAddress, type OutboundTargets, type ResolveHost } from '../core/outbound-url';
import type { UpsellContext } from '../engine/context';
import { webhookSigning } from '../store/shops';
import { claimDueWebhooks, markWebhookDelivered, markWebhookFailed, type OutboxRow } from '../store/webhooks';
import { isolate, silentObserver, type WorkerObserver } from '../engine/observer';

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

async function deliver(ctx: UpsellContext, event: Pick<OutboxRow, 'shop_id' | 'id' | 'payload' | 'attempts'>): Promise<void> {
  const shop = await webhookSigning(ctx.db, event.shop_id);
  const url = shop.settings.webhookUrl;
  if (!url) {
    await markWebhookDelivered(ctx.db, event, { deliveredAt: ctx.clock.now(), lastError: 'dropped: the shop no longer has a webhookUrl' });
    return;
  }
  const body = JSON.stringify(event.payload);
  const timestamp = Math.floor(ctx.clock.now().getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'plusone-signature': signWebhook(shop.webhookSecret, timestamp, body),
    'user-agent': 'Plusone-Webhooks/1',
  };
  const failure = await postToTarget(url, headers, body, ctx.outbound);
  const now = ctx.clock.now();
  const attempts = event.attempts + 1;
  if (failure === null) await markWebhookDelivered(ctx.db, event, { deliveredAt: now, attempts, lastError: null });
  else await markWebhookFailed(ctx.db, event, { attempts, lastError: failure, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)) });
}

/** The system resolver (`getaddrinfo`, as a socket would use): every address of the name. */
export const systemResolver: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

class RefusedTarget extends Error {}

/** POSTs `body` to `url` if the outbound rules allow it; null on a 2xx, else why the delivery failed. */
export async function postToTarget(url: string, headers: Record<string, string>, body: string, targets: OutboundTargets): Promise<string | null> {
  const check = checkOutboundUrl(url, targets);
  if (!check.ok) return `refused: ${check.reason} (outbound URL rules)`;
  try {
    const status = await post(check.url, headers, body, checkedLookup(targets));
    if (status >= 200 && status < 300) return null;
    return status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
  } catch (error) {
    if (error instanceof RefusedTarget) return `refused: ${error.message} (outbound URL rules)`;
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The socket's name resolution: resolve once, refuse if any address is not allowed (a name with one
 * private address among public ones is as dangerous as an all-private one), and hand the socket only
 * the addresses that were checked. IP literals never reach here; `checkOutboundUrl` judged them.
 */
function checkedLookup(targets: OutboundTargets): LookupFunction {
  return (hostname, options, callback) => {
    targets
      .resolve(hostname)
      .then((answers) => {
        // An answer that is not an address at all is treated like a reserved one: refused.
        const kinds = answers.map((answer) => classifyAddress(answer.address) ?? 'reserved');
        const refusedKind = kinds.find((kind) => !addressAllowed(kind, targets));
        if (refusedKind) throw new RefusedTarget(`the host resolves to a ${refusedKind.replace('_', '-')} address`);
        const usable = answers.filter((answer) => !options.family || answer.family === options.family);
        const first = usable[0];
        if (!first) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        if (options.all)
          callback(
            null,
            usable.map((answer) => ({ address: answer.address, family: answer.family })),
          );
        else callback(null, first.address, first.family);
      })
      .catch((error: Error) => callback(error, '', 0));
  };
}

/** One POST with no connection reuse and no redirects; resolves with the status as soon as it arrives. */
function post(url: URL, headers: Record<string, string>, body: string, lookup: LookupFunction): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      { method: 'POST', headers, agent: false, lookup, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      (response) => {
        resolve(response.statusCode ?? 0);
        // The body is not needed: closing the socket stops a receiver that would stream forever.
        response.destroy();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
