/**
 * The gateways a Plusone process charges through. The sandbox is one shared instance; Stripe, Braintree
 * and Adyen are built per shop from that shop's sealed credentials (core/secret-box), lazily, and rebuilt
 * when the credentials change. Credentials are opened only here and in a settings update.
 */
import { DomainError } from '../core/errors';
import type { SecretBox } from '../core/secret-box';
import { isRealGateway, type RealGatewayName, type UpsellGateway } from '../core/gateways';
import type { Db } from '../store/database';
import type { GatewayCredentialsView } from '../store/schema';
import { sealedCredentials } from '../store/shops';
import { shopifyShopOf } from '../store/shopify';
import { createShopifyAdmin } from './shopify/admin';
import { createShopifyGateway } from './shopify/gateway';
import type { AdapterOptions, CredentialsCheck, CredentialsModule, GatewayAdapter, GatewayNotification } from './adapter';
import { adyenCredentials } from './adyen/credentials';
import { braintreeCredentials } from './braintree/credentials';
import type { PaymentGateway } from './contract';
import { stripeCredentials } from './stripe/credentials';

/** Credentials handling per PSP, without its SDK (the adapters spread the same objects). */
export const CREDENTIALS: Readonly<Record<RealGatewayName, CredentialsModule<unknown>>> = {
  stripe: stripeCredentials,
  braintree: braintreeCredentials,
  adyen: adyenCredentials,
};

/**
 * The SDK-backed adapters, imported on first use: the three SDKs together add about 90 MB to a process
 * (Adyen's alone about 50 MB) that most deployments, charging through one PSP or the sandbox, never need.
 */
const LOADERS: Readonly<Record<RealGatewayName, () => Promise<GatewayAdapter<unknown>>>> = {
  stripe: async () => (await import('./stripe/adapter')).stripeAdapter,
  braintree: async () => (await import('./braintree/braintree')).braintreeAdapter,
  adyen: async () => (await import('./adyen/index')).adyenAdapter,
};
const loaded = new Map<RealGatewayName, Promise<GatewayAdapter<unknown>>>();

/** The PSP's adapter, loading its module (and SDK) the first time. */
export function loadAdapter(name: RealGatewayName): Promise<GatewayAdapter<unknown>> {
  let adapter = loaded.get(name);
  if (!adapter) {
    adapter = LOADERS[name]();
    loaded.set(name, adapter);
    // A failed import is not remembered: the next call tries again.
    adapter.catch(() => loaded.delete(name));
  }
  return adapter;
}

/** Credentials as a settings update carries them: per gateway, new fields, or null to remove them. */
export type CredentialsUpdate = Partial<Record<RealGatewayName, Record<string, unknown> | null>>;

/** How the PSPs are named to merchants. */
const PSP_NAMES: Readonly<Record<RealGatewayName, string>> = { stripe: 'Stripe', braintree: 'Braintree', adyen: 'Adyen' };

/** The error a credentials check that did not pass answers, naming the gateway (never a secret). */
function checkError(name: RealGatewayName, check: Exclude<CredentialsCheck, { status: 'valid' }>): DomainError {
  const psp = PSP_NAMES[name];
  const said = check.message.replace(/\.+$/, '');
  const details = { gateway: name };
  switch (check.status) {
    case 'refused':
      return new DomainError(
        'gateway_credentials_invalid',
        `${psp} refused these credentials: ${said}. Nothing was saved; fix settings.gatewayCredentials.${name} (docs/gateways/${name}.md)`,
        details,
      );
    case 'unreachable':
      return new DomainError(
        'gateway_unavailable',
        `${psp} could not be asked whether these credentials work (${said}). Nothing was saved; try again`,
        details,
      );
    default: {
      const exhaustive: never = check;
      return exhaustive;
    }
  }
}

export interface Gateways {
  /** The gateway `shopId` charges through as `name`. Throws `gateway_not_configured` without credentials. */
  forShop(shopId: string, name: UpsellGateway): Promise<PaymentGateway>;
  /** Seals a shop's Shopify app secrets (bound to the shop, like PSP credentials). */
  sealShopify(shopId: string, secrets: ShopifySecrets): string;
  /** Opens them; throws `gateway_not_configured` when they were sealed with another PLUSONE_SECRET_KEY. */
  openShopify(shopId: string, sealed: string): ShopifySecrets;
  /**
   * Applies a credentials update to a shop's sealed credentials: validates each new set with its adapter
   * (`invalid_credentials`, nothing saved), and returns the new sealed value and its masked description.
   */
  updateCredentials(shopId: string, sealed: string | null, update: CredentialsUpdate): { sealed: string | null; view: GatewayCredentialsView };
  /**
   * Asks each PSP whose credentials the update sets whether they work, before anything is saved: their
   * shape first (`invalid_credentials`, no call), then the adapter's read-only check, all PSPs at once.
   * Throws `gateway_credentials_invalid` (400) when a PSP refused them, `gateway_unavailable` (503) when
   * it could not tell; a removal (`null`) asks nothing. Setting the values already stored asks again.
   */
  verifyCredentials(update: CredentialsUpdate): Promise<void>;
  /** Verifies and reads a PSP webhook with the shop's credentials for that gateway. */
  readWebhook(
    shopId: string,
    name: RealGatewayName,
    rawBody: string,
    headers: Readonly<Record<string, string | undefined>>,
  ): Promise<GatewayNotification[]>;
}

export interface GatewayOptions {
  /** The sandbox PSP (with its injected faults, when configured). */
  readonly sandbox: PaymentGateway;
  readonly secretBox: SecretBox;
  /** Base URLs of PSP APIs to use instead of the SDKs' own hosts (fakes in tests, stripe-mock locally). */
  readonly endpoints?: Partial<Record<RealGatewayName, string>>;
  /** Stripe.js for the buyer's page instead of Stripe's own (`PLUSONE_STRIPE_JS_URL`). */
  readonly stripeJsUrl?: string;
  /** Plusone's public base URL, the return address of PSP redirects the shop did not configure. */
  readonly publicUrl?: string;
  readonly timeoutMs: number;
  /** Shopify's Admin API: another base URL (`PLUSONE_SHOPIFY_API_BASE`), or a fetch per store domain (the demo's fake Shopify). */
  readonly shopify?: { readonly apiBase?: string; readonly fetchFor?: (shopDomain: string) => typeof fetch | undefined };
}

/** A shop's Shopify app secrets, as sealed in `shopify_shops.secrets`. */
export interface ShopifySecrets {
  readonly apiSecret: string;
  readonly adminAccessToken: string | null;
}

type StoredCredentials = Partial<Record<RealGatewayName, unknown>>;

export function createGateways(db: Db, options: GatewayOptions): Gateways {
  const { sandbox, secretBox } = options;
  /** Per shop: the sealed value the gateways were built from, and those gateways. */
  const built = new Map<string, { sealed: string; gateways: Map<RealGatewayName, PaymentGateway> }>();

  function open(shopId: string, sealed: string | null): StoredCredentials {
    if (sealed === null) return {};
    try {
      return JSON.parse(secretBox.open(sealed, shopId)) as StoredCredentials;
    } catch {
      // Sealed with another PLUSONE_SECRET_KEY: the merchant must set the credentials again.
      throw new DomainError('gateway_not_configured', 'The stored gateway credentials cannot be read with this PLUSONE_SECRET_KEY; set them again');
    }
  }

  async function credentialsOf(shopId: string, name: RealGatewayName): Promise<{ sealed: string; credentials: unknown }> {
    const sealed = await sealedCredentials(db, shopId);
    const credentials = open(shopId, sealed)[name];
    if (sealed === null || credentials === undefined) {
      throw new DomainError('gateway_not_configured', `This shop has no ${name} credentials; set settings.gatewayCredentials.${name}`);
    }
    return { sealed, credentials };
  }

  const shopify = shopifyGateways(db, secretBox, options);

  return {
    sealShopify: (shopId, secrets) => secretBox.seal(JSON.stringify(secrets), shopId),
    openShopify: shopify.open,

    async forShop(shopId, name) {
      if (name === 'sandbox') return sandbox;
      if (name === 'shopify') return shopify.forShop(shopId);
      const { sealed, credentials } = await credentialsOf(shopId, name);
      let entry = built.get(shopId);
      if (!entry || entry.sealed !== sealed) {
        entry = { sealed, gateways: new Map() };
        built.set(shopId, entry);
      }
      let gateway = entry.gateways.get(name);
      if (!gateway) {
        gateway = (await loadAdapter(name)).create(credentials, adapterOptions(options, name));
        entry.gateways.set(name, gateway);
      }
      return gateway;
    },

    updateCredentials(shopId, sealed, update) {
      const next: StoredCredentials = { ...open(shopId, sealed) };
      for (const name of Object.keys(update) as RealGatewayName[]) {
        if (!isRealGateway(name)) continue;
        const input = update[name];
        if (input === undefined) continue;
        if (input === null) delete next[name];
        else next[name] = CREDENTIALS[name].parseCredentials(input);
      }
      const view: GatewayCredentialsView = {};
      for (const name of Object.keys(next) as RealGatewayName[]) view[name] = CREDENTIALS[name].describeCredentials(next[name]);
      const empty = Object.keys(next).length === 0;
      return { sealed: empty ? null : secretBox.seal(JSON.stringify(next), shopId), view };
    },

    verifyCredentials: (update) => verifyCredentials(options, update),

    async readWebhook(shopId, name, rawBody, headers) {
      const { credentials } = await credentialsOf(shopId, name);
      return (await loadAdapter(name)).parseWebhook(rawBody, headers, credentials);
    },
  };
}

/** What an adapter is built with for `name`: the shared timeout, and this process's endpoints and URLs. */
function adapterOptions(options: GatewayOptions, name: RealGatewayName): AdapterOptions {
  const endpoint = options.endpoints?.[name];
  return {
    timeoutMs: options.timeoutMs,
    ...(endpoint ? { apiBaseUrl: endpoint } : {}),
    ...(options.stripeJsUrl ? { stripeJsUrl: options.stripeJsUrl } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  };
}

/** `Gateways.verifyCredentials`: every shape first, then every PSP at once; the first PSP of the update that did not pass answers. */
async function verifyCredentials(options: GatewayOptions, update: CredentialsUpdate): Promise<void> {
  const checks = await Promise.all(
    newCredentials(update).map(async ({ name, credentials }) => {
      const adapter = await loadAdapter(name);
      return { name, check: await adapter.verifyCredentials(credentials, adapterOptions(options, name)) };
    }),
  );
  for (const { name, check } of checks) if (check.status !== 'valid') throw checkError(name, check);
}

/** The credentials an update sets, each checked by shape (`invalid_credentials` before any PSP is asked). */
function newCredentials(update: CredentialsUpdate): { name: RealGatewayName; credentials: unknown }[] {
  return (Object.keys(update) as RealGatewayName[]).flatMap((name) => {
    const input = update[name];
    if (!isRealGateway(name) || input === undefined || input === null) return [];
    return [{ name, credentials: CREDENTIALS[name].parseCredentials(input) }];
  });
}

/** Shopify's side of an undo per shop: its Admin API access, built per sealed value like the PSPs. */
function shopifyGateways(db: Db, secretBox: SecretBox, options: GatewayOptions) {
  const built = new Map<string, { sealed: string; gateway: PaymentGateway }>();

  function open(shopId: string, sealed: string): ShopifySecrets {
    try {
      return JSON.parse(secretBox.open(sealed, shopId)) as ShopifySecrets;
    } catch {
      throw new DomainError(
        'gateway_not_configured',
        'The stored Shopify secrets cannot be read with this PLUSONE_SECRET_KEY; set settings.shopify again',
      );
    }
  }

  async function forShop(shopId: string): Promise<PaymentGateway> {
    const row = await shopifyShopOf(db, shopId);
    const secrets = row ? open(shopId, row.secrets) : null;
    if (!row || !secrets?.adminAccessToken) {
      throw new DomainError('gateway_not_configured', 'Set settings.shopify.adminAccessToken so Plusone can refund and edit orders on Shopify');
    }
    const sealed = `${row.secrets}:${row.shop_domain}`;
    const cached = built.get(shopId);
    if (cached?.sealed === sealed) return cached.gateway;
    const fetchImpl = options.shopify?.fetchFor?.(row.shop_domain);
    const admin = createShopifyAdmin({
      shopDomain: row.shop_domain,
      accessToken: secrets.adminAccessToken,
      timeoutMs: options.timeoutMs,
      ...(options.shopify?.apiBase ? { apiBase: options.shopify.apiBase } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    const gateway = createShopifyGateway(admin);
    built.set(shopId, { sealed, gateway });
    return gateway;
  }

  return { open, forShop };
}
