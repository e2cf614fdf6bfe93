/**
 * What a process keeps in memory for the fast path, built once by the composition root and passed in
 * with the engine context (no module-level state). Every key includes what makes it tenant-safe: offers
 * by shop id, sessions by the token's hash (which names its shop), decisions by shop id and order id.
 */
import { sql } from 'kysely';
import type { Db } from '../store/database';
import type { ShopRow } from '../store/schema';
import type { CheckoutOffer, DecidedOffer } from './decisions';
import { OfferCache, SHOPS_CHANNEL, type OfferCacheOptions } from './offer-cache';

/** A bounded map whose entries expire after `ttlMs` of real (monotonic) time. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.monotonicNow()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.monotonicNow() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Shops and secret keys, the two reads every merchant and checkout request began with. An entry lives at
 * most `ttlMs` (1 s), and a change drops it sooner: `announceShopChange` in the transaction that changes
 * a shop's settings or revokes a key NOTIFYs every node (their offer cache listener calls `forget`), and
 * the node that made the change forgets at once. So a revoked key stops working on this node now, on the
 * others when the notification arrives, and everywhere within 1 s even if notifications are lost. Only
 * known keys are kept (an unknown key is asked of the database every time: no cache to flood).
 * Reads go through the executor the caller passes, so a miss inside a transaction uses its connection.
 */
export class ShopCache {
  private readonly rows: TtlCache<ShopRow>;
  /** Key hash → shop id. */
  private readonly keys: TtlCache<string>;
  private readonly loading = new Map<string, Promise<ShopRow | undefined>>();
  /** Bumped by every forget/clear: a read that started before a change does not cache what it read. */
  private epoch = 0;

  constructor(ttlMs = 1_000, monotonicNow?: () => number) {
    this.rows = new TtlCache(ttlMs, 10_000, monotonicNow);
    this.keys = new TtlCache(ttlMs, 50_000, monotonicNow);
  }

  async shop(db: Db, shopId: string): Promise<ShopRow | undefined> {
    const cached = this.rows.get(shopId);
    if (cached) return cached;
    // Requests that miss together share one read (every page load asks for the shop when its entry
    // expires); a read inside a transaction stays on that transaction's connection and is not shared.
    if (db.isTransaction) return this.load(db, shopId);
    let pending = this.loading.get(shopId);
    if (!pending) {
      const loading = this.load(db, shopId).finally(() => {
        if (this.loading.get(shopId) === loading) this.loading.delete(shopId);
      });
      pending = loading;
      this.loading.set(shopId, loading);
    }
    return pending;
  }

  private async load(db: Db, shopId: string): Promise<ShopRow | undefined> {
    const epoch = this.epoch;
    const row = await db.selectFrom('shops').selectAll().where('id', '=', shopId).executeTakeFirst();
    if (!row) return undefined;
    const frozen = Object.freeze({ ...row, settings: Object.freeze(row.settings) });
    if (epoch === this.epoch) this.rows.set(shopId, frozen);
    return frozen;
  }

  async shopIdForKey(db: Db, keyHash: string): Promise<string | null> {
    const cached = this.keys.get(keyHash);
    if (cached) return cached;
    const epoch = this.epoch;
    const row = await db.selectFrom('api_keys').select('shop_id').where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
    // A lookup that raced a revocation answers its own request, but is not remembered.
    if (row && epoch === this.epoch) this.keys.set(keyHash, row.shop_id);
    return row?.shop_id ?? null;
  }

  /** Drops the shop and every cached key (revocations are rare; keys are not indexed by shop). */
  forget(shopId: string): void {
    this.epoch += 1;
    this.rows.delete(shopId);
    this.loading.delete(shopId);
    this.keys.clear();
  }

  clear(): void {
    this.epoch += 1;
    this.rows.clear();
    this.loading.clear();
    this.keys.clear();
  }
}

/** Tells every node that the shop's settings or keys changed; call it inside the changing transaction. */
export async function announceShopChange(trx: Db, shopId: string): Promise<void> {
  await sql`SELECT pg_notify(${SHOPS_CHANNEL}, ${shopId})`.execute(trx);
}

/** A session as the checkout API needs it. Sessions never change after they are opened. */
export interface CachedSession {
  readonly id: string;
  readonly shopId: string;
  readonly orderId: string;
  readonly expiresAt: Date;
}

export interface EngineCaches {
  readonly offers: OfferCache;
  readonly shops: ShopCache;
  /** By token hash. Immutable rows: the TTL only bounds memory; the shop's origins come from `shops`. */
  readonly sessions: TtlCache<CachedSession>;
  /** The decided offer by `shopId:orderId`; it never changes after registration. */
  readonly decisions: TtlCache<DecidedOffer | null>;
  /**
   * Per decided offer (one object while it is cached), the page's last answer and its JSON, serialized
   * once per session deadline: the page asks again on every load and poll. Goes with its decided offer.
   */
  readonly offerAnswers: WeakMap<DecidedOffer, { readonly expiresAt: number; readonly offer: CheckoutOffer; readonly json: string }>;
}

/** How long a session is kept after it was last loaded (a buyer may click "add" minutes after the page). */
export const SESSION_CACHE_MS = 10 * 60_000;

export function createEngineCaches(options: OfferCacheOptions & { readonly shopTtlMs?: number } = {}): EngineCaches {
  const shops = new ShopCache(options.shopTtlMs ?? 1_000, options.monotonicNow);
  return {
    offers: new OfferCache({ ...options, shops }),
    shops,
    sessions: new TtlCache(SESSION_CACHE_MS, 50_000),
    decisions: new TtlCache(10 * 60_000, 50_000),
    offerAnswers: new WeakMap(),
  };
}
