/**
 * Statistics that survive peeking (docs/analytics.md, "Stopping rule"). Pure code, no I/O.
 *
 * The test is a mixture sequential probability ratio test (mSPRT, Johari et al. 2017) with a normal
 * mixing distribution N(0, τ²) over the difference of two means. Its confidence sequence — an interval
 * that holds at every sample size at once, with probability 1 − α — may be looked at after every view
 * without raising the false-winner rate above α. Rates use the plug-in variance of the smoothed
 * proportion ((x + 1) / (n + 2)), so an arm with no accepts yet still has a width.
 */

/** A mean, the variance of one observation, and how many observations. */
export interface Sample {
  readonly mean: number;
  readonly variance: number;
  readonly n: number;
}

export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Mixing variance τ² relative to the variance of one observation: the mixture puts most weight on
 * differences around 0.1 standard deviation (about 3 points of take rate at 10 %), typical of copy and offer tests.
 */
export const DEFAULT_MIXING_RATIO = 0.01;

/** Half-width of the always-valid (1 − α) interval for an estimate whose variance is `v`. */
export function confidenceSequenceHalfWidth(v: number, tau2: number, alpha: number): number {
  if (!(v > 0)) return Number.POSITIVE_INFINITY;
  return Math.sqrt(((v * (v + tau2)) / tau2) * (Math.log((v + tau2) / v) - 2 * Math.log(alpha)));
}

/** The mixture likelihood ratio Λ for an estimate θ̂ with variance v; the test rejects "no difference" at Λ ≥ 1/α. */
export function mixtureLikelihoodRatio(estimate: number, v: number, tau2: number): number {
  if (!(v > 0)) return 1;
  return Math.sqrt(v / (v + tau2)) * Math.exp((estimate * estimate * tau2) / (2 * v * (v + tau2)));
}

function tau2For(perObservationVariance: number, ratio: number): number {
  return Math.max(perObservationVariance * ratio, 1e-12);
}

/** Always-valid interval for one mean. */
export function meanInterval(sample: Sample, alpha: number, ratio = DEFAULT_MIXING_RATIO): Interval {
  if (sample.n === 0) return { estimate: 0, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  const v = sample.variance / sample.n;
  const half = confidenceSequenceHalfWidth(v, tau2For(sample.variance, ratio), alpha);
  return { estimate: sample.mean, lower: sample.mean - half, upper: sample.mean + half };
}

/** Always-valid interval for mean(b) − mean(a). */
export function differenceInterval(a: Sample, b: Sample, alpha: number, ratio = DEFAULT_MIXING_RATIO): Interval & { likelihoodRatio: number } {
  const estimate = b.mean - a.mean;
  if (a.n === 0 || b.n === 0) {
    return { estimate, lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, likelihoodRatio: 1 };
  }
  const v = a.variance / a.n + b.variance / b.n;
  const tau2 = tau2For((a.variance + b.variance) / 2, ratio);
  const half = confidenceSequenceHalfWidth(v, tau2, alpha);
  return { estimate, lower: estimate - half, upper: estimate + half, likelihoodRatio: mixtureLikelihoodRatio(estimate, v, tau2) };
}

/** A proportion `successes / trials` as a sample, with the smoothed variance. */
export function proportion(successes: number, trials: number): Sample {
  const smoothed = (successes + 1) / (trials + 2);
  return { mean: trials === 0 ? 0 : successes / trials, variance: smoothed * (1 - smoothed), n: trials };
}

/** Interval for a proportion, clipped to [0, 1]. */
export function proportionInterval(successes: number, trials: number, alpha: number): Interval {
  const interval = meanInterval(proportion(successes, trials), alpha);
  return { estimate: interval.estimate, lower: Math.max(0, interval.lower), upper: Math.min(1, interval.upper) };
}

/** Per-view revenue of an arm in one currency: sum and sum of squares of the revenue each view brought. */
export function revenueSample(views: number, sum: number, sumOfSquares: number): Sample {
  if (views === 0) return { mean: 0, variance: 0, n: 0 };
  const mean = sum / views;
  const variance = views > 1 ? Math.max(0, (sumOfSquares - views * mean * mean) / (views - 1)) : 0;
  return { mean, variance, n: views };
}

export type Verdict = 'keep_running' | 'winner' | 'no_difference';

export interface ArmOutcome {
  readonly armId: string;
  readonly views: number;
  /** Accepted and not undone. */
  readonly takes: number;
  readonly accepts: number;
  readonly undos: number;
}

export interface StoppingRule {
  readonly alpha: number;
  readonly minViewsPerArm: number;
  readonly equivalenceMargin: number;
  readonly maxViewsPerArm: number | null;
}

export interface Comparison {
  readonly armId: string;
  /** Take rate of this arm minus the control's. */
  readonly difference: Interval;
  readonly alwaysValidPValue: number;
}

export interface VerdictResult {
  readonly verdict: Verdict;
  readonly winnerArmId: string | null;
  /** Why: minimum_sample, significant, control_best, undo_guardrail, equivalent, max_sample, inconclusive. */
  readonly reason: string;
  readonly comparisons: readonly Comparison[];
  /** Arms whose undo rate is clearly worse than another arm's. */
  readonly guardrailBreached: readonly string[];
}

/**
 * The stopping rule: the first arm is the control; each other arm is compared with it at α / (arms − 1).
 * - any arm below the minimum sample → keep_running;
 * - an arm whose interval lies above the control's (or, when every arm lies below it, the control) is
 *   the winner — unless its undo rate is clearly worse than another arm's (the guardrail) → keep_running;
 * - every difference's interval inside ± the equivalence margin, or every arm past the maximum sample
 *   → no_difference;
 * - otherwise keep_running.
 */
export function decideVerdict(arms: readonly ArmOutcome[], rule: StoppingRule): VerdictResult {
  const [control, ...challengers] = arms;
  if (!control || challengers.length === 0) {
    return { verdict: 'keep_running', winnerArmId: null, reason: 'inconclusive', comparisons: [], guardrailBreached: [] };
  }
  const alpha = rule.alpha / challengers.length;
  const takeRate = (arm: ArmOutcome) => proportion(arm.takes, arm.views);
  const comparisons = challengers.map((arm) => {
    const difference = differenceInterval(takeRate(control), takeRate(arm), alpha);
    return {
      armId: arm.armId,
      difference: { estimate: difference.estimate, lower: difference.lower, upper: difference.upper },
      alwaysValidPValue: Math.min(1, (1 / difference.likelihoodRatio) * challengers.length),
    };
  });
  const guardrailBreached = arms
    .filter((arm) =>
      arms.some(
        (other) => other !== arm && differenceInterval(proportion(other.undos, other.accepts), proportion(arm.undos, arm.accepts), alpha).lower > 0,
      ),
    )
    .map((arm) => arm.armId);
  const result = (verdict: Verdict, reason: string, winnerArmId: string | null = null): VerdictResult => ({
    verdict,
    winnerArmId,
    reason,
    comparisons,
    guardrailBreached,
  });

  if (arms.some((arm) => arm.views < rule.minViewsPerArm)) return result('keep_running', 'minimum_sample');
  const better = comparisons.filter((comparison) => comparison.difference.lower > 0);
  const best = better.sort((x, y) => y.difference.estimate - x.difference.estimate)[0];
  const winnerArmId = best ? best.armId : comparisons.every((comparison) => comparison.difference.upper < 0) ? control.armId : null;
  if (winnerArmId) {
    if (guardrailBreached.includes(winnerArmId)) return result('keep_running', 'undo_guardrail');
    return result('winner', best ? 'significant' : 'control_best', winnerArmId);
  }
  const margin = rule.equivalenceMargin;
  if (comparisons.every((comparison) => comparison.difference.lower > -margin && comparison.difference.upper < margin)) {
    return result('no_difference', 'equivalent');
  }
  if (rule.maxViewsPerArm !== null && arms.every((arm) => arm.views >= (rule.maxViewsPerArm ?? 0))) {
    return result('no_difference', 'max_sample');
  }
  return result('keep_running', 'inconclusive');
}

/**
 * The normal quantile of a two-sided 95 % interval. The metrics' holdout comparison is a fixed-range
 * estimate, not a stopping rule, so it uses the ordinary interval; experiments decide on the confidence
 * sequences above.
 */
export const Z_95 = 1.959963984540054;

/** An estimated mean and the variance of that estimate (of the mean, not of one observation). */
export interface MeanEstimate {
  readonly mean: number;
  readonly variance: number;
}

/**
 * The post-stratified mean Σ wₛ·meanₛ ÷ Σ wₛ of independent strata, with its variance
 * Σ (wₛ ÷ Σ w)² · varianceₛ ÷ nₛ (the weights are taken as fixed). Null without weight or with an empty stratum.
 */
export function stratifiedMean(strata: readonly { readonly weight: number; readonly sample: Sample }[]): MeanEstimate | null {
  const total = strata.reduce((sum, stratum) => sum + stratum.weight, 0);
  if (!(total > 0) || strata.some((stratum) => stratum.sample.n === 0)) return null;
  return strata.reduce<MeanEstimate>(
    (estimate, { weight, sample }) => ({
      mean: estimate.mean + (weight / total) * sample.mean,
      variance: estimate.variance + (weight / total) ** 2 * (sample.variance / sample.n),
    }),
    { mean: 0, variance: 0 },
  );
}

/**
 * The relative lift treatment ÷ baseline − 1 of two independent means, with the delta method's interval:
 * Var ≈ Var(T) ÷ B² + T² · Var(B) ÷ B⁴, then estimate ± z·√Var. Null when the baseline mean is not
 * positive (no lift to speak of) or a variance is unknown.
 */
export function relativeLiftInterval(treatment: MeanEstimate, baseline: MeanEstimate, z = Z_95): Interval | null {
  const { mean: t } = treatment;
  const { mean: b } = baseline;
  if (!(b > 0) || !Number.isFinite(t) || !(treatment.variance >= 0) || !(baseline.variance >= 0)) return null;
  const variance = treatment.variance / b ** 2 + (t ** 2 * baseline.variance) / b ** 4;
  const estimate = t / b - 1;
  const half = z * Math.sqrt(variance);
  return { estimate, lower: estimate - half, upper: estimate + half };
}
