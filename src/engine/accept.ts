/**
 * One click: `acceptOffer` charges the buyer's stored card for the offer decided at registration, adds
 * it to the order, and only then answers `accepted`. The saga, with each compensation beside its step:
 *
 *   1. claim the Idempotency-Key, create the upsell (`pending`), reserve stock   — one transaction
 *   2. authorize at the PSP, key `ups_…:authorize`                               — no transaction held
 *   3. add the line (or linked order) and record `authorized` + undo deadline   — one transaction
 *      ↳ if 3 fails: void (or refund) the authorization, record `declined`, give the stock back
 *
 * A crash between 2 and 3 leaves a `pending` upsell: the worker asks the PSP by idempotency key and
 * finishes step 3 (or releases the authorization), so a charge never lives without its line.
 */
import { DomainError } from '../core/errors';
import type { BuyerContext, PaymentGateway } from '../gateways/contract';
import type { GatewayName } from '../core/gateways';
import type { Db } from '../store/database';
import type { UpsellRow } from '../store/schema';
import { acceptFacts, insertPendingUpsell, reserveUnits, upsellOfOffer } from '../store/upsells';
import { checkoutUpsell, type CheckoutUpsell } from './buyer-state';
import type { CheckoutSession } from './checkout';
import { stillAvailable } from './checkout';
import { keyRequired, repeatedKey, requestHash, stillInProgress, storeIdempotentResponse, type KeyClaim } from './idempotency';
import { shopSettings } from './shops';
import { answerMayStillCome, authorizeAtPsp, declineMessage, gatewayFor, recordDeclined, settleAuthorization } from './saga';
import { eventValues, findUpsell, offerClosed, type AfterChange } from './upsells';
import { type UpsellContext } from './context';

export type AcceptBody =
  | { status: 'accepted'; upsell: CheckoutUpsell }
  | { status: 'declined'; upsell: CheckoutUpsell; error: { code: string; message: string } }
  | { status: 'requires_action'; upsell: CheckoutUpsell; action: NonNullable<UpsellRow['action']>; completeUrl: string }
  | { status: 'pending'; upsell: CheckoutUpsell };

export interface AcceptAnswer {
  statusCode: number;
  body: AcceptBody;
}

const ACCEPT_SCOPE = 'accept';

/** The answer an accept gives for an upsell in its current state (also for a second click). */
export function answerFor(row: UpsellRow): AcceptAnswer {
  const upsell = checkoutUpsell(row);
  switch (row.state) {
    case 'authorized':
    case 'capturing':
    case 'captured':
      return { statusCode: 200, body: { status: 'accepted', upsell } };
    case 'pending':
      return { statusCode: 202, body: { status: 'pending', upsell } };
    case 'requires_action':
      return {
        statusCode: 200,
        body: {
          status: 'requires_action',
          upsell,
          action: row.action ?? { type: 'three_d_secure' },
          completeUrl: `/v1/checkout/upsells/${row.id}/complete`,
        },
      };
    case 'declined':
      return {
        statusCode: 402,
        body: {
          status: 'declined',
          upsell,
          error: { code: row.decline_code ?? 'card_declined', message: row.decline_message ?? declineMessage('card_declined', row.offer.locale) },
        },
      };
    case 'cancelled':
    case 'refunded':
    case 'capture_failed':
      throw offerClosed();
    default: {
      const exhaustive: never = row.state;
      return exhaustive;
    }
  }
}

/** What the accept request tells about the buyer's click (the order adds the email). */
export type ClickContext = Omit<BuyerContext, 'email'>;

const NO_CLICK_CONTEXT: ClickContext = { origin: null, ip: null, browser: null };

export async function acceptOffer(
  ctx: UpsellContext,
  session: CheckoutSession,
  offerId: string,
  idempotencyKey: string | null,
  click: ClickContext = NO_CLICK_CONTEXT,
): Promise<AcceptAnswer> {
  if (!idempotencyKey) throw keyRequired();
  const start = await beginAccept(ctx, session, offerId, idempotencyKey, click);
  if (start.kind === 'answer') return start.answer;
  // Committed: this node's pages see the upsell and the units gone now, the other nodes' within 1 s.
  ctx.caches.progress.forget(session.shopId, session.orderId);
  if (start.stockLeft !== null) ctx.caches.stock.reserved(session.shopId, start.upsell.offer.variantId, start.stockLeft);

  const upsell = start.upsell;
  let gateway: PaymentGateway;
  try {
    gateway = await gatewayFor(ctx, upsell);
  } catch (error) {
    // The shop's credentials were removed or cannot be read: nothing was sent, so the buyer gets a
    // decline and the merchant the reason, instead of an upsell left pending.
    if (!(error instanceof DomainError)) throw error;
    const declined = await recordDeclined(ctx, upsell, 'processing_error', 'system', { detail: error.message });
    forgetReleasedStock(ctx, declined);
    return remember(ctx.db, session.shopId, idempotencyKey, answerFor(declined));
  }
  const result = await authorizeAtPsp(ctx, gateway, upsell, start.payment);
  ctx.faults.reach('accept.after_authorize');
  // The answer is stored under the key in the transaction that records the outcome: one commit, and a
  // retry after a crash right after it gets exactly this answer.
  let stored = false;
  const storeAnswer: AfterChange = async (trx, row) => {
    const answer = answerIfOpen(row);
    if (answer) await remember(trx, session.shopId, idempotencyKey, answer);
    stored = answer !== null;
  };
  const settled = await settleAuthorization(ctx, upsell, result, 'buyer', storeAnswer);
  forgetReleasedStock(ctx, settled);
  ctx.faults.reach('accept.after_order_change');
  const answer = answerFor(settled);
  return stored ? answer : remember(ctx.db, session.shopId, idempotencyKey, answer);
}

/**
 * After the commit that ended an upsell holding units (declined, undone): they are back in the variant,
 * and this node's stock cache reads them again rather than show them gone until its next re-read.
 */
export function forgetReleasedStock(ctx: UpsellContext, row: UpsellRow): void {
  if (row.reserved_quantity > 0 && (row.state === 'declined' || row.state === 'cancelled')) ctx.caches.stock.forget(row.shop_id);
}

/** `answerFor`, or null for an upsell that has closed (its answer is an error, raised by the caller). */
function answerIfOpen(row: UpsellRow): AcceptAnswer | null {
  try {
    return answerFor(row);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

/**
 * Stores a settled answer under the key, so a repeat gets exactly this answer. A `pending` answer is not
 * stored: a repeat after reconciliation should learn the outcome, not hear "pending" forever.
 */
async function remember(db: Db, shopId: string, key: string, answer: AcceptAnswer): Promise<AcceptAnswer> {
  if (answer.body.status === 'pending') return answer;
  await storeIdempotentResponse(db, { shopId, scope: ACCEPT_SCOPE, key }, { statusCode: answer.statusCode, body: answer.body });
  return answer;
}

type BeginResult =
  | { kind: 'answer'; answer: AcceptAnswer }
  | { kind: 'authorize'; upsell: UpsellRow; payment: { paymentMethodRef: string; customerRef?: string }; stockLeft: number | null };

/** Step 1: key, upsell and stock in one short transaction. */
async function beginAccept(ctx: UpsellContext, session: CheckoutSession, offerId: string, key: string, click: ClickContext): Promise<BeginResult> {
  const { shopId, orderId } = session;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx): Promise<BeginResult> => {
    const claim = { shopId, scope: ACCEPT_SCOPE, key, hash: requestHash({ orderId, offerId }), now };
    const facts = await acceptFacts(trx, claim, orderId, offerId);
    // Every session's order has its decision; without one there is nothing to accept (the claim rolls back).
    if (facts && facts.claimed_key === null) return { kind: 'answer', answer: await replay(ctx, trx, session, offerId, claim) };
    if (facts?.existing_id) {
      const existing = await findUpsell(trx, shopId, facts.existing_id);
      return { kind: 'answer', answer: await remember(trx, shopId, key, answerFor(existing)) };
    }
    if (facts?.declined_at) throw offerClosed();
    const offer = facts ? stillAvailable(facts, now) : null;
    // `total > 0` also covers decisions stored before free offers were skipped: nothing to charge is no offer.
    if (!facts || !offer || offer.id !== offerId || offer.total <= 0)
      throw new DomainError('offer_not_available', 'This offer is not available for this order');
    const { payment } = facts;
    const buyer: BuyerContext = { ...click, email: facts.customer.email ?? null };
    const settings = await shopSettings(ctx, trx, shopId);
    // The upsell and its first event in one statement; the event is written only if the upsell was.
    const upsellId = ctx.ids.id('ups');
    const pendingEvent = eventValues({ shop_id: shopId, id: upsellId }, 'pending', null, { actor: 'buyer', reason: 'accept clicked' }, now);
    const inserted = await insertPendingUpsell(
      trx,
      {
        shop_id: shopId,
        id: upsellId,
        order_id: orderId,
        offer_id: offerId,
        state: 'pending',
        amount: offer.total,
        currency: offer.currency,
        offer: JSON.stringify(offer),
        card: JSON.stringify({ brand: payment.brand ?? null, last4: payment.last4 ?? null }),
        // The PSP that saved the card at checkout (checked against the shop's gateway at registration).
        gateway: payment.gateway as GatewayName,
        capture_mode: settings.captureMode,
        order_strategy: settings.orderStrategy,
        undo_window_seconds: settings.undoWindowSeconds,
        reserved_quantity: 0,
        buyer: JSON.stringify(buyer),
        created_at: now,
        updated_at: now,
      },
      pendingEvent,
    );
    if (!inserted) {
      // Another click with another key created it a moment ago: answer with that one, never charge twice.
      const winner = await upsellOfOffer(trx, shopId, orderId, offerId);
      if (!winner) throw new Error(`upsell of offer ${offerId} on order ${orderId} neither inserted nor found`);
      return { kind: 'answer', answer: await remember(trx, shopId, key, answerFor(winner)) };
    }
    if (facts.stock === null) return { kind: 'authorize', upsell: inserted, payment, stockLeft: null };
    const { upsell, stockLeft } = await reserveStock(trx, inserted);
    return { kind: 'authorize', upsell, payment, stockLeft };
  });
}

/**
 * A key seen before: the answer for its upsell's current state (the stored answer only tells that the
 * first request finished), or — while the first request is still out — `idempotency_in_progress`.
 */
async function replay(ctx: UpsellContext, trx: Db, session: CheckoutSession, offerId: string, claim: KeyClaim): Promise<AcceptAnswer> {
  const record = await repeatedKey(trx, claim);
  const upsell = await upsellOfOffer(trx, session.shopId, session.orderId, offerId);
  // The upsell as it is now, not the answer stored then: after an undo, a failed capture or a refund the
  // key answers `409 offer_closed`, never the "accepted" it first got.
  if (record.status_code !== null) return upsell ? answerFor(upsell) : { statusCode: record.status_code, body: record.response as AcceptBody };
  if (!upsell || (upsell.state === 'pending' && answerMayStillCome(ctx, record.created_at))) throw stillInProgress();
  return answerFor(upsell);
}

/**
 * Holds the offer's units for this upsell (a variant that tracks stock); `out_of_stock` (and nothing
 * written) when they are gone. The caller read the stock without a lock: a FOR UPDATE made every accept
 * of the same variant wait for the previous one's commit. The units are taken by one guarded update.
 */
async function reserveStock(trx: Db, upsell: UpsellRow): Promise<{ upsell: UpsellRow; stockLeft: number }> {
  const reserved = await reserveUnits(trx, upsell, upsell.offer.variantId, upsell.offer.quantity);
  if (!reserved) throw new DomainError('out_of_stock', 'This item just sold out. You have not been charged.');
  return reserved;
}
