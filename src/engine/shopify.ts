/**
 * A shop's Shopify app: its settings (secrets sealed apart from the settings, shown masked), and the
 * verification of Shopify's input token, which is how every extension route finds and authenticates its
 * shop. The token is an HS256 JWT signed with the app's API secret; the algorithm is pinned (no `none`, no
 * RS/HS confusion), `iss` must be `shopify`, `exp` is honoured when present (and without one the token may
 * be at most `INPUT_TOKEN_MAX_AGE` old), and `sub` must be the purchase the token's `input_data` describes.
 */
import { decodeJwt, jwtVerify } from 'jose';
import { DomainError } from '../core/errors';
import { isUniqueViolation, type Db } from '../store/database';
import { SHOP_DOMAIN, type ShopifyInputData } from '../core/shopify';
import type { ShopifySettingsView } from '../core/settings';
import { deleteShopifyShop, saveShopifyShop, shopifyShopByDomain, shopifyShopOf, type ShopifyShopRow } from '../store/shopify';
import type { UpsellContext } from './context';

/** `settings.shopify` as a settings update carries it; a missing secret keeps the stored one, `null` removes the Admin token. */
export interface ShopifySettingsInput {
  readonly shopDomain: string;
  readonly apiKey: string;
  readonly apiSecret?: string;
  readonly adminAccessToken?: string | null;
}

/** A token without `exp` is refused once it is this old (Shopify's offer window is 60 minutes). */
const INPUT_TOKEN_MAX_AGE = '2h';

const mask = (secret: string) => `…${secret.slice(-4)}`;

/**
 * Applies `settings.shopify` in the caller's transaction: seals the secrets, stores the app, and returns
 * the masked view the settings keep (null when removed). A domain another shop uses →
 * `409 shopify_domain_taken`, and the whole update is rolled back.
 */
export async function applyShopifySettings(
  ctx: UpsellContext,
  trx: Db,
  shopId: string,
  update: ShopifySettingsInput | null,
): Promise<ShopifySettingsView | null> {
  if (update === null) {
    await deleteShopifyShop(trx, shopId);
    return null;
  }
  const shopDomain = update.shopDomain.trim().toLowerCase();
  if (!SHOP_DOMAIN.test(shopDomain)) {
    throw new DomainError('invalid_request', 'settings.shopify.shopDomain must be the store domain, like acme.myshopify.com');
  }
  const current = await shopifyShopOf(trx, shopId);
  const stored = current ? ctx.gateways.openShopify(shopId, current.secrets) : null;
  const apiSecret = update.apiSecret ?? stored?.apiSecret;
  if (!apiSecret) throw new DomainError('invalid_request', "settings.shopify.apiSecret is required (the app's client secret)");
  const adminAccessToken = update.adminAccessToken === undefined ? (stored?.adminAccessToken ?? null) : update.adminAccessToken;
  const secretsView = { apiSecret: mask(apiSecret), adminAccessToken: adminAccessToken ? mask(adminAccessToken) : null };
  try {
    await saveShopifyShop(trx, {
      shopId,
      shopDomain,
      apiKey: update.apiKey,
      secrets: ctx.gateways.sealShopify(shopId, { apiSecret, adminAccessToken }),
      secretsView,
      now: ctx.clock.now(),
    });
  } catch (error) {
    if (isUniqueViolation(error, 'shopify_shops_shop_domain_key')) {
      throw new DomainError('shopify_domain_taken', `${shopDomain} is already the Shopify store of another shop`);
    }
    throw error;
  }
  return { shopDomain, apiKey: update.apiKey, ...secretsView, installed: true };
}

/** A verified input token: the shop it is for, its app's secrets, and the purchase it describes. */
export interface VerifiedPurchase {
  readonly shopId: string;
  readonly shopify: ShopifyShopRow;
  readonly apiSecret: string;
  readonly referenceId: string;
  readonly input: ShopifyInputData;
}

const unauthorized = (why: string) => new DomainError('unauthorized', `Shopify's input token is not valid: ${why}`);

function claimedDomain(token: string): string {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    throw unauthorized('it is not a JWT');
  }
  const input = payload.input_data as { shop?: { domain?: unknown } } | undefined;
  const domain = input?.shop?.domain;
  if (typeof domain !== 'string') throw unauthorized('input_data.shop.domain is missing');
  return domain.toLowerCase();
}

/**
 * Finds the shop by the token's `input_data.shop.domain`, then verifies the token with that shop's API
 * secret: a token signed with any other key, or naming another store, does not verify. `referenceId`, when
 * the request names one, must be the token's `sub`.
 */
export async function verifyInputToken(ctx: UpsellContext, token: string, referenceId?: string): Promise<VerifiedPurchase> {
  const domain = claimedDomain(token);
  const shopify = await shopifyShopByDomain(ctx.db, domain);
  if (!shopify || shopify.uninstalled_at !== null) throw unauthorized(`no shop is installed for ${SHOP_DOMAIN.test(domain) ? domain : 'that store'}`);
  const { apiSecret } = ctx.gateways.openShopify(shopify.shop_id, shopify.secrets);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(apiSecret), {
      algorithms: ['HS256'],
      issuer: 'shopify',
      requiredClaims: ['sub', 'iat'],
      currentDate: ctx.clock.now(),
      ...(decodeJwt(token).exp === undefined ? { maxTokenAge: INPUT_TOKEN_MAX_AGE } : {}),
    }));
  } catch (error) {
    throw unauthorized(error instanceof Error && 'code' in error ? String(error.code) : 'the signature does not verify');
  }
  const input = payload.input_data as ShopifyInputData | undefined;
  const sub = payload.sub;
  if (!input?.initialPurchase || typeof sub !== 'string' || input.initialPurchase.referenceId !== sub) {
    throw unauthorized('sub is not the purchase in input_data');
  }
  if (referenceId !== undefined && referenceId !== sub) throw unauthorized('it is for another purchase');
  return { shopId: shopify.shop_id, shopify, apiSecret, referenceId: sub, input };
}
