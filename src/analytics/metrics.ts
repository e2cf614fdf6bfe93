/**
 * Metrics (definitions in docs/analytics.md), read from the daily rollup that triggers keep in step with
 * the event log and the orders. Counts and money are summed in SQL as exact integers, per currency —
 * amounts in different currencies are never added together; rates are divided once at the end. Each row
 * also compares, over the same rollup rows, the orders the experiments held out with those they exposed.
 */
import { GROUP_DIMENSIONS, type GroupDimension, type MetricsQuery } from '../core/analytics';
import { DomainError } from '../core/errors';
import { ratioText } from '../core/money';
import { holdoutAggregates, metricsAggregates, type HoldoutAggregate } from '../store/analytics';
import type { Db } from '../store/database';
import { addGroups, compareWithHoldout, NO_ORDERS, type ExperimentGroups, type HoldoutComparison, type OrderGroupSums } from './holdout';

export { GROUP_DIMENSIONS, type GroupDimension, type MetricsQuery } from '../core/analytics';

export interface Counters {
  views: number;
  accepts: number;
  declines: number;
  undos: number;
  captures: number;
  captureFailures: number;
  refunds: number;
  paymentDeclines: number;
  acceptedAmount: number;
  capturedAmount: number;
  refundedAmount: number;
  orders: number;
  checkoutTotal: number;
}

export interface MetricsRow extends Counters {
  day?: string;
  offerId?: string | null;
  experimentId?: string | null;
  armId?: string | null;
  currency: string;
  /** (accepts − undos) ÷ views. */
  takeRate: number | null;
  /** undos ÷ accepts. */
  undoRate: number | null;
  /** capturedAmount − refundedAmount (minor units). */
  netRevenue: number;
  /** netRevenue ÷ views, in minor units as exact decimal text (4 decimals at most, e.g. "486.75"). */
  revenuePerView: string | null;
  /** views ÷ orders. */
  offerShare: number | null;
  /** capturedAmount ÷ captures, in minor units as exact decimal text (2 decimals at most). */
  averageUpsellValue: string | null;
  /** netRevenue ÷ checkoutTotal: how much upsells added to the average order value (not measured against a holdout). */
  aovLift: number | null;
  /** The row's held-out orders against its exposed ones, over the experiments with a holdout; null when none was held out. */
  holdout: HoldoutComparison | null;
}

const MAX_RANGE_DAYS = 731;
const DAY_MS = 86_400_000;

/** Parses the query string of the metrics routes; bad input is a 400 `invalid_request`. */
export function parseMetricsQuery(
  input: { from?: string; to?: string; groupBy?: string; offerId?: string | readonly string[]; experimentId?: string },
  now: Date,
): MetricsQuery {
  // Default: the 30 UTC days up to and including today.
  const to = input.to === undefined ? Math.floor(now.getTime() / DAY_MS) * DAY_MS : parseDay(input.to, 'to');
  const from = input.from === undefined ? to - 29 * DAY_MS : parseDay(input.from, 'from');
  if (from > to) throw new DomainError('invalid_request', 'from is after to');
  if ((to - from) / DAY_MS >= MAX_RANGE_DAYS) throw new DomainError('invalid_request', `The range is at most ${MAX_RANGE_DAYS} days`);
  const groupBy = (input.groupBy ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const unknown = groupBy.find((part) => !(GROUP_DIMENSIONS as readonly string[]).includes(part));
  if (unknown) throw new DomainError('invalid_request', `groupBy takes ${GROUP_DIMENSIONS.join(', ')} (comma-separated), not ${unknown}`);
  return {
    from: dayText(from),
    to: dayText(to),
    groupBy: GROUP_DIMENSIONS.filter((dimension) => groupBy.includes(dimension)),
    ...(input.offerId ? { offerIds: typeof input.offerId === 'string' ? [input.offerId] : [...new Set(input.offerId)] } : {}),
    ...(input.experimentId ? { experimentId: input.experimentId } : {}),
  };
}

/** Days Plusone reads: from the Unix epoch on (no event is older; PostgreSQL has no year 0). */
const FIRST_DAY = '1970-01-01';

function parseDay(text: string, name: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time) || dayText(time) !== text) throw new DomainError('invalid_request', `${name} is a UTC day, e.g. 2026-11-01`);
  if (text < FIRST_DAY) throw new DomainError('invalid_request', `${name} is before ${FIRST_DAY}`);
  return time;
}

const dayText = (time: number) => new Date(time).toISOString().slice(0, 10);

/** An exact integer sum as a JS number (exact below 2^53: 90 trillion dollars in cents). */
const integer = (text: string) => {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Number(BigInt(text));
};
const noneAsNull = (key: string | undefined) => (key === undefined || key === '' ? null : key);

/** The key of a row or of a holdout aggregate: its grouped dimensions and its currency. */
function rowKey(aggregate: { day?: string; offer_id?: string; experiment_id?: string; arm_id?: string; currency: string }): string {
  return JSON.stringify([aggregate.day, aggregate.offer_id, aggregate.experiment_id, aggregate.arm_id, aggregate.currency]);
}

function groupSums(aggregate: HoldoutAggregate): OrderGroupSums {
  return {
    orders: BigInt(aggregate.orders),
    checkoutTotal: BigInt(aggregate.checkout_total),
    checkoutSquares: BigInt(aggregate.checkout_squares),
    kept: BigInt(aggregate.kept),
    keptSquares: BigInt(aggregate.kept_squares),
  };
}

/** The holdout comparison of each row key, from the held-out and exposed sums of each experiment under it. */
function holdoutByRow(aggregates: readonly HoldoutAggregate[]): Map<string, HoldoutComparison | null> {
  const experimentsByRow = new Map<string, Map<string, ExperimentGroups>>();
  for (const aggregate of aggregates) {
    const key = rowKey(aggregate);
    const experiments = experimentsByRow.get(key) ?? new Map<string, ExperimentGroups>();
    const groups = experiments.get(aggregate.stratum) ?? { heldOut: NO_ORDERS, exposed: NO_ORDERS };
    const side = aggregate.held_out ? 'heldOut' : 'exposed';
    experiments.set(aggregate.stratum, { ...groups, [side]: addGroups(groups[side], groupSums(aggregate)) });
    experimentsByRow.set(key, experiments);
  }
  return new Map([...experimentsByRow].map(([key, experiments]) => [key, compareWithHoldout([...experiments.values()])]));
}

export async function computeMetrics(db: Db, shopId: string, query: MetricsQuery): Promise<MetricsRow[]> {
  const [aggregates, holdouts] = await Promise.all([metricsAggregates(db, shopId, query), holdoutAggregates(db, shopId, query)]);
  const holdout = holdoutByRow(holdouts);
  return aggregates.map((aggregate) =>
    withRates({
      ...(query.groupBy.includes('day') ? { day: aggregate.day ?? '' } : {}),
      ...(query.groupBy.includes('offer') ? { offerId: noneAsNull(aggregate.offer_id) } : {}),
      ...(query.groupBy.includes('arm') ? { experimentId: noneAsNull(aggregate.experiment_id), armId: noneAsNull(aggregate.arm_id) } : {}),
      currency: aggregate.currency.trim(),
      orders: integer(aggregate.orders),
      checkoutTotal: integer(aggregate.checkout_total),
      views: integer(aggregate.views),
      accepts: integer(aggregate.accepts),
      declines: integer(aggregate.declines),
      undos: integer(aggregate.undos),
      captures: integer(aggregate.captures),
      captureFailures: integer(aggregate.capture_failures),
      refunds: integer(aggregate.refunds),
      paymentDeclines: integer(aggregate.payment_declines),
      acceptedAmount: integer(aggregate.accepted_amount),
      capturedAmount: integer(aggregate.captured_amount),
      refundedAmount: integer(aggregate.refunded_amount),
      takeRate: null,
      undoRate: null,
      netRevenue: 0,
      revenuePerView: null,
      offerShare: null,
      averageUpsellValue: null,
      aovLift: null,
      holdout: holdout.get(rowKey(aggregate)) ?? null,
    }),
  );
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const ratio = (numerator: number, denominator: number, digits: number) => (denominator === 0 ? null : round(numerator / denominator, digits));

/** Derives every rate of a row from its integer counters (the definitions of docs/analytics.md). */
export function withRates(row: MetricsRow): MetricsRow {
  const netRevenue = row.capturedAmount - row.refundedAmount;
  return {
    ...row,
    takeRate: ratio(row.accepts - row.undos, row.views, 6),
    undoRate: ratio(row.undos, row.accepts, 6),
    netRevenue,
    revenuePerView: ratioText(netRevenue, row.views, 4),
    offerShare: ratio(row.views, row.orders, 6),
    averageUpsellValue: ratioText(row.capturedAmount, row.captures, 2),
    aovLift: ratio(netRevenue, row.checkoutTotal, 6),
  };
}

const CSV_COLUMNS: readonly Exclude<keyof MetricsRow, 'holdout'>[] = [
  'day',
  'offerId',
  'experimentId',
  'armId',
  'currency',
  'orders',
  'views',
  'accepts',
  'declines',
  'undos',
  'captures',
  'captureFailures',
  'refunds',
  'paymentDeclines',
  'acceptedAmount',
  'capturedAmount',
  'refundedAmount',
  'netRevenue',
  'checkoutTotal',
  'takeRate',
  'undoRate',
  'revenuePerView',
  'offerShare',
  'averageUpsellValue',
  'aovLift',
];

/** The holdout comparison's columns and their fields, after the others (a client reading columns by position keeps working). */
const HOLDOUT_CSV_COLUMNS: readonly (readonly [header: string, field: keyof HoldoutComparison])[] = [
  ['holdoutHeldOutOrders', 'heldOutOrders'],
  ['holdoutExposedOrders', 'exposedOrders'],
  ['holdoutHeldOutAov', 'heldOutAov'],
  ['holdoutExposedAov', 'exposedAov'],
  ['holdoutAovLift', 'aovLift'],
  ['holdoutAovLiftLower', 'aovLiftLower'],
  ['holdoutAovLiftUpper', 'aovLiftUpper'],
];

type CsvValue = string | number | null | undefined;

/** A CSV cell: quoted when needed; a text starting with =, +, - or @ is prefixed so spreadsheets never run it as a formula. */
function cell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** RFC 4180 CSV, one line per row; the dimensions not grouped by are left out; the holdout's columns come last (empty without one). */
export function metricsCsv(rows: readonly MetricsRow[], groupBy: readonly GroupDimension[]): string {
  const columns = CSV_COLUMNS.filter((column) => {
    if (column === 'day') return groupBy.includes('day');
    if (column === 'offerId') return groupBy.includes('offer');
    if (column === 'experimentId' || column === 'armId') return groupBy.includes('arm');
    return true;
  });
  const header = [...columns, ...HOLDOUT_CSV_COLUMNS.map(([name]) => name)];
  const line = (row: MetricsRow) =>
    [...columns.map((column) => cell(row[column])), ...HOLDOUT_CSV_COLUMNS.map(([, field]) => cell(row.holdout ? row.holdout[field] : null))].join(
      ',',
    );
  return [header.join(','), ...rows.map(line)].join('\r\n') + '\r\n';
}
