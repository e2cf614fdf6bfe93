import { describe, expect, it } from 'vitest';
import { TtlCache } from './caches';

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
