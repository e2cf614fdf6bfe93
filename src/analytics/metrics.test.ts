import { describe, expect, it } from 'vitest';
import { DomainError } from '../core/errors';
import { metricsCsv, parseMetricsQuery, withRates, type MetricsRow } from './metrics';

const NOW = new Date('2026-11-22T15:30:00Z');

function row(counters: Partial<MetricsRow>): MetricsRow {
  return withRates({
    currency: 'USD',
    orders: 0,
    checkoutTotal: 0,
    views: 0,
    accepts: 0,
    declines: 0,
    undos: 0,
    captures: 0,
    captureFailures: 0,
    refunds: 0,
    paymentDeclines: 0,
    acceptedAmount: 0,
    capturedAmount: 0,
    refundedAmount: 0,
    takeRate: null,
    undoRate: null,
    netRevenue: 0,
    revenuePerView: null,
    offerShare: null,
    averageUpsellValue: null,
    aovLift: null,
    holdout: null,
    ...counters,
  });
}

describe('metrics › query', () => {
  it('defaults to the 30 UTC days up to today and keeps the dimensions in a fixed order', () => {
    expect(parseMetricsQuery({ groupBy: 'arm, day' }, NOW)).toEqual({ from: '2026-10-24', to: '2026-11-22', groupBy: ['day', 'arm'] });
  });

  it('refuses what is not a real day, an inverted or too long range, and unknown dimensions', () => {
    for (const input of [
      { from: '2026-11-31' },
      { to: '22/11/2026' },
      { from: '2026-11-23', to: '2026-11-22' },
      { from: '2024-01-01', to: '2026-01-02' },
      { groupBy: 'week' },
    ]) {
      expect(() => parseMetricsQuery(input, NOW)).toThrow(DomainError);
    }
  });
});

describe('metrics › definitions', () => {
  it('derives every rate from the integer counters', () => {
    const derived = row({
      orders: 10,
      checkoutTotal: 100_000,
      views: 8,
      accepts: 4,
      undos: 1,
      captures: 3,
      capturedAmount: 6000,
      refundedAmount: 2000,
    });
    expect(derived).toMatchObject({
      takeRate: 0.375,
      undoRate: 0.25,
      netRevenue: 4000,
      revenuePerView: '500',
      offerShare: 0.8,
      averageUpsellValue: '2000',
      aovLift: 0.04,
    });
  });

  it('leaves a rate empty rather than dividing by zero', () => {
    expect(row({ refunds: 1, refundedAmount: 500 })).toMatchObject({
      netRevenue: -500,
      takeRate: null,
      revenuePerView: null,
      averageUpsellValue: null,
      aovLift: null,
    });
  });
});

describe('metrics › csv', () => {
  it('writes only the grouped dimensions, quotes per RFC 4180, and defuses spreadsheet formulas', () => {
    const csv = metricsCsv([{ ...row({ views: 2, accepts: 1 }), offerId: '=cmd,"x"' }], ['offer']);
    const [header, line] = csv.split('\r\n');
    expect(header?.startsWith('offerId,currency,orders,views,')).toBe(true);
    expect(line?.startsWith(`"'=cmd,""x""",USD,0,2,1,`)).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('ends each line with the holdout comparison, empty cells when there is none', () => {
    const holdout = {
      heldOutOrders: 40,
      exposedOrders: 160,
      heldOutAov: 5000,
      exposedAov: 5205,
      aovLift: 0.041,
      aovLiftLower: -0.008,
      aovLiftUpper: 0.09,
    };
    const [header, measured, none] = metricsCsv([row({ orders: 200, holdout }), row({ currency: 'EUR' })], []).split('\r\n');
    expect(
      header?.endsWith(
        ',aovLift,holdoutHeldOutOrders,holdoutExposedOrders,holdoutHeldOutAov,holdoutExposedAov,holdoutAovLift,holdoutAovLiftLower,holdoutAovLiftUpper',
      ),
    ).toBe(true);
    expect(measured?.endsWith(',40,160,5000,5205,0.041,-0.008,0.09')).toBe(true);
    expect(none?.startsWith('EUR,')).toBe(true);
    expect(none?.split(',')).toHaveLength(header?.split(',').length ?? 0);
    expect(none?.split(',').slice(-7)).toEqual(['', '', '', '', '', '', '']);
  });
});
