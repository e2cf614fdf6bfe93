/**
 * Rate limits (API.md "Outbound URLs and rate limits"; the table in docs/api.md "Rate limits"), on
 * `@fastify/rate-limit` with fixed windows kept in this process's memory and timed by the app's clock
 * (tests move a fake clock instead of waiting). Over a limit: `429 rate_limited` with `Retry-After`.
 *
 * - Checkout writes (accept, decline, cancel, 3-D Secure complete): per IP before authentication, per
 *   session after it.
 * - Order registration: per IP before authentication, per shop after it.
 * - Shopify's post-purchase routes: per IP, with the checkout's per-IP limit (their token is in the body).
 * - Failed authentication per IP: once an address has failed `max` times in a window, its requests whose
 *   credentials are not already known in memory answer 429 without a database lookup (see http/auth.ts).
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { DomainError } from '../core/errors';

export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** Each limit, or null for none. */
export interface RateLimits {
  readonly checkoutPerSession: RateLimit | null;
  readonly checkoutPerIp: RateLimit | null;
  readonly ordersPerShop: RateLimit | null;
  readonly ordersPerIp: RateLimit | null;
  readonly authFailuresPerIp: RateLimit | null;
}

const MINUTE = 60_000;
const SECOND = 1_000;

/**
 * Far above normal use: a buyer clicks a few times; a NAT'd network (mobile carriers, offices) or a
 * merchant backend proxying its buyers' clicks sends many sessions from one address; a shop registers
 * hundreds of orders a second at a peak, and a platform registers for many shops from one address.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  checkoutPerSession: { max: 20, windowMs: MINUTE },
  checkoutPerIp: { max: 3_000, windowMs: MINUTE },
  ordersPerShop: { max: 1_000, windowMs: SECOND },
  ordersPerIp: { max: 2_000, windowMs: SECOND },
  authFailuresPerIp: { max: 100, windowMs: MINUTE },
};

export const RATE_LIMIT_VARIABLES: Readonly<Record<keyof RateLimits, string>> = {
  checkoutPerSession: 'PLUSONE_RATE_LIMIT_CHECKOUT_SESSION',
  checkoutPerIp: 'PLUSONE_RATE_LIMIT_CHECKOUT_IP',
  ordersPerShop: 'PLUSONE_RATE_LIMIT_ORDERS_SHOP',
  ordersPerIp: 'PLUSONE_RATE_LIMIT_ORDERS_IP',
  authFailuresPerIp: 'PLUSONE_RATE_LIMIT_AUTH_FAILURES_IP',
};

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: SECOND, m: MINUTE, h: 60 * MINUTE };

/** `"<max>/<window>"` (`20/1m`, `1000/1s`, `5/10s`, `100/m`) or `off`; undefined when unreadable. */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off') return null;
  const match = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h)$/.exec(value);
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = Number(match[2] || '1') * (UNIT_MS[match[3] ?? ''] ?? 0);
  return max >= 1 && windowMs >= 1 && Number.isSafeInteger(windowMs) ? { max, windowMs } : undefined;
}

/** Counters kept per address at most (the oldest is forgotten first), so a spray of addresses is bounded. */
const MAX_KEYS = 50_000;

interface Window {
  count: number;
  startedAt: number;
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A fixed-window store on the given clock; each limiter (`child`) keeps its own counters. */
function windowStore(now: () => number) {
  return class WindowStore {
    private readonly windows = new Map<string, Window>();

    private live(key: string, timeWindow: number): Window | undefined {
      const window = this.windows.get(key);
      return window && window.startedAt + timeWindow > now() ? window : undefined;
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      let window = this.live(key, timeWindow);
      if (!window) {
        window = { count: 0, startedAt: now() };
        this.windows.delete(key);
        this.windows.set(key, window);
        if (this.windows.size > MAX_KEYS) this.windows.delete(this.windows.keys().next().value ?? key);
      }
      window.count += 1;
      callback(null, { current: window.count, ttl: window.startedAt + timeWindow - now() });
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      const window = this.live(key, timeWindow);
      callback(null, window ? { current: window.count, ttl: window.startedAt + timeWindow - now() } : { current: 0, ttl: 0 });
    }

    child(): WindowStore {
      return new WindowStore();
    }
  };
}

/**
 * The failed-authentication limit, as the auth hooks use it. Lookups in progress count against it too:
 * a burst of concurrent forged tokens from one address cannot all pass the check before the first
 * failure is recorded.
 */
export interface AuthFailures {
  /** Throws `429 rate_limited` once this address's failures (and lookups in progress) reach the limit. */
  assertAllowed(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** `assertAllowed`, then holds a lookup slot for this address until `release`. */
  reserve(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  release(request: FastifyRequest): void;
  /** Counts one failed authentication of this address. */
  record(request: FastifyRequest): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Registered by `registerRateLimits` on the root instance, read by the auth hooks of every route plugin. */
    authFailures: AuthFailures;
  }
}

function tooManyRequests(reply: FastifyReply, ttlMs: number): DomainError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  reply.header('retry-after', String(seconds));
  return new DomainError('rate_limited', `Too many requests; retry in ${seconds} s`);
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function enforce(limiter: Limiter | null): Hook | null {
  if (!limiter) return null;
  return async (request, reply) => {
    const result = await limiter(request);
    if (!result.isAllowed && result.isExceeded) throw tooManyRequests(reply, result.ttl);
  };
}

/** Which routes are limited: one IP counter per group (before authentication), one per caller (after it). */
const CHECKOUT_WRITES = [
  'POST /v1/checkout/accept',
  'POST /v1/checkout/decline',
  'POST /v1/checkout/cancel',
  'POST /v1/checkout/upsells/:id/complete',
];
const REGISTRATION = ['POST /v1/orders'];
/** Shopify's post-purchase page: authenticated by the token in the body, so limited per IP only (the checkout's limit). */
const SHOPIFY_EXTENSION = ['POST /v1/shopify/offer', 'POST /v1/shopify/sign-changeset', 'POST /v1/shopify/outcome', 'POST /v1/shopify/undo'];

/** The 429 answer, as the OpenAPI document shows it on every limited route. */
const RATE_LIMITED_RESPONSE = {
  description: 'Over a rate limit (docs/api.md "Rate limits"); the Retry-After header says when to try again',
  headers: { 'retry-after': { type: 'integer', description: 'Seconds until the window ends' } },
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string', enum: ['rate_limited'] }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

function documentLimit(route: RouteOptions): void {
  const schema = route.schema ?? {};
  const response = typeof schema.response === 'object' && schema.response !== null ? schema.response : {};
  route.schema = { ...schema, response: { ...response, 429: RATE_LIMITED_RESPONSE } };
}

function appendHook(route: RouteOptions, name: 'onRequest' | 'preValidation', hook: Hook | null): void {
  if (!hook) return;
  const existing = route[name];
  route[name] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), hook];
}

/**
 * Registers the limits on the root instance, before the routes: route-level hooks run after the route
 * plugin's own, so a caller limit (`preValidation`) sees the session or shop that authentication found.
 */
export async function registerRateLimits(app: FastifyInstance, limits: RateLimits, now: () => number): Promise<void> {
  await app.register(rateLimit, { global: false, store: windowStore(now) });
  const limiter = (limit: RateLimit | null, keyGenerator?: (request: FastifyRequest) => string): Limiter | null =>
    limit ? app.createRateLimit({ max: limit.max, timeWindow: limit.windowMs, ...(keyGenerator ? { keyGenerator } : {}) }) : null;

  const groups = [
    {
      routes: CHECKOUT_WRITES,
      perIp: enforce(limiter(limits.checkoutPerIp)),
      perCaller: enforce(limiter(limits.checkoutPerSession, (request) => request.checkoutSession.id)),
    },
    {
      routes: REGISTRATION,
      perIp: enforce(limiter(limits.ordersPerIp)),
      perCaller: enforce(limiter(limits.ordersPerShop, (request) => request.shopId)),
    },
    { routes: SHOPIFY_EXTENSION, perIp: enforce(limiter(limits.checkoutPerIp)), perCaller: null },
  ];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const group = groups.find(({ routes }) => methods.some((method) => routes.includes(`${method} ${route.url}`)));
    if (!group) return;
    documentLimit(route);
    appendHook(route, 'onRequest', group.perIp);
    appendHook(route, 'preValidation', group.perCaller);
  });

  const failures = limiter(limits.authFailuresPerIp);
  const inFlight = new Map<string, number>();
  const admit = async (request: FastifyRequest, reply: FastifyReply, hold: boolean) => {
    if (!failures) return;
    const state = await failures(request, { increment: false });
    // No await from here to the increment: concurrent requests see each other's slots.
    const address = normalizeIP(request.ip);
    const pending = inFlight.get(address) ?? 0;
    if (!state.isAllowed && state.remaining - pending <= 0) throw tooManyRequests(reply, state.ttl || 1_000);
    if (hold) inFlight.set(address, pending + 1);
  };
  app.decorate('authFailures', {
    assertAllowed: (request, reply) => admit(request, reply, false),
    reserve: (request, reply) => admit(request, reply, true),
    release(request) {
      const address = normalizeIP(request.ip);
      const pending = (inFlight.get(address) ?? 1) - 1;
      if (pending > 0) inFlight.set(address, pending);
      else inFlight.delete(address);
    },
    async record(request) {
      await failures?.(request);
    },
  } satisfies AuthFailures);
}
