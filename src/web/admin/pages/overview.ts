/**
 * Overview: the metrics API's numbers for a range of UTC days, per currency (amounts are never added
 * across currencies), with the CSV of the same numbers and one bar chart of net upsell revenue per day.
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
  readonly value: (row: MetricsRowView) => string;
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
  { label: 'AOV lift (if every upsell is incremental)', value: (row) => percent(row.aovLift) },
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
  const body = METRICS.map(
    (metric) =>
      `<tr><th scope="row">${escapeHtml(metric.label)}</th>` +
      rows.map((row) => `<td class="num">${escapeHtml(metric.value(row))}</td>`).join('') +
      `</tr>`,
  ).join('');
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
  `captured minus what was refunded: undone upsells and failed captures add nothing. AOV lift here assumes every upsell is ` +
  `incremental; an experiment with a holdout measures it instead (see Experiments). Days are UTC.</p>`;

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
