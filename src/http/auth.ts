/**
 * Who is calling: the operator (`PLUSONE_ADMIN_TOKEN`), a shop's backend (`sk_…`) or a buyer's page
 * (`ps_…`). Authentication runs as a `preValidation` hook — after the body was screened for card data,
 * before schema validation — and leaves `request.shopId` / `request.checkoutSession` for the handlers.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors';
import { authenticateSession, type CheckoutSession, type SessionUse } from '../engine/checkout';
import type { EngineContext } from '../engine/context';
import { shopIdForKey } from '../engine/shops';

declare module 'fastify' {
  interface FastifyRequest {
    shopId: string;
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

export function operatorAuth(adminToken: string | null) {
  return async (request: FastifyRequest) => {
    if (!adminToken) {
      throw new DomainError('operator_routes_disabled', 'Operator routes are off: start Plusone with PLUSONE_ADMIN_TOKEN set');
    }
    const token = bearerToken(request);
    const expected = Buffer.from(adminToken);
    const given = Buffer.from(token ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthorized('Send Authorization: Bearer <PLUSONE_ADMIN_TOKEN>');
    }
  };
}

export function merchantAuth(ctx: EngineContext) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token?.startsWith('sk_')) throw unauthorized('Send Authorization: Bearer sk_… with a secret key of your shop');
    const shopId = await shopIdForKey(ctx, token);
    if (!shopId) throw unauthorized('Unknown or revoked secret key');
    request.shopId = shopId;
  };
}

/** Routes that set `config: { sessionUse: 'undo' }` accept a session past its TTL during an undo window. */
declare module 'fastify' {
  interface FastifyContextConfig {
    sessionUse?: SessionUse;
  }
}

export function sessionAuth(ctx: EngineContext) {
  return async (request: FastifyRequest) => {
    const token = bearerToken(request);
    if (!token?.startsWith('ps_')) throw unauthorized('Send Authorization: Bearer ps_… with the post-purchase session token');
    request.checkoutSession = await authenticateSession(ctx, token, request.routeOptions.config.sessionUse ?? 'page');
    request.shopId = request.checkoutSession.shopId;
  };
}
