/**
 * What a real PSP adapter module (Stripe, Braintree, Adyen) exports, besides the `PaymentGateway` it
 * builds: how the merchant's credentials are validated and masked, how a gateway is built from them, and
 * how the PSP's inbound webhooks are verified and read.
 *
 * The engine keeps one gateway per shop (credentials differ per shop), built lazily from the shop's
 * decrypted credentials. Credentials never leave this module family in clear except to the SDK.
 */
import type { PaymentGateway } from './contract';

import type { RealGatewayName } from '../core/gateways';

export type { RealGatewayName };

export interface AdapterOptions {
  /**
   * Base URL of the PSP's API, e.g. `http://127.0.0.1:45123` for a test fake or a local stripe-mock.
   * Undefined: the SDK's own host for the credentials' environment (test or live).
   */
  readonly apiBaseUrl?: string;
  /** Per-request timeout given to the SDK (the engine races the call with the same timeout anyway). */
  readonly timeoutMs: number;
  /**
   * Where the buyer's page loads Stripe.js for 3-D Secure (`PLUSONE_STRIPE_JS_URL`). Its own setting, not
   * derived from `apiBaseUrl`: a mock of Stripe's API (stripe-mock) serves no Stripe.js. Undefined: Stripe's.
   */
  readonly stripeJsUrl?: string;
  /**
   * Plusone's public base URL (`PLUSONE_PUBLIC_URL`): where a PSP that requires a return address (Adyen's
   * `returnUrl`) sends a buyer back from a redirect when the shop configured none.
   */
  readonly publicUrl?: string;
}

/** A PSP notification read from a verified webhook, in the contract's terms. */
export interface GatewayNotification {
  /** The PSP's own event id (Stripe `evt_…`, Adyen `pspReference`+`eventCode`, Braintree kind+timestamp). */
  readonly eventId: string;
  /** The PSP's payment reference: PaymentIntent id, Braintree transaction id, Adyen pspReference of the payment. */
  readonly ref: string;
  /** Our upsell id when the PSP echoed our metadata / reference; null when it did not. */
  readonly upsellId: string | null;
  readonly kind:
    'authorized' | 'authorization_failed' | 'captured' | 'capture_failed' | 'voided' | 'void_failed' | 'refunded' | 'refund_failed' | 'ignored';
  /** The PSP's own event name (`payment_intent.succeeded`, `CAPTURE`, `transaction_settled`), for logs. */
  readonly pspType: string;
}

export { WebhookVerificationError } from '../core/errors';

/**
 * The half of an adapter that needs no PSP SDK (checking, describing and exposing credentials), so that
 * loading Plusone does not load every SDK: `gateways/index.ts` imports an adapter module, and with it its
 * SDK, the first time a shop charges through that PSP or receives its webhook.
 */
export type CredentialsModule<Credentials> = Pick<
  GatewayAdapter<Credentials>,
  'name' | 'parseCredentials' | 'describeCredentials' | 'clientConfig' | 'checkPayment'
>;

/** The stored payment an order names: the PSP's token of the buyer's card, and the customer it belongs to. */
export interface StoredPayment {
  readonly paymentMethodRef: string;
  readonly customerRef: string | null;
}

/**
 * What a PSP said of credentials it was asked about before they are saved (`verifyCredentials`).
 * `valid`: it took them. `refused`: it refused them (the key, its permissions, the merchant account), and
 * `message` says what it said in the merchant's words, never a secret. `unreachable`: it could not tell
 * (no answer in time, a network error, 429, 5xx, an answer that says nothing of the keys): try again.
 */
export type CredentialsCheck =
  | { readonly status: 'valid' }
  | { readonly status: 'refused'; readonly message: string }
  | { readonly status: 'unreachable'; readonly message: string };

export interface GatewayAdapter<Credentials> {
  readonly name: RealGatewayName;
  /**
   * Checks merchant-supplied credentials by shape only (no network call) and returns them normalized.
   * Throws `DomainError('invalid_credentials', <which field and why>)` — never echoing a secret value.
   * Whether the PSP takes them is `verifyCredentials`, asked once the shape passed.
   */
  parseCredentials(input: unknown): Credentials;
  /**
   * What the API may show of stored credentials: non-secret fields in full (publishable key, merchant
   * account, environment), secrets only as `…last4`. Example: `{ secretKey: 'sk_test_…4242' }`.
   */
  describeCredentials(credentials: Credentials): Record<string, string>;
  /**
   * Refuses, when the order is registered, a stored payment this PSP would refuse at the accept (a required
   * field missing, a length over its limit): `DomainError('invalid_request', …, { field })` naming the field.
   * Absent: the PSP takes any payment the API schema takes.
   */
  checkPayment?(payment: StoredPayment): void;
  /** Values the buyer's page needs for a 3-D Secure step (e.g. Stripe's publishable key); {} if none. */
  clientConfig(credentials: Credentials): Record<string, string>;
  create(credentials: Credentials, options: AdapterOptions): PaymentGateway;
  /**
   * Asks the PSP, before the credentials are saved, whether they work: read-only calls that need them and
   * change nothing at the PSP (Stripe lists one PaymentIntent, Braintree searches transactions and asks a
   * client token per merchant account, Adyen asks `/paymentMethods` of the merchant account), with the
   * adapter's timeout and its error table (`credentialsFailure` in `./errors.ts`). Never throws for a PSP
   * answer. Example: `verifyCredentials({ secretKey: 'sk_test_…', … }, options)` → `{ status: 'valid' }`;
   * with a rolled key → `{ status: 'refused', message: 'Stripe answered 401 authentication_error: the
   * secret key is mistyped, expired or rolled' }`; with Stripe down → `{ status: 'unreachable', … }`.
   */
  verifyCredentials(credentials: Credentials, options: AdapterOptions): Promise<CredentialsCheck>;
  /**
   * Verifies an inbound webhook with the credentials' signing secret (Stripe `whsec_…`, Adyen HMAC key,
   * Braintree public/private key) and reads it. `rawBody` is the exact bytes received, as UTF-8 text.
   * Throws `WebhookVerificationError` when it does not verify.
   */
  parseWebhook(rawBody: string, headers: Readonly<Record<string, string | undefined>>, credentials: Credentials): GatewayNotification[];
}
