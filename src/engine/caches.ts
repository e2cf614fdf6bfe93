/**
 * What a process keeps in memory for the fast path, built once by the composition root and passed in
 * with the engine context (no module-level state). Every key includes what makes it tenant-safe: offers
 * by shop id, sessions by the token's hash (which names its shop), decisions by shop id and order id.
 */
import type { DecidedOffer } from './decisions';
import { OfferCache, type OfferCacheOptions } from './offer-cache';

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

/** A session as the checkout API needs it; `allowedOrigins` is the shop's, as of when it was cached. */
export interface CachedSession {
  readonly id: string;
  readonly shopId: string;
  readonly orderId: string;
  readonly expiresAt: Date;
  readonly allowedOrigins: readonly string[];
}

export interface EngineCaches {
  readonly offers: OfferCache;
  /** By token hash. Sessions never change; the TTL bounds how long a changed `allowedOrigins` is missed. */
  readonly sessions: TtlCache<CachedSession>;
  /** The decided offer by `shopId:orderId`; it never changes after registration. */
  readonly decisions: TtlCache<DecidedOffer | null>;
}

/** Seconds a cached session keeps its shop's `allowedOrigins` (the same bound as CORS preflights). */
export const SESSION_CACHE_MS = 5_000;

export function createEngineCaches(options: OfferCacheOptions = {}): EngineCaches {
  return {
    offers: new OfferCache(options),
    sessions: new TtlCache(SESSION_CACHE_MS, 50_000),
    decisions: new TtlCache(10 * 60_000, 50_000),
  };
}
