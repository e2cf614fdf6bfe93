import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random';
import { compareWithHoldout, NO_ORDERS, orderValueSample, sampleVariance, type ExperimentGroups, type OrderGroupSums } from './holdout';

/** The rollup's sums for orders given as [checkout total, upsell money kept]. */
function sums(orders: readonly (readonly [checkout: number, kept: number])[]): OrderGroupSums {
  return orders.reduce<OrderGroupSums>(
    (total, [checkout, kept]) => ({
      orders: total.orders + 1n,
      checkoutTotal: total.checkoutTotal + BigInt(checkout),
      checkoutSquares: total.checkoutSquares + BigInt(checkout) ** 2n,
      kept: total.kept + BigInt(kept),
      keptSquares: total.keptSquares + BigInt(kept) ** 2n,
    }),
    NO_ORDERS,
  );
}

const same = (count: number, checkout: number, kept = 0) => Array.from({ length: count }, () => [checkout, kept] as const);

describe('holdout › sums to a sample', () => {
  it('computes the variance exactly where floats would lose it (sums of squares past 2^53)', () => {
    const big = 1_000_000_000_000n;
    expect(sampleVariance(3n, 3n * big + 3n, big ** 2n + (big + 1n) ** 2n + (big + 2n) ** 2n)).toBe(1);
    expect(sampleVariance(1n, 5n, 25n)).toBeNaN();
    // A refund of an older order counted in the range can make the sums inconsistent: no spread, never negative.
    expect(sampleVariance(2n, -4000n, 0n)).toBe(0);
  });

  it('bounds the variance of checkout + upsell by (σ₁ + σ₂)², exact when there is no upsell money', () => {
    const plain = orderValueSample(
      sums([
        [1000, 0],
        [3000, 0],
      ]),
    );
    expect(plain).toEqual({ mean: 2000, variance: 2_000_000, n: 2 });
    // Checkout σ² = 2,000,000, upsell σ² = 500,000 (kept 0 and 1000): bound (√2e6 + √5e5)² = 4,500,000.
    const upsold = orderValueSample(
      sums([
        [1000, 1000],
        [3000, 0],
      ]),
    );
    expect(upsold.mean).toBe(2500);
    expect(upsold.variance).toBeCloseTo(4_500_000, 6);
  });
});

describe('holdout › comparison', () => {
  it('is null when no order was held out', () => {
    expect(compareWithHoldout([])).toBeNull();
    expect(compareWithHoldout([{ heldOut: NO_ORDERS, exposed: sums(same(5, 5000)) }])).toBeNull();
  });

  it('averages in integer minor units rounded half away from zero, with the lift and its interval', () => {
    const result = compareWithHoldout([
      {
        heldOut: sums([
          [3000, 0],
          [3000, 0],
          [4000, 0],
        ]), // 3333.33…
        exposed: sums([
          [3000, 1001],
          [4000, 0],
        ]), // 4000.5
      },
    ]);
    expect(result).toMatchObject({ heldOutOrders: 3, exposedOrders: 2, heldOutAov: 3333, exposedAov: 4001, aovLift: 0.20015 });
    expect(result?.aovLiftLower).toBeLessThan(0.20015);
    expect(result?.aovLiftUpper).toBeGreaterThan(0.20015);
  });

  it('has averages but no lift without exposed orders, and no interval below two orders in a group', () => {
    expect(compareWithHoldout([{ heldOut: sums(same(4, 2500)), exposed: NO_ORDERS }])).toEqual({
      heldOutOrders: 4,
      exposedOrders: 0,
      heldOutAov: 2500,
      exposedAov: null,
      aovLift: null,
      aovLiftLower: null,
      aovLiftUpper: null,
    });
    expect(compareWithHoldout([{ heldOut: sums(same(1, 2000)), exposed: sums(same(3, 2200)) }])).toMatchObject({
      aovLift: 0.1,
      aovLiftLower: null,
      aovLiftUpper: null,
    });
  });

  it('compares within each experiment, so different holdout shares cannot pass for a lift', () => {
    // Offer A on large orders holds out 10 %, offer B on small orders 50 %; neither changes anything.
    // Pooled, the held-out orders would average 5,000 and the exposed 13,571: a 171 % "lift".
    const experiments: ExperimentGroups[] = [
      { heldOut: sums(same(10, 20_000)), exposed: sums(same(90, 20_000)) },
      { heldOut: sums(same(50, 2_000)), exposed: sums(same(50, 2_000)) },
    ];
    expect(compareWithHoldout(experiments)).toEqual({
      heldOutOrders: 60,
      exposedOrders: 140,
      heldOutAov: 11_000, // each experiment weighed by its 100 orders
      exposedAov: 11_000,
      aovLift: 0,
      aovLiftLower: 0,
      aovLiftUpper: 0,
    });
  });
});

describe('holdout › simulation (seeded)', () => {
  it('covers the true lift at least 95 % of the time (1,000 seeded experiments, upsells on the larger orders more often)', () => {
    const random = mulberry32(4_1_2026);
    const checkout = () => 2000 + Math.floor(random() * 6001); // uniform 2,000…8,000: mean 5,000
    const takeRate = (total: number) => (total > 5000 ? 0.15 : 0.05); // correlated with the order's size
    // E[kept] = 2,000 × 0.8 (one upsell in five is refunded) × (0.05 + 0.1 × P(total > 5,000)).
    const trueLift = (2000 * 0.8 * (0.05 + (0.1 * 3000) / 6001)) / 5000;
    let covered = 0;
    let widths = 0;
    for (let experiment = 0; experiment < 1000; experiment += 1) {
      const heldOut = sums(Array.from({ length: 300 }, () => [checkout(), 0] as const));
      const exposed = sums(
        Array.from({ length: 1200 }, () => {
          const total = checkout();
          const upsell = random() < takeRate(total) && random() >= 0.2 ? 2000 : 0;
          return [total, upsell] as const;
        }),
      );
      const result = compareWithHoldout([{ heldOut, exposed }]);
      if (result?.aovLiftLower === null || result?.aovLiftUpper === null || !result) throw new Error('no interval');
      if (result.aovLiftLower <= trueLift && trueLift <= result.aovLiftUpper) covered += 1;
      widths += result.aovLiftUpper - result.aovLiftLower;
    }
    expect(covered / 1000).toBeGreaterThanOrEqual(0.94);
    // Conservative, not useless: about ±5 points on 300 held-out orders.
    expect(widths / 1000).toBeLessThan(0.11);
  });
});
