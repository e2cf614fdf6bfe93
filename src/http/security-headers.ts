/**
 * The one header policy of every response Plusone serves, HTML and script above all.
 *
 * - Every response (API JSON included) starts from `BASE_HEADERS`: `nosniff`, no framing
 *   (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), `default-src 'none'`, no referrer, and
 *   `Cross-Origin-Resource-Policy: same-origin`. An API answer needs nothing more.
 * - An HTML page calls `sendHtml(reply, policy, render)`: a fresh nonce per response for its inline
 *   `<script>` and `<style>` elements (no `'unsafe-inline'`, no inline `style` attributes), and exactly the
 *   sources and framers the page names. Pages framed by nobody also get `Cross-Origin-Opener-Policy`.
 * - `/widget.js` is loaded by merchants' pages on other origins: `scriptHeaders()` sets
 *   `Cross-Origin-Resource-Policy: cross-origin` and keeps `nosniff`.
 *
 * The framers per page, and why (docs/storefront.md, README "Security headers"):
 * the demo pages, the fragment and every API answer: nobody; the sandbox card field: this origin (the
 * demo checkout); the sandbox 3-D Secure page: this origin and the shop's `allowedOrigins` (the widget
 * shows it in a dialog on the merchant's confirmation page). The fragment is never framed: a merchant's
 * server inserts its HTML into the page, or the widget does (`fetch` + `innerHTML`).
 *
 * Written as plain headers rather than through `@fastify/helmet`: the policies differ per response (the
 * 3-D Secure page's framers depend on the shop), and one path for every header keeps them from
 * overriding each other.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Who may frame a page: nobody, this origin, or this origin and the listed ones. */
export type Framers = { readonly kind: 'none' } | { readonly kind: 'self'; readonly origins?: readonly string[] };

export interface PagePolicy {
  readonly framers: Framers;
  /** Script sources beyond the nonce (`'self'` for `/widget.js`). */
  readonly scriptSrc?: readonly string[];
  readonly imgSrc?: readonly string[];
  readonly connectSrc?: readonly string[];
  readonly frameSrc?: readonly string[];
  /** Where forms may post; default nowhere. */
  readonly formAction?: readonly string[];
  /** Keep `window.opener` for a page opened as a popup (the 3-D Secure page): no COOP then. */
  readonly popup?: boolean;
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** What every response gets before its route runs (see `registerSecurityHeaders`). */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': API_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

function sources(list: readonly string[] | undefined, fallback = "'none'"): string {
  return list && list.length > 0 ? list.join(' ') : fallback;
}

/** The `Content-Security-Policy` of an HTML page with this nonce. */
export function pageCsp(policy: PagePolicy, nonce: string): string {
  const framers = policy.framers.kind === 'none' ? "'none'" : ["'self'", ...(policy.framers.origins ?? [])].join(' ');
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'${policy.scriptSrc?.length ? ` ${policy.scriptSrc.join(' ')}` : ''}`,
    `style-src 'nonce-${nonce}'`,
    `img-src ${sources(policy.imgSrc)}`,
    `connect-src ${sources(policy.connectSrc)}`,
    `frame-src ${sources(policy.frameSrc)}`,
    `form-action ${sources(policy.formAction)}`,
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${framers}`,
  ].join('; ');
}

/** The headers of an HTML page, on top of `BASE_HEADERS`; null removes one of those. */
export function pageHeaders(policy: PagePolicy, nonce: string): Record<string, string | null> {
  const { framers } = policy;
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': pageCsp(policy, nonce),
    // For browsers without frame-ancestors, which know only DENY and SAMEORIGIN: other framers cannot be
    // named there, and where frame-ancestors is known it wins anyway.
    'x-frame-options': framers.kind === 'none' ? 'DENY' : framers.origins?.length ? null : 'SAMEORIGIN',
    'cross-origin-opener-policy': policy.popup ? null : 'same-origin',
  };
}

/** Sends an HTML page built with its own nonce, under the page's policy. */
export function sendHtml(reply: FastifyReply, policy: PagePolicy, render: (nonce: string) => string): FastifyReply {
  const nonce = newNonce();
  for (const [name, value] of Object.entries(pageHeaders(policy, nonce))) {
    if (value === null) reply.removeHeader(name);
    else reply.header(name, value);
  }
  return reply.send(render(nonce));
}

/** The headers of a script that other origins' pages load with `<script src>`. */
export function scriptHeaders(): Record<string, string> {
  return { 'content-type': 'text/javascript; charset=utf-8', 'cross-origin-resource-policy': 'cross-origin' };
}

/** Puts `BASE_HEADERS` on every response, before any route, hook or error handler answers. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(BASE_HEADERS);
  });
}
