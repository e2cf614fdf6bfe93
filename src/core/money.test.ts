import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import {
  applyPercentage,
  applyRate,
  currencyExponent,
  decimalFromJson,
  divideRoundHalfAwayFromZero,
  formatMoney,
  parseDecimal,
  ratioText,
  toMajorUnitString,
  trimDecimalText,
  type Decimal,
} from './money';

/** Intl separates amount and symbol with U+00A0 or U+202F depending on the locale and ICU version. */
const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

const decimal = (text: string): Decimal => {
  const parsed = parseDecimal(text);
  if (!parsed) throw new Error(`test fixture ${text} is not a decimal`);
  return parsed;
};

describe('currencyExponent', () => {
  it.each([
    ['JPY', 0],
    ['USD', 2],
    ['EUR', 2],
    ['KWD', 3],
    ['CLF', 4],
  ])('gives %s %i minor-unit digits', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });

  it('throws an invalid_currency DomainError for a code that is not ISO 4217', () => {
    expect(() => currencyExponent('XYZ')).toThrow(DomainError);
    expect(() => currencyExponent('usd')).toThrow(expect.objectContaining({ code: 'invalid_currency' }));
  });
});

describe('divideRoundHalfAwayFromZero', () => {
  it.each([
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [4n, 3n, 1n],
    [-4n, 3n, -1n],
    [5n, 3n, 2n],
    [-5n, 3n, -2n],
    [6n, 3n, 2n],
    [0n, 7n, 0n],
  ])('rounds %i / %i to %i', (numerator, denominator, expected) => {
    expect(divideRoundHalfAwayFromZero(numerator, denominator)).toBe(expected);
  });
});

describe('ratioText', () => {
  it('divides exactly, rounds half away from zero at the last digit, and trims trailing zeros', () => {
    expect(ratioText(1947, 4, 4)).toBe('486.75');
    expect(ratioText(3894, 6, 4)).toBe('649');
    expect(ratioText(1, 3, 4)).toBe('0.3333');
    expect(ratioText(2, 3, 4)).toBe('0.6667');
    expect(ratioText(1, 8, 2)).toBe('0.13');
    expect(ratioText(-1, 8, 2)).toBe('-0.13');
    expect(ratioText(-1947, 2, 2)).toBe('-973.5');
    expect(ratioText(0, 5, 4)).toBe('0');
    expect(ratioText(5, 0, 4)).toBeNull();
  });

  it('stays exact where binary floats do not: 1.005 rounds up, and amounts beyond 2^53 ÷ 10^4', () => {
    expect(ratioText(1005, 1000, 2)).toBe('1.01');
    expect(ratioText(9_007_199_254_740_991, 3, 4)).toBe('3002399751580330.3333');
  });
});

describe('applyRate', () => {
  it('computes the exact tax 520 × 0.0825 = 42.9 and rounds it to 43', () => {
    expect(applyRate(520, decimal('0.0825'))).toBe(43);
  });

  it('rounds an exact half away from zero', () => {
    expect(applyRate(10, decimal('0.05'))).toBe(1); // 0.5
    expect(applyRate(30, decimal('0.05'))).toBe(2); // 1.5
    expect(applyRate(-30, decimal('0.05'))).toBe(-2); // -1.5
  });

  it('rounds below a half down', () => {
    expect(applyRate(1000, decimal('0.0824'))).toBe(82); // 82.4
  });
});

describe('applyPercentage', () => {
  it('rounds an exact half away from zero', () => {
    expect(applyPercentage(1999, decimal('10'))).toBe(200); // 199.9
    expect(applyPercentage(25, decimal('10'))).toBe(3); // 2.5
    expect(applyPercentage(-25, decimal('10'))).toBe(-3); // -2.5
  });

  it('handles fractional percentages exactly', () => {
    expect(applyPercentage(1000, decimal('12.5'))).toBe(125);
    expect(applyPercentage(4, decimal('12.5'))).toBe(1); // 0.5
    expect(applyPercentage(1999, decimal('100'))).toBe(1999);
  });
});

describe('parseDecimal', () => {
  it('keeps the decimal text exact instead of going through a float', () => {
    expect(parseDecimal('0.0825')).toEqual({ units: 825n, scale: 4 });
    expect(parseDecimal('12.5')).toEqual({ units: 125n, scale: 1 });
    expect(parseDecimal('7')).toEqual({ units: 7n, scale: 0 });
    expect(parseDecimal('-1.50')).toEqual({ units: -150n, scale: 2 });
    expect(parseDecimal(' 3.25 ')).toEqual({ units: 325n, scale: 2 });
  });

  it.each(['1e5', '1E5', '1.5e-3', '', 'abc', '12.', '.5', '1,5', '0x10', '+1', '1.2.3', 'NaN', 'Infinity'])('rejects %j', (text) => {
    expect(parseDecimal(text)).toBeNull();
  });
});

describe('decimalFromJson', () => {
  it('takes a JSON number as the text JSON carried', () => {
    expect(decimalFromJson(0.0825)).toEqual({ units: 825n, scale: 4 });
    expect(decimalFromJson(12.5)).toEqual({ units: 125n, scale: 1 });
    expect(decimalFromJson(10)).toEqual({ units: 10n, scale: 0 });
  });

  it('expands numbers that JavaScript prints with an exponent', () => {
    expect(decimalFromJson(1e-7)).toEqual({ units: 1n, scale: 7 });
    expect(decimalFromJson(1e21)).toEqual({ units: 10n ** 21n, scale: 0 });
  });

  it('parses decimal strings and rejects exponent strings, garbage and non-finite numbers', () => {
    expect(decimalFromJson('0.0825')).toEqual({ units: 825n, scale: 4 });
    expect(decimalFromJson('1e5')).toBeNull();
    expect(decimalFromJson('ten')).toBeNull();
    expect(decimalFromJson(Number.NaN)).toBeNull();
    expect(decimalFromJson(Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('toMajorUnitString', () => {
  it.each([
    [1999, 'USD', '19.99'],
    [1999, 'JPY', '1999'],
    [1999, 'KWD', '1.999'],
    [1999, 'CLF', '0.1999'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
  ])('writes %i %s as %s', (amount, currency, expected) => {
    expect(toMajorUnitString(amount, currency)).toBe(expected);
  });

  it('throws for an unknown currency', () => {
    expect(() => toMajorUnitString(100, 'ABC')).toThrow(DomainError);
  });
});

describe('formatMoney', () => {
  it('formats US dollars for en-US', () => {
    expect(formatMoney(1799, 'USD', 'en-US')).toBe('$17.99');
  });

  it('defaults to en-US', () => {
    expect(formatMoney(1799, 'USD')).toBe('$17.99');
  });

  it('formats yen without minor digits', () => {
    expect(formatMoney(1999, 'JPY', 'en-US')).toBe('¥1,999');
  });

  it('formats dinar with three minor digits', () => {
    expect(formatMoney(1999, 'KWD', 'en-US')).toContain('1.999');
  });

  it('formats euros the German way', () => {
    const text = plainSpaces(formatMoney(1799, 'EUR', 'de-DE'));
    expect(text).toContain('17,99');
    expect(text).toContain('€');
  });

  it('formats amounts beyond float precision exactly', () => {
    expect(formatMoney(900719925474099, 'USD', 'en-US')).toBe('$9,007,199,254,740.99');
  });
});

describe('trimDecimalText', () => {
  it.each([
    ['0.08250000', '0.0825'],
    ['12.50', '12.5'],
    ['7.000', '7'],
    ['100', '100'],
    ['10.0', '10'],
    ['0.0', '0'],
  ])('trims %s to %s', (text, expected) => {
    expect(trimDecimalText(text)).toBe(expected);
  });
});
