/**
 * The Stripe adapter: the upsell is a PaymentIntent created and confirmed on the buyer's saved card
 * (`off_session: false`: the buyer is present and clicked), held with `capture_method: manual` through the
 * undo window, then captured or cancelled. Every write carries our idempotency key; stripe-node would
 * otherwise send a random `stripe-node-retry-…` one, useless to a retry after a crash.
 */
import Stripe from 'stripe';
import { currencyExponent } from '../../core/money';
import { DomainError } from '../../core/errors';
import type { AdapterOptions, CredentialsCheck } from '../adapter';
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
import {
  authorizeFailure,
  credentialsFailure,
  GatewayConfigurationError,
  modificationFailure,
  sortError,
  type ErrorRule,
  type SortedError,
} from '../errors';

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

/** A request Stripe refused that no result can express (a read of a PaymentIntent refused as invalid): thrown. */
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

const { StripeError } = Stripe.errors;
type StripeError = Stripe.errors.StripeError;

const status = (test: (code: number) => boolean) => (error: StripeError) => test(error.statusCode ?? 0);

/**
 * Every Stripe error, sorted (see `../errors.ts`); first match wins. Sources: docs.stripe.com/api/errors
 * (types and HTTP statuses: 400 bad request, 401 bad key, 402 request failed, 403 permission, 404 not
 * found, 409 conflict "perhaps due to using the same idempotent key", 429 too many requests, 5xx) and
 * docs.stripe.com/error-low-level#idempotency (a 5xx or a connection error is safe to retry with the same key).
 */
export const STRIPE_ERRORS: readonly ErrorRule<StripeError>[] = [
  { when: 'connection error or timeout', matches: (error) => error instanceof Stripe.errors.StripeConnectionError, class: 'retryable' },
  { when: 'authentication_error (401)', matches: (error) => error instanceof Stripe.errors.StripeAuthenticationError, class: 'configuration' },
  { when: 'permission_error (403)', matches: (error) => error instanceof Stripe.errors.StripePermissionError, class: 'configuration' },
  { when: 'rate_limit_error (429)', matches: (error) => error instanceof Stripe.errors.StripeRateLimitError, class: 'retryable' },
  { when: 'api_error (5xx)', matches: status((code) => code >= 500), class: 'retryable' },
  {
    when: 'idempotency_error (the key was used with other parameters)',
    matches: (error) => error instanceof Stripe.errors.StripeIdempotencyError,
    class: 'unknown',
  },
  { when: "conflict (409: the key's first request is still running)", matches: status((code) => code === 409), class: 'unknown' },
  { when: 'card_error (402: the issuer declined)', matches: (error) => error instanceof Stripe.errors.StripeCardError, class: 'final' },
  {
    when: 'resource_missing (the stored card or customer is gone)',
    matches: (error) => error.code === 'resource_missing',
    class: 'final',
    decline: 'card_declined',
  },
  { when: 'invalid_request_error (400, 402, 404)', matches: status((code) => code === 400 || code === 402 || code === 404), class: 'final' },
  { when: 'any other answer', matches: () => true, class: 'unknown' },
];

/** A thrown SDK error sorted by `STRIPE_ERRORS`, with the error itself for the codes a call reads; others are thrown on. */
function sortStripe(thrown: unknown): { readonly sorted: SortedError; readonly error: StripeError } {
  if (!(thrown instanceof StripeError)) throw thrown;
  const sorted = sortError(STRIPE_ERRORS, thrown, (error) => {
    const card = error instanceof Stripe.errors.StripeCardError;
    return {
      // Stripe's message never holds the secret key; a 401's names only its last characters, so it is not kept.
      message: error instanceof Stripe.errors.StripeAuthenticationError ? 'Stripe refused the secret key' : error.message,
      code: error.code ?? error.type,
      ...(card ? { decline: declineCode(error.decline_code, error.code), ref: error.payment_intent?.id ?? null } : {}),
    };
  });
  return { sorted, error: thrown };
}

/** A read that got an error: unknown while Stripe may answer later; a refused read is a programming error. */
function lookupFailure({ sorted }: { readonly sorted: SortedError }, what: string): LookupResult {
  switch (sorted.class) {
    case 'retryable':
    case 'unknown':
      return unknown(`${sorted.rule}: ${sorted.message}`);
    case 'configuration':
      throw new GatewayConfigurationError(`Stripe refused ${what} (${sorted.rule}): check the shop's Stripe credentials`);
    case 'final':
      throw new StripeGatewayError(sorted.code, `Stripe refused ${what}: ${sorted.message}`);
    default: {
      const exhaustive: never = sorted.class;
      return exhaustive;
    }
  }
}

/** What Stripe refused of the credentials being checked, in the merchant's words (its 401 names the key, so is not quoted). */
function stripeRefusal(error: StripeError): string {
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return 'Stripe answered 401 authentication_error: the secret key is mistyped, expired or rolled';
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    return 'Stripe answered 403 permission_error: the restricted key may not read PaymentIntents (docs/gateways/stripe.md lists what it needs)';
  }
  return `Stripe answered ${error.statusCode ?? 'an error'} ${error.code ?? error.type}: ${error.message}`;
}

/**
 * Whether Stripe takes the secret key: a list of one PaymentIntent (`GET /v1/payment_intents?limit=1`),
 * a read that changes nothing and that any key Plusone can charge with may make (write access implies
 * read). Not the balance or the account: a restricted key needs neither for Plusone, and Stripe grants
 * no restricted key `GET /v1/account`, so either would refuse a key that works.
 */
export async function verifyStripeKey(stripe: Stripe): Promise<CredentialsCheck> {
  try {
    await stripe.paymentIntents.list({ limit: 1 });
    return { status: 'valid' };
  } catch (thrown) {
    const { sorted, error } = sortStripe(thrown);
    return credentialsFailure(sorted, stripeRefusal(error));
  }
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
      return authorizeFailure(sortStripe(error).sorted);
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
      const refund = await this.stripe.refunds.create({ payment_intent: ref, amount: toStripeAmount(amount, currency) }, { idempotencyKey });
      switch (refund.status) {
        case 'succeeded':
          return { status: 'succeeded' };
        // Live refunds settle asynchronously; `refund.failed` reports a late failure.
        case 'pending':
        case 'requires_action':
          return { status: 'received' };
        default:
          return {
            status: 'failed',
            code: `refund_${refund.status ?? 'unknown'}`,
            message: `Stripe reports the refund as ${refund.status ?? 'unknown'}`,
          };
      }
    } catch (thrown) {
      const { sorted, error } = sortStripe(thrown);
      if (sorted.class === 'final' && error.code === 'charge_already_refunded') return { status: 'succeeded' };
      return modificationFailure(sorted);
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
    } catch (thrown) {
      return lookupFailure(sortStripe(thrown), 'the PaymentIntent search');
    }
  }

  private async retrieve(ref: string): Promise<LookupResult> {
    try {
      return this.outcome(await this.stripe.paymentIntents.retrieve(ref, { expand: ['payment_method'] }));
    } catch (thrown) {
      const failure = sortStripe(thrown);
      if (failure.error.code === 'resource_missing') return { status: 'not_found' };
      return lookupFailure(failure, `a read of PaymentIntent ${ref}`);
    }
  }

  /** Runs a capture or cancel. Stripe refuses a repeat on a new key with the PaymentIntent in its error. */
  private async modify(call: () => Promise<Stripe.PaymentIntent>, done: (intent: Stripe.PaymentIntent) => boolean): Promise<ModificationResult> {
    try {
      const intent = await call();
      return done(intent) ? { status: 'succeeded' } : { status: 'failed', code: 'invalid_state', message: `The PaymentIntent is ${intent.status}` };
    } catch (thrown) {
      const { sorted, error } = sortStripe(thrown);
      const intent = error.payment_intent;
      if (sorted.class === 'final' && error.code === 'payment_intent_unexpected_state') {
        // "Already captured" / "already canceled" is success: the work is done.
        return intent && done(intent) ? { status: 'succeeded' } : { status: 'failed', code: 'invalid_state', message: error.message };
      }
      return modificationFailure(sorted);
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
        if (failure)
          return { status: 'declined', code: declineCode(failure.decline_code, failure.code), message: failure.message ?? '', ref: intent.id };
        // A hold that was released: the authorization did succeed, and void() reported the release.
        if (intent.latest_charge !== null) return { status: 'authorized', ref: intent.id, card: cardOf(intent), captured: false };
        return {
          status: 'declined',
          code: 'authentication_failed',
          message: 'The payment was canceled before the buyer authenticated it.',
          ref: intent.id,
        };
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
