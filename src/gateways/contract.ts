/**
 * The `PaymentGateway` port: everything Plusone asks of a payment processor (PSP), in one contract that
 * the sandbox and every real adapter (Stripe, Braintree, Adyen) implement.
 *
 * Rules every adapter follows:
 * - **Money** crosses the port as integer minor units plus an ISO 4217 code; each adapter converts to its
 *   PSP's unit inside itself (Braintree wants "10.00", Stripe and Adyen minor units).
 * - **Idempotency.** Every write carries `idempotencyKey`, built by the engine from our own ids
 *   (`ups_123:authorize`, `ups_123:capture`, `ups_123:void`, `ups_123:refund`) and passed to the PSP as its
 *   idempotency key. Repeating a call with the same key must return the first call's outcome and never
 *   move money twice. The same key with different parameters is a PSP error (reported as `unknown` or a
 *   thrown error, never as success).
 * - **Customer present.** A post-purchase click is a customer-initiated card-on-file charge: Stripe
 *   `off_session: false`, Adyen `CardOnFile` + `ContAuth`, Braintree without `transactionSource`. The
 *   issuer may ask for 3-D Secure, reported as `requires_action`.
 * - **Outcomes are values.** Expected business outcomes (declined, requires_action, failed capture) are
 *   returned; an outcome the adapter cannot know (timeout, 5xx, network error) is `unknown`, never a
 *   guess. Every PSP error is sorted by its adapter's one error table into retryable, unknown, final or
 *   configuration, and the class alone decides the result (`./errors.ts`): a request the PSP refused is a
 *   final `declined` / `failed`, never retried. Adapters throw only for programming errors and for a
 *   modification whose credentials the PSP refused (`GatewayConfigurationError`).
 * - Each adapter maps its PSP's statuses to these results in one exhaustive `switch`.
 */

import type { ActionDetails, BuyerContext, CardSummary, DeclineCode, ThreeDSecureAction } from '../core/payments';

export { DECLINE_CODES } from '../core/payments';
export type { ActionDetails, BrowserInfo, BuyerContext, CardSummary, DeclineCode, ThreeDSecureAction } from '../core/payments';

export interface AuthorizeRequest {
  /** The PSP's stored payment-method token from the original checkout (`pm_…`, vault token, stored id). */
  readonly paymentMethodRef: string;
  /** The PSP's customer / shopper reference, when the PSP needs one for stored cards. */
  readonly customerRef: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly idempotencyKey: string;
  /** Always true for Plusone: the buyer is on the page and clicked. */
  readonly customerPresent: true;
  /** `manual`: authorize only, capture later (the undo window); `immediate`: authorize and capture now. */
  readonly capture: 'manual' | 'immediate';
  /** Our ids for the PSP's dashboard (`upsell_id`, `order_id`, `shop_id`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The merchant account the payment belongs to (sandbox: the shop id). */
  readonly merchantRef: string;
  /** The buyer's page, browser, IP and email, when known (PSPs that run 3-D Secure 2 on the server read it). */
  readonly buyer?: BuyerContext;
}

export type AuthorizeResult =
  | { readonly status: 'authorized'; readonly ref: string; readonly card: CardSummary; readonly captured: boolean }
  | { readonly status: 'requires_action'; readonly ref: string; readonly action: ThreeDSecureAction }
  | { readonly status: 'declined'; readonly code: DeclineCode; readonly message: string; readonly ref: string | null }
  | { readonly status: 'unknown'; readonly reason: string };

export type ModificationResult =
  | { readonly status: 'succeeded' }
  /** The PSP accepted the request and will report the outcome later (Adyen modifications). */
  | { readonly status: 'received' }
  | { readonly status: 'failed'; readonly code: string; readonly message: string }
  | { readonly status: 'unknown'; readonly reason: string };

export interface RefundOptions {
  readonly whole?: boolean;
}

export type LookupResult = AuthorizeResult | { readonly status: 'not_found' };

export interface PaymentGateway {
  readonly name: string;

  /**
   * Charges the stored payment method, buyer present. With `capture: 'manual'` the money is only held;
   * with `'immediate'` it is captured too (`captured: true`). Same `idempotencyKey` → same result.
   * Example: `authorize({ paymentMethodRef: 'pm_sandbox_visa', amount: 1999, currency: 'USD',
   * idempotencyKey: 'ups_1:authorize', capture: 'manual', … })` → `{ status: 'authorized', ref: 'sbx_…' }`.
   */
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;

  /**
   * After the buyer finished the 3-D Secure step: the payment's outcome (authorized, declined, or still
   * `requires_action` when the buyer has not finished). `details` is what the buyer's page reported back
   * (Adyen's `details` for `/payments/details`, Braintree's `threeDSecureAuthenticationId`); adapters that
   * read the outcome from the PSP (sandbox, Stripe) ignore it. A worker reconciling without the buyer
   * passes none.
   */
  completeAction(ref: string, idempotencyKey: string, details?: ActionDetails): Promise<AuthorizeResult>;

  /** Captures a held authorization (the undo window closed). Capturing an already captured one succeeds. */
  capture(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult>;

  /** Releases a held authorization (the buyer undid it). Voiding an already voided one succeeds. */
  void(ref: string, idempotencyKey: string): Promise<ModificationResult>;

  /**
   * Refunds captured money (undo in `immediate` capture mode). `whole`: this takes back the whole charge,
   * which may not have settled or even been captured yet — the PSP's "cancel or refund, whichever applies"
   * (Adyen `/reversals`, Braintree a void before settlement). Without it, a refund of captured money.
   */
  refund(ref: string, amount: number, currency: string, idempotencyKey: string, options?: RefundOptions): Promise<ModificationResult>;

  /** Reconciliation: what became of the authorize sent with this idempotency key (or of this ref). */
  lookup(query: { idempotencyKey: string } | { ref: string }): Promise<LookupResult>;
}
