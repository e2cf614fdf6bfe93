/**
 * What a process keeps in memory for the fast path, built once by the composition root and passed in
 * with the engine context (no module-level state). Every key includes what makes it tenant-safe: offers
 * by shop id, sessions by the token's hash (which names its shop), decisions by shop id and order id.
 */
import type { Db } from '../store/database';
import type { ShopRow, UpsellRow } from '../store/schema';
import { findShop, keyOfHash, type KeyIdentity } from '../store/shops';
import type { CheckoutOffer, DecidedOffer } from '../core/decisions';
import { OfferCache, type OfferCacheOptions } from './offer-cache';
import { StockCache } from './stock-cache';

export { announceShopChange } from '../store/shops';

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

/** Lookups in progress by key: requests that miss together share one query (a burst of one bad token too). */
export class SharedLookups<V> {
  private readonly running = new Map<string, Promise<V>>();

  get(key: string): Promise<V> | undefined {
    return this.running.get(key);
  }

  run(key: string, lookup: () => Promise<V>): Promise<V> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const promise: Promise<V> = lookup().finally(() => {
      if (this.running.get(key) === promise) this.running.delete(key);
    });
    this.running.set(key, promise);
    return promise;
  }

  clear(): void {
    this.running.clear();
  }
}

/**
 * Shops and secret keys, the two reads every merchant and checkout request began with. An entry lives at
 * most `ttlMs` (1 s), and a change drops it sooner: `announceShopChange` in the transaction that changes
 * a shop's settings or revokes a key NOTIFYs every node (their offer cache listener calls `forget`), and
 * the node that made the change forgets at once. So a revoked key stops working on this node now, on the
 * others when the notification arrives, and everywhere within 1 s even if notifications are lost.
 * Unknown keys are remembered for `UNKNOWN_CREDENTIAL_MS` (bounded, oldest dropped first), so a flood
 * repeating one costs one query; see `EngineCaches.unknownSessions` for why that cannot hide a new key.
 * Reads go through the executor the caller passes, so a miss inside a transaction uses its connection.
 */
export class ShopCache {
  private readonly rows: TtlCache<ShopRow>;
  /** Key hash → the key (its shop, id and last four). */
  private readonly keys: TtlCache<KeyIdentity>;
  /** Hashes of keys the database did not know (or knew as revoked) a moment ago. */
  private readonly unknownKeys: TtlCache<true>;
  private readonly keyLookups = new SharedLookups<KeyIdentity | null>();
  private readonly loading = new Map<string, Promise<ShopRow | undefined>>();
  /** Bumped by every forget/clear: a read that started before a change does not cache what it read. */
  private epoch = 0;

  constructor(ttlMs = 1_000, monotonicNow?: () => number) {
    this.rows = new TtlCache(ttlMs, 10_000, monotonicNow);
    this.keys = new TtlCache(ttlMs, 50_000, monotonicNow);
    this.unknownKeys = new TtlCache(UNKNOWN_CREDENTIAL_MS, UNKNOWN_CREDENTIALS_KEPT, monotonicNow);
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
    const row = await findShop(db, shopId);
    if (!row) return undefined;
    const frozen = Object.freeze({ ...row, settings: Object.freeze(row.settings) });
    if (epoch === this.epoch) this.rows.set(shopId, frozen);
    return frozen;
  }

  /** `beforeQuery` runs only when the answer is not in memory (the HTTP layer's failure limit may refuse). */
  async keyFor(db: Db, keyHash: string, beforeQuery?: () => Promise<void>): Promise<KeyIdentity | null> {
    const cached = this.keys.get(keyHash);
    if (cached) return cached;
    if (this.unknownKeys.get(keyHash)) return null;
    const running = this.keyLookups.get(keyHash);
    if (running) return running;
    const epoch = this.epoch;
    if (beforeQuery) await beforeQuery();
    return this.keyLookups.run(keyHash, async () => {
      const key = await keyOfHash(db, keyHash);
      if (key === null) this.unknownKeys.set(keyHash, true);
      // A lookup that raced a revocation answers its own request, but is not remembered.
      else if (epoch === this.epoch) this.keys.set(keyHash, Object.freeze(key));
      return key;
    });
  }

  /** A key this node just created: never answered from a stale "unknown". */
  created(keyHash: string): void {
    this.unknownKeys.delete(keyHash);
  }

  /** Drops the shop and every cached key (revocations are rare; keys are not indexed by shop). */
  forget(shopId: string): void {
    this.epoch += 1;
    this.rows.delete(shopId);
    this.loading.delete(shopId);
    this.keys.clear();
    this.keyLookups.clear();
  }

  clear(): void {
    this.epoch += 1;
    this.rows.clear();
    this.loading.clear();
    this.keys.clear();
    this.keyLookups.clear();
  }
}

/** What the buyer did with the order's offer: its upsell (the latest, if ever more than one), or a "No thanks". */
export interface OrderProgress {
  readonly upsell: UpsellRow | null;
  readonly dismissed: boolean;
}

/** How long `ProgressCache` keeps a value: `open` (may still change), `settled` (never changes again), or not at all. */
export type ProgressKeep = 'open' | 'settled' | null;

/**
 * What became of each order's offer, by shop and order, for the buyer's page (engine/buyer-state decides
 * what to keep and for how long). A change is forgotten by the node that made it when it commits
 * (`forget`); other nodes' changes are seen once an `open` value is `openMs` old (1 s). A read that
 * started before a change answers its own request but is not kept. Requests for the same order that miss
 * together share one read. Bounded; the least recently read is dropped first.
 */
export class ProgressCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly until: number }>();
  private readonly loading = new Map<string, { readonly promise: Promise<V>; readonly state: { voided: boolean } }>();

  constructor(
    private readonly openMs: number,
    private readonly settledMs: number,
    private readonly maxEntries: number,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  get(shopId: string, orderId: string, read: () => Promise<{ value: V; keep: ProgressKeep }>): Promise<V> {
    const key = progressKey(shopId, orderId);
    const entry = this.entries.get(key);
    if (entry && entry.until > this.monotonicNow()) return Promise.resolve(entry.value);
    if (entry) this.entries.delete(key);
    const running = this.loading.get(key);
    if (running) return running.promise;
    const state = { voided: false };
    const promise = this.load(key, state, read);
    this.loading.set(key, { promise, state });
    return promise;
  }

  /** The order's progress changed (committed): read it again. */
  forget(shopId: string, orderId: string): void {
    const key = progressKey(shopId, orderId);
    this.entries.delete(key);
    this.void(key);
  }

  private void(key: string): void {
    const load = this.loading.get(key);
    if (!load) return;
    load.state.voided = true;
    this.loading.delete(key);
  }

  private async load(key: string, state: { voided: boolean }, read: () => Promise<{ value: V; keep: ProgressKeep }>): Promise<V> {
    // The bound counts from before the read: what it saw is at least that old.
    const startedAt = this.monotonicNow();
    try {
      const { value, keep } = await read();
      if (!state.voided && keep !== null) this.keep(key, value, startedAt + (keep === 'open' ? this.openMs : this.settledMs));
      return value;
    } finally {
      if (this.loading.get(key)?.state === state) this.loading.delete(key);
    }
  }

  private keep(key: string, value: V, until: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/** Shop ids are ours and never hold a colon, so `shop:order` names one shop's order only. */
function progressKey(shopId: string, orderId: string): string {
  return `${shopId}:${orderId}`;
}

/** How long a credential the database did not know is answered "unknown" from memory, and how many are kept. */
export const UNKNOWN_CREDENTIAL_MS = 5_000;
const UNKNOWN_CREDENTIALS_KEPT = 20_000;

/** A session as the checkout API needs it. Sessions never change after they are opened. */
export interface CachedSession {
  readonly id: string;
  readonly shopId: string;
  readonly orderId: string;
  readonly expiresAt: Date;
}

export interface EngineCaches {
  readonly offers: OfferCache;
  /** Tracked variants' stock per shop: this node's sales and releases at once, other nodes' within 1 s. */
  readonly stock: StockCache;
  readonly shops: ShopCache;
  /** By token hash. Immutable rows: the TTL only bounds memory; the shop's origins come from `shops`. */
  readonly sessions: TtlCache<CachedSession>;
  /**
   * Hashes of session tokens the database did not know, for `UNKNOWN_CREDENTIAL_MS`. Keys and tokens are
   * 256-bit random values that a client only learns from the answer of the committed transaction that
   * stored them, so an honest token is never looked up before it exists: nothing that is cached here as
   * unknown can become known while cached. (Even so, a node that creates a key drops any such entry, and
   * one that registers an order caches its new session as known, which is asked first.)
   */
  readonly unknownSessions: TtlCache<true>;
  /** Session lookups in progress, by token hash. */
  readonly sessionLookups: SharedLookups<CachedSession>;
  /** What became of each order's offer, by shop and order (engine/buyer-state `orderProgress`). */
  readonly progress: ProgressCache<OrderProgress>;
  /** The decided offer by `shopId:orderId`; it never changes after registration. */
  readonly decisions: TtlCache<DecidedOffer | null>;
  /**
   * Per decided offer (one object while it is cached), the page's last answer and its JSON, serialized
   * once per session deadline: the page asks again on every load and poll. Goes with its decided offer.
   */
  readonly offerAnswers: WeakMap<DecidedOffer, { readonly expiresAt: number; readonly offer: CheckoutOffer; readonly json: string }>;
  /**
   * By key id, when (epoch ms of the engine's clock) this node last wrote the key's `last_used_at`: a key
   * is written at most once a minute per node, not on every request.
   */
  readonly keyUses: TtlCache<number>;
}

/** How long an order's settled progress ("No thanks", an upsell in a final state) is kept: it never changes again. */
export const SETTLED_PROGRESS_MS = 10 * 60_000;

/** How long a session is kept after it was last loaded (a buyer may click "add" minutes after the page). */
export const SESSION_CACHE_MS = 10 * 60_000;

export function createEngineCaches(options: OfferCacheOptions & { readonly shopTtlMs?: number } = {}): EngineCaches {
  const shops = new ShopCache(options.shopTtlMs ?? 1_000, options.monotonicNow);
  const stock = new StockCache({
    ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
    ...(options.monotonicNow ? { monotonicNow: options.monotonicNow } : {}),
  });
  const progress = new ProgressCache<OrderProgress>(options.recheckMs ?? 1_000, SETTLED_PROGRESS_MS, 50_000, options.monotonicNow);
  return {
    offers: new OfferCache({ ...options, shops }),
    progress,
    stock,
    shops,
    sessions: new TtlCache(SESSION_CACHE_MS, 50_000),
    unknownSessions: new TtlCache(UNKNOWN_CREDENTIAL_MS, UNKNOWN_CREDENTIALS_KEPT, options.monotonicNow),
    sessionLookups: new SharedLookups(),
    decisions: new TtlCache(10 * 60_000, 50_000),
    offerAnswers: new WeakMap(),
    keyUses: new TtlCache(10 * 60_000, 50_000, options.monotonicNow),
  };
}
