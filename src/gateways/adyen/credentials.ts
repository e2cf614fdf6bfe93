/**
 * A merchant's Adyen credentials: checked by shape only (no network call), masked for display, and the
 * public part handed to the buyer's page. Error messages name the field and the rule, never its value.
 */
import { CredentialFields, lastFour } from '../credential-fields';
import { DomainError } from '../../core/errors';
import type { CredentialsModule, StoredPayment } from '../adapter';

export type AdyenEnvironment = 'test' | 'live';

export interface AdyenCredentials {
  /** Checkout API key (Customer Area › Developers › API credentials). Secret. */
  readonly apiKey: string;
  /** The merchant account the payments belong to, e.g. `AcmeShopECOM`. */
  readonly merchantAccount: string;
  readonly environment: AdyenEnvironment;
  /** Live only: the prefix of the company's live endpoint, `{prefix}-checkout-live.adyenpayments.com`. */
  readonly liveEndpointUrlPrefix: string | null;
  /** HMAC key of the standard webhook (hex). Secret. Without it webhooks are refused. */
  readonly hmacKey: string | null;
  /** Client key for Adyen Web's 3-D Secure component (`test_…` / `live_…`). Public. */
  readonly clientKey: string;
  /** Where a redirect-based 3-D Secure step sends the buyer back (the merchant's post-purchase page). */
  readonly returnUrl: string | null;
}

const FIELDS: readonly string[] = ['apiKey', 'merchantAccount', 'environment', 'liveEndpointUrlPrefix', 'hmacKey', 'clientKey', 'returnUrl'];
const API_KEY = /^[\x21-\x7e]{16,1024}$/;
const MERCHANT_ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const LIVE_PREFIX = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
const HMAC_KEY = /^(?:[0-9A-Fa-f]{2}){16,64}$/;
const CLIENT_KEY = /^(test|live)_[A-Za-z0-9]{8,128}$/;

function parseReturnUrl(fields: CredentialFields, environment: AdyenEnvironment): string | null {
  const text = fields.text('returnUrl');
  const invalid = (message: string) => fields.invalid(message);
  if (text === null) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('returnUrl must be an absolute URL');
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local && environment === 'test')) {
    throw invalid('returnUrl must use https (http only for localhost in the test environment)');
  }
  return url.href;
}

/** Validates and normalizes credentials; throws `DomainError('invalid_credentials')` naming the field. */
export function parseAdyenCredentials(input: unknown): AdyenCredentials {
  const fields = new CredentialFields('Adyen', input, FIELDS);
  const invalid = (message: string) => fields.invalid(message);
  const environment = fields.required('environment');
  if (environment !== 'test' && environment !== 'live') throw invalid("environment must be 'test' or 'live'");
  const apiKey = fields.required('apiKey');
  if (!API_KEY.test(apiKey)) throw invalid('apiKey must be 16 to 1024 printable characters without spaces');
  const merchantAccount = fields.required('merchantAccount');
  if (!MERCHANT_ACCOUNT.test(merchantAccount)) {
    throw invalid('merchantAccount must be the merchant account code (letters, digits, _ . -; at most 80)');
  }
  const liveEndpointUrlPrefix = fields.text('liveEndpointUrlPrefix');
  if (environment === 'live' && liveEndpointUrlPrefix === null) {
    throw invalid('liveEndpointUrlPrefix is required for the live environment');
  }
  if (liveEndpointUrlPrefix !== null && (!LIVE_PREFIX.test(liveEndpointUrlPrefix) || liveEndpointUrlPrefix.length > 100)) {
    throw invalid('liveEndpointUrlPrefix must be only the prefix (e.g. 1797a841fbb37ca7-AcmeShop), without https:// or the Adyen host');
  }
  const hmacKey = fields.text('hmacKey');
  if (hmacKey !== null && !HMAC_KEY.test(hmacKey)) throw invalid('hmacKey must be the hexadecimal HMAC key of the webhook');
  const clientKey = fields.required('clientKey');
  const clientKeyMatch = CLIENT_KEY.exec(clientKey);
  if (!clientKeyMatch) throw invalid('clientKey must look like test_… or live_…');
  if (clientKeyMatch[1] !== environment) throw invalid(`clientKey must be a ${environment}_… key for the ${environment} environment`);

  return {
    apiKey,
    merchantAccount,
    environment,
    liveEndpointUrlPrefix,
    hmacKey,
    clientKey,
    returnUrl: parseReturnUrl(fields, environment),
  };
}

/** What the API may show: public fields in full, secrets as `…last4`. */
export function describeAdyenCredentials(credentials: AdyenCredentials): Record<string, string> {
  return {
    apiKey: lastFour(credentials.apiKey),
    merchantAccount: credentials.merchantAccount,
    environment: credentials.environment,
    ...(credentials.liveEndpointUrlPrefix !== null ? { liveEndpointUrlPrefix: credentials.liveEndpointUrlPrefix } : {}),
    hmacKey: credentials.hmacKey === null ? 'not set' : lastFour(credentials.hmacKey),
    clientKey: credentials.clientKey,
    ...(credentials.returnUrl !== null ? { returnUrl: credentials.returnUrl } : {}),
  };
}

/** What Adyen Web's 3-D Secure component needs on the buyer's page. */
export function adyenClientConfig(credentials: AdyenCredentials): Record<string, string> {
  return { clientKey: credentials.clientKey, environment: credentials.environment };
}

/**
 * Adyen's limits on a card-on-file payment (CheckoutService v72 `PaymentRequest`): the stored card belongs
 * to a `shopperReference` (3–256 characters), which every charge of it must send; `storedPaymentMethodId`
 * is at most 64 characters.
 */
export function checkAdyenPayment(payment: StoredPayment): void {
  const refuse = (field: string, message: string): never => {
    throw new DomainError('invalid_request', message, { field });
  };
  const shopperReference = payment.customerRef;
  if (shopperReference === null) {
    refuse('payment.customerRef', 'payment.customerRef is required for Adyen: the shopperReference the card was stored for');
  } else if (shopperReference.length < 3 || shopperReference.length > 256) {
    refuse('payment.customerRef', 'payment.customerRef (Adyen shopperReference) must be 3 to 256 characters');
  }
  if (payment.paymentMethodRef.length > 64) {
    refuse('payment.paymentMethodRef', 'payment.paymentMethodRef (Adyen storedPaymentMethodId) must be at most 64 characters');
  }
}

/** Adyen's credentials half of the adapter (no SDK). */
export const adyenCredentials: CredentialsModule<AdyenCredentials> = {
  name: 'adyen',
  parseCredentials: parseAdyenCredentials,
  describeCredentials: describeAdyenCredentials,
  clientConfig: adyenClientConfig,
  checkPayment: checkAdyenPayment,
};
