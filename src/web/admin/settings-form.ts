/**
 * The Settings page's forms, each read into the `PATCH /v1/shop` body it sends: how checkout behaves,
 * the webhook URL, the payment gateway, one PSP's credentials, the Shopify app. What a form cannot say
 * (a number that is not whole, an origin that is not a URL) is refused here beside the field; what only
 * the API can judge (a URL pointing at a private address, credentials the PSP refuses) comes back from it.
 */
import { GATEWAYS, type GatewayName } from '../../core/gateways';
import { CAPTURE_MODES, ORDER_STRATEGIES } from '../../core/settings';

export type SettingsSection = 'checkout' | 'webhook' | 'gateway' | 'credentials' | 'shopify';

/** A form read: the body to send, or the problems per field (with what was typed, to show it again). */
export type SettingsParse = { readonly body: Record<string, unknown> } | { readonly problems: Readonly<Record<string, string>> };

/** One field of a PSP's credentials as the form shows it. */
export interface CredentialField {
  readonly name: string;
  readonly label: string;
  readonly secret: boolean;
  readonly required: boolean;
  readonly hint?: string;
  /** A choice among these values instead of free text. */
  readonly choices?: readonly string[];
}

export const REAL_GATEWAYS = ['stripe', 'braintree', 'adyen'] as const;
export type RealGateway = (typeof REAL_GATEWAYS)[number];

export const GATEWAY_NAMES: Readonly<Record<GatewayName, string>> = {
  sandbox: 'Sandbox (test cards, no real money)',
  stripe: 'Stripe',
  braintree: 'Braintree',
  adyen: 'Adyen',
};

/** Each PSP's fields (docs/gateways/*.md): its credentials are replaced together, so every secret is typed again. */
export const CREDENTIAL_FIELDS: Readonly<Record<RealGateway, readonly CredentialField[]>> = {
  stripe: [
    { name: 'secretKey', label: 'Secret key', secret: true, required: true, hint: 'sk_live_…, sk_test_… or a restricted key rk_…' },
    {
      name: 'publishableKey',
      label: 'Publishable key',
      secret: false,
      required: true,
      hint: 'pk_… of the same mode (Stripe.js needs it for 3-D Secure)',
    },
    { name: 'webhookSecret', label: 'Webhook signing secret', secret: true, required: false, hint: 'whsec_… of your Stripe webhook endpoint' },
  ],
  braintree: [
    { name: 'environment', label: 'Environment', secret: false, required: true, choices: ['sandbox', 'production'] },
    { name: 'merchantId', label: 'Merchant ID', secret: false, required: true },
    { name: 'publicKey', label: 'Public key', secret: false, required: true },
    { name: 'privateKey', label: 'Private key', secret: true, required: true },
    { name: 'merchantAccountId', label: 'Merchant account ID', secret: false, required: false, hint: 'Empty: your default account' },
  ],
  adyen: [
    { name: 'environment', label: 'Environment', secret: false, required: true, choices: ['test', 'live'] },
    { name: 'apiKey', label: 'API key', secret: true, required: true },
    { name: 'merchantAccount', label: 'Merchant account', secret: false, required: true, hint: 'Such as AcmeShopECOM' },
    { name: 'clientKey', label: 'Client key', secret: false, required: true, hint: 'test_… or live_… (for 3-D Secure on the buyer’s page)' },
    { name: 'hmacKey', label: 'Webhook HMAC key', secret: true, required: false },
    {
      name: 'liveEndpointUrlPrefix',
      label: 'Live endpoint prefix',
      secret: false,
      required: false,
      hint: 'Live only: the prefix of your live endpoint',
    },
    { name: 'returnUrl', label: 'Return URL', secret: false, required: false, hint: 'Where a redirect-based 3-D Secure step sends the buyer back' },
  ],
};

export function isRealGateway(name: string): name is RealGateway {
  return (REAL_GATEWAYS as readonly string[]).includes(name);
}

function wholeNumber(text: string | undefined, min: number, max: number): number | null {
  const trimmed = (text ?? '').trim();
  if (!/^\d{1,7}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : null;
}

/** One origin per line (or comma): `https://shop.example.com`, without a path. */
export function originsOf(text: string): { origins: string[]; problem: string | null } {
  const origins = text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(origin) || !URL.canParse(origin)) {
      return { origins, problem: `${origin} is not an origin: write it as https://shop.example.com (no path)` };
    }
  }
  if (origins.length > 50) return { origins, problem: 'At most 50 origins.' };
  return { origins, problem: null };
}

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function checkoutSettings(fields: Record<string, string>): SettingsParse {
  const problems: Record<string, string> = {};
  const undoWindowSeconds = wholeNumber(fields.undoWindowSeconds, 5, 3600);
  if (undoWindowSeconds === null) problems.undoWindowSeconds = 'Enter whole seconds from 5 to 3600.';
  const sessionTtlSeconds = wholeNumber(fields.sessionTtlSeconds, 60, 604_800);
  if (sessionTtlSeconds === null) problems.sessionTtlSeconds = 'Enter whole seconds from 60 to 604800 (7 days).';
  const captureMode = fields.captureMode ?? '';
  if (!(CAPTURE_MODES as readonly string[]).includes(captureMode)) problems.captureMode = 'Choose when the upsell is charged.';
  const orderStrategy = fields.orderStrategy ?? '';
  if (!(ORDER_STRATEGIES as readonly string[]).includes(orderStrategy)) problems.orderStrategy = 'Choose where the upsell goes.';
  const defaultLocale = (fields.defaultLocale ?? '').trim();
  if (!LOCALE.test(defaultLocale)) problems.defaultLocale = 'Enter a language tag such as en-US, de-DE or fr-FR.';
  const { origins, problem } = originsOf(fields.allowedOrigins ?? '');
  if (problem) problems.allowedOrigins = problem;
  if (Object.keys(problems).length > 0) return { problems };
  return {
    body: { settings: { undoWindowSeconds, sessionTtlSeconds, captureMode, orderStrategy, defaultLocale, allowedOrigins: origins } },
  };
}

export function webhookSettings(fields: Record<string, string>): SettingsParse {
  const url = (fields.webhookUrl ?? '').trim();
  if (url === '') return { body: { settings: { webhookUrl: null } } };
  if (!/^https?:\/\//.test(url) || !URL.canParse(url) || url.length > 2000) {
    return { problems: { webhookUrl: 'Enter the full address, such as https://shop.example.com/hooks/plusone.' } };
  }
  return { body: { settings: { webhookUrl: url } } };
}

export function gatewaySettings(fields: Record<string, string>): SettingsParse {
  const gateway = fields.gateway ?? '';
  if (!(GATEWAYS as readonly string[]).includes(gateway)) return { problems: { gateway: 'Choose a payment gateway.' } };
  return { body: { settings: { gateway } } };
}

/** A PSP's whole credentials (they are replaced together); empty optional fields are left out. */
export function credentialSettings(gateway: RealGateway, fields: Record<string, string>): SettingsParse {
  const problems: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  for (const field of CREDENTIAL_FIELDS[gateway]) {
    const value = (fields[field.name] ?? '').trim();
    if (value === '') {
      if (field.required)
        problems[field.name] = field.secret
          ? `Enter the ${field.label.toLowerCase()}: saved secrets are never shown again, so type it each time.`
          : `Enter the ${field.label.toLowerCase()}.`;
      continue;
    }
    if (field.choices && !field.choices.includes(value)) problems[field.name] = `Choose ${field.choices.join(' or ')}.`;
    else if (value.length > 1024) problems[field.name] = 'That is too long to be right.';
    credentials[field.name] = value;
  }
  if (Object.keys(problems).length > 0) return { problems };
  return { body: { settings: { gatewayCredentials: { [gateway]: credentials } } } };
}

/** The Shopify app: a secret left empty keeps the one saved (the API keeps an omitted `apiSecret`). */
export function shopifySettings(fields: Record<string, string>, saved: boolean): SettingsParse {
  const problems: Record<string, string> = {};
  const shopDomain = (fields.shopDomain ?? '').trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/.test(shopDomain))
    problems.shopDomain = 'Enter the store’s address on Shopify, such as acme.myshopify.com.';
  const apiKey = (fields.apiKey ?? '').trim();
  if (apiKey === '' || apiKey.length > 200) problems.apiKey = 'Enter the app’s client ID.';
  const apiSecret = (fields.apiSecret ?? '').trim();
  if (apiSecret === '' && !saved) problems.apiSecret = 'Enter the app’s client secret.';
  else if (apiSecret !== '' && (apiSecret.length < 8 || apiSecret.length > 500)) problems.apiSecret = 'A client secret has 8 to 500 characters.';
  const adminAccessToken = (fields.adminAccessToken ?? '').trim();
  if (adminAccessToken !== '' && (adminAccessToken.length < 8 || adminAccessToken.length > 500))
    problems.adminAccessToken = 'An access token has 8 to 500 characters.';
  if (Object.keys(problems).length > 0) return { problems };
  const removeToken = fields.removeAdminAccessToken === 'on';
  return {
    body: {
      settings: {
        shopify: {
          shopDomain,
          apiKey,
          ...(apiSecret !== '' ? { apiSecret } : {}),
          ...(adminAccessToken !== '' ? { adminAccessToken } : removeToken ? { adminAccessToken: null } : {}),
        },
      },
    },
  };
}
