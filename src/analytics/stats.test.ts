import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random';
import {
  decideVerdict,
  differenceInterval,
  proportion,
  proportionInterval,
  relativeLiftInterval,
  stratifiedMean,
  Z_95,
  type ArmOutcome,
  type StoppingRule,
} from './stats';

const RULE: StoppingRule = { alpha: 0.05, minViewsPerArm: 100, equivalenceMargin: 0.01, maxViewsPerArm: null };

/**
 * One simulated experiment: both arms get `batch` views at a time, the verdict is checked after every
 * batch (peeking as often as a merchant refreshing the dashboard), until a verdict or `maxViews` per arm.
 */
function simulate(random: () => number, rates: readonly number[], batch: number, maxViews: number, rule = RULE) {
  const arms = rates.map((_, index) => ({ armId: `arm${index}`, views: 0, takes: 0, accepts: 0, undos: 0 }));
  while ((arms[0]?.views ?? maxViews) < maxViews) {
    arms.forEach((arm, index) => {
      for (let view = 0; view < batch; view += 1) {
        if (random() < (rates[index] ?? 0)) {
          arm.takes += 1;
          arm.accepts += 1;
        }
      }
      arm.views += batch;
    });
    const result = decideVerdict(arms, rule);
    if (result.verdict !== 'keep_running') return result;
  }
  return decideVerdict(arms, rule);
}

describe('stats › intervals', () => {
  it('gives a proportion an interval that narrows with the sample and stays in [0, 1]', () => {
    const small = proportionInterval(5, 50, 0.05);
    const large = proportionInterval(500, 5000, 0.05);
    expect(small.estimate).toBeCloseTo(0.1);
    expect(small.lower).toBeGreaterThanOrEqual(0);
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
    expect(large.lower).toBeLessThan(0.1);
    expect(large.upper).toBeGreaterThan(0.1);
    expect(proportionInterval(0, 0, 0.05)).toEqual({ estimate: 0, lower: 0, upper: 1 });
  });

  it('centres the difference on b − a', () => {
    const difference = differenceInterval(proportion(100, 1000), proportion(150, 1000), 0.05);
    expect(difference.estimate).toBeCloseTo(0.05);
    expect(difference.lower).toBeLessThan(0.05);
    expect(difference.upper).toBeGreaterThan(0.05);
  });
});

describe('stats › the relative lift of two means (fixed-sample, delta method)', () => {
  it('centres on T ÷ B − 1 with the delta method’s width', () => {
    // Var ≈ 4 ÷ 100² + 105² · 1 ÷ 100⁴ = 0.0004 + 0.00011025.
    const lift = relativeLiftInterval({ mean: 105, variance: 4 }, { mean: 100, variance: 1 });
    expect(lift?.estimate).toBeCloseTo(0.05, 12);
    expect(lift?.upper).toBeCloseTo(0.05 + Z_95 * Math.sqrt(0.00051025), 12);
    expect(lift?.lower).toBeCloseTo(0.05 - Z_95 * Math.sqrt(0.00051025), 12);
  });

  it('has no lift over a baseline of zero or with an unknown variance', () => {
    expect(relativeLiftInterval({ mean: 10, variance: 1 }, { mean: 0, variance: 1 })).toBeNull();
    expect(relativeLiftInterval({ mean: 10, variance: Number.NaN }, { mean: 5, variance: 1 })).toBeNull();
  });

  it('weighs strata and adds their variances of the mean with the squared weights', () => {
    const mean = stratifiedMean([
      { weight: 3, sample: { mean: 10, variance: 8, n: 4 } },
      { weight: 1, sample: { mean: 30, variance: 50, n: 5 } },
    ]);
    expect(mean?.mean).toBeCloseTo(15, 12); // (3·10 + 1·30) ÷ 4
    expect(mean?.variance).toBeCloseTo((3 / 4) ** 2 * 2 + (1 / 4) ** 2 * 10, 12);
    expect(stratifiedMean([])).toBeNull();
    expect(stratifiedMean([{ weight: 1, sample: { mean: 0, variance: 0, n: 0 } }])).toBeNull();
  });
});

describe('stats › verdict', () => {
  const arm = (armId: string, views: number, takes: number, undos = 0): ArmOutcome => ({ armId, views, takes, accepts: takes + undos, undos });

  it('never names a winner from a handful of views, however lopsided', () => {
    expect(decideVerdict([arm('a', 20, 0), arm('b', 20, 10)], RULE)).toMatchObject({ verdict: 'keep_running', reason: 'minimum_sample' });
  });

  it('names a clear winner, and the control when every challenger is clearly worse', () => {
    expect(decideVerdict([arm('a', 5000, 400), arm('b', 5000, 700)], RULE)).toMatchObject({ verdict: 'winner', winnerArmId: 'b' });
    expect(decideVerdict([arm('a', 5000, 700), arm('b', 5000, 400)], RULE)).toMatchObject({
      verdict: 'winner',
      winnerArmId: 'a',
      reason: 'control_best',
    });
  });

  it('says no difference once the interval fits inside the margin', () => {
    expect(decideVerdict([arm('a', 200_000, 20_000), arm('b', 200_000, 20_050)], RULE)).toMatchObject({
      verdict: 'no_difference',
      reason: 'equivalent',
    });
    expect(decideVerdict([arm('a', 3000, 300), arm('b', 3000, 310)], { ...RULE, maxViewsPerArm: 3000 })).toMatchObject({
      verdict: 'no_difference',
      reason: 'max_sample',
    });
  });

  it('holds back a winner whose undo rate is clearly worse', () => {
    const result = decideVerdict([arm('a', 5000, 400, 10), arm('b', 5000, 700, 400)], RULE);
    expect(result).toMatchObject({ verdict: 'keep_running', reason: 'undo_guardrail' });
    expect(result.guardrailBreached).toEqual(['b']);
  });
});

describe('stats › simulation (seeded)', () => {
  it('keeps the false-winner rate at or below α over 1,000 A/A experiments checked after every batch', () => {
    const random = mulberry32(20261122);
    let falseWinners = 0;
    for (let experiment = 0; experiment < 1000; experiment += 1) {
      if (simulate(random, [0.1, 0.1], 50, 4000).verdict === 'winner') falseWinners += 1;
    }
    expect(falseWinners / 1000).toBeLessThanOrEqual(0.05);
  });

  it('keeps α with three arms as well', () => {
    const random = mulberry32(7);
    let falseWinners = 0;
    for (let experiment = 0; experiment < 1000; experiment += 1) {
      if (simulate(random, [0.08, 0.08, 0.08], 100, 2000).verdict === 'winner') falseWinners += 1;
    }
    expect(falseWinners / 1000).toBeLessThanOrEqual(0.05);
  });

  it('finds a real difference (10 % → 14 %) and picks the better arm', () => {
    const random = mulberry32(42);
    let found = 0;
    let wrong = 0;
    for (let experiment = 0; experiment < 200; experiment += 1) {
      const result = simulate(random, [0.1, 0.14], 50, 6000);
      if (result.verdict === 'winner' && result.winnerArmId === 'arm1') found += 1;
      if (result.verdict === 'winner' && result.winnerArmId !== 'arm1') wrong += 1;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.9);
    expect(wrong).toBe(0);
  });
});
