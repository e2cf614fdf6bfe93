import { describe, expect, it } from 'vitest';
import type { Db } from '../store/database';
import { ShopCache, TtlCache, UNKNOWN_CREDENTIAL_MS } from './caches';

describe('TtlCache', () => {
  it('forgets an entry once its time is up, by the monotonic clock it is given', () => {
    let now = 0;
    const cache = new TtlCache<string>(1_000, 10, () => now);
    cache.set('shop_a:ord_1', 'offer');
    now = 999;
    expect(cache.get('shop_a:ord_1')).toBe('offer');
    now = 1_000;
    expect(cache.get('shop_a:ord_1')).toBeUndefined();
  });

  it('keeps at most its size, dropping the oldest entry first', () => {
    const cache = new TtlCache<number>(60_000, 2, () => 0);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
  });
});

/** Just enough of Kysely for `ShopCache.shop`: each read resolves when the test says so. */
function fakeDb(isTransaction = false) {
  const reads: { resolve: (row: unknown) => void }[] = [];
  const query = {
    select: () => query,
    selectAll: () => query,
    where: () => query,
    executeTakeFirst: () => new Promise((resolve) => reads.push({ resolve })),
  };
  return { db: { isTransaction, selectFrom: () => query } as unknown as Db, reads };
}
const row = (name: string) => ({ id: 'shop_a', name, settings: { allowedOrigins: [] } });

describe('ShopCache', () => {
  it('answers requests that miss together with one read', async () => {
    const cache = new ShopCache(1_000, () => 0);
    const { db, reads } = fakeDb();
    const answers = Promise.all(Array.from({ length: 10 }, () => cache.shop(db, 'shop_a')));
    expect(reads).toHaveLength(1);
    reads[0]?.resolve(row('A'));
    expect((await answers).map((shop) => shop?.name)).toEqual(Array(10).fill('A'));
    expect((await cache.shop(db, 'shop_a'))?.name).toBe('A');
    expect(reads).toHaveLength(1);
  });

  it('does not keep what a read started before a change brought back', async () => {
    const cache = new ShopCache(1_000, () => 0);
    const { db, reads } = fakeDb();
    const stale = cache.shop(db, 'shop_a');
    cache.forget('shop_a');
    const fresh = cache.shop(db, 'shop_a');
    expect(reads).toHaveLength(2);
    reads[0]?.resolve(row('before'));
    reads[1]?.resolve(row('after'));
    expect((await stale)?.name).toBe('before');
    expect((await fresh)?.name).toBe('after');
    expect((await cache.shop(db, 'shop_a'))?.name).toBe('after');
  });

  it('does not remember a key whose lookup raced its revocation', async () => {
    const cache = new ShopCache(1_000, () => 0);
    const { db, reads } = fakeDb();
    const racing = cache.keyFor(db, 'hash_1');
    cache.forget('shop_a');
    reads[0]?.resolve({ shop_id: 'shop_a', id: 'key_1', last4: 'abcd' });
    expect((await racing)?.shopId).toBe('shop_a');
    const again = cache.keyFor(db, 'hash_1');
    expect(reads).toHaveLength(2);
    reads[1]?.resolve(undefined);
    expect(await again).toBeNull();
  });

  it('reads inside a transaction on that transaction, unshared', async () => {
    const cache = new ShopCache(1_000, () => 0);
    const { db, reads } = fakeDb(true);
    void cache.shop(db, 'shop_a');
    void cache.shop(db, 'shop_a');
    expect(reads).toHaveLength(2);
  });

  it('answers an unknown key from memory until the entry expires, and asks first only when it must', async () => {
    let now = 0;
    const cache = new ShopCache(1_000, () => now);
    const { db, reads } = fakeDb();
    let asked = 0;
    const beforeQuery = async () => void (asked += 1);
    const first = cache.keyFor(db, 'hash_unknown', beforeQuery);
    await Promise.resolve();
    reads[0]?.resolve(undefined);
    expect(await first).toBeNull();
    expect(await cache.keyFor(db, 'hash_unknown', beforeQuery)).toBeNull();
    expect({ reads: reads.length, asked }).toEqual({ reads: 1, asked: 1 });
    now = UNKNOWN_CREDENTIAL_MS;
    const later = cache.keyFor(db, 'hash_unknown', beforeQuery);
    await Promise.resolve();
    expect({ reads: reads.length, asked }).toEqual({ reads: 2, asked: 2 });
    reads[1]?.resolve({ shop_id: 'shop_a', id: 'key_1', last4: 'abcd' });
    expect((await later)?.shopId).toBe('shop_a');
  });

  it('forgets "unknown" for a key this node creates', async () => {
    const cache = new ShopCache(1_000, () => 0);
    const { db, reads } = fakeDb();
    const first = cache.keyFor(db, 'hash_new');
    reads[0]?.resolve(undefined);
    expect(await first).toBeNull();
    cache.created('hash_new');
    const again = cache.keyFor(db, 'hash_new');
    reads[1]?.resolve({ shop_id: 'shop_a', id: 'key_1', last4: 'abcd' });
    expect((await again)?.shopId).toBe('shop_a');
  });
});
