/**
 * Metrics (definitions in docs/analytics.md), read from the daily rollup that triggers keep in step with
 * the event log and the orders. Counts and money are summed in SQL as exact integers, per currency —
 * amounts in different currencies are never added together; rates are divided once at the end.
 */
import { GROUP_DIMENSIONS, type GroupDimension, type MetricsQuery } from '../core/analytics';
import { DomainError } from '../core/errors';
import { ratioText } from '../core/money';
import { metricsAggregates } from '../store/analytics';
import type { Db } from '../store/database';

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
}

const MAX_RANGE_DAYS = 731;
const DAY_MS = 86_400_000;

/** Parses the query string of the metrics routes; bad input is a 400 `invalid_request`. */
export function parseMetricsQuery(
  input: { from?: string; to?: string; groupBy?: string; offerId?: string; experimentId?: string },
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
    ...(input.offerId ? { offerId: input.offerId } : {}),
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

export async function computeMetrics(db: Db, shopId: string, query: MetricsQuery): Promise<MetricsRow[]> {
  const aggregates = await metricsAggregates(db, shopId, query);
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

const CSV_COLUMNS: readonly (keyof MetricsRow)[] = [
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

/** RFC 4180 CSV, one line per row; the dimensions not grouped by are left out. */
export function metricsCsv(rows: readonly MetricsRow[], groupBy: readonly GroupDimension[]): string {
  const columns = CSV_COLUMNS.filter((column) => {
    if (column === 'day') return groupBy.includes('day');
    if (column === 'offerId') return groupBy.includes('offer');
    if (column === 'experimentId' || column === 'armId') return groupBy.includes('arm');
    return true;
  });
  const cell = (value: MetricsRow[keyof MetricsRow]) => {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    // Quote when needed; a leading =, +, - or @ is prefixed so spreadsheets never run it as a formula.
    const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\r\n') + '\r\n';
}
