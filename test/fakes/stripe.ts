/**
 * An in-process fake of the parts of Stripe's HTTP API that Plusone uses, on `node:http` (port 0), keeping
 * state like the real API: PaymentIntents (create + confirm, retrieve, capture, cancel, search), refunds,
 * the documented test PaymentMethods, Stripe-shaped errors, and idempotency keys (the first response is
 * replayed; the same key with other parameters is a 400 `idempotency_error`).
 *
 * Authentication as Stripe answers it: a key that is not one of the account's (`secretKeys`; by default any
 * `sk_…` or `rk_…` key, as stripe-mock takes any) is `401` with Stripe's body, "Invalid API Key provided:
 * sk_test_****…4242". `GET /v1/payment_intents` (the list Plusone's credentials check reads) serves `limit`.
 *
 * stripe-mock is stateless and ignores test cards, hence this fake. Test-only extras:
 * - `pm_card_fake_slow` records its PaymentIntent at once but answers its first create after `slowResponseMs`
 *   (a PSP that charged but whose answer was lost to a timeout);
 * - `injectFault` makes the next request answer 5xx / 429 without touching state;
 * - `finishAction` (and `POST /_fake/3ds` for the browser) completes or fails a 3-D Secure step;
 * - `GET /v3/stripe.js` serves a tiny fake Stripe.js whose `handleNextAction` shows a dialog with
 *   "Complete authentication" / "Fail authentication" buttons and reports the outcome here;
 * - `signedEvent` builds a webhook payload and its `Stripe-Signature` header.
 *
 * Every request is recorded (`requests`): lower-case headers, and the form body parsed into nested
 * objects (`metadata[upsell_id]=…` → `{ metadata: { upsell_id } }`); for a GET, `body` is the parsed query.
 *
 * It refuses what Stripe refuses, answered as Stripe does (400 `invalid_request_error`), so a wrong
 * request from the adapter fails here and not first in production: every parameter of every endpoint
 * is checked against the SDK's typings (`./stripe-structure.ts`: unknown, missing, empty, not an
 * integer, boolean or enum value, metadata limits, `expand`); an amount below 1, below the currency's
 * minimum charge, over eight digits or in fractional ISK; `confirm=true` with redirect-based methods
 * allowed and no `return_url`; an `Idempotency-Key` outside 1–255 characters. Such refusals are not
 * kept under the key, as Stripe keeps a key's answer only once the endpoint ran.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { docUrl, loadStructure, requestRefusal, type Form, type FormValue, type StripeEndpoint } from './stripe-structure';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
}

interface Card {
  readonly brand: string;
  readonly last4: string;
}

type Behaviour =
  | { readonly outcome: 'succeeds'; readonly slow?: true }
  | { readonly outcome: 'declines'; readonly code: string; readonly declineCode: string; readonly message: string }
  | { readonly outcome: 'authenticates' };

interface TestMethod {
  readonly card: Card;
  readonly behaviour: Behaviour;
}

const VISA: Card = { brand: 'visa', last4: '4242' };
const GENERIC_DECLINE = { outcome: 'declines', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' } as const;
const INSUFFICIENT_FUNDS = {
  outcome: 'declines',
  code: 'card_declined',
  declineCode: 'insufficient_funds',
  message: 'Your card has insufficient funds.',
} as const;

const MAX_IDEMPOTENCY_KEY = 255;

/**
 * Stripe's minimum charge per currency, in its smallest unit (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
 * Other currencies have none of their own (Stripe converts to the settlement currency's minimum).
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** "The amount value supports up to eight digits" (PaymentIntentCreateParams.amount). */
const MAXIMUM_CHARGE = 99_999_999;

/** Stripe's answer to `confirm=true` with redirect-based payment methods allowed and no `return_url` (woocommerce/woocommerce-gateway-stripe#2982). */
const RETURN_URL_REQUIRED =
  'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.';

/** The test PaymentMethods of https://docs.stripe.com/testing that the fake knows, plus the fake-only slow one. */
export const TEST_PAYMENT_METHODS: ReadonlyMap<string, TestMethod> = new Map<string, TestMethod>([
  ['pm_card_visa', { card: VISA, behaviour: { outcome: 'succeeds' } }],
  ['pm_card_mastercard', { card: { brand: 'mastercard', last4: '4444' }, behaviour: { outcome: 'succeeds' } }],
  ['pm_card_chargeDeclined', { card: { brand: 'visa', last4: '0002' }, behaviour: GENERIC_DECLINE }],
  ['pm_card_visa_chargeDeclined', { card: { brand: 'visa', last4: '0002' }, behaviour: GENERIC_DECLINE }],
  ['pm_card_chargeDeclinedInsufficientFunds', { card: { brand: 'visa', last4: '9995' }, behaviour: INSUFFICIENT_FUNDS }],
  ['pm_card_visa_chargeDeclinedInsufficientFunds', { card: { brand: 'visa', last4: '9995' }, behaviour: INSUFFICIENT_FUNDS }],
  [
    'pm_card_chargeDeclinedExpiredCard',
    {
      card: { brand: 'visa', last4: '0069' },
      behaviour: { outcome: 'declines', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
    },
  ],
  ['pm_card_authenticationRequired', { card: { brand: 'visa', last4: '3184' }, behaviour: { outcome: 'authenticates' } }],
  ['pm_card_fake_slow', { card: VISA, behaviour: { outcome: 'succeeds', slow: true } }],
]);

type IntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

interface LastPaymentError {
  readonly type: string;
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
}

interface Intent {
  readonly id: string;
  readonly clientSecret: string;
  readonly amount: number;
  readonly currency: string;
  readonly captureMethod: 'automatic' | 'automatic_async' | 'manual';
  readonly customer: string | null;
  readonly paymentMethod: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly offSession: boolean;
  readonly created: number;
  readonly createdAtMs: number;
  status: IntentStatus;
  amountCapturable: number;
  amountReceived: number;
  amountRefunded: number;
  chargeId: string | null;
  lastPaymentError: LastPaymentError | null;
  cancellationReason: string | null;
}

interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

interface StoredKey {
  readonly request: string;
  readonly response: StoredResponse;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
    /** Stripe keeps a key's response once the endpoint ran; validation failures are not kept. */
    readonly remember: boolean,
  ) {
    super(String(error.message));
  }
}

function invalidRequest(message: string, extra: { code?: string; param?: string; [key: string]: unknown } = {}, remember = false): ApiError {
  const documented = typeof extra.code === 'string' ? { doc_url: docUrl(extra.code) } : {};
  return new ApiError(400, { type: 'invalid_request_error', message, ...extra, ...documented }, remember);
}

function notFound(kind: string, id: string, param?: string): ApiError {
  return new ApiError(
    404,
    { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'`, ...(param ? { param } : {}) },
    false,
  );
}

export interface FakeStripeOptions {
  /** The account's secret and restricted keys; any other is refused `401`. Default: any `sk_…` or `rk_…` key. */
  readonly secretKeys?: readonly string[];
  /** How long the first create with `pm_card_fake_slow` keeps its caller waiting. Default 2 000 ms. */
  readonly slowResponseMs?: number;
  /** PaymentIntents younger than this are not found by search, as Stripe's search lags writes. Default 0. */
  readonly searchLagMs?: number;
}

/** What the fake holds for a PaymentIntent, in Stripe's own units. */
export interface FakeIntentView {
  readonly id: string;
  readonly status: IntentStatus;
  readonly amount: number;
  readonly currency: string;
  readonly captured: number;
  readonly refunded: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly clientSecret: string;
}

export interface SignedEvent {
  readonly payload: string;
  readonly headers: Record<string, string>;
}

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  private readonly intents = new Map<string, Intent>();
  private readonly keys = new Map<string, StoredKey>();
  private readonly faults: Array<{ readonly status: number; readonly error: Record<string, string> }> = [];
  private readonly slowResponseMs: number;
  private readonly searchLagMs: number;
  private readonly secretKeys: ReadonlySet<string> | null;
  private server: Server | null = null;
  private sequence = 0;
  baseUrl = '';

  constructor(options: FakeStripeOptions = {}) {
    this.slowResponseMs = options.slowResponseMs ?? 2_000;
    this.searchLagMs = options.searchLagMs ?? 0;
    this.secretKeys = options.secretKeys ? new Set(options.secretKeys) : null;
  }

  async start(): Promise<this> {
    loadStructure();
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) =>
        sendJson(res, 500, { error: { type: 'api_error', message: `fake Stripe bug: ${String(error)}` } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The next request (to any endpoint) answers this HTTP status, changing nothing: with Stripe's own error
   * body for it (`api_error`; 429 `rate_limit`) or with `error` (`{ type, code, message }`).
   */
  injectFault(status: number, error?: Record<string, string>): void {
    const type = status === 429 ? 'invalid_request_error' : 'api_error';
    this.faults.push({
      status,
      error: error ?? { type, ...(status === 429 ? { code: 'rate_limit' } : {}), message: 'Injected fault (fake Stripe).' },
    });
  }

  intent(id: string): FakeIntentView | undefined {
    const intent = this.intents.get(id);
    if (!intent) return undefined;
    return {
      id: intent.id,
      status: intent.status,
      amount: intent.amount,
      currency: intent.currency,
      captured: intent.amountReceived,
      refunded: intent.amountRefunded,
      metadata: intent.metadata,
      clientSecret: intent.clientSecret,
    };
  }

  intentCount(): number {
    return this.intents.size;
  }

  /** The buyer finishing (or failing) the 3-D Secure step of a PaymentIntent in `requires_action`. */
  finishAction(id: string, outcome: 'succeeded' | 'failed'): FakeIntentView {
    const intent = this.intents.get(id);
    if (!intent) throw new Error(`fake Stripe: no PaymentIntent ${id}`);
    this.authenticate(intent, outcome);
    const view = this.intent(id);
    if (!view) throw new Error(`fake Stripe: no PaymentIntent ${id}`);
    return view;
  }

  /**
   * A webhook event about a PaymentIntent as it is now (`charge.*` events carry its charge), signed with
   * `secret` like Stripe does. `timestamp` (unix seconds) defaults to now.
   */
  signedEvent(type: string, intentId: string, secret: string, timestamp?: number): SignedEvent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new Error(`fake Stripe: no PaymentIntent ${intentId}`);
    const object = type.startsWith('charge.') ? this.chargeJson(intent) : this.intentJson(intent, []);
    return signedStripeEvent({ id: this.id('evt'), type, object }, secret, timestamp);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const body = req.method === 'GET' ? parseForm(url.searchParams) : parseRequestBody(req.headers['content-type'], raw);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, headers: lowerCaseHeaders(req), body });

    if (url.pathname === '/v3/stripe.js') return sendScript(res, fakeStripeJs(this.baseUrl));
    if (url.pathname.startsWith('/_fake/')) return this.handleBrowser(req, res, url.pathname, body);

    const fault = this.faults.shift();
    if (fault !== undefined) return sendJson(res, fault.status, { error: fault.error });
    const refused = this.authenticationRefusal(req.headers.authorization);
    if (refused) return sendJson(res, 401, { error: { type: 'invalid_request_error', message: refused } });

    const key = req.method === 'POST' ? header(req, 'idempotency-key') : undefined;
    if (key !== undefined && (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY)) {
      return sendJson(res, 400, {
        error: {
          type: 'invalid_request_error',
          message: `Idempotent key length is ${key.length}, which is outside accepted lengths. Idempotent Keys must be 1-${MAX_IDEMPOTENCY_KEY} characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.`,
        },
      });
    }
    const fingerprint = createHash('sha256').update(`${req.method} ${url.pathname} ${raw}`).digest('hex');
    if (key !== undefined) {
      const stored = this.keys.get(key);
      if (stored && stored.request !== fingerprint) {
        return sendJson(res, 400, {
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          },
        });
      }
      if (stored) return sendJson(res, stored.response.status, stored.response.body, { 'idempotent-replayed': 'true' });
    }

    let response: StoredResponse;
    let slow = false;
    try {
      const answer = this.route(req.method ?? 'GET', url.pathname, asForm(body));
      response = { status: 200, body: answer.body };
      slow = answer.slow;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      response = { status: error.status, body: { error: error.error } };
      if (!error.remember) return sendJson(res, response.status, response.body);
    }
    if (key !== undefined) this.keys.set(key, { request: fingerprint, response });
    // The PaymentIntent and the key's answer are recorded already: only this first caller waits.
    if (slow) await new Promise((resolve) => setTimeout(resolve, this.slowResponseMs));
    if (!res.destroyed) sendJson(res, response.status, response.body);
  }

  /** Stripe's 401 message for the `Authorization` header, or null when it names one of the account's keys. */
  private authenticationRefusal(authorization: string | undefined): string | null {
    if (!authorization?.startsWith('Bearer ')) {
      return "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
    }
    const key = authorization.slice('Bearer '.length);
    const known = this.secretKeys ? this.secretKeys.has(key) : /^(sk|rk)_/.test(key);
    return known ? null : `Invalid API Key provided: ${maskedKey(key)}`;
  }

  private route(method: string, path: string, form: Form): { body: unknown; slow: boolean } {
    const parts = path.split('/').filter(Boolean);
    const endpoint = endpointOf(method, parts);
    if (!endpoint) throw new ApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` }, false);
    const refused = requestRefusal(endpoint, form);
    if (refused) {
      const { message, ...where } = refused;
      throw invalidRequest(message, where);
    }
    const expand = stringList(form.expand);
    switch (endpoint) {
      case 'POST /v1/payment_intents':
        return this.createIntent(form, expand);
      case 'GET /v1/payment_intents/search':
        return { body: this.search(form, expand), slow: false };
      case 'GET /v1/payment_intents':
        return { body: this.list(form, expand), slow: false };
      case 'POST /v1/refunds':
        return { body: this.refund(form), slow: false };
      case 'GET /v1/payment_intents/:id':
        return { body: this.intentJson(this.found(parts[2]), expand), slow: false };
      case 'POST /v1/payment_intents/:id/capture':
        return { body: this.capture(this.found(parts[2]), form, expand), slow: false };
      case 'POST /v1/payment_intents/:id/cancel':
        return { body: this.cancel(this.found(parts[2]), form, expand), slow: false };
      default: {
        const exhaustive: never = endpoint;
        return exhaustive;
      }
    }
  }

  private found(id: string | undefined): Intent {
    const intent = this.intents.get(id ?? '');
    if (!intent) throw notFound('payment_intent', id ?? '', 'intent');
    return intent;
  }

  private createIntent(form: Form, expand: readonly string[]): { body: unknown; slow: boolean } {
    const amount = positiveInteger(form.amount, 'amount');
    const currency = typeof form.currency === 'string' ? form.currency : '';
    if (!/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}.`, { code: 'parameter_invalid_string', param: 'currency' });
    const minimum = MINIMUM_CHARGE[currency];
    if (minimum !== undefined && amount < minimum) {
      throw invalidRequest(`Amount must be at least ${formatted(minimum, currency)} ${currency}`, { code: 'amount_too_small', param: 'amount' });
    }
    if (amount > MAXIMUM_CHARGE)
      throw invalidRequest(`Amount must be no more than ${formatted(MAXIMUM_CHARGE, currency)} ${currency}`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    wholeUnits(amount, currency, 'amount');
    const methods = form.automatic_payment_methods;
    const redirects = typeof methods === 'object' && !Array.isArray(methods) && methods.enabled === 'true' && methods.allow_redirects !== 'never';
    if (form.confirm === 'true' && redirects && form.return_url === undefined) throw invalidRequest(RETURN_URL_REQUIRED);
    const paymentMethod = typeof form.payment_method === 'string' ? form.payment_method : '';
    const method = TEST_PAYMENT_METHODS.get(paymentMethod);
    if (!method) throw invalidRequest(`No such PaymentMethod: '${paymentMethod}'`, { code: 'resource_missing', param: 'payment_method' });
    const customer = typeof form.customer === 'string' ? form.customer : null;
    if (customer !== null && !customer.startsWith('cus_')) throw notFound('customer', customer, 'customer');
    const captureMethod = form.capture_method === 'manual' || form.capture_method === 'automatic_async' ? form.capture_method : 'automatic';
    const id = this.id('pi');
    const intent: Intent = {
      id,
      clientSecret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      amount,
      currency,
      captureMethod,
      customer,
      paymentMethod,
      metadata: stringRecord(form.metadata),
      offSession: form.off_session === 'true' || form.off_session === 'one_off' || form.off_session === 'recurring',
      created: Math.floor(Date.now() / 1000),
      createdAtMs: Date.now(),
      status: 'requires_confirmation',
      amountCapturable: 0,
      amountReceived: 0,
      amountRefunded: 0,
      chargeId: null,
      lastPaymentError: null,
      cancellationReason: null,
    };
    this.intents.set(id, intent);
    if (form.confirm !== 'true') return { body: this.intentJson(intent, expand), slow: false };

    const behaviour = method.behaviour;
    switch (behaviour.outcome) {
      case 'succeeds':
        this.charge(intent);
        return { body: this.intentJson(intent, expand), slow: behaviour.slow === true };
      case 'declines':
        throw this.decline(intent, { type: 'card_error', code: behaviour.code, decline_code: behaviour.declineCode, message: behaviour.message });
      case 'authenticates':
        if (intent.offSession) {
          throw this.decline(intent, {
            type: 'card_error',
            code: 'authentication_required',
            decline_code: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          });
        }
        intent.status = 'requires_action';
        return { body: this.intentJson(intent, expand), slow: false };
      default: {
        const exhaustive: never = behaviour;
        return exhaustive;
      }
    }
  }

  private decline(intent: Intent, error: LastPaymentError): ApiError {
    intent.status = 'requires_payment_method';
    intent.lastPaymentError = error;
    intent.chargeId = this.id('ch');
    return new ApiError(402, { ...error, charge: intent.chargeId, payment_intent: this.intentJson(intent, []), doc_url: docUrl(error.code) }, true);
  }

  /** A successful authorization: held for manual capture, or captured at once. */
  private charge(intent: Intent): void {
    intent.chargeId = this.id('ch');
    intent.lastPaymentError = null;
    if (intent.captureMethod === 'manual') {
      intent.status = 'requires_capture';
      intent.amountCapturable = intent.amount;
    } else {
      intent.status = 'succeeded';
      intent.amountReceived = intent.amount;
    }
  }

  private authenticate(intent: Intent, outcome: 'succeeded' | 'failed'): void {
    if (intent.status !== 'requires_action') return;
    if (outcome === 'succeeded') {
      this.charge(intent);
      return;
    }
    intent.status = 'requires_payment_method';
    intent.lastPaymentError = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    };
  }

  private capture(intent: Intent, form: Form, expand: readonly string[]): unknown {
    if (intent.status !== 'requires_capture') throw unexpectedState(intent, 'captured', 'requires_capture', this.intentJson(intent, []));
    const amount = form.amount_to_capture === undefined ? intent.amountCapturable : positiveInteger(form.amount_to_capture, 'amount_to_capture');
    wholeUnits(amount, intent.currency, 'amount_to_capture');
    if (amount > intent.amountCapturable) {
      throw invalidRequest(
        'The amount to capture is greater than the amount capturable.',
        { code: 'amount_too_large', param: 'amount_to_capture' },
        true,
      );
    }
    intent.status = 'succeeded';
    intent.amountReceived = amount;
    intent.amountCapturable = 0;
    return this.intentJson(intent, expand);
  }

  private cancel(intent: Intent, form: Form, expand: readonly string[]): unknown {
    const cancelable: readonly IntentStatus[] = [
      'requires_payment_method',
      'requires_capture',
      'requires_confirmation',
      'requires_action',
      'processing',
    ];
    if (!cancelable.includes(intent.status)) {
      throw unexpectedState(intent, 'canceled', cancelable.join(', '), this.intentJson(intent, []));
    }
    intent.status = 'canceled';
    intent.amountCapturable = 0;
    intent.cancellationReason = typeof form.cancellation_reason === 'string' ? form.cancellation_reason : null;
    return this.intentJson(intent, expand);
  }

  private refund(form: Form): unknown {
    const id = typeof form.payment_intent === 'string' ? form.payment_intent : '';
    const intent = this.intents.get(id);
    if (!intent) throw invalidRequest(`No such payment_intent: '${id}'`, { code: 'resource_missing', param: 'payment_intent' });
    if (intent.status !== 'succeeded') {
      throw invalidRequest(`This PaymentIntent (${id}) does not have a successful charge to refund.`, { code: 'charge_not_refundable' }, true);
    }
    const refundable = intent.amountReceived - intent.amountRefunded;
    if (refundable === 0) throw invalidRequest(`Charge ${intent.chargeId} has already been refunded.`, { code: 'charge_already_refunded' }, true);
    const amount = form.amount === undefined ? refundable : positiveInteger(form.amount, 'amount');
    wholeUnits(amount, intent.currency, 'amount');
    if (amount > refundable) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
        { code: 'amount_too_large', param: 'amount' },
        true,
      );
    }
    intent.amountRefunded += amount;
    return {
      id: this.id('re'),
      object: 'refund',
      amount,
      currency: intent.currency,
      charge: intent.chargeId,
      payment_intent: intent.id,
      metadata: stringRecord(form.metadata),
      reason: typeof form.reason === 'string' ? form.reason : null,
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
  }

  /** The newest PaymentIntents first, `limit` of them (1–100, default 10); the list's filters and cursors are not modelled. */
  private list(form: Form, expand: readonly string[]): unknown {
    const limit = form.limit === undefined ? 10 : positiveInteger(form.limit, 'limit');
    if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', { code: 'parameter_invalid_integer', param: 'limit' });
    const newest = [...this.intents.values()].reverse();
    const nested = expand.filter((path) => path.startsWith('data.')).map((path) => path.slice(5));
    return {
      object: 'list',
      data: newest.slice(0, limit).map((intent) => this.intentJson(intent, nested)),
      has_more: newest.length > limit,
      url: '/v1/payment_intents',
    };
  }

  /** Stripe's search query language, as far as Plusone uses it: `field:'value'` clauses joined by AND. */
  private search(form: Form, expand: readonly string[]): unknown {
    const query = typeof form.query === 'string' ? form.query : '';
    const clauses = query.split(/\s+AND\s+/);
    const tests = clauses.map((clause) => {
      const metadata = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(clause.trim());
      if (metadata) return (intent: Intent) => intent.metadata[metadata[1] ?? ''] === unescape(metadata[2] ?? '');
      const status = /^status:'([a-z_]+)'$/.exec(clause.trim());
      if (status) return (intent: Intent) => intent.status === status[1];
      throw invalidRequest(`Invalid search query: ${query}`, { code: 'parameter_invalid_string', param: 'query' });
    });
    const visibleBefore = Date.now() - this.searchLagMs;
    const data = [...this.intents.values()]
      .filter((intent) => intent.createdAtMs <= visibleBefore)
      .filter((intent) => tests.every((test) => test(intent)))
      .reverse()
      .map((intent) =>
        this.intentJson(
          intent,
          expand.filter((path) => path.startsWith('data.')).map((path) => path.slice(5)),
        ),
      );
    return { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/payment_intents/search' };
  }

  private handleBrowser(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): void {
    if (req.method === 'OPTIONS') return sendCors(res, 204, '');
    if (req.method !== 'POST' || path !== '/_fake/3ds') return sendCors(res, 404, JSON.stringify({ error: { message: 'Not found' } }));
    const form = asForm(body);
    const secret = typeof form.client_secret === 'string' ? form.client_secret : '';
    const intent = this.intents.get(secret.split('_secret_')[0] ?? '');
    const publishable = typeof form.publishable_key === 'string' ? form.publishable_key : '';
    if (!intent || intent.clientSecret !== secret || !publishable.startsWith('pk_')) {
      return sendCors(res, 400, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid client secret or publishable key.' } }));
    }
    this.authenticate(intent, form.outcome === 'succeeded' ? 'succeeded' : 'failed');
    const view = this.intentJson(intent, []);
    sendCors(res, 200, JSON.stringify(view));
  }

  private intentJson(intent: Intent, expand: readonly string[]): Record<string, unknown> {
    const method = TEST_PAYMENT_METHODS.get(intent.paymentMethod);
    return {
      id: intent.id,
      object: 'payment_intent',
      amount: intent.amount,
      amount_capturable: intent.amountCapturable,
      amount_received: intent.amountReceived,
      cancellation_reason: intent.cancellationReason,
      capture_method: intent.captureMethod,
      client_secret: intent.clientSecret,
      confirmation_method: 'automatic',
      created: intent.created,
      currency: intent.currency,
      customer: intent.customer,
      last_payment_error: intent.lastPaymentError,
      latest_charge: intent.chargeId !== null && expand.includes('latest_charge') ? this.chargeJson(intent) : intent.chargeId,
      livemode: false,
      metadata: intent.metadata,
      next_action: intent.status === 'requires_action' ? { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } } : null,
      payment_method:
        expand.includes('payment_method') && method ? paymentMethodJson(intent.paymentMethod, method.card, intent.customer) : intent.paymentMethod,
      payment_method_types: ['card'],
      status: intent.status,
    };
  }

  private chargeJson(intent: Intent): Record<string, unknown> {
    const card = TEST_PAYMENT_METHODS.get(intent.paymentMethod)?.card ?? null;
    return {
      id: intent.chargeId,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amountReceived,
      amount_refunded: intent.amountRefunded,
      captured: intent.amountReceived > 0,
      currency: intent.currency,
      metadata: intent.metadata,
      paid: intent.lastPaymentError === null,
      payment_intent: intent.id,
      payment_method: intent.paymentMethod,
      payment_method_details: card ? { type: 'card', card: { brand: card.brand, last4: card.last4 } } : null,
      refunded: intent.amountReceived > 0 && intent.amountRefunded === intent.amountReceived,
      status: intent.lastPaymentError === null ? 'succeeded' : 'failed',
    };
  }

  private id(prefix: string): string {
    this.sequence += 1;
    return `${prefix}_fake${String(this.sequence).padStart(6, '0')}${randomBytes(5).toString('hex')}`;
  }
}

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  return new FakeStripe(options).start();
}

/** A Stripe webhook body for `object` and its `Stripe-Signature` header, signed with `secret`. */
export function signedStripeEvent(
  event: { id: string; type: string; object: unknown },
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): SignedEvent {
  const payload = JSON.stringify({
    id: event.id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: timestamp,
    data: { object: event.object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: event.type,
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return { payload, headers: { 'stripe-signature': signature, 'content-type': 'application/json' } };
}

/** A key as Stripe's 401 shows it: its kind and mode, stars, its last four (`sk_test_****…4242`). */
function maskedKey(key: string): string {
  const prefix = /^[a-z]+_(?:(?:test|live)_)?/.exec(key)?.[0] ?? '';
  const hidden = Math.max(0, key.length - prefix.length - 4);
  return `${prefix}${'*'.repeat(hidden)}${key.slice(prefix.length + hidden)}`;
}

function unexpectedState(intent: Intent, verb: string, allowed: string, json: unknown): ApiError {
  return invalidRequest(
    `This PaymentIntent could not be ${verb} because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be ${verb}: ${allowed}.`,
    { code: 'payment_intent_unexpected_state', payment_intent: json },
    true,
  );
}

function paymentMethodJson(id: string, card: Card, customer: string | null): Record<string, unknown> {
  return {
    id,
    object: 'payment_method',
    type: 'card',
    card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' },
    customer,
    livemode: false,
  };
}

/** An amount parameter: the structure check has made it an integer; Stripe also wants it positive. */
function positiveInteger(value: FormValue | undefined, param: string): number {
  const amount = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(amount))
    throw invalidRequest(`Invalid integer: ${typeof value === 'string' ? value : ''}`, { code: 'parameter_invalid_integer', param });
  if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { code: 'parameter_invalid_integer', param });
  return amount;
}

/** Stripe's three-decimal currencies. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Three-decimal amounts end in 0; ISK stays two-decimal in Stripe's API but takes whole krónur only since 2023
 * (https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds).
 */
function wholeUnits(amount: number, currency: string, param: string): void {
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    // https://docs.stripe.com/currencies#three-decimal: the last digit must be 0. The wording is the fake's own.
    throw invalidRequest(`Invalid amount. Currency ${currency.toUpperCase()} is a three-decimal currency whose amounts must end in 0.`, { param });
  }
  if (currency !== 'isk' || amount % 100 === 0) return;
  throw invalidRequest(
    'Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.',
    { code: 'invalid_charge_amount_no_decimal_compatible', param },
  );
}

/** `$0.50`, `¥50`: an amount in the currency's smallest unit, as Stripe's amount errors show it. */
function formatted(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

function endpointOf(method: string, parts: readonly string[]): StripeEndpoint | null {
  const [version, resource, id, action, ...rest] = parts;
  if (version !== 'v1' || rest.length > 0) return null;
  if (resource === 'refunds') return method === 'POST' && id === undefined ? 'POST /v1/refunds' : null;
  if (resource !== 'payment_intents') return null;
  if (id === undefined) return method === 'POST' ? 'POST /v1/payment_intents' : method === 'GET' ? 'GET /v1/payment_intents' : null;
  if (id === 'search') return method === 'GET' && action === undefined ? 'GET /v1/payment_intents/search' : null;
  if (action === undefined) return method === 'GET' ? 'GET /v1/payment_intents/:id' : null;
  if (method !== 'POST') return null;
  if (action === 'capture') return 'POST /v1/payment_intents/:id/capture';
  return action === 'cancel' ? 'POST /v1/payment_intents/:id/cancel' : null;
}

function stringList(value: FormValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

function stringRecord(value: FormValue | undefined): Record<string, string> {
  if (value === undefined || typeof value === 'string' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function asForm(body: unknown): Form {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Form) : {};
}

/** `a[b][0]=c` → `{ a: { b: ['c'] } }`, as Stripe reads its form-encoded bodies. */
export function parseForm(params: URLSearchParams): Form {
  const root: Form = {};
  for (const [name, value] of params) {
    const path = name.replace(/\]/g, '').split('[');
    let node: Form | FormValue[] = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const nextIsIndex = /^\d+$/.test(path[index + 1] ?? '');
      const key = Array.isArray(node) ? Number(segment) : segment;
      const container = node as Record<string | number, FormValue | undefined>;
      if (last) {
        container[key] = value;
        return;
      }
      container[key] ??= nextIsIndex ? [] : {};
      node = container[key] as Form | FormValue[];
    });
  }
  return root;
}

function parseRequestBody(contentType: string | undefined, raw: string): unknown {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return parseForm(new URLSearchParams(raw));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake${randomBytes(6).toString('hex')}`, ...extra });
  res.end(JSON.stringify(body));
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
};

function sendCors(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...CORS });
  res.end(body);
}

function sendScript(res: ServerResponse, code: string): void {
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', ...CORS });
  res.end(code);
}

/**
 * A stand-in for `https://js.stripe.com/v3/`: `Stripe(publishableKey).handleNextAction({ clientSecret })`
 * shows an accessible dialog, reports the buyer's choice to the fake API, and resolves like Stripe.js:
 * `{ paymentIntent: { id, status } }` or `{ error: { type, code, message } }`.
 */
function fakeStripeJs(apiBase: string): string {
  return `(function () {
  var api = ${JSON.stringify(apiBase)};
  function dialog(onChoice) {
    var box = document.createElement('div');
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', 'fake-stripe-3ds-title');
    box.setAttribute('data-fake-stripe-3ds', '');
    box.style.cssText = 'position:fixed;inset:0;display:flex;align-items:center;justify-content:center;background:rgba(0,0,0,.5);z-index:2147483647';
    var panel = document.createElement('div');
    panel.style.cssText = 'background:#fff;color:#111;padding:1.5rem;border-radius:8px;max-width:22rem;font:16px/1.5 system-ui,sans-serif';
    var title = document.createElement('h2');
    title.id = 'fake-stripe-3ds-title';
    title.textContent = 'Confirm this payment (test)';
    title.style.cssText = 'margin:0 0 .5rem;font-size:1.25rem';
    var text = document.createElement('p');
    text.textContent = 'Fake Stripe 3-D Secure: choose how the bank answers.';
    panel.appendChild(title);
    panel.appendChild(text);
    [['Complete authentication', 'succeeded'], ['Fail authentication', 'failed']].forEach(function (choice) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = choice[0];
      button.style.cssText = 'margin:.25rem .5rem 0 0;min-height:44px;padding:.5rem 1rem;font:inherit';
      button.addEventListener('click', function () { box.remove(); onChoice(choice[1]); });
      panel.appendChild(button);
    });
    box.appendChild(panel);
    document.body.appendChild(box);
    var first = panel.querySelector('button');
    if (first) first.focus();
  }
  window.Stripe = function (publishableKey) {
    return {
      handleNextAction: function (options) {
        var clientSecret = options && options.clientSecret;
        return new Promise(function (resolve) {
          dialog(function (outcome) {
            fetch(api + '/_fake/3ds', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ client_secret: clientSecret, publishable_key: publishableKey, outcome: outcome })
            }).then(function (response) { return response.json(); }).then(function (intent) {
              if (intent.error) return resolve({ error: { type: intent.error.type, code: 'invalid_request', message: intent.error.message } });
              if (intent.status === 'requires_payment_method') {
                var failure = intent.last_payment_error || {};
                return resolve({ error: { type: 'invalid_request_error', code: failure.code || 'payment_intent_authentication_failure', message: failure.message || 'Authentication failed.', payment_intent: { id: intent.id, status: intent.status } } });
              }
              resolve({ paymentIntent: { id: intent.id, status: intent.status } });
            }, function (error) {
              resolve({ error: { type: 'api_connection_error', code: 'api_connection_error', message: String(error) } });
            });
          });
        });
      }
    };
  };
})();
`;
}
