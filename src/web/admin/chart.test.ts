import { describe, expect, it } from 'vitest';
import { barChartSvg } from './chart';

const chart = (values: number[]) =>
  barChartSvg({
    id: 'c',
    title: 'Net <revenue>',
    description: 'Two days & a refund',
    bars: values.map((value, index) => ({ label: `Day ${index + 1}`, value, text: `$${value}` })),
    maxText: 'top',
    minText: 'bottom',
  });

describe('bar chart', () => {
  it('is an image named by its title and text alternative, with every text escaped', () => {
    const svg = chart([100, 50]);
    expect(svg).toMatch(/^<svg class="chart" id="c" viewBox="0 0 400 200" role="img" aria-labelledby="c-title c-desc"/);
    expect(svg).toContain('<title id="c-title">Net &lt;revenue&gt;</title><desc id="c-desc">Two days &amp; a refund</desc>');
    expect(svg.match(/<rect /g)).toHaveLength(2);
  });

  it('draws heights in proportion and a negative day below the zero line', () => {
    const svg = chart([100, 50, -50]);
    const [full = 0, half = 0, loss = 0] = [...svg.matchAll(/height="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(full).toBeCloseTo(half * 2, 0);
    expect(loss).toBeCloseTo(half, 0);
    expect(svg).toContain('class="chart__bar chart__bar--negative"');
  });

  it('draws an empty range without dividing by zero', () => {
    const svg = chart([0, 0]);
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
    // The zero line sits at the bottom of the plot, not at its top.
    expect(svg).toContain('y1="172" y2="172"');
  });
});
