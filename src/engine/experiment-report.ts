/**
 * The statistics of one experiment, from its events and its orders: per arm take rate and revenue per
 * view with always-valid intervals, the comparisons with the control (the first arm), the verdict, and —
 * with a holdout — the incremental revenue per order measured against orders that saw nothing.
 */
import { DomainError } from '../core/errors';
import type { EngineContext } from './context';
import { experimentArmRollup, type ArmCurrencyRow } from '../store/analytics';
import type { Db } from '../store/database';
import { autoPromotingExperiments, type ExperimentRow } from '../store/experiments';
import {
  decideVerdict,
  differenceInterval,
  meanInterval,
  proportionInterval,
  revenueSample,
  type Comparison,
  type Interval,
  type Verdict,
} from '../analytics/stats';
import { HOLDOUT_ARM_ID } from '../core/experiments';
import { experimentView, findExperiment, promoteArm, type ExperimentView } from './experiments';

export interface ArmRevenue {
  currency: string;
  netRevenue: number;
  revenuePerView: Interval;
}

export interface ArmStatistics {
  armId: string;
  name: string;
  orders: number;
  views: number;
  accepts: number;
  undos: number;
  declines: number;
  takeRate: Interval;
  undoRate: Interval;
  revenue: ArmRevenue[];
  guardrailBreached: boolean;
}

export interface IncrementalRevenue {
  currency: string;
  treatmentOrders: number;
  holdoutOrders: number;
  /** Net upsell revenue per order of the arms minus that of the holdout (minor units). */
  incrementalRevenuePerOrder: Interval;
  /** Average order value (checkout total + net upsell revenue) of the arms ÷ that of the holdout − 1. */
  aovLift: number | null;
}

export interface ExperimentStatistics {
  verdict: Verdict;
  winnerArmId: string | null;
  reason: string;
  alpha: number;
  controlArmId: string;
  arms: ArmStatistics[];
  comparisons: Comparison[];
  holdout: { orders: number; incremental: IncrementalRevenue[] } | null;
}

const num = (text: string | undefined) => Number(text ?? 0);

export async function experimentStatistics(db: Db, experiment: ExperimentRow): Promise<ExperimentStatistics> {
  const { settings } = experiment;
  const rollup = await experimentArmRollup(db, experiment.shop_id, experiment.id);
  const alpha = settings.alpha;
  const arms = experiment.arms.map((arm) => {
    const rows = rollup.filter((row) => row.arm_id === arm.id);
    const sum = (field: 'views' | 'accepts' | 'undos' | 'declines') => rows.reduce((total, row) => total + num(row[field]), 0);
    const views = sum('views');
    const accepts = sum('accepts');
    const undos = sum('undos');
    return {
      armId: arm.id,
      name: arm.name,
      orders: rows.reduce((total, row) => total + num(row.orders), 0),
      views,
      accepts,
      undos,
      declines: sum('declines'),
      takeRate: proportionInterval(accepts - undos, views, alpha),
      undoRate: proportionInterval(undos, accepts, alpha),
      // Revenue per view: each view brought its upsell's net captured amount, or 0.
      revenue: rows
        .filter((row) => num(row.views) > 0 || num(row.captured) > 0)
        .map((row) => {
          const net = Number(BigInt(row.captured) - BigInt(row.refunded));
          const interval = meanInterval(revenueSample(num(row.views), net, num(row.revenue_squares)), alpha);
          return { currency: row.currency.trim(), netRevenue: net, revenuePerView: { ...interval, lower: Math.max(0, interval.lower) } };
        }),
      guardrailBreached: false,
    };
  });
  const verdict = decideVerdict(
    arms.map((arm) => ({ armId: arm.armId, views: arm.views, takes: arm.accepts - arm.undos, accepts: arm.accepts, undos: arm.undos })),
    settings,
  );
  for (const arm of arms) arm.guardrailBreached = verdict.guardrailBreached.includes(arm.armId);
  return {
    verdict: verdict.verdict,
    winnerArmId: verdict.winnerArmId,
    reason: verdict.reason,
    alpha,
    controlArmId: experiment.arms[0]?.id ?? '',
    arms,
    comparisons: [...verdict.comparisons],
    holdout: experiment.holdout_basis_points > 0 ? holdoutComparison(rollup, alpha) : null,
  };
}

function holdoutComparison(rollup: readonly ArmCurrencyRow[], alpha: number) {
  const currencies = [...new Set(rollup.filter((row) => num(row.orders) > 0).map((row) => row.currency))];
  const incremental = currencies.map((currency): IncrementalRevenue => {
    const inCurrency = (rows: readonly ArmCurrencyRow[], holdout: boolean) =>
      rows.filter((row) => row.currency === currency && (row.arm_id === HOLDOUT_ARM_ID) === holdout);
    const treatmentOrders = inCurrency(rollup, false).reduce((total, row) => total + num(row.orders), 0);
    const holdoutOrders = inCurrency(rollup, true).reduce((total, row) => total + num(row.orders), 0);
    const treatmentEvents = inCurrency(rollup, false);
    const net = treatmentEvents.reduce((total, row) => total + Number(BigInt(row.captured) - BigInt(row.refunded)), 0);
    const squares = treatmentEvents.reduce((total, row) => total + num(row.revenue_squares), 0);
    // Holdout orders were shown nothing, so their upsell revenue is 0 by construction.
    const difference = differenceInterval({ mean: 0, variance: 0, n: holdoutOrders }, revenueSample(treatmentOrders, net, squares), alpha);
    const checkout = (holdout: boolean) => inCurrency(rollup, holdout).reduce((total, row) => total + Number(BigInt(row.checkout_total)), 0);
    const treatmentAov = treatmentOrders === 0 ? null : (checkout(false) + net) / treatmentOrders;
    const holdoutAov = holdoutOrders === 0 ? null : checkout(true) / holdoutOrders;
    return {
      currency: currency.trim(),
      treatmentOrders,
      holdoutOrders,
      incrementalRevenuePerOrder: { estimate: difference.estimate, lower: difference.lower, upper: difference.upper },
      aovLift: treatmentAov === null || !holdoutAov ? null : Number((treatmentAov / holdoutAov - 1).toFixed(6)),
    };
  });
  return { orders: rollup.filter((row) => row.arm_id === HOLDOUT_ARM_ID).reduce((total, row) => total + num(row.orders), 0), incremental };
}

/** `GET /v1/experiments/{id}`: the experiment and its statistics; promotes the winner when asked to. */
export async function experimentReport(
  ctx: EngineContext,
  shopId: string,
  experimentId: string,
): Promise<{ experiment: ExperimentView; statistics: ExperimentStatistics }> {
  const row = await findExperiment(ctx.db, shopId, experimentId);
  const statistics = await experimentStatistics(ctx.db, row);
  if (row.status === 'running' && row.settings.autoPromote && statistics.verdict === 'winner' && statistics.winnerArmId) {
    return { experiment: await promoteArm(ctx, shopId, experimentId, statistics.winnerArmId), statistics };
  }
  return { experiment: experimentView(row), statistics };
}

/**
 * The worker's part of `autoPromote`: every running experiment that asks for it and has a winner is
 * promoted, so the winner takes over even when nobody opens the report. `due` spaces out the statistics
 * of each experiment (the worker asks at most once a minute). Several workers may race: the promotion is
 * guarded by the experiment's status, and the loser sees `experiment_not_running`.
 */
/**
 * Promotes the winner of every due autoPromote experiment. An experiment whose statistics or promotion
 * throws is handed to `onError` and the others go on (it is due again at the next check).
 */
export async function promoteWinners(
  ctx: EngineContext,
  due: (experimentId: string) => boolean = () => true,
  onError: (experiment: { shopId: string; id: string }, error: unknown) => void = (_experiment, error) => {
    throw error;
  },
): Promise<number> {
  const rows = await autoPromotingExperiments(ctx.db);
  let promoted = 0;
  for (const row of rows) {
    if (!due(row.id)) continue;
    try {
      const statistics = await experimentStatistics(ctx.db, row);
      if (statistics.verdict !== 'winner' || !statistics.winnerArmId) continue;
      await promoteArm(ctx, row.shop_id, row.id, statistics.winnerArmId);
      promoted += 1;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'experiment_not_running')) onError({ shopId: row.shop_id, id: row.id }, error);
    }
  }
  return promoted;
}
