/**
 * The accept saga's steps at the PSP and the compensation beside each, in one place: accept, undo, the
 * finalizer, reconciliation and PSP notifications all move money through these functions, so the key
 * scheme, the timeout and the grace period are written once.
 *
 *   step                         PSP call (idempotency key)          compensation
 *   authorize                    authorize     `ups_…:authorize`      releaseAuthorization: void `ups_…:void`,
 *                                                                    or a whole refund `ups_…:refund` if captured
 *   finish 3-D Secure            completeAction `ups_…:complete`     (a decline releases as above)
 *   add the line                 —                                   removeFromOrder: revert line, give stock back
 *   capture (after the window)   capture       `ups_…:capture`       removeFromOrder + releaseAuthorization
 *   merchant refund (captured)   refund        `ups_…:refund`        — (the line stays on the order, shown refunded)
 *
 * The refund key is shared by the immediate-mode undo's whole refund and the merchant's refund of a
 * captured upsell; no upsell has both (an undone upsell is never captured).
 *
 * Every call runs under the gateway timeout; past it the outcome is `unknown`, never guessed, and the
 * worker asks again under the same key. `settleAuthorization` records whatever the PSP said about an
 * authorization, from whichever path heard it.
 */
import type { Transaction } from 'kysely';
import { canonicalJson } from '../core/json';
import { message } from '../core/messages';
import type { OrderPayment } from '../core/orders';
import type {
  ActionDetails,
  AuthorizeRequest,
  AuthorizeResult,
  DeclineCode,
  LookupResult,
  ModificationResult,
  PaymentGateway,
} from '../gateways/contract';
import type { UpsellLine } from '../orders/contract';
import type { Database, UpsellRow } from '../store/schema';
import { orderPayment } from '../store/orders';
import { updateUpsell } from '../store/upsells';
import type { UpsellContext } from './context';
import { appendEvent, orderChangeOf, releaseStock, sinkFor, transition, withLockedUpsell, type Actor, type AfterChange } from './upsells';

type Trx = Transaction<Database>;

/** The PSP's references to the buyer's stored card, as the order carries them. */
type PaymentRefs = Pick<OrderPayment, 'paymentMethodRef' | 'customerRef'>;

/** The PSP steps of an upsell; each one's idempotency key is `<upsell id>:<step>`. */
export type SagaStep = 'authorize' | 'complete' | 'capture' | 'void' | 'refund';

export function stepKey(upsell: Pick<UpsellRow, 'id'>, step: SagaStep): string {
  return `${upsell.id}:${step}`;
}

/**
 * How long past the gateway timeout a `pending` upsell may still be getting its answer from the request
 * that created it: before that, reconciliation, a PSP notification and a repeated accept leave it alone.
 */
const PENDING_GRACE_MS = 2_000;

/** Whether the authorize sent at `since` may still be answered by its own request. */
export function answerMayStillCome(ctx: UpsellContext, since: Date, now = ctx.clock.now()): boolean {
  return now.getTime() - since.getTime() < ctx.gatewayTimeoutMs + PENDING_GRACE_MS;
}

/** The newest `updated_at` of a `pending` upsell whose own request can no longer answer. */
export function pendingSettledBefore(ctx: UpsellContext, now: Date): Date {
  return new Date(now.getTime() - ctx.gatewayTimeoutMs - PENDING_GRACE_MS);
}

/** The gateway this upsell's money moves through: the order's PSP, with the shop's credentials. */
export function gatewayFor(ctx: UpsellContext, upsell: UpsellRow): Promise<PaymentGateway> {
  return ctx.gateways.forShop(upsell.shop_id, upsell.gateway);
}

const UNKNOWN: AuthorizeResult = { status: 'unknown', reason: 'timeout' };
const UNKNOWN_MODIFICATION: ModificationResult = { status: 'unknown', reason: 'timeout' };

/** Runs a PSP call with the gateway timeout; past it, the outcome is unknown (never guessed). */
async function withTimeout<T>(ctx: UpsellContext, call: Promise<T>, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ctx.gatewayTimeoutMs);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The kind words for a decline, in the buyer's language. */
export function declineMessage(code: DeclineCode, locale: string): string {
  return message(locale, `declined_${code}`);
}

/**
 * The authorize request of an upsell (accept and reconciliation send the same one, under the same key:
 * the buyer's context is the one stored at the click, so a retry's body is the first one's).
 */
export function authorizeRequest(upsell: UpsellRow, payment: PaymentRefs): AuthorizeRequest {
  return {
    paymentMethodRef: payment.paymentMethodRef,
    customerRef: payment.customerRef ?? null,
    amount: upsell.amount,
    currency: upsell.currency,
    idempotencyKey: stepKey(upsell, 'authorize'),
    customerPresent: true,
    capture: upsell.capture_mode === 'immediate' ? 'immediate' : 'manual',
    metadata: { upsell_id: upsell.id, order_id: upsell.order_id, shop_id: upsell.shop_id },
    merchantRef: upsell.shop_id,
    ...(upsell.buyer ? { buyer: upsell.buyer } : {}),
  };
}

/**
 * Authorizes with the gateway timeout. An authorize that throws instead of answering (the PSP or its SDK
 * refused the request, e.g. an amount it calls invalid) must not leave the upsell pending forever: the
 * PSP is asked by the same idempotency key, and when it holds nothing under it the refusal is final — a
 * `processing_error` decline, the stock given back, nothing charged. When even the lookup cannot tell,
 * the outcome is unknown: pending, and reconciliation asks again (backed off).
 */
export async function authorizeAtPsp(ctx: UpsellContext, gateway: PaymentGateway, upsell: UpsellRow, payment: PaymentRefs): Promise<AuthorizeResult> {
  const request = authorizeRequest(upsell, payment);
  let refusal: unknown;
  try {
    return await withTimeout(ctx, gateway.authorize(request), UNKNOWN);
  } catch (error) {
    refusal = error;
  }
  const found = await lookupAuthorization(ctx, upsell).catch((): LookupResult => UNKNOWN);
  if (found.status !== 'not_found') return found;
  const name = refusal instanceof Error ? refusal.name : 'Error';
  return { status: 'declined', code: 'processing_error', message: `the payment provider refused the request (${name})`, ref: null };
}

/**
 * What the PSP holds under the upsell's authorize key (`not_found` when nothing; `unknown` past the
 * timeout). A lookup that throws is thrown on: the worker counts the row as failed and backs it off.
 */
export async function lookupAuthorization(ctx: UpsellContext, upsell: UpsellRow): Promise<LookupResult> {
  const gateway = await gatewayFor(ctx, upsell);
  return withTimeout<LookupResult>(ctx, gateway.lookup({ idempotencyKey: stepKey(upsell, 'authorize') }), UNKNOWN);
}

/**
 * The outcome of the upsell's 3-D Secure step (`details`: what the buyer's page reported, when it did).
 * Still `requires_action` while the buyer has not finished it.
 */
export async function completeAtPsp(
  ctx: UpsellContext,
  upsell: UpsellRow & { authorization_ref: string },
  details?: ActionDetails,
): Promise<AuthorizeResult> {
  const gateway = await gatewayFor(ctx, upsell);
  return withTimeout(ctx, gateway.completeAction(upsell.authorization_ref, stepKey(upsell, 'complete'), details), UNKNOWN);
}

/** Captures the authorized amount, after the undo window. */
export async function captureAtPsp(ctx: UpsellContext, upsell: UpsellRow): Promise<ModificationResult> {
  const gateway = await gatewayFor(ctx, upsell);
  return withTimeout(
    ctx,
    gateway.capture(upsell.authorization_ref ?? '', upsell.amount, upsell.currency, stepKey(upsell, 'capture')),
    UNKNOWN_MODIFICATION,
  );
}

/**
 * Compensation of "add the line": takes the upsell's line (or linked order) out of the order, gives the
 * stock back and moves the upsell to `to`, in the caller's transaction on the locked row.
 */
export async function removeFromOrder(
  ctx: UpsellContext,
  trx: Trx,
  current: UpsellRow,
  to: 'cancelled' | 'capture_failed',
  change: Parameters<typeof transition>[4],
): Promise<UpsellRow> {
  await sinkFor(ctx, current).revertUpsell(trx, current.shop_id, current.order_id, orderChangeOf(current));
  await releaseStock(trx, current);
  return transition(ctx, trx, current, to, change);
}

function lineFor(upsell: UpsellRow): UpsellLine {
  const offer = upsell.offer;
  return {
    upsellId: upsell.id,
    productId: offer.productId,
    variantId: offer.variantId,
    title: offer.variantTitle ? `${offer.title} — ${offer.variantTitle}` : offer.title,
    quantity: offer.quantity,
    unitPrice: offer.unitPrice,
    discountAmount: offer.discountAmount,
    taxAmount: offer.taxAmount,
    shippingAmount: offer.shippingAmount,
    total: offer.total,
    currency: offer.currency,
  };
}

/**
 * Records what the PSP said about an authorization (from accept, the 3-D Secure completion or the
 * worker's reconciliation) and returns the upsell as it now stands. Safe to call twice: an upsell that
 * has already moved on is returned as it is.
 */
export async function settleAuthorization(
  ctx: UpsellContext,
  upsell: UpsellRow,
  result: AuthorizeResult,
  actor: Actor,
  after?: AfterChange,
): Promise<UpsellRow> {
  switch (result.status) {
    case 'authorized':
      return recordAuthorized(ctx, upsell, result, actor, after);
    case 'declined':
      return recordDeclined(ctx, upsell, result.code, actor, { detail: result.message, ref: result.ref, after });
    case 'requires_action':
      return withLockedUpsell(
        ctx,
        upsell,
        async (trx, current) => {
          if (current.state === 'requires_action') return nextAction(ctx, trx, current, result);
          if (current.state !== 'pending') return current;
          return transition(ctx, trx, current, 'requires_action', {
            actor: 'psp',
            reason: 'the bank asked for 3-D Secure',
            set: { authorization_ref: result.ref, action: JSON.stringify(result.action) },
          });
        },
        after,
      );
    case 'unknown':
      return withLockedUpsell(
        ctx,
        upsell,
        async (trx, current) => {
          await appendEvent(trx, current, 'authorization_unknown', current.state, { actor: 'psp', reason: result.reason }, ctx.clock.now());
          return current;
        },
        after,
      );
    default: {
      const exhaustive: never = result;
      return exhaustive;
    }
  }
}

/**
 * The PSP answered a finished 3-D Secure step with another one (Adyen: a challenge after the device
 * fingerprint). The page must get the new action, never the old one again, or it would loop on the
 * first step; the buyer's time for the step starts again. The same action again changes nothing.
 */
async function nextAction(
  ctx: UpsellContext,
  trx: Trx,
  current: UpsellRow,
  result: Extract<AuthorizeResult, { status: 'requires_action' }>,
): Promise<UpsellRow> {
  if (current.authorization_ref === result.ref && canonicalJson(current.action) === canonicalJson(result.action)) return current;
  const now = ctx.clock.now();
  const row = await updateUpsell(trx, current, { authorization_ref: result.ref, action: JSON.stringify(result.action), updated_at: now });
  await appendEvent(trx, row, 'action_required', 'requires_action', { actor: 'psp', reason: 'the bank asked for another 3-D Secure step' }, now);
  return row;
}

async function recordAuthorized(
  ctx: UpsellContext,
  upsell: UpsellRow,
  result: Extract<AuthorizeResult, { status: 'authorized' }>,
  actor: Actor,
  after?: AfterChange,
): Promise<UpsellRow> {
  try {
    return await withLockedUpsell(
      ctx,
      upsell,
      async (trx, current) => {
        if (current.state !== 'pending' && current.state !== 'requires_action') return current;
        return addToOrder(ctx, trx, current, result, actor);
      },
      after,
    );
  } catch (error) {
    // Compensation for step 3: the order could not take the line, so the money is released. Only a
    // confirmed release lets the upsell end as declined; otherwise it stays pending for reconciliation.
    const released = await releaseAuthorization(ctx, upsell, result.ref, result.captured);
    if (released.status !== 'succeeded' && released.status !== 'received') throw error;
    const detail = error instanceof Error ? error.message : String(error);
    return recordDeclined(ctx, upsell, 'processing_error', 'system', { detail: `order change failed: ${detail}`, ref: result.ref, after });
  }
}

/**
 * Step 3 on the locked row, in the caller's transaction: adds the line (or linked order) and records
 * `authorized` with the undo deadline. Also how an upsell Shopify charged itself enters the order, in the
 * transaction that creates it (engine/shopify-purchase), so that no crash can leave its charge unrecorded.
 */
export async function addToOrder(
  ctx: UpsellContext,
  trx: Trx,
  current: UpsellRow,
  result: Extract<AuthorizeResult, { status: 'authorized' }>,
  actor: Actor,
): Promise<UpsellRow> {
  const now = ctx.clock.now();
  const change = await sinkFor(ctx, current).applyUpsell(trx, current.shop_id, current.order_id, lineFor(current), now);
  return transition(ctx, trx, current, 'authorized', {
    actor,
    set: {
      authorization_ref: result.ref,
      captured_at_authorization: result.captured,
      card: JSON.stringify({ brand: result.card.brand ?? current.card.brand, last4: result.card.last4 ?? current.card.last4 }),
      undo_until: new Date(now.getTime() + current.undo_window_seconds * 1000),
      line_id: change.lineId,
      linked_order_id: change.linkedOrderId,
      action: null,
    },
  });
}

/**
 * Compensation of the authorize: voids the hold, or refunds the whole charge when it was captured with
 * the authorization (immediate mode). Keys `ups_…:void` / `ups_…:refund`.
 */
export async function releaseAuthorization(ctx: UpsellContext, upsell: UpsellRow, ref: string, captured: boolean): Promise<ModificationResult> {
  const gateway = await gatewayFor(ctx, upsell);
  const call = captured
    ? gateway.refund(ref, upsell.amount, upsell.currency, stepKey(upsell, 'refund'), { whole: true })
    : gateway.void(ref, stepKey(upsell, 'void'));
  return withTimeout(ctx, call, UNKNOWN_MODIFICATION);
}

/**
 * The merchant's refund of a captured upsell, in full: a refund of captured money (`whole: false`), key
 * `ups_…:refund`, so a retry — after an `unknown`, or a crash before the answer was recorded — gets the
 * PSP's first answer and never refunds twice. For gateway `shopify` it is the money only (the goods may
 * have shipped; only the undo, `whole`, also edits the line out). A call that throws instead of answering may still have reached the PSP:
 * its outcome is `unknown`, like a timeout.
 */
export async function refundCaptured(ctx: UpsellContext, gateway: PaymentGateway, upsell: UpsellRow): Promise<ModificationResult> {
  const ref = upsell.authorization_ref;
  if (!ref) return { status: 'failed', code: 'no_payment_reference', message: `Upsell ${upsell.id} has no payment at the PSP to refund` };
  try {
    const call = gateway.refund(ref, upsell.amount, upsell.currency, stepKey(upsell, 'refund'), { whole: false });
    return await withTimeout(ctx, call, UNKNOWN_MODIFICATION);
  } catch (error) {
    return { status: 'unknown', reason: `the payment provider did not answer (${error instanceof Error ? error.name : 'Error'})` };
  }
}

/**
 * Records a decline with the buyer-facing message for its code; `detail` (the PSP's words) goes to the
 * event, `ref` (the PSP's payment, when there is one) stays on the upsell for the merchant's records.
 */
export async function recordDeclined(
  ctx: UpsellContext,
  upsell: UpsellRow,
  code: DeclineCode,
  actor: Actor,
  { detail, ref, after }: { detail?: string; ref?: string | null; after?: AfterChange } = {},
): Promise<UpsellRow> {
  return withLockedUpsell(
    ctx,
    upsell,
    async (trx, current) => {
      if (current.state !== 'pending' && current.state !== 'requires_action') return current;
      await releaseStock(trx, current);
      return transition(ctx, trx, current, 'declined', {
        actor,
        reason: detail ?? code,
        set: {
          decline_code: code,
          decline_message: declineMessage(code, current.offer.locale),
          action: null,
          authorization_ref: ref ?? current.authorization_ref,
        },
      });
    },
    after,
  );
}

/**
 * A `pending` upsell whose own request can no longer answer (reconciliation, or a PSP notification about
 * it): what the PSP holds under its authorize key settles it; when it holds nothing, the same authorize is
 * sent now under the same key. An answer that does not come leaves it pending, asked again later.
 */
export async function resolvePending(ctx: UpsellContext, upsell: UpsellRow): Promise<void> {
  const found = await lookupAuthorization(ctx, upsell);
  let result = found.status === 'not_found' ? null : found;
  if (!result) {
    // The authorize never reached the PSP: send it now, the same request under the same key.
    const payment = await orderPayment(ctx.db, upsell.shop_id, upsell.order_id);
    result = await authorizeAtPsp(ctx, await gatewayFor(ctx, upsell), upsell, payment);
  }
  await settleAuthorization(ctx, upsell, result, 'worker');
}
