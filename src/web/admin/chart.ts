/**
 * A bar chart drawn on the server as inline SVG: no script, no library. It is an image with a text
 * alternative (`<title>` and `<desc>`, named by `aria-labelledby`); the page puts the numbers behind it in
 * a table beside it, so nothing is only in the picture. Values below zero (a day with refunds only) hang
 * below the zero line in another colour.
 */
import { escapeHtml } from '../../core/html';

export interface Bar {
  /** Short label of the bar's category (a day). */
  readonly label: string;
  /** The value the bar's height shows (integer minor units). */
  readonly value: number;
  /** The value as people read it ("$12.40"). */
  readonly text: string;
}

export interface BarChart {
  readonly id: string;
  readonly title: string;
  /** The text alternative: what the chart shows, in a sentence or two. */
  readonly description: string;
  readonly bars: readonly Bar[];
  /** Axis labels: the largest and smallest value, formatted. */
  readonly maxText: string;
  readonly minText: string;
}

// In viewBox units: at 375 px the chart is drawn at about 0.85 of this size, so its labels stay readable.
const WIDTH = 400;
const HEIGHT = 200;
const FONT = 15;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 28;
/** SVG coordinates to one decimal: short markup, no visible difference. */
const px = (value: number) => String(Math.round(value * 10) / 10);

/** Room on the left for the longer of the two axis labels. */
function leftOf(chart: BarChart): number {
  return 10 + Math.max(chart.maxText.length, chart.minText.length) * FONT * 0.6;
}

function scale(bars: readonly Bar[]) {
  const min = Math.min(0, ...bars.map((bar) => bar.value));
  // All zero: the zero line at the bottom, as for any range without losses.
  const max = Math.max(0, ...bars.map((bar) => bar.value)) || (min === 0 ? 1 : 0);
  const span = max - min || 1;
  const plot = HEIGHT - TOP - BOTTOM;
  const y = (value: number) => TOP + ((max - value) / span) * plot;
  return { y, zero: y(0) };
}

function barsSvg(bars: readonly Bar[], left: number, y: (value: number) => number, zero: number): string {
  const slot = (WIDTH - left - RIGHT) / Math.max(1, bars.length);
  const width = Math.max(1, slot * 0.7);
  return bars
    .map((bar, index) => {
      const x = left + index * slot + (slot - width) / 2;
      const top = Math.min(y(bar.value), zero);
      const height = Math.abs(y(bar.value) - zero);
      const kind = bar.value < 0 ? 'chart__bar chart__bar--negative' : 'chart__bar';
      return (
        `<rect class="${kind}" x="${px(x)}" y="${px(top)}" width="${px(width)}" height="${px(height)}">` +
        `<title>${escapeHtml(`${bar.label}: ${bar.text}`)}</title></rect>`
      );
    })
    .join('');
}

/** The chart's SVG markup. */
export function barChartSvg(chart: BarChart): string {
  const { y, zero } = scale(chart.bars);
  const left = leftOf(chart);
  const first = chart.bars[0]?.label ?? '';
  const last = chart.bars.at(-1)?.label ?? '';
  const titleId = `${chart.id}-title`;
  const descId = `${chart.id}-desc`;
  const text = (x: number, yPos: number, anchor: string, content: string) =>
    `<text x="${px(x)}" y="${px(yPos)}" text-anchor="${anchor}" class="chart__label">${escapeHtml(content)}</text>`;
  return (
    `<svg class="chart" id="${escapeHtml(chart.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" focusable="false">` +
    `<title id="${titleId}">${escapeHtml(chart.title)}</title><desc id="${descId}">${escapeHtml(chart.description)}</desc>` +
    `<line class="chart__axis" x1="${px(left)}" x2="${WIDTH - RIGHT}" y1="${px(zero)}" y2="${px(zero)}"/>` +
    barsSvg(chart.bars, left, y, zero) +
    text(left - 6, TOP + FONT * 0.7, 'end', chart.maxText) +
    text(left - 6, HEIGHT - BOTTOM + FONT * 0.35, 'end', chart.minText === chart.maxText ? '' : chart.minText) +
    text(left, HEIGHT - 6, 'start', first) +
    text(WIDTH - RIGHT, HEIGHT - 6, 'end', last) +
    `</svg>`
  );
}
