/**
 * Overview: the metrics API's numbers for a range of UTC days, per currency (amounts are never added
 * across currencies), the AOV lift measured against the experiments' holdout with its interval, the CSV
 * of the same numbers and one bar chart of net upsell revenue per day.
 */
import { escapeHtml } from '../../../core/html';
import type { MetricsRowView } from '../api';
import { barChartSvg } from '../chart';
import { count, day, money, moneyFromMinorText, percent } from '../format';
import { alertBox, tableRegion, type AdminPage } from '../layout';

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

export interface OverviewData {
  readonly range: DayRange;
  /** The metrics per currency, or the reason there are none. */
  readonly totals: readonly MetricsRowView[] | null;
  readonly daily: readonly MetricsRowView[];
  readonly problem: string | null;
}

interface MetricLine {
  readonly label: string;
  /** The cell's text; several lines for a long one, so a narrow screen keeps every currency's column in view. */
  readonly value: (row: MetricsRowView) => string | readonly string[];
}

const METRICS: readonly MetricLine[] = [
  { label: 'Orders', value: (row) => count(row.orders) },
  { label: 'Offer views', value: (row) => count(row.views) },
  { label: 'Accepts', value: (row) => count(row.accepts) },
  { label: 'Undos', value: (row) => count(row.undos) },
  { label: 'Take rate (kept ÷ views)', value: (row) => percent(row.takeRate) },
  { label: 'Captured upsells', value: (row) => count(row.captures) },
  { label: 'Failed captures', value: (row) => count(row.captureFailures) },
  { label: 'Refunds', value: (row) => count(row.refunds) },
  { label: 'Net upsell revenue', value: (row) => money(row.netRevenue, row.currency) },
  { label: 'Revenue per view', value: (row) => moneyFromMinorText(row.revenuePerView, row.currency) },
  { label: 'AOV lift, assumed (every upsell counted as extra)', value: (row) => percent(row.aovLift) },
];

type Holdout = NonNullable<MetricsRowView['holdout']>;

const liftFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

/** A lift as "+4.1 %" or "−0.8 %": a real minus sign, and a no-break space so the number and its % never wrap apart. */
function signedPercent(share: number): string {
  return liftFormat.format(share).replace('-', '\u2212').replace('%', '\u00a0%');
}

/** "+4.1 % (95 % interval −0.8 % to +9.0 %)" in three lines, or what is missing for it. */
export function liftText(holdout: Holdout): readonly string[] {
  if (holdout.aovLift === null) return holdout.exposedOrders === 0 ? ['No orders shown', 'offers yet'] : ['—'];
  const lift = signedPercent(holdout.aovLift);
  if (holdout.aovLiftLower === null || holdout.aovLiftUpper === null) return [lift, '(too few orders', 'for an interval)'];
  return [lift, '(95\u00a0% interval', `${signedPercent(holdout.aovLiftLower)} to ${signedPercent(holdout.aovLiftUpper)})`];
}

function averageOrderValue(row: MetricsRowView, group: 'heldOutAov' | 'exposedAov'): string {
  const amount = row.holdout?.[group] ?? null;
  return amount === null ? '—' : money(amount, row.currency);
}

/** The rows measured against the holdout; a currency without held-out orders shows "—" and says so. */
const HOLDOUT_METRICS: readonly MetricLine[] = [
  { label: 'Held-out orders', value: (row) => (row.holdout ? count(row.holdout.heldOutOrders) : '—') },
  { label: 'AOV, held out', value: (row) => averageOrderValue(row, 'heldOutAov') },
  { label: 'AOV, shown offers', value: (row) => averageOrderValue(row, 'exposedAov') },
  { label: 'AOV lift against the holdout', value: (row) => (row.holdout ? liftText(row.holdout) : 'No orders held out') },
];

function rangeForm(range: DayRange): string {
  const field = (name: string, label: string, value: string) =>
    `<div class="field"><label for="range-${name}">${label}</label>` +
    `<input id="range-${name}" name="${name}" type="date" value="${escapeHtml(value)}" required></div>`;
  return (
    `<form class="inline-form" method="get" action="/admin/overview" aria-label="Date range">` +
    field('from', 'From', range.from) +
    field('to', 'To', range.to) +
    `<button type="submit" class="button">Show</button></form>`
  );
}

function totalsTable(rows: readonly MetricsRowView[], range: DayRange): string {
  const head = rows.map((row) => `<th scope="col" class="num">${escapeHtml(row.currency)}</th>`).join('');
  const metrics = rows.some((row) => row.holdout) ? [...METRICS, ...HOLDOUT_METRICS] : METRICS;
  const body = metrics
    .map(
      (metric) =>
        `<tr><th scope="row">${escapeHtml(metric.label)}</th>` +
        rows.map((row) => `<td class="num">${[metric.value(row)].flat().map(escapeHtml).join(' <br>')}</td>`).join('') +
        `</tr>`,
    )
    .join('');
  const caption = `Totals per currency, ${day(range.from)} to ${day(range.to)}`;
  return tableRegion(
    'Totals per currency',
    `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th scope="col">Metric</th>${head}</tr></thead><tbody>${body}</tbody></table>`,
  );
}

/** Every UTC day of the range, in order (at most the API's 731). */
function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (let at = Date.parse(`${range.from}T00:00:00Z`); at <= end && days.length < 731; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/** The currency the chart shows: the one with the most views (then the most orders). */
function chartCurrency(totals: readonly MetricsRowView[]): string | null {
  const sorted = [...totals].sort((a, b) => b.views - a.views || b.orders - a.orders);
  return sorted[0]?.currency ?? null;
}

function revenueChart(data: OverviewData, currency: string): string {
  const byDay = new Map(data.daily.filter((row) => row.currency === currency && row.day).map((row) => [row.day ?? '', row]));
  const bars = daysOf(data.range).map((isoDay) => {
    const value = byDay.get(isoDay)?.netRevenue ?? 0;
    return { label: day(isoDay), value, text: money(value, currency) };
  });
  const total = bars.reduce((sum, bar) => sum + bar.value, 0);
  const best = bars.reduce<(typeof bars)[number] | null>((top, bar) => (bar.value > (top?.value ?? 0) ? bar : top), null);
  const summary = best
    ? `${money(total, currency)} in total; the best day was ${best.label} with ${best.text}.`
    : 'No net upsell revenue in this range.';
  const title = `Net upsell revenue per day in ${currency}`;
  const values = bars.map((bar) => bar.value);
  const svg = barChartSvg({
    id: 'revenue-chart',
    title,
    description: `Bar chart, ${day(data.range.from)} to ${day(data.range.to)}: ${summary} The table below lists the numbers of each day with activity.`,
    bars,
    maxText: money(Math.max(0, ...values), currency),
    minText: money(Math.min(0, ...values), currency),
  });
  return (
    `<h2 id="chart-heading">${escapeHtml(title)}</h2><figure class="figure">${svg}<figcaption class="note">${escapeHtml(summary)}</figcaption></figure>` +
    dailyTable(byDay, currency)
  );
}

function dailyTable(byDay: ReadonlyMap<string, MetricsRowView>, currency: string): string {
  const active = [...byDay.entries()].filter(([, row]) => row.views > 0 || row.accepts > 0 || row.netRevenue !== 0 || row.orders > 0);
  if (active.length === 0) return `<p class="note">No day in this range had orders, views or revenue in ${escapeHtml(currency)}.</p>`;
  const rows = active
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([isoDay, row]) =>
        `<tr><th scope="row">${escapeHtml(day(isoDay))}</th><td class="num">${count(row.orders)}</td><td class="num">${count(row.views)}</td>` +
        `<td class="num">${count(row.accepts)}</td><td class="num">${escapeHtml(money(row.netRevenue, currency))}</td></tr>`,
    )
    .join('');
  return tableRegion(
    'The numbers behind the chart',
    `<table><caption>Each day with activity, ${escapeHtml(currency)}</caption>` +
      `<thead><tr><th scope="col">Day</th><th scope="col" class="num">Orders</th><th scope="col" class="num">Offer views</th>` +
      `<th scope="col" class="num">Accepts</th><th scope="col" class="num">Net upsell revenue</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

const DEFINITIONS =
  `<p class="note">Take rate counts the accepts the buyer kept (accepts minus undos) per offer view. Net upsell revenue is what was ` +
  `captured minus what was refunded: undone upsells and failed captures add nothing. The assumed AOV lift counts every upsell as ` +
  `money the order would not have had. Days are UTC.</p>`;

const HOLDOUT_DEFINITION =
  `<p class="note">AOV against the holdout: your experiments with a holdout showed no offer to some orders picked at random. ` +
  `Their average order value is compared with that of the orders shown offers (upsell money kept included, after undos and ` +
  `refunds), experiment by experiment, so the lift is measured, not assumed. The interval is where the true lift lies with ` +
  `95&nbsp;% confidence: one that includes 0 means the range cannot tell a lift from chance yet.</p>`;

const NO_HOLDOUT =
  `<p>No order was held out in this range. <a href="/admin/experiments/new">Start an experiment with a holdout</a> ` +
  `to measure the real lift.</p>`;

export function overviewPage(data: OverviewData): AdminPage {
  const { range, totals } = data;
  const csv = `/admin/overview.csv?${new URLSearchParams({ from: range.from, to: range.to }).toString()}`;
  let numbers = '';
  if (totals && totals.length === 0)
    numbers = `<p>No orders or offer views between ${escapeHtml(day(range.from))} and ${escapeHtml(day(range.to))}.</p>`;
  if (totals && totals.length > 0) {
    const currency = chartCurrency(totals);
    numbers =
      totalsTable(totals, range) +
      (totals.some((row) => row.holdout) ? HOLDOUT_DEFINITION : NO_HOLDOUT) +
      `<p><a href="${escapeHtml(csv)}" download>Download these numbers as CSV</a></p>` +
      DEFINITIONS +
      (currency ? revenueChart(data, currency) : '');
  }
  return {
    title: 'Overview',
    nav: 'overview',
    status: data.problem ? 400 : 200,
    body: `<h1>Overview</h1>${rangeForm(range)}${alertBox('These numbers cannot be shown', data.problem ? [data.problem] : [])}${numbers}`,
  };
}
