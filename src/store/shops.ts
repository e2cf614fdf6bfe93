/**
 * The shops' queries: the shop row (settings, webhook secret, sealed PSP credentials and their masked
 * view), its secret keys (stored only as hashes), and the NOTIFY that tells every node a shop's settings
 * or keys changed. Every statement filters by shop id, except the key lookup (a key names its shop) and
 * the operator's counts across shops.
 */
import { sql, type Selectable } from 'kysely';
import type { ShopSettings } from '../core/settings';
import type { Db } from './database';
import type { ApiKeysTable, GatewayCredentialsView, ShopRow } from './schema';

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** Shop settings and secret keys changed: the payload is the shop id (see engine/caches `ShopCache`). */
export const SHOPS_CHANNEL = 'plusone_shops';

/** Tells every node that the shop's settings or keys changed; call it inside the changing transaction. */
export async function announceShopChange(trx: Db, shopId: string): Promise<void> {
  await sql`SELECT pg_notify(${SHOPS_CHANNEL}, ${shopId})`.execute(trx);
}

/** The PSP credentials as stored: sealed (core/secret-box) or null, and their masked description. */
export interface StoredCredentials {
  readonly sealed: string | null;
  readonly view: GatewayCredentialsView;
}

export interface NewShop {
  readonly id: string;
  readonly name: string;
  readonly settings: ShopSettings;
  readonly credentials: StoredCredentials;
  readonly webhookSecret: string;
  readonly now: Date;
}

export interface NewApiKey {
  readonly id: string;
  readonly shopId: string;
  readonly keyHash: string;
  readonly last4: string;
  readonly now: Date;
}

export async function findShop(db: Db, shopId: string): Promise<ShopRow | undefined> {
  return db.selectFrom('shops').selectAll().where('id', '=', shopId).executeTakeFirst();
}

/**
 * The row, locked for the rest of the transaction. NO KEY UPDATE: orders, sessions and upsells being
 * inserted for this shop (their foreign-key checks take KEY SHARE on this row) neither wait for a
 * settings change nor hold it up.
 */
export async function lockShop(trx: Db, shopId: string): Promise<ShopRow | undefined> {
  return trx.selectFrom('shops').selectAll().where('id', '=', shopId).forNoKeyUpdate().executeTakeFirst();
}

export async function hasShop(db: Db, shopId: string): Promise<boolean> {
  const row = await db.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst();
  return row !== undefined;
}

export async function insertShop(trx: Db, shop: NewShop): Promise<ShopRow> {
  return trx
    .insertInto('shops')
    .values({
      id: shop.id,
      name: shop.name,
      settings: JSON.stringify(shop.settings),
      gateway_credentials: shop.credentials.sealed,
      gateway_credentials_view: JSON.stringify(shop.credentials.view),
      webhook_secret: shop.webhookSecret,
      created_at: shop.now,
      updated_at: shop.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Writes the shop's name, settings and credentials; the shop must exist (read it with `lockShop`). */
export async function saveShop(
  trx: Db,
  shopId: string,
  shop: { readonly name: string; readonly settings: ShopSettings; readonly credentials: StoredCredentials; readonly now: Date },
): Promise<ShopRow> {
  return trx
    .updateTable('shops')
    .set({
      name: shop.name,
      settings: JSON.stringify(shop.settings),
      gateway_credentials: shop.credentials.sealed,
      gateway_credentials_view: JSON.stringify(shop.credentials.view),
      updated_at: shop.now,
    })
    .where('id', '=', shopId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function shopCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('shops')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Every shop's stored settings (defaults not filled in). */
export async function allShopSettings(db: Db): Promise<ShopSettings[]> {
  const rows = await db.selectFrom('shops').select('settings').execute();
  return rows.map((row) => row.settings);
}

/** What a webhook delivery needs: the shop's settings (its `webhookUrl`) and its signing secret. */
export async function webhookSigning(db: Db, shopId: string): Promise<{ settings: ShopSettings; webhookSecret: string }> {
  const row = await db.selectFrom('shops').select(['settings', 'webhook_secret']).where('id', '=', shopId).executeTakeFirstOrThrow();
  return { settings: row.settings, webhookSecret: row.webhook_secret };
}

/** The shop's sealed PSP credentials, or null when it has none (or no such shop). */
export async function sealedCredentials(db: Db, shopId: string): Promise<string | null> {
  const row = await db.selectFrom('shops').select('gateway_credentials').where('id', '=', shopId).executeTakeFirst();
  return row?.gateway_credentials ?? null;
}

/** An active secret key as authentication needs it: its shop, its id and last four characters. */
export interface KeyIdentity {
  readonly shopId: string;
  readonly keyId: string;
  readonly last4: string;
}

/** The active key with this hash; null for an unknown or revoked key. */
export async function keyOfHash(db: Db, keyHash: string): Promise<KeyIdentity | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['shop_id', 'id', 'last4'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { shopId: row.shop_id, keyId: row.id, last4: row.last4 } : null;
}

/** Records that the key authenticated a request at `at` (never moving it back). */
export async function touchApiKey(db: Db, keyId: string, at: Date): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
    .execute();
}

function apiKeyValues(key: NewApiKey) {
  return { id: key.id, shop_id: key.shopId, key_hash: key.keyHash, last4: key.last4, created_at: key.now };
}

export async function insertApiKey(db: Db, key: NewApiKey): Promise<void> {
  await db.insertInto('api_keys').values(apiKeyValues(key)).execute();
}

/** `insertApiKey`, returning the stored row. */
export async function insertApiKeyRow(db: Db, key: NewApiKey): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(apiKeyValues(key)).returningAll().executeTakeFirstOrThrow();
}

/** The shop's keys, revoked ones too, oldest first. */
export async function apiKeysOf(db: Db, shopId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('shop_id', '=', shopId).orderBy('created_at').execute();
}

/** The shop's active keys, locked for the rest of the transaction (so two revocations cannot both pass). */
export async function lockActiveApiKeys(trx: Db, shopId: string): Promise<ApiKeyRow[]> {
  return trx.selectFrom('api_keys').selectAll().where('shop_id', '=', shopId).where('revoked_at', 'is', null).forUpdate().execute();
}

/** Revokes the key; it must exist (read it with `lockActiveApiKeys`). */
export async function revokeApiKeyRow(trx: Db, shopId: string, keyId: string, now: Date): Promise<ApiKeyRow> {
  return trx
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('shop_id', '=', shopId)
    .where('id', '=', keyId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
