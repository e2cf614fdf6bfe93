/**
 * The one contract every `PaymentGateway` passes, sandbox included: each adapter's test file builds a
 * `ContractHarness` (its gateway pointed at an in-process fake of the PSP's HTTP API, or the sandbox) and
 * calls `describeGatewayContract`. What is PSP-specific — the exact requests on the wire — each adapter's
 * own file asserts through `harness.requests()`; this suite asserts behaviour and money.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDetails, AuthorizeRequest, AuthorizeResult, DeclineCode, PaymentGateway, ThreeDSecureAction } from '../../src/gateways/contract';

/** A stored payment method the PSP (or its fake) knows, with the card it stands for. */
export interface StoredMethod {
  readonly paymentMethodRef: string;
  readonly customerRef: string | null;
  readonly card: { readonly brand: string; readonly last4: string };
}

/** One HTTP request the fake PSP received. Header names are lower case; `body` is parsed (JSON or form). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
}

export interface ContractHarness {
  readonly gateway: PaymentGateway;
  /** Merchant reference to put on requests (sandbox: a shop id; real PSPs take it from credentials). */
  readonly merchantRef: string;
  readonly methods: {
    readonly success: StoredMethod;
    readonly declined: StoredMethod & { readonly code: DeclineCode };
    readonly insufficientFunds: StoredMethod & { readonly code: DeclineCode };
    readonly expired: StoredMethod & { readonly code: DeclineCode };
    /** The issuer asks for 3-D Secure on this one. */
    readonly requiresAction: StoredMethod;
    /** The PSP takes the payment but the first answer comes after the gateway's timeout. */
    readonly timeout: StoredMethod;
  };
  /**
   * Plays the buyer's page finishing the 3-D Secure step of `ref` with the given outcome, as the widget
   * would (Stripe.js `handleNextAction`, Adyen's component, Braintree's `verifyCard`); returns the
   * details the page would post back to `completeAction`, if the PSP needs any.
   */
  finishAction(ref: string, action: ThreeDSecureAction, outcome: 'succeeded' | 'failed'): Promise<ActionDetails | undefined>;
  /** What the PSP holds for a payment, in minor units: proves amounts were converted right on the wire. */
  paymentAtPsp(ref: string): Promise<{ amount: number; currency: string; captured: number; refunded: number; status: string }>;
  /** How many payments the PSP holds in all: proves a retry created none. */
  paymentCount(): Promise<number>;
  /** Requests the fake received so far (empty for the sandbox, which has no wire). */
  requests(): readonly RecordedRequest[];
  /** Asynchronous PSPs (Adyen) confirm modifications later; this lets the fake process them. No-op elsewhere. */
  settle(): Promise<void>;
  /** How long `authorize` of `methods.timeout` may take before the caller should call it unknown. */
  readonly timeoutMs: number;
  close(): Promise<void>;
}

const CURRENCIES = [
  ['JPY', 1999],
  ['USD', 1999],
  // A three-decimal amount ending in 0: Stripe refuses any other last digit.
  ['KWD', 19_990],
] as const;

export function describeGatewayContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`${name} › PaymentGateway contract`, () => {
    let harness: ContractHarness;
    let gateway: PaymentGateway;

    beforeAll(async () => {
      harness = await makeHarness();
      gateway = harness.gateway;
    });
    afterAll(async () => {
      await harness?.close();
    });

    const key = (operation: string) => `ups_${randomUUID().replaceAll('-', '').slice(0, 20)}:${operation}`;

    function request(method: StoredMethod, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
      return {
        paymentMethodRef: method.paymentMethodRef,
        customerRef: method.customerRef,
        amount: 1999,
        currency: 'USD',
        idempotencyKey: key('authorize'),
        customerPresent: true,
        capture: 'manual',
        metadata: { upsell_id: 'ups_contract', order_id: 'ord_contract', shop_id: 'shop_contract' },
        merchantRef: harness.merchantRef,
        ...overrides,
      };
    }

    function refOf(result: AuthorizeResult): string {
      if (result.status === 'unknown') throw new Error(`expected a ref, got ${JSON.stringify(result)}`);
      if (!result.ref) throw new Error(`no ref in ${JSON.stringify(result)}`);
      return result.ref;
    }

    async function authorized(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
      const result = await gateway.authorize(request(harness.methods.success, overrides));
      expect(result.status).toBe('authorized');
      return refOf(result);
    }

    it('authorizes the stored card, buyer present, holding the money and reporting the card', async () => {
      const result = await gateway.authorize(request(harness.methods.success));
      expect(result).toEqual({ status: 'authorized', ref: expect.any(String), card: harness.methods.success.card, captured: false });
      expect(await harness.paymentAtPsp(refOf(result))).toMatchObject({ amount: 1999, currency: 'USD', captured: 0 });
    });

    it('captures at authorization in immediate mode', async () => {
      const result = await gateway.authorize(request(harness.methods.success, { capture: 'immediate', amount: 4200 }));
      expect(result).toMatchObject({ status: 'authorized', captured: true });
      await harness.settle();
      expect(await harness.paymentAtPsp(refOf(result))).toMatchObject({ amount: 4200, captured: 4200 });
    });

    it.each(['declined', 'insufficientFunds', 'expired'] as const)('maps the %s card to its decline code', async (which) => {
      const method = harness.methods[which];
      const result = await gateway.authorize(request(method));
      expect(result).toMatchObject({ status: 'declined', code: method.code, message: expect.any(String) });
    });

    it('answers a repeated idempotency key with the first outcome, moving money once', async () => {
      const first = request(harness.methods.success);
      const once = await gateway.authorize(first);
      const again = await gateway.authorize({ ...first });
      expect(again).toEqual(once);
      const ref = refOf(once);
      const captureKey = key('capture');
      expect(await gateway.capture(ref, 1999, 'USD', captureKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      expect(await gateway.capture(ref, 1999, 'USD', captureKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      await harness.settle();
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ captured: 1999 });
    });

    it('asks for 3-D Secure, then authorizes once the buyer completes it', async () => {
      const result = await gateway.authorize(request(harness.methods.requiresAction));
      expect(result).toMatchObject({ status: 'requires_action', action: { type: 'three_d_secure' } });
      if (result.status !== 'requires_action') return;
      const details = await harness.finishAction(result.ref, result.action, 'succeeded');
      const completed = await gateway.completeAction(result.ref, key('complete'), details);
      expect(completed).toMatchObject({ status: 'authorized', captured: false });
      expect(await gateway.lookup({ ref: refOf(completed) })).toMatchObject({ status: 'authorized' });
    });

    it('declines with authentication_failed when the buyer fails 3-D Secure', async () => {
      const result = await gateway.authorize(request(harness.methods.requiresAction));
      if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
      const details = await harness.finishAction(result.ref, result.action, 'failed');
      expect(await gateway.completeAction(result.ref, key('complete'), details)).toMatchObject({
        status: 'declined',
        code: 'authentication_failed',
      });
    });

    it('after a timeout, a lookup by key finds the payment (or says not_found) and a retry charges once', async () => {
      const before = await harness.paymentCount();
      const timedOut = request(harness.methods.timeout);
      const raced = await Promise.race([
        gateway.authorize(timedOut),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), harness.timeoutMs)),
      ]);
      if (raced !== 'timeout') expect(raced.status).toBe('unknown');
      // PSPs without a search by idempotency key (Adyen) answer not_found: the retry below is then the lookup.
      const found = await gateway.lookup({ idempotencyKey: timedOut.idempotencyKey });
      const retried = await gateway.authorize({ ...timedOut });
      expect(retried).toMatchObject({ status: 'authorized' });
      if (found.status !== 'not_found') expect(found).toMatchObject({ status: 'authorized', ref: refOf(retried) });
      expect(await harness.paymentCount()).toBe(before + 1);
    });

    it('answers not_found for a key it never saw', async () => {
      expect(await gateway.lookup({ idempotencyKey: key('authorize') })).toEqual({ status: 'not_found' });
    });

    it('voids a hold, and a repeated void succeeds without a second release', async () => {
      const ref = await authorized();
      const voidKey = key('void');
      expect(await gateway.void(ref, voidKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      expect(await gateway.void(ref, voidKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      await harness.settle();
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ status: 'voided', captured: 0 });
    });

    it('refunds captured money once for a repeated key', async () => {
      const ref = await authorized();
      await gateway.capture(ref, 1999, 'USD', key('capture'));
      await harness.settle();
      const refundKey = key('refund');
      expect(await gateway.refund(ref, 1999, 'USD', refundKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      expect(await gateway.refund(ref, 1999, 'USD', refundKey)).toMatchObject({ status: expect.stringMatching(/^(succeeded|received)$/) });
      await harness.settle();
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ captured: 1999, refunded: 1999 });
    });

    it('does not void captured money', async () => {
      const ref = await authorized();
      await gateway.capture(ref, 1999, 'USD', key('capture'));
      await harness.settle();
      const voided = await gateway.void(ref, key('void'));
      await harness.settle();
      expect(voided.status === 'failed' || voided.status === 'received').toBe(true);
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ captured: 1999 });
    });

    it.each(CURRENCIES)('moves exactly %s %i minor units through authorize, capture and refund', async (currency, amount) => {
      const ref = await authorized({ currency, amount });
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ amount, currency });
      await gateway.capture(ref, amount, currency, key('capture'));
      await harness.settle();
      await gateway.refund(ref, amount, currency, key('refund'));
      await harness.settle();
      expect(await harness.paymentAtPsp(ref)).toMatchObject({ amount, currency, captured: amount, refunded: amount });
    });
  });
}
