/**
 * The merchant's refund of a captured upsell (`POST /v1/upsells/{id}/refund`): the whole amount back
 * through the upsell's own gateway, then `captured → refunded` (its event, the analytics event
 * `upsell_refunded` and the webhook `upsell.refunded`, all in `transition`'s transaction):
 *
 *   1. claim the Idempotency-Key and check the upsell is captured          — one transaction
 *   2. refund at the PSP, key `ups_…:refund` (engine/saga `refundCaptured`)  — no transaction held
 *   3. record the outcome and store the answer under the key               — one transaction
 *
 * Only step 2 moves money, and it is keyed by the upsell, not by the request: a repeat with any key
 * (after an `unknown`, or after a crash between 2 and 3) sends the same refund under the same PSP key and
 * gets the PSP's first answer, so nothing is refunded twice. The order's line stays (the goods may have
 * shipped) and is shown `refunded: true`.
 */
import { DomainError } from '../core/errors';
import type { ModificationResult, PaymentGateway } from '../gateways/contract';
import { claimKey } from '../store/idempotency';
import type { UpsellRow } from '../store/schema';
import type { UpsellContext } from './context';
import { keyRequired, repeatedKey, requestHash, stillInProgress, storeIdempotentResponse, type KeyClaim } from './idempotency';
import { answerMayStillCome, gatewayFor, refundCaptured } from './saga';
import { appendEvent, findUpsell, transition, upsellView, withLockedUpsell, type AfterChange, type UpsellView } from './upsells';

export interface RefundInput {
  /** Why, in the merchant's words: kept on the upsell's `refunded` (or `refund_failed`) event. */
  reason?: string;
}

export type RefundBody =
  | { upsell: UpsellView }
  | { upsell: UpsellView; status: 'pending' }
  | { error: { code: 'refund_failed'; message: string; details: { pspCode: string } } };

export interface RefundAnswer {
  statusCode: 200 | 202 | 409;
  body: RefundBody;
  /** The stored answer of an earlier request with the same key (the audit log has it already). */
  replayed?: true;
}

const REFUND_SCOPE = 'refund';

/** A stored `202`: the PSP's answer did not come, so a repeat with the key sends the refund again. */
const RETRIED_STATUS = 202;

export async function refundUpsell(
  ctx: UpsellContext,
  shopId: string,
  upsellId: string,
  input: RefundInput,
  idempotencyKey: string | null,
): Promise<RefundAnswer> {
  if (!idempotencyKey) throw keyRequired();
  const claim: KeyClaim = {
    shopId,
    scope: REFUND_SCOPE,
    key: idempotencyKey,
    hash: requestHash({ upsellId, reason: input.reason ?? null }),
    now: ctx.clock.now(),
  };
  const start = await beginRefund(ctx, claim, upsellId);
  if (start.kind === 'answer') return start.answer;
  const result = await refundCaptured(ctx, start.gateway, start.upsell);
  ctx.faults.reach('refund.after_psp');
  return recordRefund(ctx, claim, start.upsell, result, input.reason);
}

type Start = { kind: 'answer'; answer: RefundAnswer } | { kind: 'refund'; upsell: UpsellRow; gateway: PaymentGateway };

/**
 * Step 1. A refusal here (unknown upsell, not captured, no gateway) rolls the key's claim back with
 * everything else: nothing is written, and the same key may be used again once the upsell is captured.
 */
async function beginRefund(ctx: UpsellContext, claim: KeyClaim, upsellId: string): Promise<Start> {
  return ctx.db.transaction().execute(async (trx): Promise<Start> => {
    const upsell = await findUpsell(trx, claim.shopId, upsellId);
    const replay = await replayedAnswer(ctx, trx, claim);
    if (replay) return { kind: 'answer', answer: replay };
    if (upsell.state === 'refunded') {
      const answer = answerFor(upsell);
      await storeIdempotentResponse(trx, claim, answer);
      return { kind: 'answer', answer };
    }
    if (upsell.state !== 'captured') throw notRefundable(upsell);
    // Resolved before the claim commits: shop credentials that no longer open refuse the request whole.
    return { kind: 'refund', upsell, gateway: await gatewayFor(ctx, upsell) };
  });
}

/**
 * Claims the key; a key seen before answers what it answered (`422` for another request), except a
 * stored `202` and a claim left by a request that died before answering, which go on to send the refund
 * again. A claim whose request may still be out answers `409 idempotency_in_progress`.
 */
async function replayedAnswer(ctx: UpsellContext, trx: UpsellContext['db'], claim: KeyClaim): Promise<RefundAnswer | null> {
  if (await claimKey(trx, claim)) return null;
  const record = await repeatedKey(trx, claim);
  if (record.status_code === null) {
    if (answerMayStillCome(ctx, record.created_at)) throw stillInProgress();
    return null;
  }
  if (record.status_code === RETRIED_STATUS) return null;
  return { statusCode: record.status_code as RefundAnswer['statusCode'], body: record.response as RefundBody, replayed: true };
}

function notRefundable(upsell: UpsellRow): DomainError {
  return new DomainError(
    'upsell_not_refundable',
    `Only a captured upsell can be refunded; this one is ${upsell.state}${upsell.state === 'authorized' ? ' (an undo or the capture comes first)' : ''}`,
    { state: upsell.state },
  );
}

/** The answer for the upsell as it now stands after a refund was sent. */
function answerFor(upsell: UpsellRow): RefundAnswer {
  if (upsell.state === 'refunded') return { statusCode: 200, body: { upsell: upsellView(upsell) } };
  if (upsell.state === 'captured') return { statusCode: RETRIED_STATUS, body: { upsell: upsellView(upsell), status: 'pending' } };
  // Moved on meanwhile (an Adyen capture reported failed after it was accepted): nothing left to refund.
  throw notRefundable(upsell);
}

/** Step 3: the PSP's answer on the locked row, with the answer stored under the key in the same commit. */
async function recordRefund(
  ctx: UpsellContext,
  claim: KeyClaim,
  upsell: UpsellRow,
  result: ModificationResult,
  reason: string | undefined,
): Promise<RefundAnswer> {
  // A refusal is answered for the upsell it left captured; any other outcome by the state it left.
  const answerOf = (row: UpsellRow) => (result.status === 'failed' && row.state === 'captured' ? refusal(result) : answerFor(row));
  let stored: RefundAnswer | null = null;
  const storeAnswer: AfterChange = async (trx, row) => {
    stored = answerOf(row);
    await storeIdempotentResponse(trx, claim, stored);
  };
  const settled = await withLockedUpsell(
    ctx,
    upsell,
    async (trx, current) => {
      if (current.state !== 'captured') return current;
      const now = ctx.clock.now();
      switch (result.status) {
        case 'succeeded':
        case 'received':
          return transition(ctx, trx, current, 'refunded', {
            actor: 'merchant',
            reason: reason ?? 'refunded by the merchant',
            data: { method: 'refund', psp: result.status },
          });
        case 'unknown':
          await appendEvent(trx, current, 'refund_unknown', current.state, { actor: 'psp', reason: result.reason }, now);
          return current;
        case 'failed':
          await appendEvent(trx, current, 'refund_failed', current.state, { actor: 'psp', reason: `${result.code}: ${result.message}` }, now);
          return current;
        default: {
          const exhaustive: never = result;
          return exhaustive;
        }
      }
    },
    storeAnswer,
  );
  if (stored) return stored;
  // The row moved on under us (a concurrent refund recorded it first): answer for it as it stands.
  const answer = answerOf(settled);
  await storeIdempotentResponse(ctx.db, claim, answer);
  return answer;
}

function refusal(result: Extract<ModificationResult, { status: 'failed' }>): RefundAnswer {
  return {
    statusCode: 409,
    body: {
      error: { code: 'refund_failed', message: `The payment provider refused the refund: ${result.message}`, details: { pspCode: result.code } },
    },
  };
}
