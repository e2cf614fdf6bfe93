import { describe, expect, it } from 'vitest';
import { moneyInput, parseMoneyText } from './format';

describe('money fields', () => {
  it('reads the typed decimal text exactly into minor units, by the currency’s digits', () => {
    expect(parseMoneyText('19.99', 'USD')).toBe(1999);
    expect(parseMoneyText(' 19.9 ', 'USD')).toBe(1990);
    expect(parseMoneyText('0.07', 'USD')).toBe(7);
    // 0.29 × 100 is 28.999999999999996 in floating point; read as text it is 29.
    expect(parseMoneyText('0.29', 'USD')).toBe(29);
    expect(parseMoneyText('1999', 'JPY')).toBe(1999);
    expect(parseMoneyText('1.999', 'KWD')).toBe(1999);
    expect(parseMoneyText('9999999999.99', 'USD')).toBe(999_999_999_999);
  });

  it('refuses what is not a plain amount in the currency', () => {
    for (const [text, currency] of [
      ['19.999', 'USD'],
      ['19.5', 'JPY'],
      ['-1', 'USD'],
      ['1,000', 'USD'],
      ['$5', 'USD'],
      ['5.', 'USD'],
      ['', 'USD'],
      ['10000000000.00', 'USD'],
      ['5', 'XYZ'],
    ])
      expect(parseMoneyText(text ?? '', currency ?? ''), `${text} ${currency}`).toBeNull();
  });

  it('shows minor units as the field’s text', () => {
    expect(moneyInput(1999, 'USD')).toBe('19.99');
    expect(moneyInput(1999, 'JPY')).toBe('1999');
    expect(moneyInput(5, 'KWD')).toBe('0.005');
  });
});
