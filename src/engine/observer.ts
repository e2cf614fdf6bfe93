/**
 * What the worker tells the outside about trouble, as a small port: `/metrics` counts it (see
 * `http/metrics.ts`), the logger records it. Passed into `createWorker`, so there is no module-level state
 * and a test can read it back.
 *
 * `isolate` is the one rule every sweep follows: each row's work runs alone; a row that throws is logged
 * (ids and the error's name only, never request data), counted under its sweep's name, backed off on its
 * own row by the sweep, and never stops the other rows, the other shops or the other sweeps of the round.
 */
/** Where the observer writes (a pino or Fastify logger). */
export interface LogSink {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const SWEEPS = [
  'capture',
  'reconcile_pending',
  'reconcile_action',
  'reconcile_undo',
  'release_hold',
  'finalize_orders',
  'deliver_webhooks',
  'promote_winners',
  'fold_rollup',
  'psp_notification',
] as const;

export type SweepName = (typeof SWEEPS)[number];

/** The ids that name a row in a log line (never its content). */
export interface RowIds {
  readonly shopId?: string;
  readonly id?: string;
}

export interface WorkerObserver {
  /** A row of `sweep` (or the sweep itself, without ids) threw; it is backed off and retried. */
  rowFailed(sweep: SweepName, error: unknown, ids: RowIds): void;
  /** A capture after the window was refused by the PSP: the line is out of the order, the buyer was told. */
  captureFailed(ids: RowIds & { reason: string }): void;
}

/** The observer of a worker without `/metrics` (e.g. `plusone worker`): log lines only. */
export function loggingObserver(logger: LogSink | undefined, counters?: Pick<WorkerObserver, 'rowFailed' | 'captureFailed'>): WorkerObserver {
  return {
    rowFailed(sweep, error, ids) {
      logger?.error({ sweep, shopId: ids.shopId, id: ids.id, error: errorName(error) }, 'worker row failed; backed off and retried');
      counters?.rowFailed(sweep, error, ids);
    },
    captureFailed(ids) {
      logger?.warn({ shopId: ids.shopId, upsellId: ids.id, reason: ids.reason }, 'capture failed after the undo window');
      counters?.captureFailed(ids);
    },
  };
}

export const silentObserver: WorkerObserver = loggingObserver(undefined);

/**
 * What a log line says about an error: its class, and its message unless it is a database error (whose
 * message can quote the values of the row).
 */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `${error.name} (SQLSTATE ${code})`;
  return `${error.name}: ${error.message}`.slice(0, 300);
}

export interface RowWork<T> {
  /** The ids for the log line. */
  readonly ids: (row: T) => RowIds;
  readonly work: (row: T) => Promise<void>;
  /** Pushes the failed row's next attempt back (stored on the row). */
  readonly backOff: (row: T) => Promise<void>;
}

/**
 * Runs the work for each row, one after another; a row that throws is reported and backed off (a
 * backoff that fails is reported too: the row then simply comes back after its lease). Returns how many
 * rows succeeded.
 */
export async function isolate<T>(observer: WorkerObserver, sweep: SweepName, rows: readonly T[], row: RowWork<T>): Promise<number> {
  let done = 0;
  for (const item of rows) {
    if (await isolateOne(observer, sweep, item, row)) done += 1;
  }
  return done;
}

export async function isolateOne<T>(observer: WorkerObserver, sweep: SweepName, item: T, row: RowWork<T>): Promise<boolean> {
  try {
    await row.work(item);
    return true;
  } catch (error) {
    observer.rowFailed(sweep, error, row.ids(item));
    await row.backOff(item).catch((backOffError: unknown) => observer.rowFailed(sweep, backOffError, row.ids(item)));
    return false;
  }
}

/** Per-row backoff after a failure: 30 s, 1 min, 2 min … at most 1 h, growing with the row's attempts. */
export function failureBackoffMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.min(20, Math.max(0, attempts - 1)));
}
