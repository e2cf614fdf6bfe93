/**
 * The merchant admin's sessions, kept in PostgreSQL (`admin_sessions`, through `AdminSessionStore`) so
 * every node shares them and a restart signs nobody out. The cookie carries only a random id; the row is
 * keyed by its SHA-256 and holds the shop, its name, the secret key the merchant signed in with and the
 * session's form token — those two sealed with the server's secret box (`PLUSONE_SECRET_KEY`, bound to the
 * row) — and its deadlines: absolute (the lifetime) and idle (an hour without a request).
 *
 * Cheap per page: a node trusts a session it read for `SESSION_CACHE_MS` (so a sign-out on another node
 * ends it here within that), and moves the idle deadline in the table at most once a minute per session
 * (so the idle hour is counted to the minute). At most `maxPerShop` live sessions per shop: a new one ends
 * the shop's oldest. Dead rows are purged, a batch at a time, at each sign-in.
 *
 * Forms: every admin POST carries a synchronizer token in a hidden field — the session's `csrfToken`, or
 * before sign-in the value of a short-lived `plusone_admin_signin` cookie (double submit) — compared in
 * constant time. A missing or wrong token, or a browser that says the post is cross-site, is refused with
 * `403 csrf_token_invalid` before anything is done.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret } from '../../core/clock';
import { DomainError } from '../../core/errors';
import type { SecretBox } from '../../core/secret-box';

export const SESSION_COOKIE = 'plusone_admin';
export const SIGN_IN_COOKIE = 'plusone_admin_signin';
export const CSRF_FIELD = 'csrf';
export const ADMIN_PATH = '/admin';

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const IDLE_TIMEOUT_MS = 60 * 60 * 1000;
export const MAX_SESSIONS_PER_SHOP = 1_000;
/** How long a node uses a session it read before reading it again: a sign-out elsewhere shows within this. */
export const SESSION_CACHE_MS = 5_000;
/** The idle deadline is written when a request would move it at least this far: once a minute per session. */
export const IDLE_WRITE_MS = 60 * 1000;
/** Sessions one node keeps read at most; the least recently read is forgotten first. */
const MAX_CACHED = 1_000;
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
  /** Epoch ms: the session ends then unless a request comes first (requests move it, to the minute). */
  readonly idleUntil: number;
}

/** A session as its row keeps it: the id's hash, never the id; the key and the form token sealed. */
export interface StoredAdminSession {
  readonly idHash: string;
  readonly shopId: string;
  readonly shopName: string;
  readonly sealedSecretKey: string;
  readonly sealedCsrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly idleUntil: Date;
}

/**
 * Where the sessions are kept, shared by every node: `adminSessionStore(db)` of store/admin-sessions.ts.
 * It stores what it is given; hashing and sealing are done here.
 */
export interface AdminSessionStore {
  /** Stores a new session, then ends the shop's oldest beyond its `maxPerShop` newest (one transaction). */
  create(session: StoredAdminSession, maxPerShop: number): Promise<void>;
  /** The session of this id hash, live or dead; undefined when there is none (ended, capped, purged). */
  find(idHash: string): Promise<StoredAdminSession | undefined>;
  /** Moves the idle deadline forward (never back, never past the expiry); false when the session is gone. */
  moveIdle(idHash: string, idleUntil: Date): Promise<boolean>;
  end(idHash: string): Promise<void>;
  /** Deletes a batch of sessions dead at `now`; how many. */
  purge(now: Date): Promise<number>;
}

export interface SessionOptions {
  readonly store: AdminSessionStore;
  /** Seals each session's key and form token in the store. */
  readonly box: SecretBox;
  readonly now: () => Date;
  readonly ttlMs: number;
  readonly idleMs?: number;
  readonly maxPerShop?: number;
  readonly cacheMs?: number;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a sealed value of a session is bound to: its row and its column, so none opens anywhere else. */
const sealedFor = (idHash: string, field: 'secret_key' | 'csrf_token') => `admin_session:${idHash}:${field}`;

const isLive = (session: AdminSession, now: number) => now < session.expiresAt && now < session.idleUntil;

export class AdminSessions {
  /** Sessions this node read lately, by id hash, with when (the clock's ms) they were read. */
  private readonly recent = new Map<string, { session: AdminSession; readAt: number }>();

  constructor(private readonly options: SessionOptions) {}

  /** A new session for the shop; a batch of dead ones is purged first. */
  async create(shop: { id: string; name: string }, secretKey: string): Promise<AdminSession> {
    const now = this.options.now().getTime();
    const expiresAt = now + this.options.ttlMs;
    const session: AdminSession = {
      id: newToken(),
      shopId: shop.id,
      shopName: shop.name,
      secretKey,
      csrfToken: newToken(),
      expiresAt,
      idleUntil: Math.min(expiresAt, now + this.idleMs),
    };
    const idHash = hashSecret(session.id);
    await this.options.store.purge(new Date(now));
    await this.options.store.create(this.sealed(idHash, session, now), this.options.maxPerShop ?? MAX_SESSIONS_PER_SHOP);
    this.remember(idHash, session, now);
    return session;
  }

  /** The live session with this id (its idle deadline moved on), or null; an expired one is deleted. */
  async find(id: string | undefined): Promise<AdminSession | null> {
    if (!id || !TOKEN.test(id)) return null;
    const idHash = hashSecret(id);
    const now = this.options.now().getTime();
    const cached = this.cached(idHash, now);
    const session = cached && isLive(cached, now) ? cached : await this.read(id, idHash, now);
    if (!session) return null;
    if (!isLive(session, now)) {
      await this.end(id);
      return null;
    }
    return this.moveIdle(idHash, session, now);
  }

  async end(id: string): Promise<void> {
    const idHash = hashSecret(id);
    this.recent.delete(idHash);
    await this.options.store.end(idHash);
  }

  private get idleMs(): number {
    return this.options.idleMs ?? IDLE_TIMEOUT_MS;
  }

  private sealed(idHash: string, session: AdminSession, now: number): StoredAdminSession {
    return {
      idHash,
      shopId: session.shopId,
      shopName: session.shopName,
      sealedSecretKey: this.options.box.seal(session.secretKey, sealedFor(idHash, 'secret_key')),
      sealedCsrfToken: this.options.box.seal(session.csrfToken, sealedFor(idHash, 'csrf_token')),
      createdAt: new Date(now),
      expiresAt: new Date(session.expiresAt),
      idleUntil: new Date(session.idleUntil),
    };
  }

  private async read(id: string, idHash: string, now: number): Promise<AdminSession | null> {
    this.recent.delete(idHash);
    const stored = await this.options.store.find(idHash);
    if (!stored) return null;
    const session = this.opened(id, stored);
    if (!session) {
      // Sealed with another PLUSONE_SECRET_KEY: nobody can use it any more.
      await this.options.store.end(idHash);
      return null;
    }
    this.remember(idHash, session, now);
    return session;
  }

  private opened(id: string, stored: StoredAdminSession): AdminSession | null {
    try {
      return {
        id,
        shopId: stored.shopId,
        shopName: stored.shopName,
        secretKey: this.options.box.open(stored.sealedSecretKey, sealedFor(stored.idHash, 'secret_key')),
        csrfToken: this.options.box.open(stored.sealedCsrfToken, sealedFor(stored.idHash, 'csrf_token')),
        expiresAt: stored.expiresAt.getTime(),
        idleUntil: stored.idleUntil.getTime(),
      };
    } catch {
      return null;
    }
  }

  /** Moves the idle deadline when it would move a minute or more; a session ended elsewhere is gone. */
  private async moveIdle(idHash: string, session: AdminSession, now: number): Promise<AdminSession | null> {
    const idleUntil = Math.min(session.expiresAt, now + this.idleMs);
    if (idleUntil - session.idleUntil < IDLE_WRITE_MS) return session;
    if (!(await this.options.store.moveIdle(idHash, new Date(idleUntil)))) {
      this.recent.delete(idHash);
      return null;
    }
    const moved = { ...session, idleUntil };
    this.remember(idHash, moved, now);
    return moved;
  }

  private cached(idHash: string, now: number): AdminSession | null {
    const entry = this.recent.get(idHash);
    if (!entry) return null;
    const age = now - entry.readAt;
    return age >= 0 && age < (this.options.cacheMs ?? SESSION_CACHE_MS) ? entry.session : null;
  }

  private remember(idHash: string, session: AdminSession, now: number): void {
    this.recent.delete(idHash);
    this.recent.set(idHash, { session, readAt: now });
    // A Map iterates in insertion order: the first entries are the least recently read.
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= MAX_CACHED) break;
      this.recent.delete(oldest);
    }
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
