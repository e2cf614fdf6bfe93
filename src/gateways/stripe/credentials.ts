/**
 * A shop's Stripe credentials: checked by shape only (no network call), masked for display. Error
 * messages name the field and the rule, never the value, so a pasted secret never reaches a log.
 */
import { CredentialFields } from '../credential-fields';
import type { CredentialsModule } from '../adapter';

export interface StripeCredentials {
  /** `sk_test_…` / `sk_live_…`, or a restricted key `rk_…` with PaymentIntents and Refunds write access. */
  readonly secretKey: string;
  /** `pk_test_…` / `pk_live_…`, in the same mode as the secret key; Stripe.js needs it for 3-D Secure. */
  readonly publishableKey: string;
  /** The webhook endpoint's signing secret `whsec_…`; null until the merchant adds the endpoint. */
  readonly webhookSecret: string | null;
}

export type StripeMode = 'test' | 'live';

// The prefix and mode are checked, not the length: Stripe's keys are long, and the keys Stripe's own mock
// (stripe-mock) and its docs use are short (`sk_test_123`).
const SECRET_KEY = /^(sk|rk)_(test|live)_[0-9A-Za-z]{1,240}$/;
const PUBLISHABLE_KEY = /^pk_(test|live)_[0-9A-Za-z]{1,240}$/;
const WEBHOOK_SECRET = /^whsec_[0-9A-Za-z+/=]{10,240}$/;
const FIELDS: readonly string[] = ['secretKey', 'publishableKey', 'webhookSecret'];

function modeOf(key: string): StripeMode {
  return key.split('_')[1] === 'live' ? 'live' : 'test';
}

export function parseStripeCredentials(input: unknown): StripeCredentials {
  const fields = new CredentialFields('Stripe', input, FIELDS);
  const invalid = (message: string) => fields.invalid(message);
  const secretKey = fields.required('secretKey');
  if (secretKey.startsWith('pk_')) throw invalid('secretKey is a publishable key; use the secret key (sk_…) or a restricted key (rk_…)');
  if (!SECRET_KEY.test(secretKey)) throw invalid('secretKey must look like sk_test_…, sk_live_…, rk_test_… or rk_live_…');

  const publishableKey = fields.required('publishableKey');
  if (!PUBLISHABLE_KEY.test(publishableKey)) throw invalid('publishableKey must look like pk_test_… or pk_live_…');
  if (modeOf(publishableKey) !== modeOf(secretKey)) {
    throw invalid(`publishableKey is a ${modeOf(publishableKey)} key but secretKey is a ${modeOf(secretKey)} key; use keys of the same mode`);
  }

  const webhookSecret = fields.text('webhookSecret');
  if (webhookSecret !== null && !WEBHOOK_SECRET.test(webhookSecret)) throw invalid('webhookSecret must look like whsec_…');
  return { secretKey, publishableKey, webhookSecret };
}

/** `sk_test_…4242`: the key's kind and mode, and its last four characters (of a long enough key). */
export function maskSecret(secret: string): string {
  const prefix = /^(?:whsec_|(?:sk|rk)_(?:test|live)_)/.exec(secret)?.[0] ?? '';
  // A short key (a mock's `sk_test_123`) would be shown whole: none of it then.
  const rest = secret.slice(prefix.length);
  return rest.length >= 12 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}

export function describeStripeCredentials(credentials: StripeCredentials): Record<string, string> {
  return {
    mode: modeOf(credentials.secretKey),
    secretKey: maskSecret(credentials.secretKey),
    publishableKey: credentials.publishableKey,
    webhookSecret: credentials.webhookSecret === null ? 'not set' : maskSecret(credentials.webhookSecret),
  };
}

/** Stripe's credentials half of the adapter (no SDK). */
export const stripeCredentials: CredentialsModule<StripeCredentials> = {
  name: 'stripe',
  parseCredentials: parseStripeCredentials,
  describeCredentials: describeStripeCredentials,
  clientConfig: (credentials) => ({ publishableKey: credentials.publishableKey }),
};
