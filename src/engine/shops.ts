/** Shops, their secret keys and settings. Keys are returned once at creation and stored only as hashes. */
import { DomainError, notFound } from '../core/errors';
import { checkOutboundUrl, type OutboundPolicy } from '../core/outbound-url';
import { isRealGateway } from '../core/gateways';
import type { CredentialsUpdate } from '../gateways/index';
import type { Db } from '../store/database';
import type { GatewayCredentialsView, ShopRow } from '../store/schema';
import {
  allShopSettings,
  announceShopChange,
  apiKeysOf,
  hasShop,
  insertApiKey,
  insertApiKeyRow,
  insertShop,
  lockActiveApiKeys,
  lockShop,
  revokeApiKeyRow,
  saveShop,
  shopCount,
  touchApiKey,
  type ApiKeyRow,
  type KeyIdentity,
} from '../store/shops';
import { hashSecret } from '../core/clock';
import type { EngineContext } from './context';
import { DEFAULT_SETTINGS, mergeSettings, type ShopSettings } from '../core/settings';
import type { UpsellContext } from './context';
import { applyShopifySettings, type ShopifySettingsInput } from './shopify';

export interface ShopView {
  id: string;
  name: string;
  /** With `gatewayCredentials`: per gateway, what may be shown (secrets as `…last4`, never in clear). */
  settings: ShopSettings & { gatewayCredentials: GatewayCredentialsView };
  createdAt: string;
}

/** A settings update as the API takes it: settings, plus PSP credentials and the Shopify app (stored apart, sealed). */
export type SettingsUpdate = Partial<Omit<ShopSettings, 'shopify'>> & {
  gatewayCredentials?: CredentialsUpdate;
  shopify?: ShopifySettingsInput | null;
};

export interface CreatedShop extends ShopView {
  secretKey: string;
  webhookSecret: string;
}

export interface ApiKeyView {
  id: string;
  last4: string;
  createdAt: string;
  revokedAt: string | null;
  /** When the key last authenticated a request, to the minute; null if never. */
  lastUsedAt: string | null;
}

function validSettings(outbound: OutboundPolicy, current: ShopSettings, update: Partial<ShopSettings>): ShopSettings {
  for (const origin of update.allowedOrigins ?? []) {
    if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol)) {
      throw new DomainError('invalid_request', `allowedOrigins: ${origin} is not an http(s) origin`);
    }
  }
  if (update.webhookUrl) {
    const check = checkOutboundUrl(update.webhookUrl, outbound);
    if (!check.ok) throw new DomainError('invalid_webhook_url', `webhookUrl is refused: ${check.reason} (see "Outbound URLs" in docs/api.md)`);
  }
  return mergeSettings(current, update);
}

function toView(row: ShopRow): ShopView {
  return {
    id: row.id,
    name: row.name,
    settings: { ...DEFAULT_SETTINGS, ...row.settings, gatewayCredentials: row.gateway_credentials_view },
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Seals the update's credentials onto the stored ones, and checks that the selected gateway has some.
 * Invalid credentials throw before anything is written.
 */
function applyCredentials(
  ctx: UpsellContext,
  shopId: string,
  sealed: string | null,
  settings: ShopSettings,
  update: CredentialsUpdate | undefined,
): { sealed: string | null; view: GatewayCredentialsView } {
  const next = ctx.gateways.updateCredentials(shopId, sealed, update ?? {});
  if (isRealGateway(settings.gateway) && !next.view[settings.gateway]) {
    throw new DomainError(
      'gateway_not_configured',
      `Set settings.gatewayCredentials.${settings.gateway} to charge through ${settings.gateway} (see docs/gateways/${settings.gateway}.md)`,
    );
  }
  return next;
}

function settingsOnly(update: SettingsUpdate): Partial<ShopSettings> {
  const { gatewayCredentials: _credentials, shopify: _shopify, ...settings } = update;
  return settings;
}

/** The settings with `settings.shopify` applied (sealed in its own table) when the update names it. */
async function withShopify(
  ctx: UpsellContext,
  trx: Db,
  shopId: string,
  settings: ShopSettings,
  update: SettingsUpdate | undefined,
): Promise<ShopSettings> {
  if (update?.shopify === undefined) return settings;
  return { ...settings, shopify: await applyShopifySettings(ctx, trx, shopId, update.shopify) };
}

export async function createShop(ctx: UpsellContext, input: { name: string; settings?: SettingsUpdate }): Promise<CreatedShop> {
  const settings = validSettings(ctx.outbound, DEFAULT_SETTINGS, settingsOnly(input.settings ?? {}));
  const id = ctx.ids.id('shop');
  const credentials = applyCredentials(ctx, id, null, settings, input.settings?.gatewayCredentials);
  // New PSP credentials are checked with the PSP first: a refusal writes nothing, a slow PSP holds no transaction.
  await ctx.gateways.verifyCredentials(input.settings?.gatewayCredentials ?? {});
  const secretKey = ctx.ids.secret('sk');
  const webhookSecret = ctx.ids.secret('whsec');
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const shop = await insertShop(trx, { id, name: input.name, settings, credentials, webhookSecret, now });
    await insertApiKey(trx, { id: ctx.ids.id('key'), shopId: id, keyHash: hashSecret(secretKey), last4: secretKey.slice(-4), now });
    if (input.settings?.shopify === undefined) return shop;
    const withApp = await withShopify(ctx, trx, id, settings, input.settings);
    return saveShop(trx, id, { name: input.name, settings: withApp, credentials, now });
  });
  ctx.caches.shops.created(hashSecret(secretKey));
  return { ...toView(row), secretKey, webhookSecret };
}

/**
 * The shop's row from the process's shop cache (at most 1 s old, dropped at once on a change). `db` may
 * be a transaction: a cache miss then reads on its connection.
 */
export async function shopRow(ctx: EngineContext, db: Db, shopId: string): Promise<ShopRow | undefined> {
  return ctx.caches.shops.shop(db, shopId);
}

/** The shop's settings, defaults filled in (see `shopRow` for freshness). */
export async function shopSettings(ctx: EngineContext, db: Db, shopId: string): Promise<ShopSettings> {
  const row = await shopRow(ctx, db, shopId);
  if (!row) throw notFound('Shop');
  return { ...DEFAULT_SETTINGS, ...row.settings };
}

export async function getShop(ctx: EngineContext, shopId: string): Promise<ShopView> {
  const row = await shopRow(ctx, ctx.db, shopId);
  if (!row) throw notFound('Shop');
  return toView(row);
}

export async function updateShop(ctx: UpsellContext, shopId: string, update: { name?: string; settings?: SettingsUpdate }): Promise<ShopView> {
  // New PSP credentials are checked with the PSP first: a refusal writes nothing, a slow PSP holds no lock.
  await ctx.gateways.verifyCredentials(update.settings?.gatewayCredentials ?? {});
  const view = await ctx.db.transaction().execute(async (trx) => {
    const current = await lockShop(trx, shopId);
    if (!current) throw notFound('Shop');
    const merged = validSettings(ctx.outbound, { ...DEFAULT_SETTINGS, ...current.settings }, settingsOnly(update.settings ?? {}));
    const credentials = applyCredentials(ctx, shopId, current.gateway_credentials, merged, update.settings?.gatewayCredentials);
    const settings = await withShopify(ctx, trx, shopId, merged, update.settings);
    const row = await saveShop(trx, shopId, { name: update.name ?? current.name, settings, credentials, now: ctx.clock.now() });
    await announceShopChange(trx, shopId);
    return toView(row);
  });
  ctx.caches.shops.forget(shopId);
  return view;
}

export async function countShops(ctx: EngineContext): Promise<number> {
  return shopCount(ctx.db);
}

/** True when the shop exists (read from the database, not the shop cache). */
export async function shopExists(ctx: EngineContext, shopId: string): Promise<boolean> {
  return hasShop(ctx.db, shopId);
}

export type { KeyIdentity };

/** How often a key's `last_used_at` is written (per node): "last used" is exact to this. */
export const KEY_USE_RESOLUTION_MS = 60_000;

/**
 * The active key behind a secret key (its shop, id and last four), or null for an unknown or revoked key.
 * `beforeQuery` runs only when the database must be asked (known and recently unknown keys are answered
 * from memory). A key found records its use, at most once a minute per node.
 */
export async function keyForSecret(ctx: EngineContext, secretKey: string, beforeQuery?: () => Promise<void>): Promise<KeyIdentity | null> {
  const key = await ctx.caches.shops.keyFor(ctx.db, hashSecret(secretKey), beforeQuery);
  if (key) await recordKeyUse(ctx, key.keyId);
  return key;
}

async function recordKeyUse(ctx: EngineContext, keyId: string): Promise<void> {
  const now = ctx.clock.now();
  const written = ctx.caches.keyUses.get(keyId);
  if (written !== undefined && now.getTime() - written < KEY_USE_RESOLUTION_MS) return;
  ctx.caches.keyUses.set(keyId, now.getTime());
  await touchApiKey(ctx.db, keyId, now);
}

export async function createApiKey(ctx: EngineContext, shopId: string): Promise<ApiKeyView & { secretKey: string }> {
  const secretKey = ctx.ids.secret('sk');
  const row = await insertApiKeyRow(ctx.db, {
    id: ctx.ids.id('key'),
    shopId,
    keyHash: hashSecret(secretKey),
    last4: secretKey.slice(-4),
    now: ctx.clock.now(),
  });
  ctx.caches.shops.created(hashSecret(secretKey));
  return { ...keyView(row), secretKey };
}

export async function listApiKeys(ctx: EngineContext, shopId: string): Promise<ApiKeyView[]> {
  const rows = await apiKeysOf(ctx.db, shopId);
  return rows.map(keyView);
}

/** Revokes a key; the last active key of a shop cannot be revoked (the shop would be locked out). */
export async function revokeApiKey(ctx: EngineContext, shopId: string, keyId: string): Promise<ApiKeyView> {
  const revoked = await ctx.db.transaction().execute(async (trx) => {
    const active = await lockActiveApiKeys(trx, shopId);
    const key = active.find((row) => row.id === keyId);
    if (!key) throw notFound('API key');
    if (active.length === 1) throw new DomainError('invalid_request', 'Create another key before revoking the last one');
    const row = await revokeApiKeyRow(trx, shopId, keyId, ctx.clock.now());
    await announceShopChange(trx, shopId);
    return keyView(row);
  });
  ctx.caches.shops.forget(shopId);
  return revoked;
}

function keyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    last4: row.last4,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

/** Every origin any shop allows, for answering CORS preflights (which carry no credentials). */
export async function allAllowedOrigins(ctx: EngineContext): Promise<Set<string>> {
  const settings = await allShopSettings(ctx.db);
  return new Set(settings.flatMap((shop) => shop.allowedOrigins ?? []));
}
