/**
 * The Stripe adapter: the upsell is a PaymentIntent created and confirmed on the buyer's saved card
 * (`off_session: false`: the buyer is present and clicked), held with `capture_method: manual` through the
 * undo window, then captured or cancelled. Every write carries our idempotency key; stripe-node would
 * otherwise send a random `stripe-node-retry-…` one, useless to a retry after a crash.
 */
import Stripe from 'stripe';
import { currencyExponent } from '../../core/money';
import { DomainError } from '../../core/errors';
import type { AdapterOptions } from '../adapter';
import type {
  ActionDetails,
  AuthorizeRequest,
  AuthorizeResult,
  CardSummary,
  DeclineCode,
  LookupResult,
  ModificationResult,
  PaymentGateway,
  ThreeDSecureAction,
} from '../contract';

/** The metadata key holding our authorize idempotency key, so `lookup` can find the PaymentIntent. */
export const IDEMPOTENCY_METADATA_KEY = 'plusone_idempotency_key';

/** Stripe's units where they differ from ISO 4217 (https://docs.stripe.com/currencies#special-cases). */
const STRIPE_EXPONENT: Readonly<Record<string, number>> = { ISK: 2, MGA: 0, UGX: 0 };

const INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;
type IntentStatus = (typeof INTENT_STATUSES)[number];

function isIntentStatus(status: string): status is IntentStatus {
  return (INTENT_STATUSES as readonly string[]).includes(status);
}

/** Stripe's `decline_code` and error `code` values that have a contract decline code of their own. */
const DECLINE_CODES: ReadonlyMap<string, DeclineCode> = new Map<string, DeclineCode>([
  ['insufficient_funds', 'insufficient_funds'],
  ['expired_card', 'expired_card'],
  ['authentication_required', 'authentication_failed'],
  ['payment_intent_authentication_failure', 'authentication_failed'],
  ['processing_error', 'processing_error'],
  ['card_declined', 'card_declined'],
]);

/** A configuration or programming error (bad key, reused idempotency key): thrown, message free of secrets. */
export class StripeGatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StripeGatewayError';
  }
}

/** Minor units of our currency table to the amount Stripe expects for the currency. */
export function toStripeAmount(amount: number, currency: string): number {
  const shift = (STRIPE_EXPONENT[currency] ?? currencyExponent(currency)) - currencyExponent(currency);
  if (shift >= 0) return amount * 10 ** shift;
  const factor = 10 ** -shift;
  if (amount % factor !== 0) {
    throw new DomainError('invalid_currency', `Stripe charges ${currency} in whole units; ${amount} minor units is not a whole amount`);
  }
  return amount / factor;
}

function declineCode(...codes: ReadonlyArray<string | null | undefined>): DeclineCode {
  for (const code of codes) {
    const mapped = code ? DECLINE_CODES.get(code) : undefined;
    if (mapped) return mapped;
  }
  return 'card_declined';
}

function cardOf(intent: Stripe.PaymentIntent): CardSummary {
  const method = intent.payment_method;
  if (method !== null && typeof method === 'object' && method.card) return { brand: method.card.brand, last4: method.card.last4 };
  const charge = intent.latest_charge;
  const card = charge !== null && typeof charge === 'object' ? charge.payment_method_details?.card : undefined;
  return card ? { brand: card.brand, last4: card.last4 } : { brand: null, last4: null };
}

function unknown(reason: string): { status: 'unknown'; reason: string } {
  return { status: 'unknown', reason };
}

type ErrorClass =
  | { readonly kind: 'card'; readonly error: Stripe.errors.StripeCardError }
  | { readonly kind: 'request'; readonly error: Stripe.errors.StripeError }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Sorts a thrown SDK error: a card error (declined), a request Stripe refused (4xx: nothing happened), or
 * an outcome we cannot know (timeout, connection, 409, 429, 5xx). Key, permission and idempotency errors
 * are configuration or programming errors and are thrown again without Stripe's message.
 */
function classify(error: unknown): ErrorClass {
  if (error instanceof Stripe.errors.StripeCardError) return { kind: 'card', error };
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return { kind: 'unknown', reason: /timeout/i.test(error.message) ? 'stripe_timeout' : 'stripe_connection_error' };
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) return { kind: 'unknown', reason: 'stripe_rate_limited' };
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    throw new StripeGatewayError('invalid_api_key', 'Stripe refused the secret key (401): check the shop\'s Stripe credentials');
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    throw new StripeGatewayError('permission_denied', 'The Stripe key lacks a permission this call needs (403): check the restricted key\'s scopes');
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    throw new StripeGatewayError('idempotency_key_reused', 'Stripe refused an idempotency key already used with different parameters');
  }
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? 0;
    if (status === 400 || status === 402 || status === 404) return { kind: 'request', error };
    return { kind: 'unknown', reason: `stripe_http_${status || 'error'}` };
  }
  throw error;
}

function requestFailure(error: Stripe.errors.StripeError): ModificationResult {
  return { status: 'failed', code: error.code ?? 'invalid_request', message: error.message };
}

export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe';

  constructor(
    private readonly stripe: Stripe,
    private readonly publishableKey: string,
    /** Where the widget loads Stripe.js from; set only when a fake of Stripe serves its own. */
    private readonly stripeJsUrl: string | null,
  ) {}

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: toStripeAmount(request.amount, request.currency),
      currency: request.currency.toLowerCase(),
      customer: request.customerRef ?? undefined,
      payment_method: request.paymentMethodRef,
      // Confirming without a return_url needs redirect-based methods off; a saved card never redirects.
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
      // The buyer is on the page and clicked: a customer-initiated charge of a stored card, 3-D Secure allowed.
      off_session: false,
      capture_method: request.capture === 'manual' ? 'manual' : 'automatic',
      metadata: { ...request.metadata, [IDEMPOTENCY_METADATA_KEY]: request.idempotencyKey },
      expand: ['payment_method'],
    };
    try {
      const intent = await this.stripe.paymentIntents.create(params, { idempotencyKey: request.idempotencyKey });
      return this.outcome(intent);
    } catch (error) {
      const sorted = classify(error);
      switch (sorted.kind) {
        case 'card':
          return {
            status: 'declined',
            code: declineCode(sorted.error.decline_code, sorted.error.code),
            message: sorted.error.message,
            ref: sorted.error.payment_intent?.id ?? null,
          };
        case 'request': {
          // Refused before any charge: the stored card is gone (resource_missing) or the request is invalid.
          const gone = sorted.error.code === 'resource_missing';
          return { status: 'declined', code: gone ? 'card_declined' : 'processing_error', message: sorted.error.message, ref: null };
        }
        case 'unknown':
          return unknown(sorted.reason);
        default: {
          const exhaustive: never = sorted;
          return exhaustive;
        }
      }
    }
  }

  /** Stripe knows the 3-D Secure outcome itself: `details` from the page are not needed. */
  async completeAction(ref: string, _idempotencyKey: string, _details?: ActionDetails): Promise<AuthorizeResult> {
    const found = await this.retrieve(ref);
    if (found.status === 'not_found') throw new StripeGatewayError('resource_missing', `No Stripe PaymentIntent ${ref}`);
    return found;
  }

  async capture(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    const amountToCapture = toStripeAmount(amount, currency);
    return this.modify(
      () => this.stripe.paymentIntents.capture(ref, { amount_to_capture: amountToCapture }, { idempotencyKey }),
      (intent) => intent.status === 'succeeded',
    );
  }

  async void(ref: string, idempotencyKey: string): Promise<ModificationResult> {
    return this.modify(
      () => this.stripe.paymentIntents.cancel(ref, { cancellation_reason: 'requested_by_customer' }, { idempotencyKey }),
      (intent) => intent.status === 'canceled',
    );
  }

  async refund(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    try {
      const refund = await this.stripe.refunds.create(
        { payment_intent: ref, amount: toStripeAmount(amount, currency) },
        { idempotencyKey },
      );
      switch (refund.status) {
        case 'succeeded':
          return { status: 'succeeded' };
        // Live refunds settle asynchronously; `refund.failed` reports a late failure.
        case 'pending':
        case 'requires_action':
          return { status: 'received' };
        default:
          return { status: 'failed', code: `refund_${refund.status ?? 'unknown'}`, message: `Stripe reports the refund as ${refund.status ?? 'unknown'}` };
      }
    } catch (error) {
      const sorted = classify(error);
      if (sorted.kind === 'unknown') return unknown(sorted.reason);
      if (sorted.error.code === 'charge_already_refunded') return { status: 'succeeded' };
      return requestFailure(sorted.error);
    }
  }

  async lookup(query: { idempotencyKey: string } | { ref: string }): Promise<LookupResult> {
    if ('ref' in query) return this.retrieve(query.ref);
    // Stripe search is eventually consistent (new PaymentIntents appear within about a minute). A
    // not_found makes the worker retry authorize with the same idempotency key, which Stripe answers
    // from its idempotency cache for 24 hours: the retry never charges twice.
    const escaped = query.idempotencyKey.replace(/[\\']/g, (char) => `\\${char}`);
    try {
      const found = await this.stripe.paymentIntents.search({
        query: `metadata['${IDEMPOTENCY_METADATA_KEY}']:'${escaped}'`,
        expand: ['data.payment_method'],
        limit: 1,
      });
      const [intent] = found.data;
      return intent ? this.outcome(intent) : { status: 'not_found' };
    } catch (error) {
      const sorted = classify(error);
      if (sorted.kind === 'unknown') return unknown(sorted.reason);
      throw new StripeGatewayError(sorted.error.code ?? 'invalid_request', `Stripe refused the PaymentIntent search: ${sorted.error.message}`);
    }
  }

  private async retrieve(ref: string): Promise<LookupResult> {
    try {
      return this.outcome(await this.stripe.paymentIntents.retrieve(ref, { expand: ['payment_method'] }));
    } catch (error) {
      const sorted = classify(error);
      if (sorted.kind === 'unknown') return unknown(sorted.reason);
      if (sorted.error.code === 'resource_missing') return { status: 'not_found' };
      throw new StripeGatewayError(sorted.error.code ?? 'invalid_request', `Stripe refused to read PaymentIntent ${ref}: ${sorted.error.message}`);
    }
  }

  /** Runs a capture or cancel. Stripe refuses a repeat on a new key with the PaymentIntent in its error. */
  private async modify(call: () => Promise<Stripe.PaymentIntent>, done: (intent: Stripe.PaymentIntent) => boolean): Promise<ModificationResult> {
    try {
      const intent = await call();
      return done(intent) ? { status: 'succeeded' } : { status: 'failed', code: 'invalid_state', message: `The PaymentIntent is ${intent.status}` };
    } catch (error) {
      const sorted = classify(error);
      if (sorted.kind === 'unknown') return unknown(sorted.reason);
      const intent = sorted.error.payment_intent;
      // "Already captured" / "already canceled" is success: the work is done.
      if (sorted.error.code === 'payment_intent_unexpected_state' && intent && done(intent)) return { status: 'succeeded' };
      if (sorted.error.code === 'payment_intent_unexpected_state') {
        return { status: 'failed', code: 'invalid_state', message: sorted.error.message };
      }
      return requestFailure(sorted.error);
    }
  }

  /** The one mapping from a PaymentIntent's status to the contract's authorize outcome. */
  private outcome(intent: Stripe.PaymentIntent): AuthorizeResult {
    if (!isIntentStatus(intent.status)) return unknown(`stripe_status_${intent.status}`);
    switch (intent.status) {
      case 'requires_capture':
        return { status: 'authorized', ref: intent.id, card: cardOf(intent), captured: false };
      case 'succeeded':
        return { status: 'authorized', ref: intent.id, card: cardOf(intent), captured: true };
      case 'requires_action':
        return { status: 'requires_action', ref: intent.id, action: this.action(intent) };
      case 'requires_payment_method': {
        const failure = intent.last_payment_error;
        return {
          status: 'declined',
          code: declineCode(failure?.decline_code, failure?.code),
          message: failure?.message ?? 'The payment was not authorized.',
          ref: intent.id,
        };
      }
      case 'canceled': {
        const failure = intent.last_payment_error;
        if (failure) return { status: 'declined', code: declineCode(failure.decline_code, failure.code), message: failure.message ?? '', ref: intent.id };
        // A hold that was released: the authorization did succeed, and void() reported the release.
        if (intent.latest_charge !== null) return { status: 'authorized', ref: intent.id, card: cardOf(intent), captured: false };
        return { status: 'declined', code: 'authentication_failed', message: 'The payment was canceled before the buyer authenticated it.', ref: intent.id };
      }
      case 'processing':
      case 'requires_confirmation':
        return unknown(`stripe_status_${intent.status}`);
      default: {
        const exhaustive: never = intent.status;
        return exhaustive;
      }
    }
  }

  private action(intent: Stripe.PaymentIntent): ThreeDSecureAction {
    const data: Record<string, string> = { publishableKey: this.publishableKey };
    if (this.stripeJsUrl) data.stripeJsUrl = this.stripeJsUrl;
    return { type: 'three_d_secure', clientSecret: intent.client_secret ?? undefined, data };
  }
}

/** The SDK pointed at Stripe, or at `apiBaseUrl` (a fake, stripe-mock), with no SDK retries of its own. */
export function stripeClient(secretKey: string, options: AdapterOptions): Stripe {
  const config: ConstructorParameters<typeof Stripe>[1] = {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    appInfo: { name: 'Plusone' },
  };
  if (!options.apiBaseUrl) return new Stripe(secretKey, config);
  const url = new URL(options.apiBaseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(secretKey, { ...config, host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol });
}
