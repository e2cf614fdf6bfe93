/**
 * The buyer's other answers: undo within the window (a void, or a refund in immediate-capture mode),
 * "no thanks", and finishing a 3-D Secure step. An undo first marks the upsell (`cancel_requested_at`)
 * in the same row the finalizer claims, so an undo and a capture can never both happen.
 */
import { declineDecision } from '../analytics/events';
import { DomainError, notFound } from '../core/errors';
import type { ActionDetails } from '../gateways/contract';
import { lockDecision } from '../store/decisions';
import type { UpsellRow } from '../store/schema';
import { markForUndo, upsellOfOffer } from '../store/upsells';
import { answerFor, forgetReleasedStock, type AcceptAnswer } from './accept';
import { checkoutUpsell, type CheckoutUpsell } from './buyer-state';
import type { CheckoutSession } from './checkout';
import { completeAtPsp, releaseAuthorization, removeFromOrder, settleAuthorization } from './saga';
import { appendEvent, findUpsell, withLockedUpsell, type Actor } from './upsells';
import { type UpsellContext } from './context';

export interface UndoAnswer {
  statusCode: number;
  body: { status: 'cancelled' | 'pending'; upsell: CheckoutUpsell };
}

async function sessionUpsell(ctx: UpsellContext, session: CheckoutSession, upsellId: string): Promise<UpsellRow> {
  const upsell = await findUpsell(ctx.db, session.shopId, upsellId);
  if (upsell.order_id !== session.orderId) throw notFound('Upsell');
  return upsell;
}

export async function undoUpsell(ctx: UpsellContext, session: CheckoutSession, upsellId: string): Promise<UndoAnswer> {
  return undoWithinWindow(ctx, await sessionUpsell(ctx, session, upsellId));
}

/** The buyer's undo of this upsell (the checkout's, or Shopify's post-purchase page's): within the window, or 409. */
export async function undoWithinWindow(ctx: UpsellContext, upsell: UpsellRow): Promise<UndoAnswer> {
  const now = ctx.clock.now();
  if (upsell.state === 'cancelled') return { statusCode: 200, body: { status: 'cancelled', upsell: checkoutUpsell(upsell) } };
  if (upsell.state === 'pending' || upsell.state === 'requires_action') {
    throw new DomainError('undo_not_available', 'Nothing has been charged yet; wait for the confirmation before undoing');
  }
  // Within the window, or already asked within it (a retry after a lost answer): that undo stands,
  // and this request finishes it rather than answering that the window has closed.
  const claimed = await markForUndo(ctx.db, upsell, now);
  if (!claimed) {
    const current = await findUpsell(ctx.db, upsell.shop_id, upsell.id);
    if (current.state === 'cancelled') return { statusCode: 200, body: { status: 'cancelled', upsell: checkoutUpsell(current) } };
    throw new DomainError('undo_window_closed', 'The time to undo this has passed');
  }
  const settled = await completeUndo(ctx, claimed, 'buyer');
  return settled.state === 'cancelled'
    ? { statusCode: 200, body: { status: 'cancelled', upsell: checkoutUpsell(settled) } }
    : { statusCode: 202, body: { status: 'pending', upsell: checkoutUpsell(settled) } };
}

/**
 * Releases the money of an upsell marked for undo and takes it out of the order. Until the PSP confirms
 * the release the upsell stays `authorized` with its undo mark, and the worker tries again.
 */
export async function completeUndo(ctx: UpsellContext, upsell: UpsellRow, actor: Actor): Promise<UpsellRow> {
  const ref = upsell.authorization_ref;
  if (!ref) throw new Error(`Upsell ${upsell.id} is authorized without an authorization reference`);
  const released = await releaseAuthorization(ctx, upsell, ref, upsell.captured_at_authorization);
  ctx.faults.reach('cancel.after_psp');
  const method = upsell.captured_at_authorization ? 'refund' : 'void';
  const settled = await withLockedUpsell(ctx, upsell, async (trx, current) => {
    if (current.state !== 'authorized') return current;
    if (released.status !== 'succeeded' && released.status !== 'received') {
      // Still marked for undo: the finalizer never captures it, and the worker releases it again.
      const reason = released.status === 'failed' ? `${released.code}: ${released.message}` : released.reason;
      await appendEvent(trx, current, `${method}_failed`, current.state, { actor: 'psp', reason }, ctx.clock.now());
      return current;
    }
    return removeFromOrder(ctx, trx, current, 'cancelled', { actor, reason: `undo (${method})`, data: { method } });
  });
  forgetReleasedStock(ctx, settled);
  return settled;
}

/**
 * "No thanks": recorded on the decision; the offer is closed for this order from then on. The decision
 * row is locked first, as an accept's first step locks it: a decline and an accept sent at the same
 * instant are serialized on it, so exactly one wins (the accept then answers `offer_closed`, or the
 * decline `offer_already_accepted`). This node's pages show "dismissed" at once, the others' within 1 s
 * (engine/buyer-state `orderProgress`).
 */
export async function declineOffer(ctx: UpsellContext, session: Pick<CheckoutSession, 'shopId' | 'orderId'>, offerId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const decision = await lockDecision(trx, session.shopId, session.orderId);
    const upsell = await upsellOfOffer(trx, session.shopId, session.orderId, offerId);
    if (upsell && upsell.state !== 'declined') {
      throw new DomainError('offer_already_accepted', 'This offer was already accepted; use undo instead');
    }
    if (!decision || decision.offer_id !== offerId) throw new DomainError('offer_not_available', 'This offer is not available for this order');
    if (decision.declined_at) return;
    // Sets declined_at and records the analytics event `offer_declined` in one statement.
    await declineDecision(trx, session.shopId, session.orderId, ctx.clock.now());
  });
  ctx.caches.progress.forget(session.shopId, session.orderId);
}

/** After the 3-D Secure challenge: asks the PSP for the outcome and finishes the accept. */
export async function completeAction(ctx: UpsellContext, session: CheckoutSession, upsellId: string, details?: ActionDetails): Promise<AcceptAnswer> {
  const upsell = await sessionUpsell(ctx, session, upsellId);
  if (upsell.state !== 'requires_action' || !upsell.authorization_ref) return answerFor(upsell);
  const result = await completeAtPsp(ctx, { ...upsell, authorization_ref: upsell.authorization_ref }, details);
  const settled = await settleAuthorization(ctx, upsell, result, 'buyer');
  forgetReleasedStock(ctx, settled);
  return answerFor(settled);
}

export async function checkoutUpsellStatus(ctx: UpsellContext, session: CheckoutSession, upsellId: string): Promise<CheckoutUpsell> {
  return checkoutUpsell(await sessionUpsell(ctx, session, upsellId));
}
