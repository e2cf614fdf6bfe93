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
import { sql, type Kysely } from 'kysely';
import { DomainError } from '../core/errors';
import type { BuyerContext, PaymentGateway } from '../gateways/contract';
import type { GatewayName } from '../core/gateways';
import type { Database, UpsellRow } from '../store/schema';
import { checkoutUpsell, type CheckoutUpsell } from './buyer-state';
import type { CheckoutSession } from './checkout';
import { stillAvailable } from './checkout';
import { requestHash } from './idempotency';
import { shopSettings } from './shops';
import { answerMayStillCome, authorizeAtPsp, declineMessage, gatewayFor, recordDeclined, settleAuthorization } from './saga';
import { eventValues, offerClosed, type AfterChange } from './upsells';
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
        body: { status: 'requires_action', upsell, action: row.action ?? { type: 'three_d_secure' }, completeUrl: `/v1/checkout/upsells/${row.id}/complete` },
      };
    case 'declined':
      return {
        statusCode: 402,
        body: { status: 'declined', upsell, error: { code: row.decline_code ?? 'card_declined', message: row.decline_message ?? declineMessage('card_declined', row.offer.locale) } },
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
  ctx: UpsellContext, session: CheckoutSession, offerId: string, idempotencyKey: string | null, click: ClickContext = NO_CLICK_CONTEXT,
): Promise<AcceptAnswer> {
  if (!idempotencyKey) throw new DomainError('idempotency_key_required', 'Send an Idempotency-Key header with every accept');
  const start = await beginAccept(ctx, session, offerId, idempotencyKey, click);
  if (start.kind === 'answer') return start.answer;

  const upsell = start.upsell;
  let gateway: PaymentGateway;
  try {
    gateway = await gatewayFor(ctx, upsell);
  } catch (error) {
    // The shop's credentials were removed or cannot be read: nothing was sent, so the buyer gets a
    // decline and the merchant the reason, instead of an upsell left pending.
    if (!(error instanceof DomainError)) throw error;
    const declined = await recordDeclined(ctx, upsell, 'processing_error', 'system', { detail: error.message });
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
  ctx.faults.reach('accept.after_order_change');
  const answer = answerFor(settled);
  return stored ? answer : remember(ctx.db, session.shopId, idempotencyKey, answer);
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
async function remember(db: Kysely<Database>, shopId: string, key: string, answer: AcceptAnswer): Promise<AcceptAnswer> {
  if (answer.body.status === 'pending') return answer;
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: answer.statusCode, response: JSON.stringify(answer.body) })
    .where('shop_id', '=', shopId)
    .where('scope', '=', ACCEPT_SCOPE)
    .where('key', '=', key)
    .execute();
  return answer;
}

type BeginResult =
  | { kind: 'answer'; answer: AcceptAnswer }
  | { kind: 'authorize'; upsell: UpsellRow; payment: { paymentMethodRef: string; customerRef?: string } };

/** Step 1: key, upsell and stock in one short transaction. */
async function beginAccept(ctx: UpsellContext, session: CheckoutSession, offerId: string, key: string, click: ClickContext): Promise<BeginResult> {
  const { shopId, orderId } = session;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx): Promise<BeginResult> => {
    // One round trip: claim the key and read the decision (declined?), its offer and variant as they are
    // now, the card, and any upsell of this offer on this order (another key clicked first).
    // The decision row is locked first (a decline locks it too), so an accept and a decline at the same
    // instant are serialized and exactly one wins; the next statement then sees the winner's commit. Its
    // own statement, before the key is claimed: every accept takes the two locks in the same order.
    await trx.selectFrom('decisions').select('order_id').where('shop_id', '=', shopId).where('order_id', '=', orderId).forUpdate().execute();
    const facts = await trx
      .with('claimed', (cte) => cte
        .insertInto('idempotency_keys')
        .values({ shop_id: shopId, scope: ACCEPT_SCOPE, key, request_hash: requestHash({ orderId, offerId }), created_at: now })
        .onConflict((oc) => oc.doNothing())
        .returning('key'))
      .selectFrom('decisions')
      .innerJoin('orders', (join) => join.onRef('orders.shop_id', '=', 'decisions.shop_id').onRef('orders.id', '=', 'decisions.order_id'))
      .leftJoin('offers', (join) => join.onRef('offers.shop_id', '=', 'decisions.shop_id').onRef('offers.id', '=', 'decisions.offer_id'))
      .leftJoin('variants', (join) => join.onRef('variants.shop_id', '=', 'offers.shop_id').onRef('variants.id', '=', 'offers.variant_id'))
      .leftJoin('upsells', (join) => join
        .onRef('upsells.shop_id', '=', 'decisions.shop_id')
        .onRef('upsells.order_id', '=', 'decisions.order_id')
        .on('upsells.offer_id', '=', offerId))
      .select((eb) => [
        eb.selectFrom('claimed').select('key').as('claimed_key'),
        'decisions.declined_at', 'decisions.offer', 'offers.active', 'offers.deleted_at', 'offers.ends_at', 'offers.quantity',
        'variants.id as variant_id', 'variants.stock', 'orders.payment', 'orders.customer', 'upsells.id as existing_id',
      ])
      .where('decisions.shop_id', '=', shopId)
      .where('decisions.order_id', '=', orderId)
      .executeTakeFirst();
    // Every session's order has its decision; without one there is nothing to accept (the claim rolls back).
    if (facts && facts.claimed_key === null) return { kind: 'answer', answer: await replay(ctx, trx, session, offerId, key) };
    if (facts?.existing_id) {
      const existing = await trx.selectFrom('upsells').selectAll().where('shop_id', '=', shopId).where('id', '=', facts.existing_id).executeTakeFirstOrThrow();
      return { kind: 'answer', answer: await remember(trx, shopId, key, answerFor(existing)) };
    }
    if (facts?.declined_at) throw offerClosed();
    const offer = facts ? stillAvailable(facts, now) : null;
    // `total > 0` also covers decisions stored before free offers were skipped: nothing to charge is no offer.
    if (!facts || !offer || offer.id !== offerId || offer.total <= 0) throw new DomainError('offer_not_available', 'This offer is not available for this order');
    const { payment } = facts;
    const buyer: BuyerContext = { ...click, email: facts.customer.email ?? null };
    const settings = await shopSettings(ctx, trx, shopId);
    // The upsell and its first event in one statement; the event is written only if the upsell was.
    const upsellId = ctx.ids.id('ups');
    const pendingEvent = eventValues({ shop_id: shopId, id: upsellId }, 'pending', null, { actor: 'buyer', reason: 'accept clicked' }, now);
    const inserted = await trx
      .with('created', (cte) => cte.insertInto('upsells').values({
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
      })
        .onConflict((oc) => oc.columns(['shop_id', 'order_id', 'offer_id']).doNothing())
        .returningAll())
      .with('logged', (cte) => cte
        .insertInto('upsell_events')
        .columns(['shop_id', 'upsell_id', 'type', 'from_state', 'actor', 'reason', 'data', 'at'])
        .expression((eb) => eb.selectFrom('created').select([
          'created.shop_id', 'created.id',
          sql<string>`${pendingEvent.type}::text`.as('type'), sql<null>`NULL::text`.as('from_state'),
          sql<string>`${pendingEvent.actor}::text`.as('actor'), sql<string | null>`${pendingEvent.reason}::text`.as('reason'),
          sql<null>`NULL::jsonb`.as('data'), sql<Date>`${pendingEvent.at}::timestamptz`.as('at'),
        ]))
        .returning('id'))
      .selectFrom('created')
      .selectAll()
      .executeTakeFirst();
    if (!inserted) {
      // Another click with another key created it a moment ago: answer with that one, never charge twice.
      const winner = await trx.selectFrom('upsells').selectAll().where('shop_id', '=', shopId).where('order_id', '=', orderId).where('offer_id', '=', offerId).executeTakeFirstOrThrow();
      return { kind: 'answer', answer: await remember(trx, shopId, key, answerFor(winner)) };
    }
    const reserved = facts.stock === null ? inserted : await reserveStock(trx, inserted);
    return { kind: 'authorize', upsell: reserved, payment };
  });
}

/**
 * A key seen before: the answer for its upsell's current state (the stored answer only tells that the
 * first request finished), or — while the first request is still out — `idempotency_in_progress`.
 */
async function replay(ctx: UpsellContext, trx: Kysely<Database>, session: CheckoutSession, offerId: string, key: string): Promise<AcceptAnswer> {
  const record = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response', 'created_at'])
    .where('shop_id', '=', session.shopId)
    .where('scope', '=', ACCEPT_SCOPE)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (record.request_hash !== requestHash({ orderId: session.orderId, offerId })) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used for another offer or order');
  }
  const upsell = await trx
    .selectFrom('upsells')
    .selectAll()
    .where('shop_id', '=', session.shopId)
    .where('order_id', '=', session.orderId)
    .where('offer_id', '=', offerId)
    .executeTakeFirst();
  // The upsell as it is now, not the answer stored then: after an undo, a failed capture or a refund the
  // key answers `409 offer_closed`, never the "accepted" it first got.
  if (record.status_code !== null) return upsell ? answerFor(upsell) : { statusCode: record.status_code, body: record.response as AcceptBody };
  if (!upsell || (upsell.state === 'pending' && answerMayStillCome(ctx, record.created_at))) {
    throw new DomainError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress');
  }
  return answerFor(upsell);
}

/**
 * Holds the offer's units for this upsell (a variant that tracks stock); `out_of_stock` (and nothing
 * written) when they are gone. The caller read the stock without a lock: a FOR UPDATE made every accept
 * of the same variant wait for the previous one's commit. The units are taken by one guarded update.
 */
async function reserveStock(trx: Kysely<Database>, upsell: UpsellRow): Promise<UpsellRow> {
  const quantity = upsell.offer.quantity;
  const taken = await trx
    .updateTable('variants')
    .set((eb) => ({ stock: eb('stock', '-', quantity) }))
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.offer.variantId)
    .where('stock', '>=', quantity)
    .returning('stock')
    .executeTakeFirst();
  if (!taken) throw new DomainError('out_of_stock', 'This item just sold out. You have not been charged.');
  return trx
    .updateTable('upsells')
    .set({ reserved_quantity: quantity })
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
