/**
 * A shop's Braintree API keys: checked by shape only (no network call), masked for display. Error
 * messages name the field and the rule, never the value, so a pasted private key never reaches a log.
 */
import { CredentialFields, lastFour } from '../credential-fields';
import type { CredentialsModule } from '../adapter';
import { isCurrency } from '../../core/money';

export type BraintreeEnvironment = 'sandbox' | 'production';

export interface BraintreeCredentials {
  readonly environment: BraintreeEnvironment;
  readonly merchantId: string;
  readonly publicKey: string;
  /** The only secret: it signs API calls and verifies webhooks. */
  readonly privateKey: string;
  /** The account charged when `merchantAccountIds` has no entry for the currency; null: the merchant's default. */
  readonly merchantAccountId: string | null;
  /**
   * A Braintree merchant account settles one currency, so a shop selling in several currencies maps
   * each ISO 4217 code to its account (`{ "EUR": "acme_eur" }`).
   */
  readonly merchantAccountIds: Readonly<Record<string, string>>;
}

const FIELDS: readonly string[] = ['environment', 'merchantId', 'publicKey', 'privateKey', 'merchantAccountId', 'merchantAccountIds'];
// Braintree ids and keys are lower-case alphanumerics; merchant account ids also allow `_` and `-`.
const KEY = /^[0-9a-z]{8,64}$/;
const ACCOUNT_ID = /^[0-9A-Za-z_-]{1,100}$/;

function required(fields: CredentialFields, field: string, pattern: RegExp, rule: string): string {
  const value = fields.required(field);
  if (!pattern.test(value)) throw fields.invalid(`${field} must be ${rule}`);
  return value;
}

function accountMap(fields: CredentialFields): Record<string, string> {
  const value = fields.record['merchantAccountIds'];
  const invalid = (message: string) => fields.invalid(message);
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('merchantAccountIds must be an object of currency → merchant account id');
  const accounts: Record<string, string> = {};
  for (const [currency, id] of Object.entries(value)) {
    if (!isCurrency(currency)) throw invalid(`merchantAccountIds has a key that is not an ISO 4217 code`);
    if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) throw invalid(`merchantAccountIds.${currency} must be a merchant account id`);
    accounts[currency] = id;
  }
  return accounts;
}

export function parseBraintreeCredentials(input: unknown): BraintreeCredentials {
  const fields = new CredentialFields('Braintree', input, FIELDS);
  const invalid = (message: string) => fields.invalid(message);
  const environment = fields.text('environment');
  if (environment !== 'sandbox' && environment !== 'production') throw invalid('environment must be "sandbox" or "production"');
  const merchantId = required(fields, 'merchantId', KEY, '8–64 lower-case letters and digits');
  const publicKey = required(fields, 'publicKey', KEY, '8–64 lower-case letters and digits');
  const privateKey = required(fields, 'privateKey', KEY, '8–64 lower-case letters and digits');
  if (privateKey === publicKey) throw invalid('privateKey equals publicKey; paste the private key from the API keys page');
  const merchantAccountId = fields.text('merchantAccountId');
  if (merchantAccountId !== null && !ACCOUNT_ID.test(merchantAccountId)) throw invalid('merchantAccountId must be letters, digits, _ or -');
  return { environment, merchantId, publicKey, privateKey, merchantAccountId, merchantAccountIds: accountMap(fields) };
}

export function describeBraintreeCredentials(credentials: BraintreeCredentials): Record<string, string> {
  const perCurrency = Object.entries(credentials.merchantAccountIds).map(([currency, id]) => `${currency}=${id}`);
  return {
    environment: credentials.environment,
    merchantId: credentials.merchantId,
    publicKey: credentials.publicKey,
    privateKey: lastFour(credentials.privateKey),
    merchantAccountId: credentials.merchantAccountId ?? 'default',
    merchantAccountIds: perCurrency.length > 0 ? perCurrency.join(', ') : 'none',
  };
}

/** Braintree's credentials half of the adapter (no SDK). */
export const braintreeCredentials: CredentialsModule<BraintreeCredentials> = {
  name: 'braintree',
  parseCredentials: parseBraintreeCredentials,
  describeCredentials: describeBraintreeCredentials,
  // braintree-web gets its client token inside the 3-D Secure action, per merchant account.
  clientConfig: (credentials) => ({ environment: credentials.environment }),
};
