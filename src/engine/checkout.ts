/**
 * The buyer's side: a post-purchase session token (`ps_…`) opens exactly one order of one shop. Showing
 * the offer is a key lookup of the decision made at registration, re-checked against what can change
 * since (the offer switched off or deleted, its schedule ended, stock sold out).
 */
import { DomainError } from '../core/errors';
import type { Db } from '../store/database';
import { hashSecret, type EngineContext } from './context';
import { toCheckoutOffer, type CheckoutOffer, type DecidedOffer } from './decisions';

export interface CheckoutSession {
  readonly id: string;
  readonly shopId: string;
  readonly orderId: string;
  readonly expiresAt: Date;
  readonly allowedOrigins: readonly string[];
}

/** The session of a token; `unauthorized` when unknown, `session_expired` after its deadline. */
export async function authenticateSession(ctx: EngineContext, token: string): Promise<CheckoutSession> {
  const row = await ctx.db
    .selectFrom('checkout_sessions')
    .innerJoin('shops', 'shops.id', 'checkout_sessions.shop_id')
    .select(['checkout_sessions.id', 'checkout_sessions.shop_id', 'checkout_sessions.order_id', 'checkout_sessions.expires_at', 'shops.settings'])
    .where('checkout_sessions.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row) throw new DomainError('unauthorized', 'Unknown session token');
  if (ctx.clock.now() >= row.expires_at) throw new DomainError('session_expired', 'This post-purchase session has expired');
  return {
    id: row.id,
    shopId: row.shop_id,
    orderId: row.order_id,
    expiresAt: row.expires_at,
    allowedOrigins: row.settings.allowedOrigins ?? [],
  };
}

/** The offer to show on the confirmation page, or null when there is none (any more). */
export async function checkoutOffer(ctx: EngineContext, session: CheckoutSession): Promise<CheckoutOffer | null> {
  const decided = await currentDecidedOffer(ctx.db, session.shopId, session.orderId, ctx.clock.now());
  return decided ? toCheckoutOffer(decided, session.expiresAt) : null;
}

export async function currentDecidedOffer(db: Db, shopId: string, orderId: string, now: Date): Promise<DecidedOffer | null> {
  const row = await db
    .selectFrom('decisions')
    .innerJoin('offers', (join) => join.onRef('offers.shop_id', '=', 'decisions.shop_id').onRef('offers.id', '=', 'decisions.offer_id'))
    .leftJoin('variants', (join) => join.onRef('variants.shop_id', '=', 'offers.shop_id').onRef('variants.id', '=', 'offers.variant_id'))
    .select(['decisions.offer', 'offers.active', 'offers.deleted_at', 'offers.ends_at', 'offers.quantity', 'variants.id as variant_id', 'variants.stock'])
    .where('decisions.shop_id', '=', shopId)
    .where('decisions.order_id', '=', orderId)
    .executeTakeFirst();
  if (!row?.offer) return null;
  const withdrawn = !row.active || row.deleted_at !== null || (row.ends_at !== null && now >= row.ends_at);
  const soldOut = row.variant_id === null || (row.stock !== null && row.stock < row.quantity);
  return withdrawn || soldOut ? null : row.offer;
}
