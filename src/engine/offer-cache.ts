/**
 * Each process keeps every active shop's offers compiled in memory (`OfferCache`), so deciding an offer
 * at registration and re-checking it on the confirmation page read no offer rows.
 *
 * Invalidation across nodes: every change to a shop's offers or catalog bumps the shop's row in `offer_versions` and
 * sends `NOTIFY plusone_offers, '<shopId>:<version>'` in the same transaction (`bumpOffersVersion`), so
 * the notification is delivered exactly when the change commits. Each process LISTENs on one dedicated
 * connection and drops the shop's compiled offers on a newer version. The fallback, for a notification
 * that never arrives (listener reconnecting, a proxy that does not pass LISTEN, a node without a
 * listener): an entry older than `recheckMs` (1 s) re-reads the shop's version (one primary-key read)
 * before it is used again. So a node serves offers at most `recheckMs` older than the last committed
 * change even when every notification is lost, and within the NOTIFY delivery delay otherwise.
 *
 * Stock is not part of the version (every accept changes it): for the few variants that track stock, the
 * decision and the confirmation page use the stock cache (engine/stock-cache) instead of the compiled
 * value. Stock changes are deliberately not announced here: see there why.
 */
import pg from 'pg';
import { compileOffers, type Candidate, type CompiledOffers, type Offer, type OfferVariant } from '../core/offers';
import { listen, type Db } from '../store/database';
import { liveExperiments, type LiveExperiment } from '../analytics/experiments/decide';
import { loadCandidates, offersVersion, OFFERS_CHANNEL } from '../store/offers';
import { SHOPS_CHANNEL } from '../store/shops';

/** One shop's live offers at one version, compiled for `decideCompiled`. */
export interface ShopOffers {
  readonly shopId: string;
  readonly version: number;
  readonly candidates: readonly Candidate[];
  readonly compiled: CompiledOffers;
  readonly byId: ReadonlyMap<string, { readonly offer: Offer; readonly variant: OfferVariant | null }>;
  /** Variants of these offers whose stock is tracked: their stock comes from the stock cache at decision time. */
  readonly trackedVariantIds: readonly string[];
  /** The live (running or promoted) experiment of each offer that has one. */
  readonly experiments: ReadonlyMap<string, LiveExperiment>;
  /** Some offer is for first orders only: registration must find out whether the customer ordered before. */
  readonly needsFirstOrder: boolean;
}

/** The shop's version, live offers and live experiments from one snapshot, compiled. */
export async function loadShopOffers(db: Db, shopId: string): Promise<ShopOffers> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const version = await offersVersion(trx, shopId);
      const candidates = await loadCandidates(trx, shopId);
      return shopOffers(shopId, version, candidates, await liveExperiments(trx, shopId));
    });
}

export function shopOffers(
  shopId: string,
  version: number,
  candidates: readonly Candidate[],
  experiments: readonly LiveExperiment[] = [],
): ShopOffers {
  const tracked = new Set<string>();
  for (const { variant } of candidates) if (variant && variant.stock !== null) tracked.add(variant.id);
  return {
    shopId,
    version,
    candidates,
    compiled: compileOffers(candidates),
    byId: new Map(candidates.map((candidate) => [candidate.offer.id, candidate])),
    trackedVariantIds: [...tracked],
    experiments: new Map(experiments.map((experiment) => [experiment.offer_id, experiment])),
    needsFirstOrder: candidates.some(({ offer }) => offer.rules.firstOrderOnly === true),
  };
}

export interface OfferCacheOptions {
  /** How old an entry may be before its version is checked again. Default 1,000 ms. */
  readonly recheckMs?: number;
  /** Shops kept at most; the least recently loaded is dropped first. Default 10,000. */
  readonly maxShops?: number;
  /** Monotonic milliseconds; a real clock even when the engine runs on a fake one. */
  readonly monotonicNow?: () => number;
  /** Told when the listener connection fails (it reconnects on its own). */
  readonly onListenerError?: (error: unknown) => void;
  /** Also kept current by this listener: shop settings and keys (`SHOPS_CHANNEL`). */
  readonly shops?: { forget(shopId: string): void; clear(): void };
}

interface Entry {
  readonly offers: ShopOffers;
  checkedAt: number;
}

export class OfferCache {
  private readonly entries = new Map<string, Entry>();
  /** The highest version each shop was announced at, from NOTIFY. */
  private readonly announced = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<ShopOffers>>();
  private readonly recheckMs: number;
  private readonly maxShops: number;
  private readonly monotonicNow: () => number;
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: OfferCacheOptions = {}) {
    this.recheckMs = options.recheckMs ?? 1_000;
    this.maxShops = options.maxShops ?? 10_000;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /** The shop's compiled offers: from memory, re-checked against the database at most every `recheckMs`. */
  get(db: Db, shopId: string): Promise<ShopOffers> {
    const entry = this.entries.get(shopId);
    if (entry && this.isCurrent(entry) && this.monotonicNow() - entry.checkedAt < this.recheckMs) {
      return Promise.resolve(entry.offers);
    }
    let pending = this.inflight.get(shopId);
    if (!pending) {
      pending = this.refresh(db, shopId, entry).finally(() => this.inflight.delete(shopId));
      this.inflight.set(shopId, pending);
    }
    return pending;
  }

  /** Drops the shop's offers (all of them when `version` is absent, else those older than it). */
  forget(shopId: string, version?: number): void {
    if (version !== undefined) this.announced.set(shopId, Math.max(version, this.announced.get(shopId) ?? 0));
    const entry = this.entries.get(shopId);
    if (entry && (version === undefined || entry.offers.version < version)) this.entries.delete(shopId);
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  /** LISTENs on its own connection (not one of the pool's) until `close`; reconnects after a failure. */
  async listen(connectionString: string): Promise<void> {
    this.closed = false;
    const client = new pg.Client({ connectionString, application_name: 'plusone-offers-listener' });
    const lost = (error?: unknown) => {
      if (this.listener !== client) return;
      this.listener = null;
      // What was missed while disconnected is unknown: start from the database again.
      this.entries.clear();
      this.announced.clear();
      this.options.shops?.clear();
      client.end().catch(() => undefined);
      if (error !== undefined) this.options.onListenerError?.(error);
      if (!this.closed)
        this.reconnectTimer = setTimeout(
          () => void this.listen(connectionString).catch((cause: unknown) => this.options.onListenerError?.(cause)),
          1_000,
        );
    };
    client.on('notification', (message) => {
      if (message.channel === SHOPS_CHANNEL && message.payload) this.options.shops?.forget(message.payload);
      if (message.channel !== OFFERS_CHANNEL || !message.payload) return;
      const separator = message.payload.lastIndexOf(':');
      const version = Number(message.payload.slice(separator + 1));
      if (separator > 0 && Number.isInteger(version)) this.forget(message.payload.slice(0, separator), version);
    });
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await listen(client, [OFFERS_CHANNEL, SHOPS_CHANNEL]);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!this.closed) this.reconnectTimer = setTimeout(() => void this.listen(connectionString).catch(() => undefined), 1_000);
      throw error;
    }
    this.listener = client;
    // Anything compiled before the LISTEN started may have missed a notification.
    this.entries.clear();
    this.options.shops?.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.listener;
    this.listener = null;
    this.entries.clear();
    await client?.end().catch(() => undefined);
  }

  private isCurrent(entry: Entry): boolean {
    return entry.offers.version >= (this.announced.get(entry.offers.shopId) ?? 0);
  }

  private async refresh(db: Db, shopId: string, entry: Entry | undefined): Promise<ShopOffers> {
    const started = this.monotonicNow();
    if (entry && this.isCurrent(entry) && (await offersVersion(db, shopId)) === entry.offers.version) {
      entry.checkedAt = started;
      return entry.offers;
    }
    const offers = await loadShopOffers(db, shopId);
    // A newer version announced while loading: answer this request, but do not keep the older offers.
    if (offers.version >= (this.announced.get(shopId) ?? 0)) {
      this.entries.delete(shopId);
      this.entries.set(shopId, { offers, checkedAt: started });
      if (this.entries.size > this.maxShops) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return offers;
  }
}
