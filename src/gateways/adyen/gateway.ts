/**
 * The Adyen `PaymentGateway`: Checkout API v72 through the official SDK (`PaymentsApi`,
 * `ModificationsApi`). A stored card is charged as a shopper-present card-on-file payment
 * (`CardOnFile` + `ContAuth`); modifications are asynchronous at Adyen, so capture, void and refund
 * answer `received` and the webhook reports their outcome.
 */
import adyen from '@adyen/api-library';
import type { CheckoutAPI as CheckoutService, Types } from '@adyen/api-library';
import type { AdapterOptions } from '../adapter';
import type {
  ActionDetails,
  AuthorizeRequest,
  AuthorizeResult,
  LookupResult,
  ModificationResult,
  RefundOptions,
  PaymentGateway,
} from '../contract';
import type { AdyenCredentials } from './credentials';
import {
  authorizeResultOf,
  detailsIdempotencyKey,
  fitTo,
  IDEMPOTENCY_KEY_LIMIT,
  parsePaymentOutcome,
  REFERENCE_LIMIT,
  toAdyenAmount,
} from './mapping';
import { AdyenHttpError, AdyenTransport, AdyenTransportError } from './transport';

type PaymentRequest = Types.checkout.PaymentRequest;

const { CheckoutAPI, Client, Config, EnvironmentEnum } = adyen;
const { CardDetails, PaymentRequest, ThreeDSRequestData } = adyen.Types.checkout;

/** Adyen refused our API key or its permissions: a configuration error, thrown. */
export class AdyenConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdyenConfigurationError';
  }
}

/** Adyen refused a request as malformed: a programming error on our side, thrown. */
export class AdyenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdyenRequestError';
  }
}

/** Adyen's `errorCode`s the adapter reads (docs.adyen.com/development-resources/error-codes). */
const ERROR_CODES = {
  /** The same `Idempotency-Key` with another body, or its first request still in progress. */
  idempotencyConflict: '704',
  /** No stored payment method (contract) for this id and shopper. */
  contractNotFound: '800',
} as const;

/** The `details` fields Adyen's components post back after an action. */
const DETAIL_FIELDS = [
  'threeDSResult', 'redirectResult', 'payload', 'MD', 'PaRes', 'PaReq', 'billingToken', 'facilitatorAccessToken',
  'oneTimePasscode', 'orderID', 'payerID', 'paymentID', 'paymentStatus', 'resultCode', 'returnUrlQueryString', 'vaultToken',
] as const;

type Sent<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AdyenHttpError | AdyenTransportError };

interface Known {
  readonly result: AuthorizeResult;
  readonly captureImmediately: boolean;
}

/**
 * What this process learned of recent payments, for `lookup` and `completeAction` without details.
 * Adyen has no search by idempotency key and the gateway keeps no store, so after a restart the answer
 * is `not_found`: the worker then retries the authorize with the same key, and Adyen answers that retry
 * from its idempotency cache (valid at least 31 days) without charging again. Bounded, oldest out first.
 */
class RecentPayments {
  private readonly byRef = new Map<string, Known>();
  private readonly refByKey = new Map<string, string>();

  constructor(private readonly limit: number) {}

  remember(ref: string, known: Known, key?: string): void {
    this.byRef.delete(ref);
    this.byRef.set(ref, known);
    if (key !== undefined) {
      this.refByKey.delete(key);
      this.refByKey.set(key, ref);
    }
    for (const map of [this.byRef, this.refByKey] as const) {
      while (map.size > this.limit) {
        const oldest = map.keys().next();
        if (oldest.done) break;
        map.delete(oldest.value);
      }
    }
  }

  ref(ref: string): Known | undefined {
    return this.byRef.get(ref);
  }

  key(key: string): Known | undefined {
    const ref = this.refByKey.get(key);
    return ref === undefined ? undefined : this.byRef.get(ref);
  }
}

function unknownFrom(error: AdyenHttpError | AdyenTransportError): { status: 'unknown'; reason: string } {
  return { status: 'unknown', reason: error.message };
}

export class AdyenGateway implements PaymentGateway {
  readonly name = 'adyen';
  private readonly payments: CheckoutService['PaymentsApi'];
  private readonly modifications: CheckoutService['ModificationsApi'];
  private readonly recent = new RecentPayments(10_000);
  /** `/payments` requires one (Checkout v72); used only if 3-D Secure falls back to a redirect. */
  private readonly returnUrl: string;

  constructor(
    private readonly credentials: AdyenCredentials,
    options: AdapterOptions,
  ) {
    const returnUrl = credentials.returnUrl ?? options.publicUrl;
    if (!returnUrl) throw new AdyenConfigurationError('Adyen needs a returnUrl: set it in the shop\'s Adyen credentials, or PLUSONE_PUBLIC_URL');
    this.returnUrl = returnUrl;
    const config = new Config({
      apiKey: credentials.apiKey,
      environment: credentials.environment === 'live' ? EnvironmentEnum.LIVE : EnvironmentEnum.TEST,
      ...(credentials.liveEndpointUrlPrefix !== null ? { liveEndpointUrlPrefix: credentials.liveEndpointUrlPrefix } : {}),
      connectionTimeoutMillis: options.timeoutMs,
      applicationName: 'plusone',
    });
    const checkout = new CheckoutAPI(new Client(config, new AdyenTransport(options.apiBaseUrl, options.timeoutMs)));
    this.payments = checkout.PaymentsApi;
    this.modifications = checkout.ModificationsApi;
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const body = this.paymentRequest(request);
    const sent = await this.send(() => this.payments.payments(body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, request.idempotencyKey) }));
    if (!sent.ok) return this.authorizeFailure(sent.error);
    const captureImmediately = request.capture === 'immediate';
    const result = authorizeResultOf(parsePaymentOutcome(sent.value), captureImmediately);
    if (result.status !== 'unknown' && result.ref !== null) {
      this.recent.remember(result.ref, { result, captureImmediately }, request.idempotencyKey);
    }
    return result;
  }

  async completeAction(ref: string, idempotencyKey: string, details?: ActionDetails): Promise<AuthorizeResult> {
    const known = this.recent.ref(ref);
    const completion = details === undefined ? {} : completionDetails(details);
    if (Object.keys(completion).length === 0) {
      // Without the component's details Adyen cannot be asked; the buyer has not finished (or gave up).
      if (known && known.result.status !== 'requires_action') return known.result;
      return { status: 'requires_action', ref, action: known?.result.status === 'requires_action' ? known.result.action : { type: 'three_d_secure' } };
    }
    const key = detailsIdempotencyKey(idempotencyKey, completion);
    const sent = await this.send(() => this.payments.paymentsDetails({ details: completion }, { idempotencyKey: key }));
    if (!sent.ok) return this.authorizeFailure(sent.error);
    // Restarted since the authorize: the capture mode is unknown; manual (Plusone's undo window) is assumed.
    const captureImmediately = known?.captureImmediately ?? false;
    const result = authorizeResultOf(parsePaymentOutcome(sent.value), captureImmediately, ref);
    if (result.status !== 'unknown' && result.ref !== null) this.recent.remember(result.ref, { result, captureImmediately });
    return result;
  }

  capture(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    const body = { merchantAccount: this.credentials.merchantAccount, amount: toAdyenAmount(amount, currency), reference: fitTo(REFERENCE_LIMIT, idempotencyKey) };
    return this.modify(() => this.modifications.captureAuthorisedPayment(ref, body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) }));
  }

  void(ref: string, idempotencyKey: string): Promise<ModificationResult> {
    const body = { merchantAccount: this.credentials.merchantAccount, reference: fitTo(REFERENCE_LIMIT, idempotencyKey) };
    return this.modify(() => this.modifications.cancelAuthorisedPaymentByPspReference(ref, body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) }));
  }

  refund(ref: string, amount: number, currency: string, idempotencyKey: string, options: RefundOptions = {}): Promise<ModificationResult> {
    const reference = fitTo(REFERENCE_LIMIT, idempotencyKey);
    const requestOptions = { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) };
    // Taking back the whole charge when it may not be captured yet: Adyen's reversal ("cancel or refund",
    // CheckoutService v72 /payments/{pspReference}/reversals) is the call its docs give for that case.
    if (options.whole) {
      return this.modify(() => this.modifications.refundOrCancelPayment(ref, { merchantAccount: this.credentials.merchantAccount, reference }, requestOptions));
    }
    const body = { merchantAccount: this.credentials.merchantAccount, amount: toAdyenAmount(amount, currency), reference };
    return this.modify(() => this.modifications.refundCapturedPayment(ref, body, requestOptions));
  }

  /**
   * Only what this process saw: Adyen offers no search by idempotency key, and reading a payment by
   * pspReference needs its webhook (or the Management/Reports APIs). `not_found` is the honest answer
   * after a restart; for a key, the worker's retry of the authorize with the same key is the real lookup.
   */
  async lookup(query: { idempotencyKey: string } | { ref: string }): Promise<LookupResult> {
    const known = 'ref' in query ? this.recent.ref(query.ref) : this.recent.key(query.idempotencyKey);
    return known?.result ?? { status: 'not_found' };
  }

  private paymentRequest(request: AuthorizeRequest): PaymentRequest {
    const fields: PaymentRequest = {
      merchantAccount: this.credentials.merchantAccount,
      amount: toAdyenAmount(request.amount, request.currency),
      reference: fitTo(REFERENCE_LIMIT, request.metadata.upsell_id ?? request.idempotencyKey),
      paymentMethod: { type: CardDetails.TypeEnum.Scheme, storedPaymentMethodId: request.paymentMethodRef },
      ...(request.customerRef !== null ? { shopperReference: request.customerRef } : {}),
      // A buyer-present charge of a stored card without CVC: card-on-file, customer-initiated.
      shopperInteraction: PaymentRequest.ShopperInteractionEnum.ContAuth,
      recurringProcessingModel: PaymentRequest.RecurringProcessingModelEnum.CardOnFile,
      // The issuer may ask for 3-D Secure (PSD2 SCA); the buyer's page runs it with Adyen's component.
      channel: PaymentRequest.ChannelEnum.Web,
      authenticationData: { threeDSRequestData: { nativeThreeDS: ThreeDSRequestData.NativeThreeDSEnum.Preferred } },
      metadata: { ...request.metadata },
      // Required by Adyen, used only by redirect-based 3-D Secure: the shop's, else Plusone's public URL.
      returnUrl: this.returnUrl,
      // Manual: hold only, the engine captures after the undo window. Immediate: capture with the authorisation.
      ...(request.capture === 'manual' ? { additionalData: { manualCapture: 'true' } } : { captureDelayHours: 0 }),
    };
    return Object.assign(new PaymentRequest(), fields);
  }

  private authorizeFailure(error: AdyenHttpError | AdyenTransportError): AuthorizeResult {
    if (error instanceof AdyenTransportError || error.statusCode >= 500 || error.statusCode === 429) return unknownFrom(error);
    if (error.errorCode === ERROR_CODES.idempotencyConflict) return unknownFrom(error);
    if (error.errorCode === ERROR_CODES.contractNotFound) {
      return { status: 'declined', code: 'card_declined', message: 'The stored card is no longer available at Adyen.', ref: null };
    }
    throw new AdyenRequestError(error.message);
  }

  private async modify(call: () => Promise<{ status?: string }>): Promise<ModificationResult> {
    const sent = await this.send(call);
    if (sent.ok) {
      return sent.value.status === 'received' ? { status: 'received' } : { status: 'unknown', reason: `Adyen answered status ${sent.value.status ?? 'none'}` };
    }
    const error = sent.error;
    if (error instanceof AdyenTransportError || error.statusCode >= 500 || error.statusCode === 429) return unknownFrom(error);
    // Same key, other parameters: never success (the contract), and not a failure of the payment either.
    if (error.errorCode === ERROR_CODES.idempotencyConflict) return unknownFrom(error);
    return { status: 'failed', code: `adyen_${error.errorCode ?? error.statusCode}`, message: error.adyenMessage };
  }

  /** Runs one SDK call; answers without a decision are values, credentials Adyen refuses are thrown. */
  private async send<T>(call: () => Promise<T>): Promise<Sent<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      if (error instanceof AdyenHttpError && (error.statusCode === 401 || error.statusCode === 403)) {
        throw new AdyenConfigurationError(`Adyen refused the API key for merchant account ${this.credentials.merchantAccount} (HTTP ${error.statusCode})`);
      }
      if (error instanceof AdyenHttpError || error instanceof AdyenTransportError) return { ok: false, error };
      throw error;
    }
  }
}

type Completion = Partial<Record<(typeof DETAIL_FIELDS)[number], string>>;

/** The known string fields of what the component posted back (Adyen ignores anything else). */
function completionDetails(details: ActionDetails): Completion {
  const completion: Completion = {};
  for (const field of DETAIL_FIELDS) {
    const value = details[field];
    if (typeof value === 'string' && value !== '') completion[field] = value;
  }
  return completion;
}
