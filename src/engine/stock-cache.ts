/**
 * Each process keeps the stock of every active shop's tracked variants in memory (`StockCache`), so the
 * confirmation page's re-check and registration's decision read no stock rows in steady state. The accept
 * still reads and reserves the real stock in its transaction: this cache only decides what is shown.
 *
 * How current it is:
 * - **This node's own changes, at once.** The accept that reserved units sets the value it got back right
 *   after its commit (`reserved`), keeping the lower of that and what the entry holds: between two reads
 *   an entry changes only by this node's reservations (a release drops it), and reservations of one
 *   variant commit one after another on its row lock, each taking from what the previous one left, so
 *   the lowest value is the newest even when two accepts' answers arrive out of order. A release on this
 *   node (an undo, a declined authorization) drops the shop's entry after its commit (`forget`), so the
 *   next read takes the real value. A read already running when either happens keeps the lower value, or
 *   is not kept.
 * - **Other nodes' changes, within `recheckMs` (1 s).** An entry older than that is read again before it
 *   is used (one query per shop for all its tracked variants, shared by the requests that find it old).
 *   Catalog writes bump the shop's offers version, and an entry serves only the offers version it was
 *   read for, so a restock is seen as soon as the offers are (NOTIFY; the node that made it at once).
 *
 * Stock changes are deliberately not announced by NOTIFY, unlike offer and shop changes: a transaction
 * that NOTIFYs takes one database-wide lock from its commit's start to its end (PostgreSQL queues
 * notifications in commit order), so every accept's first transaction would commit one at a time. On the
 * test machine 16 clients committing a one-row insert managed 5,500/s without NOTIFY and 1,000/s with it
 * (docs/scaling.md). What a stale entry can cost is showing a sold-out offer for at most 1 s on another
 * node, whose click is then refused from the real stock and charges nothing.
 */
import type { Db } from '../store/database';
import { liveStock } from '../store/catalog';
import type { ShopOffers } from './offer-cache';

export interface StockCacheOptions {
  /** How old an entry may be before it is read again. Default 1,000 ms. */
  readonly recheckMs?: number;
  /** Shops kept at most; the least recently loaded is dropped first. Default 10,000. */
  readonly maxShops?: number;
  /** Monotonic milliseconds; a real clock even when the engine runs on a fake one. */
  readonly monotonicNow?: () => number;
}

/** One shop's tracked stock, read for one version of its offers. */
interface Entry {
  readonly version: number;
  readonly stock: Map<string, number | null>;
  readonly readAt: number;
}

/** A read in progress: what this node reserved of its shop meanwhile, and whether a release voided it. */
interface Reading {
  readonly reserved: Map<string, number>;
  voided: boolean;
}

/** Variant id → stock, for the tracked variants of a shop's offers (absent: the variant is gone; null: untracked). */
export type StockLevels = ReadonlyMap<string, number | null>;

const NO_STOCK: StockLevels = new Map();

export class StockCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads in progress by offers version and shop: requests that find an entry old share one query. */
  private readonly inflight = new Map<string, { readonly shopId: string; readonly promise: Promise<StockLevels> }>();
  /** Per shop, the reads in progress. */
  private readonly readings = new Map<string, Set<Reading>>();
  private readonly recheckMs: number;
  private readonly maxShops: number;
  private readonly monotonicNow: () => number;

  constructor(options: StockCacheOptions = {}) {
    this.recheckMs = options.recheckMs ?? 1_000;
    this.maxShops = options.maxShops ?? 10_000;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /** The stock of the offers' tracked variants: from memory, read again at most every `recheckMs`. */
  get(db: Db, offers: ShopOffers): Promise<StockLevels> {
    if (offers.trackedVariantIds.length === 0) return Promise.resolve(NO_STOCK);
    const entry = this.entries.get(offers.shopId);
    if (entry && entry.version === offers.version && this.monotonicNow() - entry.readAt < this.recheckMs) {
      return Promise.resolve(entry.stock);
    }
    const key = `${offers.version}:${offers.shopId}`;
    const pending = this.inflight.get(key);
    if (pending) return pending.promise;
    const promise = this.read(db, offers).finally(() => {
      if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
    });
    this.inflight.set(key, { shopId: offers.shopId, promise });
    return promise;
  }

  /** This node's reservation committed and left the variant `stockLeft` units. */
  reserved(shopId: string, variantId: string, stockLeft: number): void {
    const entry = this.entries.get(shopId);
    const current = entry?.stock.get(variantId);
    if (entry && current !== undefined && current !== null) entry.stock.set(variantId, Math.min(current, stockLeft));
    for (const reading of this.readings.get(shopId) ?? []) {
      reading.reserved.set(variantId, Math.min(reading.reserved.get(variantId) ?? stockLeft, stockLeft));
    }
  }

  /** This node gave units of the shop back (committed): its next read takes the real value. */
  forget(shopId: string): void {
    this.entries.delete(shopId);
    for (const reading of this.readings.get(shopId) ?? []) reading.voided = true;
    for (const [key, pending] of this.inflight) if (pending.shopId === shopId) this.inflight.delete(key);
  }

  private async read(db: Db, offers: ShopOffers): Promise<StockLevels> {
    const { shopId, version } = offers;
    const readAt = this.monotonicNow();
    const reading: Reading = { reserved: new Map(), voided: false };
    const readings = this.readings.get(shopId) ?? new Set();
    readings.add(reading);
    this.readings.set(shopId, readings);
    try {
      const stock = await liveStock(db, shopId, offers.trackedVariantIds);
      // A reservation that committed while the query ran may not be in what it saw: the lower value is the newer.
      for (const [variantId, left] of reading.reserved) {
        const seen = stock.get(variantId);
        if (seen !== undefined && seen !== null) stock.set(variantId, Math.min(seen, left));
      }
      const current = this.entries.get(shopId);
      if (!reading.voided && (!current || current.version <= version)) this.keep(shopId, { version, stock, readAt });
      return stock;
    } finally {
      readings.delete(reading);
      if (readings.size === 0) this.readings.delete(shopId);
    }
  }

  private keep(shopId: string, entry: Entry): void {
    this.entries.delete(shopId);
    this.entries.set(shopId, entry);
    if (this.entries.size > this.maxShops) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
