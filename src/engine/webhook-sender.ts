/**
 * The one path a signed webhook body leaves Plusone by: signed with the shop's webhook secret
 * (`Plusone-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`), POSTed under the outbound URL rules
 * (API.md "Outbound URLs"): the URL as saved, then every address its host name resolves to, and the
 * connection goes to one of exactly those checked addresses (our `lookup` answers the socket's own
 * resolution), so a DNS answer that changes between the check and the connect cannot lead it elsewhere.
 * Redirects are not followed. Used by the worker's outbox deliveries and the merchant's test event.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed, checkOutboundUrl, classifyAddress, type OutboundTargets, type ResolveHost } from '../core/outbound-url';
import type { UpsellContext } from './context';

const REQUEST_TIMEOUT_MS = 10_000;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** What one signed POST gave: `ok` on a 2xx; else the status (null when no answer came) and why. */
export interface SignedPost {
  readonly url: string;
  /** When it started, by the engine's clock. */
  readonly at: Date;
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** Wall time of the attempt (a monotonic clock, not the engine's), whole milliseconds. */
  readonly durationMs: number;
}

/**
 * Signs `body` with the shop's webhook secret (`Plusone-Signature`, stamped by the engine's clock) and
 * POSTs it to `url` under the outbound URL rules, with the delivery timeout and no redirects.
 */
export async function sendSignedWebhook(
  ctx: Pick<UpsellContext, 'clock' | 'outbound'>,
  target: { readonly url: string; readonly secret: string },
  body: string,
): Promise<SignedPost> {
  const at = ctx.clock.now();
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'plusone-signature': signWebhook(target.secret, Math.floor(at.getTime() / 1000), body),
    'user-agent': 'Plusone-Webhooks/1',
  };
  const started = performance.now();
  const answer = await postToTarget(target.url, headers, body, ctx.outbound);
  const durationMs = Math.max(0, Math.round(performance.now() - started));
  return { url: target.url, at, ok: answer.error === null, statusCode: answer.statusCode, error: answer.error, durationMs };
}

/** The system resolver (`getaddrinfo`, as a socket would use): every address of the name. */
export const systemResolver: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

class RefusedTarget extends Error {}

/** The receiver's status (null when none came) and, unless it was a 2xx, why the delivery failed. */
export interface PostAnswer {
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** POSTs `body` to `url` if the outbound rules allow it. */
export async function postToTarget(url: string, headers: Record<string, string>, body: string, targets: OutboundTargets): Promise<PostAnswer> {
  const check = checkOutboundUrl(url, targets);
  if (!check.ok) return { statusCode: null, error: `refused: ${check.reason} (outbound URL rules)` };
  try {
    const status = await post(check.url, headers, body, checkedLookup(targets));
    if (status >= 200 && status < 300) return { statusCode: status, error: null };
    return { statusCode: status, error: status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}` };
  } catch (error) {
    if (error instanceof RefusedTarget) return { statusCode: null, error: `refused: ${error.message} (outbound URL rules)` };
    return { statusCode: null, error: error instanceof Error ? error.message : String(error) };
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
