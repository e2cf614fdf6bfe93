/**
 * The sandbox PSP: a payment processor simulator inside Plusone and its default gateway. It keeps its
 * payments in its own `sandbox_` tables (the PSP's database), so a restart loses nothing, and answers
 * its test payment-method references like a PSP's test cards (see `TEST_CARDS`).
 *
 * Idempotency keys form one global namespace, as on a single PSP platform account: capture, void,
 * refund and lookup carry no merchant, and the engine's keys embed unique upsell ids. The first answer to
 * a key is stored with the request's hash; a repeat gets that answer, a different request throws.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import { isCurrency } from '../../core/money';
import { SANDBOX_TEST_CARDS, sandboxCardSummary, type SandboxChallenge, type SandboxTestCard } from '../../core/sandbox';
import { randomIds, systemClock, type Clock, type IdGenerator } from '../../core/clock';
import type { Db } from '../../store/database';
import type { Database } from '../../store/schema';
import type {
  ActionDetails,
  AuthorizeRequest,
  AuthorizeResult,
  CardSummary,
  DeclineCode,
  LookupResult,
  ModificationResult,
  PaymentGateway,
} from '../contract';
import type { ChallengeResult, SandboxDatabase, SandboxOperation, SandboxPaymentsTable, StoredResponse } from './tables';

type SandboxDb = Kysely<Database & SandboxDatabase>;
type SandboxTrx = Transaction<Database & SandboxDatabase>;
type Payment = Selectable<SandboxPaymentsTable>;
type PaymentChange = Updateable<SandboxPaymentsTable>;

export interface SandboxOptions {
  /** Added to every call, to give benchmarks a PSP-like round trip. Default 0. */
  readonly latencyMs?: number;
  /** How long the first authorize of `pm_sandbox_timeout` takes to answer. Default 10 000. */
  readonly hangMs?: number;
  /** Public origin the challenge routes are served from; the URL is `{base}/sandbox/3ds/{ref}`. Default ''. */
  readonly challengeBaseUrl?: string;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/** A request a real PSP would refuse with a 4xx: a programming error on our side, never a business outcome. */
export class SandboxRequestError extends Error {
  constructor(
    readonly code: 'idempotency_key_reused' | 'invalid_amount' | 'invalid_currency' | 'no_such_payment',
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

type CardBehaviour =
  | { readonly outcome: 'authorized'; readonly card: CardSummary; readonly hangs?: true; readonly captureFails?: true }
  | { readonly outcome: 'declined'; readonly code: DeclineCode; readonly message: string }
  | { readonly outcome: 'requires_action'; readonly card: CardSummary };

/** The test cards (core/sandbox, the one list the card field offers too), each with the card it reports. */
const TEST_CARDS: ReadonlyMap<string, CardBehaviour> = new Map(SANDBOX_TEST_CARDS.map((card) => [card.token, behaviourOf(card)]));

function behaviourOf(card: SandboxTestCard): CardBehaviour {
  const { behaviour } = card;
  return behaviour.outcome === 'declined' ? behaviour : { ...behaviour, card: sandboxCardSummary(card) };
}

const SUCCEEDED: ModificationResult = { status: 'succeeded' };
const NOT_FOUND = { status: 'not_found' } as const;

function failed(code: string, message: string): { result: ModificationResult } {
  return { result: { status: 'failed', code, message } };
}

function assertMoney(amount: number, currency: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new SandboxRequestError('invalid_amount', `Amount must be a positive integer of minor units, got ${amount}`);
  }
  if (!isCurrency(currency)) throw new SandboxRequestError('invalid_currency', `${currency} is not an ISO 4217 code`);
}

function captureFails(paymentMethodRef: string): boolean {
  const behaviour = TEST_CARDS.get(paymentMethodRef);
  return behaviour?.outcome === 'authorized' && behaviour.captureFails === true;
}

function requestHash(operation: SandboxOperation, params: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, params]))
    .digest('hex');
}

function authorizeResponse(stored: StoredResponse): AuthorizeResult {
  if (stored.kind !== 'authorize') throw new SandboxRequestError('idempotency_key_reused', 'Key was used for another operation');
  return stored.result;
}

function modificationResponse(stored: StoredResponse): ModificationResult {
  if (stored.kind !== 'modification') throw new SandboxRequestError('idempotency_key_reused', 'Key was used for another operation');
  return stored.result;
}

interface Work {
  readonly response: StoredResponse;
  readonly paymentRef: string | null;
  /** False for an answer that may still change (a challenge not done yet): the key is released. */
  readonly remember: boolean;
}

/** What the 3-D Secure challenge page shows. */
export type { SandboxChallenge };

export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox';
  private readonly db: SandboxDb;
  private readonly latencyMs: number;
  private readonly hangMs: number;
  private readonly challengeBaseUrl: string;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;

  constructor(db: Db, options: SandboxOptions = {}) {
    this.db = db.withTables<SandboxDatabase>();
    this.latencyMs = options.latencyMs ?? 0;
    this.hangMs = options.hangMs ?? 10_000;
    this.challengeBaseUrl = options.challengeBaseUrl ?? '';
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? randomIds;
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    assertMoney(request.amount, request.currency);
    await this.latency();
    const behaviour = TEST_CARDS.get(request.paymentMethodRef);
    const params = {
      paymentMethodRef: request.paymentMethodRef,
      customerRef: request.customerRef,
      amount: request.amount,
      currency: request.currency,
      capture: request.capture,
      merchantRef: request.merchantRef,
      // Sorted, so that the same metadata in another key order is the same request.
      metadata: Object.entries(request.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    };
    const { response, replayed } = behaviour
      ? await this.authorizeOnce(request, params, behaviour)
      : await this.remembered(request.idempotencyKey, 'authorize', params, async () => {
          const message = `No such payment method: ${request.paymentMethodRef} is not a sandbox test reference`;
          return {
            response: { kind: 'authorize', result: { status: 'declined', code: 'card_declined', message, ref: null } },
            paymentRef: null,
            remember: true,
          };
        });
    // The timeout card has already recorded its payment; only the first caller is kept waiting.
    if (!replayed && behaviour?.outcome === 'authorized' && behaviour.hangs) await sleep(this.hangMs);
    return authorizeResponse(response);
  }

  async completeAction(ref: string, idempotencyKey: string, _details?: ActionDetails): Promise<AuthorizeResult> {
    await this.latency();
    const { response } = await this.remembered(idempotencyKey, 'complete_action', { ref }, async (trx) => {
      const payment = await this.lockPayment(trx, ref);
      if (!payment) throw new SandboxRequestError('no_such_payment', `No such payment: ${ref}`);
      const result = this.outcome(payment);
      return { response: { kind: 'authorize', result }, paymentRef: ref, remember: result.status !== 'requires_action' };
    });
    return authorizeResponse(response);
  }

  async capture(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    assertMoney(amount, currency);
    return this.modify(idempotencyKey, 'capture', ref, { amount, currency }, (payment) => {
      switch (payment.status) {
        case 'captured':
        case 'refunded':
          return { result: SUCCEEDED };
        case 'authorized':
          if (currency !== payment.currency || amount > payment.amount) {
            return failed('invalid_amount', `Cannot capture ${amount} ${currency} of an authorization of ${payment.amount} ${payment.currency}`);
          }
          if (captureFails(payment.payment_method_ref)) {
            return failed('capture_declined', 'The issuer declined the capture (sandbox test card pm_sandbox_capture_fails).');
          }
          return { result: SUCCEEDED, change: { status: 'captured', captured_amount: amount, capture_count: payment.capture_count + 1 } };
        case 'requires_action':
        case 'voided':
        case 'declined':
          return failed('invalid_state', `Cannot capture a payment that is ${payment.status}`);
        default: {
          const exhaustive: never = payment.status;
          return exhaustive;
        }
      }
    });
  }

  async void(ref: string, idempotencyKey: string): Promise<ModificationResult> {
    return this.modify(idempotencyKey, 'void', ref, {}, (payment) => {
      switch (payment.status) {
        case 'voided':
          return { result: SUCCEEDED };
        case 'authorized':
          return { result: SUCCEEDED, change: { status: 'voided', void_count: payment.void_count + 1 } };
        case 'requires_action':
          // Abandoning the challenge: nothing was held, so no money moves and the void is not counted.
          return { result: SUCCEEDED, change: { status: 'voided' } };
        case 'captured':
        case 'refunded':
        case 'declined':
          return failed('invalid_state', `Cannot void a payment that is ${payment.status}`);
        default: {
          const exhaustive: never = payment.status;
          return exhaustive;
        }
      }
    });
  }

  async refund(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    assertMoney(amount, currency);
    return this.modify(idempotencyKey, 'refund', ref, { amount, currency }, (payment) => {
      switch (payment.status) {
        case 'captured':
        case 'refunded': {
          const refundable = payment.captured_amount - payment.refunded_amount;
          if (currency !== payment.currency || amount > refundable) {
            return failed('invalid_amount', `Cannot refund ${amount} ${currency}: ${refundable} ${payment.currency} is refundable`);
          }
          const refunded = payment.refunded_amount + amount;
          return {
            result: SUCCEEDED,
            change: {
              status: refunded === payment.captured_amount ? 'refunded' : 'captured',
              refunded_amount: refunded,
              refund_count: payment.refund_count + 1,
            },
          };
        }
        case 'requires_action':
        case 'authorized':
        case 'voided':
        case 'declined':
          return failed('invalid_state', `Cannot refund a payment that is ${payment.status}`);
        default: {
          const exhaustive: never = payment.status;
          return exhaustive;
        }
      }
    });
  }

  async lookup(query: { idempotencyKey: string } | { ref: string }): Promise<LookupResult> {
    await this.latency();
    if ('ref' in query) {
      const payment = await this.findPayment(query.ref);
      return payment ? this.outcome(payment) : NOT_FOUND;
    }
    const request = await this.db
      .selectFrom('sandbox_requests')
      .select(['payment_ref', 'response'])
      .where('idempotency_key', '=', query.idempotencyKey)
      .where('operation', '=', 'authorize')
      .executeTakeFirst();
    if (!request?.response) return NOT_FOUND;
    const payment = request.payment_ref === null ? undefined : await this.findPayment(request.payment_ref);
    return payment ? this.outcome(payment) : authorizeResponse(request.response);
  }

  /** The challenge page's view of a 3-D Secure payment; null when `ref` has no challenge. */
  async challenge(ref: string): Promise<SandboxChallenge | null> {
    const payment = await this.findPayment(ref);
    return payment ? challengeView(payment) : null;
  }

  /** The buyer's answer on the challenge page. Only the first answer counts, as with an issuer's ACS. */
  async completeChallenge(ref: string, result: ChallengeResult): Promise<SandboxChallenge | null> {
    return this.db.transaction().execute(async (trx) => {
      const payment = await this.lockPayment(trx, ref);
      if (!payment || payment.status !== 'requires_action') return payment ? challengeView(payment) : null;
      const change: PaymentChange =
        result === 'failure'
          ? { status: 'declined', decline_code: 'authentication_failed', decline_message: 'The buyer failed 3-D Secure authentication.' }
          : payment.capture_mode === 'immediate'
            ? { status: 'captured', captured_amount: payment.amount, capture_count: payment.capture_count + 1 }
            : { status: 'authorized' };
      const updated = await trx
        .updateTable('sandbox_payments')
        .set({ ...change, challenge_result: result, updated_at: this.clock.now() })
        .where('ref', '=', ref)
        .returningAll()
        .executeTakeFirstOrThrow();
      return challengeView(updated);
    });
  }

  /** The one mapping from the sandbox's payment status to the contract's authorize outcome. */
  private outcome(payment: Payment): AuthorizeResult {
    const card: CardSummary = { brand: payment.card_brand, last4: payment.card_last4 };
    switch (payment.status) {
      case 'requires_action':
        return { status: 'requires_action', ref: payment.ref, action: { type: 'three_d_secure', url: this.challengeUrl(payment.ref) } };
      case 'authorized':
        return { status: 'authorized', ref: payment.ref, card, captured: false };
      case 'voided':
        // A released hold: the authorization did succeed (the contract has no "released" outcome; void()
        // reports the release). A 3-D Secure step voided before the buyer finished it never authorized
        // anything (its void is not counted), as Stripe answers for a canceled intent without a charge.
        return payment.void_count > 0
          ? { status: 'authorized', ref: payment.ref, card, captured: false }
          : {
              status: 'declined',
              code: 'authentication_failed',
              message: 'The 3-D Secure step was abandoned before the buyer finished it.',
              ref: payment.ref,
            };
      case 'captured':
      case 'refunded':
        return { status: 'authorized', ref: payment.ref, card, captured: true };
      case 'declined':
        return { status: 'declined', code: payment.decline_code ?? 'processing_error', message: payment.decline_message ?? '', ref: payment.ref };
      default: {
        const exhaustive: never = payment.status;
        return exhaustive;
      }
    }
  }

  private challengeUrl(ref: string): string {
    return `${this.challengeBaseUrl}/sandbox/3ds/${encodeURIComponent(ref)}`;
  }

  /**
   * An authorization in one statement (no BEGIN/COMMIT round trips): the payment's row and the answer are
   * known before the write, so the key is claimed with its answer and the payment inserted only if the
   * claim succeeded. A key seen before replays its stored answer, as `remembered` does.
   */
  private async authorizeOnce(
    request: AuthorizeRequest,
    params: Record<string, unknown>,
    behaviour: CardBehaviour,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const payment = this.newPayment(request, behaviour);
    const response: StoredResponse = { kind: 'authorize', result: this.outcome(payment) };
    const hash = requestHash('authorize', params);
    const { rows } = await sql<{ claimed: boolean }>`
      WITH claimed AS (
        INSERT INTO sandbox_requests (idempotency_key, operation, request_hash, payment_ref, response, created_at)
        VALUES (${request.idempotencyKey}, 'authorize', ${hash}, ${payment.ref}, ${JSON.stringify(response)}::jsonb, ${payment.created_at})
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING idempotency_key
      ), created AS (
        -- The row as newPayment builds it, every column typed by the table itself: nothing restated here.
        INSERT INTO sandbox_payments
        SELECT * FROM jsonb_populate_record(NULL::sandbox_payments, ${JSON.stringify(payment)}::jsonb)
        WHERE EXISTS (SELECT 1 FROM claimed)
      )
      SELECT EXISTS (SELECT 1 FROM claimed) AS claimed
    `.execute(this.db);
    if (rows[0]?.claimed) return { response, replayed: false };
    // Seen before: the stored answer, through the same checks as every other operation.
    return this.remembered(request.idempotencyKey, 'authorize', params, async () => {
      throw new Error(`sandbox: idempotency key ${request.idempotencyKey} vanished while it was being replayed`);
    });
  }

  /** The row a new authorization creates, as `sandbox_payments` stores it. */
  private newPayment(request: AuthorizeRequest, behaviour: CardBehaviour): Payment {
    const now = this.clock.now();
    const capturedNow = behaviour.outcome === 'authorized' && request.capture === 'immediate';
    return {
      ref: this.ids.id('sbx'),
      merchant_ref: request.merchantRef,
      payment_method_ref: request.paymentMethodRef,
      customer_ref: request.customerRef,
      amount: request.amount,
      currency: request.currency,
      capture_mode: request.capture,
      status: behaviour.outcome === 'authorized' ? (capturedNow ? 'captured' : 'authorized') : behaviour.outcome,
      decline_code: behaviour.outcome === 'declined' ? behaviour.code : null,
      decline_message: behaviour.outcome === 'declined' ? behaviour.message : null,
      // The card of the token, also while its 3-D Secure step is open (the challenge page shows it).
      card_brand: behaviour.outcome === 'declined' ? null : behaviour.card.brand,
      card_last4: behaviour.outcome === 'declined' ? null : behaviour.card.last4,
      challenge_result: null,
      captured_amount: capturedNow ? request.amount : 0,
      refunded_amount: 0,
      capture_count: capturedNow ? 1 : 0,
      void_count: 0,
      refund_count: 0,
      metadata: request.metadata,
      created_at: now,
      updated_at: now,
    };
  }

  /** Runs one capture / void / refund under the payment's row lock and the idempotency key. */
  private async modify(
    idempotencyKey: string,
    operation: 'capture' | 'void' | 'refund',
    ref: string,
    params: Record<string, unknown>,
    decide: (payment: Payment) => { result: ModificationResult; change?: PaymentChange },
  ): Promise<ModificationResult> {
    await this.latency();
    const { response } = await this.remembered(idempotencyKey, operation, { ref, ...params }, async (trx) => {
      const payment = await this.lockPayment(trx, ref);
      if (!payment) {
        const result: ModificationResult = { status: 'failed', code: 'not_found', message: `No such payment: ${ref}` };
        return { response: { kind: 'modification', result }, paymentRef: null, remember: true };
      }
      const { result, change } = decide(payment);
      if (change) {
        await trx
          .updateTable('sandbox_payments')
          .set({ ...change, updated_at: this.clock.now() })
          .where('ref', '=', ref)
          .execute();
      }
      return { response: { kind: 'modification', result }, paymentRef: ref, remember: true };
    });
    return modificationResponse(response);
  }

  /**
   * Claims the idempotency key and runs `work` in one transaction. A concurrent call with the same key
   * waits on the uncommitted key row, then replays the committed answer: one key, one payment.
   */
  private async remembered(
    key: string,
    operation: SandboxOperation,
    params: Record<string, unknown>,
    work: (trx: SandboxTrx) => Promise<Work>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const hash = requestHash(operation, params);
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('sandbox_requests')
        .values({ idempotency_key: key, operation, request_hash: hash, created_at: this.clock.now() })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      if (!claimed) {
        const stored = await trx
          .selectFrom('sandbox_requests')
          .select(['request_hash', 'response'])
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow();
        if (stored.request_hash !== hash || !stored.response) {
          throw new SandboxRequestError('idempotency_key_reused', `Idempotency key ${key} was already used with different parameters`);
        }
        return { response: stored.response, replayed: true };
      }
      const done = await work(trx);
      if (done.remember) {
        await trx
          .updateTable('sandbox_requests')
          .set({ response: JSON.stringify(done.response), payment_ref: done.paymentRef })
          .where('idempotency_key', '=', key)
          .execute();
      } else {
        await trx.deleteFrom('sandbox_requests').where('idempotency_key', '=', key).execute();
      }
      return { response: done.response, replayed: false };
    });
  }

  private findPayment(ref: string): Promise<Payment | undefined> {
    return this.db.selectFrom('sandbox_payments').selectAll().where('ref', '=', ref).executeTakeFirst();
  }

  private lockPayment(trx: SandboxTrx, ref: string): Promise<Payment | undefined> {
    return trx.selectFrom('sandbox_payments').selectAll().where('ref', '=', ref).forUpdate().executeTakeFirst();
  }

  private async latency(): Promise<void> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
  }
}

function challengeView(payment: Payment): SandboxChallenge | null {
  if (TEST_CARDS.get(payment.payment_method_ref)?.outcome !== 'requires_action') return null;
  const state =
    payment.challenge_result === 'success'
      ? 'succeeded'
      : payment.challenge_result === 'failure'
        ? 'failed'
        : payment.status === 'requires_action'
          ? 'pending'
          : 'canceled';
  const card = { brand: payment.card_brand, last4: payment.card_last4 };
  return { ref: payment.ref, merchantRef: payment.merchant_ref, amount: payment.amount, currency: payment.currency, card, state };
}

/** What the sandbox did with a payment, for tests that assert money moved exactly once. */
export interface SandboxStats {
  readonly status: Payment['status'];
  readonly captures: number;
  readonly voids: number;
  readonly refunds: number;
  readonly capturedAmount: number;
  readonly refundedAmount: number;
}

export async function sandboxStats(db: Db, ref: string): Promise<SandboxStats | null> {
  const row = await db
    .withTables<SandboxDatabase>()
    .selectFrom('sandbox_payments')
    .select(['status', 'capture_count', 'void_count', 'refund_count', 'captured_amount', 'refunded_amount'])
    .where('ref', '=', ref)
    .executeTakeFirst();
  if (!row) return null;
  return {
    status: row.status,
    captures: row.capture_count,
    voids: row.void_count,
    refunds: row.refund_count,
    capturedAmount: row.captured_amount,
    refundedAmount: row.refunded_amount,
  };
}
