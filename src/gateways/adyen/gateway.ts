/**
 * The Adyen `PaymentGateway`: Checkout API v72 through the official SDK (`PaymentsApi`,
 * `ModificationsApi`). A stored card is charged as a shopper-present card-on-file payment
 * (`CardOnFile` + `ContAuth`); modifications are asynchronous at Adyen, so capture, void and refund
 * answer `received` and the webhook reports their outcome.
 */
import adyen from '@adyen/api-library';
import type { CheckoutAPI as CheckoutService, Types } from '@adyen/api-library';
import type { AdapterOptions, CredentialsCheck } from '../adapter';
import type {
  ActionDetails,
  AuthorizeRequest,
  AuthorizeResult,
  BuyerContext,
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
import { authorizeFailure, credentialsFailure, modificationFailure, sortError, type ErrorRule, type SortedError } from '../errors';

type PaymentRequest = Types.checkout.PaymentRequest;

const { CheckoutAPI, Client, Config, EnvironmentEnum } = adyen;
const { BrowserInfo, CardDetails, PaymentMethodsRequest, PaymentRequest, ThreeDSRequestData } = adyen.Types.checkout;

/** The shop's Adyen settings cannot make a valid payment (no returnUrl anywhere): thrown at construction. */
export class AdyenConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdyenConfigurationError';
  }
}

type AdyenError = AdyenHttpError | AdyenTransportError;

const httpStatus = (test: (status: number) => boolean) => (error: AdyenError) => error instanceof AdyenHttpError && test(error.statusCode);
const errorCode = (code: string) => (error: AdyenError) => error instanceof AdyenHttpError && error.errorCode === code;

/**
 * Every Adyen error, sorted (see `../errors.ts`); first match wins. Sources: Checkout API v72
 * (CheckoutService-v72.json: 400/401/403/422/500 answers carry a ServiceError with `errorCode`), and
 * docs.adyen.com/development-resources/error-codes and /api-idempotency (704 "request already processed
 * or in progress", 429 and 5xx safe to retry with the same key).
 */
export const ADYEN_ERRORS: readonly ErrorRule<AdyenError>[] = [
  { when: 'no answer (timeout or network)', matches: (error) => error instanceof AdyenTransportError, class: 'retryable' },
  {
    when: 'HTTP 401 or 403 (API key, its roles, or the merchant account)',
    matches: httpStatus((status) => status === 401 || status === 403),
    class: 'configuration',
  },
  { when: 'HTTP 429 (rate limited)', matches: httpStatus((status) => status === 429), class: 'retryable' },
  { when: 'HTTP 5xx', matches: httpStatus((status) => status >= 500), class: 'retryable' },
  { when: 'errorCode 704 (key in progress, or used with another body)', matches: errorCode('704'), class: 'unknown' },
  { when: 'errorCode 800 (contract not found: the stored card is gone)', matches: errorCode('800'), class: 'final', decline: 'card_declined' },
  { when: 'other HTTP 4xx (the request is invalid: validation 1xx, 422)', matches: () => true, class: 'final' },
];

function sortAdyen(error: AdyenError): SortedError {
  return sortError(ADYEN_ERRORS, error, (failure) => ({
    message: failure.message,
    code: failure instanceof AdyenHttpError ? `adyen_${failure.errorCode ?? failure.statusCode}` : `adyen_${failure.reason}`,
  }));
}

/** Checkout API v72 through the SDK, with the shop's key and environment, on Plusone's transport (`./transport.ts`). */
function checkoutOf(credentials: AdyenCredentials, options: AdapterOptions): CheckoutService {
  const config = new Config({
    apiKey: credentials.apiKey,
    environment: credentials.environment === 'live' ? EnvironmentEnum.LIVE : EnvironmentEnum.TEST,
    ...(credentials.liveEndpointUrlPrefix !== null ? { liveEndpointUrlPrefix: credentials.liveEndpointUrlPrefix } : {}),
    connectionTimeoutMillis: options.timeoutMs,
    applicationName: 'plusone',
  });
  return new CheckoutAPI(new Client(config, new AdyenTransport(options.apiBaseUrl, options.timeoutMs)));
}

/** What Adyen refused of the credentials being checked, in the merchant's words. */
function adyenRefusal(error: AdyenError, credentials: AdyenCredentials): string {
  if (!(error instanceof AdyenHttpError)) return error.message;
  const said = `Adyen answered ${error.statusCode}${error.errorCode ? ` errorCode ${error.errorCode}` : ''} (${error.adyenMessage})`;
  switch (error.statusCode) {
    case 401:
      return `${said}: the API key is not a key of Adyen's ${credentials.environment} environment`;
    case 403:
      return `${said}: merchant account ${credentials.merchantAccount} is not one this API key may use, or the key lacks the Checkout webservice role`;
    default:
      return said;
  }
}

/**
 * Whether Adyen takes the credentials: the payment methods of the merchant account (`POST
 * /paymentMethods` with `merchantAccount` only), a read that needs the API key, its Checkout webservice
 * role and the merchant account, as every payment does, and changes nothing. On a live account it also
 * proves `liveEndpointUrlPrefix`: a wrong prefix is a host that does not answer.
 */
export async function verifyAdyenCredentials(credentials: AdyenCredentials, options: AdapterOptions): Promise<CredentialsCheck> {
  const payments = checkoutOf(credentials, options).PaymentsApi;
  try {
    await payments.paymentMethods(Object.assign(new PaymentMethodsRequest(), { merchantAccount: credentials.merchantAccount }));
    return { status: 'valid' };
  } catch (error) {
    if (!(error instanceof AdyenHttpError || error instanceof AdyenTransportError)) throw error;
    const check = credentialsFailure(sortAdyen(error), adyenRefusal(error, credentials));
    const live = credentials.liveEndpointUrlPrefix !== null;
    if (check.status === 'unreachable' && live && error instanceof AdyenTransportError && error.reason === 'network') {
      return { ...check, message: `${check.message} (if it lasts, check liveEndpointUrlPrefix)` };
    }
    return check;
  }
}

/** The `details` fields Adyen's components post back after an action. */
const DETAIL_FIELDS = [
  'threeDSResult',
  'redirectResult',
  'payload',
  'MD',
  'PaRes',
  'PaReq',
  'billingToken',
  'facilitatorAccessToken',
  'oneTimePasscode',
  'orderID',
  'payerID',
  'paymentID',
  'paymentStatus',
  'resultCode',
  'returnUrlQueryString',
  'vaultToken',
] as const;

type Sent<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SortedError };

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
    if (!returnUrl) throw new AdyenConfigurationError("Adyen needs a returnUrl: set it in the shop's Adyen credentials, or PLUSONE_PUBLIC_URL");
    this.returnUrl = returnUrl;
    const checkout = checkoutOf(credentials, options);
    this.payments = checkout.PaymentsApi;
    this.modifications = checkout.ModificationsApi;
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const body = this.paymentRequest(request);
    const sent = await this.send(() => this.payments.payments(body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, request.idempotencyKey) }));
    if (!sent.ok) return authorizeFailure(sent.error);
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
      return {
        status: 'requires_action',
        ref,
        action: known?.result.status === 'requires_action' ? known.result.action : { type: 'three_d_secure' },
      };
    }
    const key = detailsIdempotencyKey(idempotencyKey, completion);
    const sent = await this.send(() => this.payments.paymentsDetails({ details: completion }, { idempotencyKey: key }));
    // Whatever the error, the step decides nothing: an earlier /payments/details may have authorised it.
    if (!sent.ok) return { status: 'unknown', reason: `${sent.error.rule}: ${sent.error.message}` };
    // Restarted since the authorize: the capture mode is unknown; manual (Plusone's undo window) is assumed.
    const captureImmediately = known?.captureImmediately ?? false;
    const result = authorizeResultOf(parsePaymentOutcome(sent.value), captureImmediately, ref);
    if (result.status !== 'unknown' && result.ref !== null) this.recent.remember(result.ref, { result, captureImmediately });
    return result;
  }

  capture(ref: string, amount: number, currency: string, idempotencyKey: string): Promise<ModificationResult> {
    const body = {
      merchantAccount: this.credentials.merchantAccount,
      amount: toAdyenAmount(amount, currency),
      reference: fitTo(REFERENCE_LIMIT, idempotencyKey),
    };
    return this.modify(() =>
      this.modifications.captureAuthorisedPayment(ref, body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) }),
    );
  }

  void(ref: string, idempotencyKey: string): Promise<ModificationResult> {
    const body = { merchantAccount: this.credentials.merchantAccount, reference: fitTo(REFERENCE_LIMIT, idempotencyKey) };
    return this.modify(() =>
      this.modifications.cancelAuthorisedPaymentByPspReference(ref, body, { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) }),
    );
  }

  refund(ref: string, amount: number, currency: string, idempotencyKey: string, options: RefundOptions = {}): Promise<ModificationResult> {
    const reference = fitTo(REFERENCE_LIMIT, idempotencyKey);
    const requestOptions = { idempotencyKey: fitTo(IDEMPOTENCY_KEY_LIMIT, idempotencyKey) };
    // Taking back the whole charge when it may not be captured yet: Adyen's reversal ("cancel or refund",
    // CheckoutService v72 /payments/{pspReference}/reversals) is the call its docs give for that case.
    if (options.whole) {
      return this.modify(() =>
        this.modifications.refundOrCancelPayment(ref, { merchantAccount: this.credentials.merchantAccount, reference }, requestOptions),
      );
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
      ...buyerFields(request.buyer),
    };
    return Object.assign(new PaymentRequest(), fields);
  }

  private async modify(call: () => Promise<{ status?: string }>): Promise<ModificationResult> {
    const sent = await this.send(call);
    if (!sent.ok) return modificationFailure(sent.error);
    return sent.value.status === 'received'
      ? { status: 'received' }
      : { status: 'unknown', reason: `Adyen answered status ${sent.value.status ?? 'none'}` };
  }

  /** Runs one SDK call; an Adyen error comes back sorted by `ADYEN_ERRORS`, anything else is thrown. */
  private async send<T>(call: () => Promise<T>): Promise<Sent<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      if (error instanceof AdyenHttpError || error instanceof AdyenTransportError) return { ok: false, error: sortAdyen(error) };
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

/**
 * What 3-D Secure 2 on the web and Adyen's risk checks read about the buyer: the page's `origin` and the
 * browser's fields (both required for a browser-based 3DS2), `shopperIP` and `shopperEmail` (required for
 * Visa and JCB). Each only when known; `browserInfo` only whole, as Adyen requires all of its fields.
 */
function buyerFields(buyer: BuyerContext | undefined): Partial<PaymentRequest> {
  if (!buyer) return {};
  return {
    ...(buyer.origin !== null ? { origin: buyer.origin } : {}),
    ...(buyer.browser !== null ? { browserInfo: Object.assign(new BrowserInfo(), buyer.browser) } : {}),
    ...(buyer.ip !== null ? { shopperIP: buyer.ip } : {}),
    ...(buyer.email !== null ? { shopperEmail: buyer.email } : {}),
  };
}
