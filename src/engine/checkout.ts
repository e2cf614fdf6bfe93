/**
 * The buyer's side: a post-purchase session token (`ps_…`) opens exactly one order of one shop. Showing
 * the offer is a key lookup of the decision made at registration, re-checked against what can change
 * since (the offer switched off or deleted, its schedule ended, stock sold out).
 */
import { DomainError } from '../core/errors';
import type { Db } from '../store/database';
import { decidedOffer } from '../store/decisions';
import { sessionByTokenHash } from '../store/sessions';
import { hasUndoableUpsell } from '../store/upsells';
import type { UpsellRow } from '../store/schema';
import { buyerUpsell, checkoutStatusOf, orderProgress, type CheckoutStatus } from './buyer-state';
import type { CachedSession, EngineCaches } from './caches';
import { hashSecret } from '../core/clock';
import type { EngineContext } from './context';
import { toCheckoutOffer, type CheckoutOffer, type DecidedOffer } from '../core/decisions';

export interface CheckoutSession {
  readonly id: string;
  readonly shopId: string;
  readonly orderId: string;
  readonly expiresAt: Date;
  readonly allowedOrigins: readonly string[];
}

/**
 * The session of a token; `unauthorized` when unknown, `session_expired` after its deadline. Sessions are
 * cached by token hash (they never change); the shop's allowed origins are read from the shop cache.
 * Unknown tokens are remembered for a few seconds (`unknownSessions`), so repeating one costs no query;
 * `beforeQuery` runs only when the database must be asked (the HTTP layer's failed-authentication limit).
 */
export interface SessionCheck {
  /** What the request does with the session (default `page`). */
  readonly use?: SessionUse;
  /** Runs only when the database must be asked (the HTTP layer's failed-authentication limit). */
  readonly beforeQuery?: () => Promise<void>;
}

export async function authenticateSession(
  ctx: EngineContext,
  token: string,
  { use = 'page', beforeQuery }: SessionCheck = {},
): Promise<CheckoutSession> {
  const tokenHash = hashSecret(token);
  const { caches } = ctx;
  const session = caches.sessions.get(tokenHash) ?? (await lookUpSession(ctx, caches, tokenHash, beforeQuery));
  // The shop's origins as they are now (the shop cache: at most 1 s old), not as when the session was cached.
  const shop = await caches.shops.shop(ctx.db, session.shopId);
  return checkExpiry(ctx, { ...session, allowedOrigins: shop?.settings.allowedOrigins ?? [] }, use);
}

/** A session from the database, one query for requests that miss together; unknown tokens are remembered. */
async function lookUpSession(ctx: EngineContext, caches: EngineCaches, tokenHash: string, beforeQuery?: () => Promise<void>): Promise<CachedSession> {
  if (caches.unknownSessions.get(tokenHash)) throw unknownSession();
  const running = caches.sessionLookups.get(tokenHash);
  if (running) return running;
  await beforeQuery?.();
  return caches.sessionLookups.run(tokenHash, async () => {
    try {
      const { allowedOrigins: _origins, ...loaded } = await loadSession(ctx, tokenHash);
      caches.sessions.set(tokenHash, loaded);
      return loaded;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unauthorized') caches.unknownSessions.set(tokenHash, true);
      throw error;
    }
  });
}

function unknownSession(): DomainError {
  return new DomainError('unauthorized', 'Unknown session token');
}

/**
 * What a request does with the session. `undo` (the cancel and the upsell status read) outlives the
 * session's TTL while an upsell of its order is still inside its undo window (or still `pending`, its
 * window not started): the buyer's right to undo is never cut short by the page's session ending first.
 */
export type SessionUse = 'page' | 'undo';

async function checkExpiry(ctx: EngineContext, session: CheckoutSession, use: SessionUse): Promise<CheckoutSession> {
  const now = ctx.clock.now();
  if (now < session.expiresAt) return session;
  if (use === 'undo' && (await undoStillOpen(ctx.db, session, now))) return session;
  throw new DomainError('session_expired', 'This post-purchase session has expired');
}

/** An upsell of the session's order that can still be undone (or cancelled again, idempotently) now. */
async function undoStillOpen(db: Db, session: CheckoutSession, now: Date): Promise<boolean> {
  return hasUndoableUpsell(db, session.shopId, session.orderId, now);
}

async function loadSession(ctx: EngineContext, tokenHash: string): Promise<CheckoutSession> {
  const row = await sessionByTokenHash(ctx.db, tokenHash);
  if (!row) throw unknownSession();
  return { id: row.id, shopId: row.shop_id, orderId: row.order_id, expiresAt: row.expires_at, allowedOrigins: row.settings.allowedOrigins ?? [] };
}

export interface CheckoutOfferAnswer {
  readonly status: CheckoutStatus;
  /** The live offer (status `open`); null in every other status. */
  readonly offer: CheckoutOffer | null;
  /** The order's upsell, once the buyer accepted. */
  readonly upsell: UpsellRow | null;
  /** The body of `GET /v1/checkout/offer`: `{ offer, status, upsell }`. */
  readonly json: string;
}

const NO_OFFER: CheckoutOfferAnswer = {
  status: 'none',
  offer: null,
  upsell: null,
  json: JSON.stringify({ offer: null, status: 'none', upsell: null }),
};
const DISMISSED: CheckoutOfferAnswer = { ...NO_OFFER, status: 'dismissed', json: JSON.stringify({ offer: null, status: 'dismissed', upsell: null }) };

/**
 * What the buyer's page shows now: what became of the offer once the buyer answered it (accepted and
 * its upsell's state, or "No thanks"), else the live offer. The live offer's JSON is serialized once per
 * decided offer and session deadline.
 */
export async function checkoutOfferAnswer(ctx: EngineContext, session: CheckoutSession): Promise<CheckoutOfferAnswer> {
  const now = ctx.clock.now();
  const progress = await orderProgress(ctx.db, ctx.caches, session.shopId, session.orderId);
  if (progress.upsell) {
    const status = checkoutStatusOf(progress.upsell.state);
    return { status, offer: null, upsell: progress.upsell, json: JSON.stringify({ offer: null, status, upsell: buyerUpsell(progress.upsell, now) }) };
  }
  if (progress.dismissed) return DISMISSED;
  const decided = await availableDecidedOffer(ctx.db, ctx.caches, session.shopId, session.orderId, now);
  if (!decided) return NO_OFFER;
  const expiresAt = session.expiresAt.getTime();
  const memo = ctx.caches.offerAnswers.get(decided);
  if (memo && memo.expiresAt === expiresAt) return { status: 'open', offer: memo.offer, upsell: null, json: memo.json };
  const offer = toCheckoutOffer(decided, session.expiresAt);
  const json = JSON.stringify({ offer, status: 'open', upsell: null });
  ctx.caches.offerAnswers.set(decided, { expiresAt, offer, json });
  return { status: 'open', offer, upsell: null, json };
}

/**
 * The decided offer while it can still be bought, from memory: the decision (it never changes after
 * registration) re-checked against the shop's compiled offers and, for a variant that tracks stock, the
 * stock cache (at most its `recheckMs` behind; the accept re-checks the real stock).
 */
async function availableDecidedOffer(db: Db, caches: EngineCaches, shopId: string, orderId: string, now: Date): Promise<DecidedOffer | null> {
  const key = `${shopId}:${orderId}`;
  let decided = caches.decisions.get(key);
  if (decided === undefined) {
    decided = (await decidedOffer(db, shopId, orderId)) ?? null;
    caches.decisions.set(key, decided);
  }
  if (!decided) return null;
  // Deleted offers are not among the compiled ones: absent means withdrawn.
  const offers = await caches.offers.get(db, shopId);
  const current = offers.byId.get(decided.id);
  if (!current) return null;
  const { offer, variant } = current;
  const state: DecidedOfferState = {
    offer: decided,
    active: offer.active,
    deleted_at: null,
    ends_at: offer.endsAt,
    quantity: offer.quantity,
    variant_id: variant?.id ?? null,
    stock: null,
  };
  const available = stillAvailable(state, now);
  // Only a variant that tracks stock is looked up, and only while the offer is otherwise available.
  if (!available || !variant || variant.stock === null) return available;
  const stock = (await caches.stock.get(db, offers)).get(variant.id);
  return stillAvailable({ ...state, variant_id: stock === undefined ? null : variant.id, stock: stock ?? null }, now);
}

/** The decided offer and the current state of its offer and variant (the compiled offer, or the accept's read). */
export interface DecidedOfferState {
  offer: DecidedOffer | null;
  active: boolean | null;
  deleted_at: Date | null;
  ends_at: Date | null;
  quantity: number | null;
  variant_id: string | null;
  stock: number | null;
}

/** The decided offer while it can still be bought: not switched off, deleted, ended or sold out. */
export function stillAvailable(row: DecidedOfferState, now: Date): DecidedOffer | null {
  if (!row.offer || row.active === null || row.quantity === null) return null;
  const withdrawn = !row.active || row.deleted_at !== null || (row.ends_at !== null && now >= row.ends_at);
  const soldOut = row.variant_id === null || (row.stock !== null && row.stock < row.quantity);
  return withdrawn || soldOut ? null : row.offer;
}
