/**
 * Who is calling: the operator (`PLUSONE_ADMIN_TOKEN`), a shop's backend (`sk_…`) or a buyer's page
 * (`ps_…`). Authentication runs as a `preValidation` hook — after the body was screened for card data,
 * before schema validation — and leaves `request.shopId` / `request.checkoutSession` for the handlers.
 * Failed attempts are limited per address (`authFailures`, http/rate-limit.ts); malformed credentials
 * and ones recently found unknown are refused from memory, without a database lookup.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors';
import { authenticateSession, type CheckoutSession, type SessionUse } from '../engine/checkout';
import type { EngineContext } from '../engine/context';
import { keyForSecret, type KeyIdentity } from '../engine/shops';

declare module 'fastify' {
  interface FastifyRequest {
    shopId: string;
    /** The secret key that authenticated a merchant request (the audit log's "who"). */
    apiKey: KeyIdentity;
    checkoutSession: CheckoutSession;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

function unauthorized(message: string): DomainError {
  return new DomainError('unauthorized', message);
}

/**
 * Keys and session tokens as Plusone issues them: the prefix, then 32–128 base64url characters. Anything
 * else is refused without a lookup (a flood of junk never reaches the database).
 */
function looksIssued(token: string, prefix: 'sk' | 'ps'): boolean {
  return token.startsWith(`${prefix}_`) && /^[A-Za-z0-9_-]{32,128}$/.test(token.slice(3));
}

/**
 * A failed authentication: counted against the caller's address, and `429 rate_limited` instead of
 * `401` once the address is over its limit (http/rate-limit.ts).
 */
async function refuse(request: FastifyRequest, reply: FastifyReply, message: string): Promise<never> {
  await request.server.authFailures.assertAllowed(request, reply);
  await request.server.authFailures.record(request);
  throw unauthorized(message);
}

/**
 * Looks a credential up under the failure limit: a database lookup first takes a slot of the caller's
 * address (`429` when its failures and lookups in progress reach the limit), and a failure is counted
 * before the slot is freed. Answers from memory (known, or recently unknown) take no slot.
 */
async function lookUp<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  message: string,
  lookup: (beforeQuery: () => Promise<void>) => Promise<T | null>,
): Promise<T> {
  const failures = request.server.authFailures;
  let reserved = false;
  try {
    const found = await lookup(async () => {
      await failures.reserve(request, reply);
      reserved = true;
    });
    if (found !== null) return found;
    if (!reserved) await failures.assertAllowed(request, reply);
    await failures.record(request);
    throw unauthorized(message);
  } finally {
    if (reserved) failures.release(request);
  }
}

export function operatorAuth(adminToken: string | null) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!adminToken) {
      throw new DomainError('operator_routes_disabled', 'Operator routes are off: start Plusone with PLUSONE_ADMIN_TOKEN set');
    }
    // The operator token may be short enough to guess: over the limit, even the right one is refused.
    await request.server.authFailures.assertAllowed(request, reply);
    const token = bearerToken(request);
    const expected = Buffer.from(adminToken);
    const given = Buffer.from(token ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await refuse(request, reply, 'Send Authorization: Bearer <PLUSONE_ADMIN_TOKEN>');
    }
  };
}

export function merchantAuth(ctx: EngineContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token || !looksIssued(token, 'sk')) return refuse(request, reply, 'Send Authorization: Bearer sk_… with a secret key of your shop');
    const key = await lookUp(request, reply, 'Unknown or revoked secret key', (beforeQuery) => keyForSecret(ctx, token, beforeQuery));
    request.apiKey = key;
    request.shopId = key.shopId;
  };
}

/** Routes that set `config: { sessionUse: 'undo' }` accept a session past its TTL during an undo window. */
declare module 'fastify' {
  interface FastifyContextConfig {
    sessionUse?: SessionUse;
  }
}

export function sessionAuth(ctx: EngineContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token || !looksIssued(token, 'ps')) return refuse(request, reply, 'Send Authorization: Bearer ps_… with the post-purchase session token');
    const use = request.routeOptions.config.sessionUse ?? 'page';
    const session = await lookUp(request, reply, 'Unknown session token', (beforeQuery) =>
      authenticateSession(ctx, token, { use, beforeQuery }).catch((error: unknown) => {
        if (error instanceof DomainError && error.code === 'unauthorized') return null;
        throw error;
      }),
    );
    request.checkoutSession = session;
    request.shopId = session.shopId;
  };
}
