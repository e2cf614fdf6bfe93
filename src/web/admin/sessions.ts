/**
 * The merchant admin's sessions, in this process's memory: a random id (the only thing the cookie
 * carries) → the shop, its secret key, the session's CSRF token and its two deadlines (absolute: the
 * session's lifetime; idle: an hour without a request). At most `maxSessions` are kept; a new one evicts the
 * oldest. A restart signs every merchant out, and several nodes need sticky sessions (docs/admin.md).
 *
 * Forms: every admin POST carries a synchronizer token in a hidden field — the session's `csrfToken`, or
 * before sign-in the value of a short-lived `plusone_admin_signin` cookie (double submit) — compared in
 * constant time. A missing or wrong token, or a browser that says the post is cross-site, is refused with
 * `403 csrf_token_invalid` before anything is done.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors';

export const SESSION_COOKIE = 'plusone_admin';
export const SIGN_IN_COOKIE = 'plusone_admin_signin';
export const CSRF_FIELD = 'csrf';
export const ADMIN_PATH = '/admin';

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const IDLE_TIMEOUT_MS = 60 * 60 * 1000;
export const MAX_SESSIONS = 10_000;
const SIGN_IN_COOKIE_SECONDS = 60 * 60;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface AdminSession {
  readonly id: string;
  readonly shopId: string;
  readonly shopName: string;
  readonly secretKey: string;
  readonly csrfToken: string;
  /** Epoch ms: the session ends then, however active. */
  readonly expiresAt: number;
  /** Epoch ms: the session ends then unless a request comes first (each one moves it). */
  idleUntil: number;
}

export interface SessionOptions {
  readonly now: () => Date;
  readonly ttlMs: number;
  readonly idleMs?: number;
  readonly maxSessions?: number;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export class AdminSessions {
  private readonly byId = new Map<string, AdminSession>();

  constructor(private readonly options: SessionOptions) {}

  create(shop: { id: string; name: string }, secretKey: string): AdminSession {
    const now = this.options.now().getTime();
    const session: AdminSession = {
      id: newToken(),
      shopId: shop.id,
      shopName: shop.name,
      secretKey,
      csrfToken: newToken(),
      expiresAt: now + this.options.ttlMs,
      idleUntil: now + (this.options.idleMs ?? IDLE_TIMEOUT_MS),
    };
    this.byId.set(session.id, session);
    const max = this.options.maxSessions ?? MAX_SESSIONS;
    // A Map iterates in insertion order: the first entries are the oldest sessions.
    for (const oldest of this.byId.keys()) {
      if (this.byId.size <= max) break;
      this.byId.delete(oldest);
    }
    return session;
  }

  /** The live session with this id (its idle deadline moved on), or null; an expired one is forgotten. */
  find(id: string | undefined): AdminSession | null {
    if (!id || !TOKEN.test(id)) return null;
    const session = this.byId.get(id);
    if (!session) return null;
    const now = this.options.now().getTime();
    if (now >= session.expiresAt || now >= session.idleUntil) {
      this.byId.delete(id);
      return null;
    }
    session.idleUntil = Math.min(session.expiresAt, now + (this.options.idleMs ?? IDLE_TIMEOUT_MS));
    return session;
  }

  end(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }
}

const cookieOptions = (request: FastifyRequest) =>
  ({ httpOnly: true, sameSite: 'strict', path: ADMIN_PATH, secure: request.protocol === 'https' }) as const;

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: AdminSession): void {
  reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(request));
  reply.clearCookie(SIGN_IN_COOKIE, cookieOptions(request));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
}

/** The sign-in form's token: this browser's `plusone_admin_signin` cookie, given a new one when it has none. */
export function signInToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = signInCookie(request);
  if (existing && TOKEN.test(existing)) return existing;
  const token = newToken();
  reply.setCookie(SIGN_IN_COOKIE, token, { ...cookieOptions(request), maxAge: SIGN_IN_COOKIE_SECONDS });
  return token;
}

function sameToken(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a post whose token is not `expected` (the session's, or the sign-in cookie's), or that the browser calls cross-site. */
export function checkFormToken(request: FastifyRequest, expected: string | undefined, given: string | undefined): void {
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
  if (crossSite || !sameToken(expected, given)) {
    throw new DomainError('csrf_token_invalid', 'This form was not sent from this admin page in this browser');
  }
}

export function signInCookie(request: FastifyRequest): string | undefined {
  return cookieOf(request, SIGN_IN_COOKIE);
}

/** The session id the browser sent. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  return cookieOf(request, SESSION_COOKIE);
}

// Cookies are parsed in an onRequest hook; a request refused by an earlier one (the request screen) has none.
function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const cookies: Partial<Record<string, string>> | undefined = request.cookies;
  return cookies?.[name];
}
