/**
 * The worker: capture after the window, reconciliation, order finalization, webhook delivery and the
 * promotion of experiment winners (`autoPromote`), and the folding of the analytics rollup's closed days,
 * driven only by database state. It runs inside
 * `npm start` by default and alone as `plusone worker`; any number of workers can share one database.
 */
import type { Logger } from 'pino';
import { promoteWinners } from '../engine/experiment-report';
import type { UpsellContext } from '../engine/context';
import { CAPTURE_BATCH, captureDue } from './finalizer';
import { finalizeOrders } from './orders';
import { reconcile } from './reconcile';
import { loggingObserver, type SweepName, type WorkerObserver } from '../engine/observer';
import { deliverWebhooks } from './webhooks';
import { rollupFolder } from './rollup';

export interface WorkerRound {
  captured: number;
  reconciled: number;
  finalizedOrders: number;
  webhooks: number;
  promotedExperiments: number;
  /** Shop-days of the analytics rollup folded (worker/rollup). */
  foldedDays: number;
}

export interface Worker {
  /** One pass over every job (tests call this with an injected clock). */
  runOnce(): Promise<WorkerRound>;
  start(): void;
  /** Finishes the pass in progress, then stops. */
  stop(): Promise<void>;
}

/** How often one worker recomputes an autoPromote experiment's statistics. */
const PROMOTION_CHECK_MS = 60_000;

/** After a full capture batch there is a backlog of closed windows: the next round starts at once. */
export function nextRoundDelay(round: Pick<WorkerRound, 'captured'>, intervalMs: number): number {
  return round.captured >= CAPTURE_BATCH ? 0 : intervalMs;
}

export interface WorkerOptions {
  intervalMs?: number;
  /** How long a buyer has for a 3-D Secure step before the worker abandons it. Default 15 min. */
  actionTimeoutMs?: number;
  logger?: Logger;
  /** Told of every row that failed and every failed capture (`/metrics`); defaults to log lines only. */
  observer?: WorkerObserver;
}

export function createWorker(ctx: UpsellContext, options: WorkerOptions = {}): Worker {
  const intervalMs = options.intervalMs ?? 1_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;

  // When each autoPromote experiment's statistics were last computed (engine clock): once a minute is plenty.
  const statisticsAt = new Map<string, number>();
  const statisticsDue = (experimentId: string) => {
    const now = ctx.clock.now().getTime();
    const last = statisticsAt.get(experimentId);
    if (last !== undefined && now - last < PROMOTION_CHECK_MS) return false;
    statisticsAt.set(experimentId, now);
    return true;
  };

  const observer = options.observer ?? loggingObserver(options.logger);
  const foldRollup = rollupFolder(ctx, observer);
  /** A sweep that throws as a whole (its claim query, say) is reported; the round goes on with the next. */
  const sweep = async (name: SweepName, run: () => Promise<number>): Promise<number> => {
    try {
      return await run();
    } catch (error) {
      observer.rowFailed(name, error, {});
      return 0;
    }
  };

  async function runOnce(): Promise<WorkerRound> {
    return {
      captured: await sweep('capture', () => captureDue(ctx, observer)),
      reconciled: await reconcile(ctx, observer, options.actionTimeoutMs === undefined ? {} : { actionTimeoutMs: options.actionTimeoutMs }),
      finalizedOrders: await sweep('finalize_orders', () => finalizeOrders(ctx, observer)),
      webhooks: await sweep('deliver_webhooks', () => deliverWebhooks(ctx, observer)),
      promotedExperiments: await sweep('promote_winners', () =>
        promoteWinners(ctx, statisticsDue, (experiment, error) => observer.rowFailed('promote_winners', error, experiment)),
      ),
      foldedDays: await sweep('fold_rollup', foldRollup),
    };
  }

  /** Rounds every `intervalMs`; after a full capture batch (a backlog of closed windows), at once. */
  function schedule(delayMs = intervalMs) {
    if (stopped) return;
    timer = setTimeout(() => {
      let nextDelay = intervalMs;
      running = runOnce()
        .then((round) => {
          nextDelay = nextRoundDelay(round, intervalMs);
          if (Object.values(round).some((count) => count > 0)) options.logger?.info(round, 'worker round');
        })
        .catch((error: unknown) => options.logger?.error({ err: error }, 'worker round failed'))
        .finally(() => {
          running = null;
          schedule(nextDelay);
        });
    }, delayMs);
  }

  return {
    runOnce,
    start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
