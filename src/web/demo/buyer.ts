/**
 * The demo buyer's browser: a random secret in an `HttpOnly`, `SameSite=Lax` cookie (`plusone_demo_buyer`,
 * path `/demo`), given with the checkout form. An order placed from that browser is remembered with the
 * secret's hash, so only that browser sees the order's e-mail address and its `ps_` session token on the
 * confirmation page. Every demo form carries a synchronizer token derived from the same secret
 * (HMAC-SHA256 of the secret); a post without the cookie, without the token or with another browser's
 * token is refused with `403 csrf_token_invalid` before anything is written.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors';

export const BUYER_COOKIE = 'plusone_demo_buyer';
export const CSRF_FIELD = 'csrf';
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const COOKIE_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** The browser's secret from its cookie, or null when it has none (or a malformed one). */
export function buyerSecret(request: FastifyRequest): string | null {
  const value = request.cookies[BUYER_COOKIE];
  return value && SECRET.test(value) ? value : null;
}

/** The browser's secret, given a new one (in the cookie) when it has none yet. */
export function ensureBuyer(request: FastifyRequest, reply: FastifyReply): string {
  const existing = buyerSecret(request);
  if (existing) return existing;
  const secret = randomBytes(32).toString('base64url');
  reply.setCookie(BUYER_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/demo',
    secure: request.protocol === 'https',
    maxAge: COOKIE_MAX_AGE_SECONDS,
  });
  return secret;
}

/** What an order remembers of the browser that placed it. */
export function buyerHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameBuyer(secret: string | null, hash: string | null): boolean {
  if (!secret || !hash) return false;
  const mine = Buffer.from(buyerHash(secret));
  const theirs = Buffer.from(hash);
  return mine.length === theirs.length && timingSafeEqual(mine, theirs);
}

/** The form token of this browser. */
export function csrfToken(secret: string): string {
  return createHmac('sha256', secret).update('plusone-demo-form').digest('base64url');
}

/**
 * Refuses a form post that does not come from this shop's own page in this browser: no cookie (a
 * cross-site post under `SameSite=Lax` sends none), a missing or wrong token, or a browser that says so.
 * Returns the browser's secret.
 */
export function checkForm(request: FastifyRequest, token: string | undefined): string {
  const secret = buyerSecret(request);
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
  const expected = secret ? Buffer.from(csrfToken(secret)) : null;
  const given = Buffer.from(token ?? '');
  if (crossSite || !secret || !expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DomainError('csrf_token_invalid', 'This form was not sent from this shop’s page in this browser');
  }
  return secret;
}
