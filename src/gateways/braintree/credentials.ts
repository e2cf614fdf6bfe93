/**
 * A shop's Braintree API keys: checked by shape only (no network call), masked for display. Error
 * messages name the field and the rule, never the value, so a pasted private key never reaches a log.
 */
import { DomainError } from '../../core/errors';
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

function invalid(message: string): DomainError {
  return new DomainError('invalid_credentials', `Braintree credentials: ${message}`);
}

function text(input: Record<string, unknown>, field: string): string | null {
  const value = input[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function required(input: Record<string, unknown>, field: string, pattern: RegExp, rule: string): string {
  const value = text(input, field);
  if (value === null) throw invalid(`${field} is required`);
  if (!pattern.test(value)) throw invalid(`${field} must be ${rule}`);
  return value;
}

function accountMap(value: unknown): Record<string, string> {
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
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('expected an object');
  const record = input as Record<string, unknown>;
  const unknownField = Object.keys(record).find((field) => !FIELDS.includes(field));
  if (unknownField !== undefined) throw invalid(`unknown field ${JSON.stringify(unknownField.slice(0, 40))}`);

  const environment = text(record, 'environment');
  if (environment !== 'sandbox' && environment !== 'production') throw invalid('environment must be "sandbox" or "production"');
  const merchantId = required(record, 'merchantId', KEY, '8–64 lower-case letters and digits');
  const publicKey = required(record, 'publicKey', KEY, '8–64 lower-case letters and digits');
  const privateKey = required(record, 'privateKey', KEY, '8–64 lower-case letters and digits');
  if (privateKey === publicKey) throw invalid('privateKey equals publicKey; paste the private key from the API keys page');
  const merchantAccountId = text(record, 'merchantAccountId');
  if (merchantAccountId !== null && !ACCOUNT_ID.test(merchantAccountId)) throw invalid('merchantAccountId must be letters, digits, _ or -');
  return { environment, merchantId, publicKey, privateKey, merchantAccountId, merchantAccountIds: accountMap(record['merchantAccountIds']) };
}

/** `…a1b2`: the private key's last four characters only. */
export function maskPrivateKey(privateKey: string): string {
  return `…${privateKey.slice(-4)}`;
}

export function describeBraintreeCredentials(credentials: BraintreeCredentials): Record<string, string> {
  const perCurrency = Object.entries(credentials.merchantAccountIds).map(([currency, id]) => `${currency}=${id}`);
  return {
    environment: credentials.environment,
    merchantId: credentials.merchantId,
    publicKey: credentials.publicKey,
    privateKey: maskPrivateKey(credentials.privateKey),
    merchantAccountId: credentials.merchantAccountId ?? 'default',
    merchantAccountIds: perCurrency.length > 0 ? perCurrency.join(', ') : 'none',
  };
}
