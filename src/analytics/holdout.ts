/**
 * The metrics' comparison with the holdout (docs/analytics.md, "Against the holdout"): over a range of
 * days, the average order value of the orders the shop's experiments held out (shown no offer) and of the
 * orders they exposed (assigned to an arm), upsell money kept included, the lift of one over the other
 * and its 95 % interval. Pure code, no I/O.
 *
 * Each experiment is a stratum: its orders were split at random, so its held-out and exposed orders are
 * alike but for the offer. Experiments are not alike (another offer, another kind of order, another
 * holdout share), so the groups are compared within each experiment and the experiments are combined
 * with weights, never pooled: pooling would let an experiment that holds out more of its smaller orders
 * pass for a lift.
 */
import { divideRoundHalfAwayFromZero } from '../core/money';
import { relativeLiftInterval, stratifiedMean, type Sample } from './stats';

/** The rollup's exact sums for one group of orders (held out or exposed) of one experiment. */
export interface OrderGroupSums {
  readonly orders: bigint;
  /** Σ checkout totals, in minor units. */
  readonly checkoutTotal: bigint;
  /** Σ checkout total². */
  readonly checkoutSquares: bigint;
  /** Upsell money kept: captured − refunded (reversed captures already taken out), in minor units. */
  readonly kept: bigint;
  /** Σ per upsell of captured² − refunded² (an order has at most one upsell: Σ of each order's kept money²). */
  readonly keptSquares: bigint;
}

/** One experiment with a holdout, over the range. */
export interface ExperimentGroups {
  readonly heldOut: OrderGroupSums;
  readonly exposed: OrderGroupSums;
}

export interface HoldoutComparison {
  /** Orders held out (shown no offer) in the range. */
  heldOutOrders: number;
  /** Orders assigned to an arm (shown the experiment's offers) in the range. */
  exposedOrders: number;
  /** Average order value of the held-out orders, integer minor units (weighted per experiment). */
  heldOutAov: number | null;
  /** Average order value of the exposed orders, upsell money kept included, integer minor units. */
  exposedAov: number | null;
  /** exposedAov ÷ heldOutAov − 1. */
  aovLift: number | null;
  /** The 95 % interval of aovLift (delta method); null below 2 orders in a group. */
  aovLiftLower: number | null;
  aovLiftUpper: number | null;
}

export const NO_ORDERS: OrderGroupSums = { orders: 0n, checkoutTotal: 0n, checkoutSquares: 0n, kept: 0n, keptSquares: 0n };

/** Adds two groups' sums (the same group of one experiment read from several rollup rows). */
export function addGroups(a: OrderGroupSums, b: OrderGroupSums): OrderGroupSums {
  return {
    orders: a.orders + b.orders,
    checkoutTotal: a.checkoutTotal + b.checkoutTotal,
    checkoutSquares: a.checkoutSquares + b.checkoutSquares,
    kept: a.kept + b.kept,
    keptSquares: a.keptSquares + b.keptSquares,
  };
}

/** The sample variance from n, Σx and Σx², exact up to one division: (n·Σx² − (Σx)²) ÷ (n·(n − 1)). NaN below 2. */
export function sampleVariance(n: bigint, sum: bigint, squares: bigint): number {
  if (n < 2n) return Number.NaN;
  const centered = n * squares - sum * sum;
  // Amounts counted on the day they happened (a refund of an older order) can make it negative: no spread.
  return centered <= 0n ? 0 : Number(centered) / Number(n * (n - 1n));
}

/**
 * One group's order values (checkout total + upsell money kept) as a sample. The rollup has the spread of
 * each part, not how they move together, so the variance is the Cauchy–Schwarz bound (σ₁ + σ₂)²: never
 * below the true one, so the interval is never too narrow. For held-out orders (no upsell money) it is exact.
 */
export function orderValueSample(group: OrderGroupSums): Sample {
  const n = Number(group.orders);
  const mean = n === 0 ? 0 : Number(group.checkoutTotal + group.kept) / n;
  const checkout = sampleVariance(group.orders, group.checkoutTotal, group.checkoutSquares);
  const kept = sampleVariance(group.orders, group.kept, group.keptSquares);
  return { mean, variance: checkout + kept + 2 * Math.sqrt(checkout * kept), n };
}

type Side = 'heldOut' | 'exposed';

/**
 * Σ wₑ·(order value sum ÷ orders)ₑ ÷ Σ wₑ in exact fractions, rounded half away from zero to the minor
 * unit: the average order value never passes through a float.
 */
function weightedAverage(experiments: readonly ExperimentGroups[], side: Side, weight: (experiment: ExperimentGroups) => bigint): number {
  let numerator = 0n;
  let denominator = 1n;
  let weights = 0n;
  for (const experiment of experiments) {
    const group = experiment[side];
    const w = weight(experiment);
    numerator = numerator * group.orders + w * (group.checkoutTotal + group.kept) * denominator;
    denominator *= group.orders;
    const common = gcd(numerator, denominator);
    numerator /= common;
    denominator /= common;
    weights += w;
  }
  return Number(divideRoundHalfAwayFromZero(numerator, denominator * weights));
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

const round = (value: number) => Number(value.toFixed(6));
const ordersOf = (experiment: ExperimentGroups) => experiment.heldOut.orders + experiment.exposed.orders;

/**
 * The comparison over the experiments with a holdout; null when none held an order out. The averages
 * weigh each experiment that had both held-out and exposed orders by its orders in the range; when none
 * had both, each is the plain average of its group and there is no lift.
 */
export function compareWithHoldout(experiments: readonly ExperimentGroups[]): HoldoutComparison | null {
  const count = (side: Side) => experiments.reduce((total, experiment) => total + experiment[side].orders, 0n);
  const heldOutOrders = count('heldOut');
  if (heldOutOrders === 0n) return null;
  const exposedOrders = count('exposed');
  const comparable = experiments.filter((experiment) => experiment.heldOut.orders > 0n && experiment.exposed.orders > 0n);
  const base = { heldOutOrders: Number(heldOutOrders), exposedOrders: Number(exposedOrders) };
  const none = { aovLift: null, aovLiftLower: null, aovLiftUpper: null };
  if (comparable.length === 0) {
    const plain = (side: Side) => {
      const groups = experiments.filter((experiment) => experiment[side].orders > 0n);
      return groups.length === 0 ? null : weightedAverage(groups, side, (experiment) => experiment[side].orders);
    };
    return { ...base, heldOutAov: plain('heldOut'), exposedAov: plain('exposed'), ...none };
  }
  const heldOutAov = weightedAverage(comparable, 'heldOut', ordersOf);
  const exposedAov = weightedAverage(comparable, 'exposed', ordersOf);
  const estimate = (side: Side) =>
    stratifiedMean(comparable.map((experiment) => ({ weight: Number(ordersOf(experiment)), sample: orderValueSample(experiment[side]) })));
  const heldOut = estimate('heldOut');
  const exposed = estimate('exposed');
  if (!heldOut || !exposed || !(heldOut.mean > 0)) return { ...base, heldOutAov, exposedAov, ...none };
  const interval = relativeLiftInterval(exposed, heldOut);
  return {
    ...base,
    heldOutAov,
    exposedAov,
    aovLift: round(exposed.mean / heldOut.mean - 1),
    aovLiftLower: interval ? round(interval.lower) : null,
    aovLiftUpper: interval ? round(interval.upper) : null,
  };
}
