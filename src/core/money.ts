/**
 * Money is an integer amount of a currency's minor unit (cents, yen, fils) with its ISO 4217 code.
 * Nothing on a money path uses floating point: rates and percentages are exact decimals (`Decimal`),
 * products are computed with bigint and rounded half away from zero to the minor unit.
 */
import { DomainError } from './errors';

export interface Money {
  /** Integer minor units, e.g. 1999 for USD 19.99, 1999 for JPY 1,999, 1999 for KWD 1.999. */
  readonly amount: number;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
}

/** ISO 4217 minor-unit exponents that differ from 2. Every other code in `ISO_4217` has 2. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Active ISO 4217 currency codes that can be charged (no funds codes for metals or testing). */
const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP ' +
    'GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD ' +
    'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK ' +
    'NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD ' +
    'SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VED VES VND VUV ' +
    'WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export function isCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

/** Number of digits after the decimal point in the currency's minor unit: JPY 0, USD 2, KWD 3. */
export function currencyExponent(currency: string): number {
  if (!ISO_4217.has(currency)) {
    throw new DomainError('invalid_currency', `${currency} is not an ISO 4217 currency code`);
  }
  return EXPONENT_EXCEPTIONS[currency] ?? 2;
}

/**
 * An exact decimal number: `units / 10^scale`. Built from the decimal text of a rate ("0.0825") or
 * percentage ("12.5"), so that 0.0825 stays 825/10000 instead of the nearest binary float.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses "0.0825", "12.5" or "7" into an exact decimal; `null` when the text is not a plain decimal. */
export function parseDecimal(text: string): Decimal | null {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const digits = `${whole}${fraction}`;
  const units = BigInt(digits) * (sign === '-' ? -1n : 1n);
  return { units, scale: fraction.length };
}

/** The decimal text of a JSON number or string ("0.0825"), as JSON carried it; `null` if it is not a plain decimal. */
export function decimalFromJson(value: number | string): Decimal | null {
  const text = typeof value === 'number' ? numberToPlainText(value) : value;
  return text === null ? null : parseDecimal(text);
}

function numberToPlainText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  // Shortest round-trip text is exactly what the JSON carried ("0.0825"); exponent forms are expanded.
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

export function decimalToString(decimal: Decimal): string {
  const negative = decimal.units < 0n;
  const digits = (negative ? -decimal.units : decimal.units).toString().padStart(decimal.scale + 1, '0');
  const whole = digits.slice(0, digits.length - decimal.scale);
  const fraction = digits.slice(digits.length - decimal.scale);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** "0.08250000" → "0.0825", "12.50" → "12.5", "7.000" → "7": numeric text without trailing zeros. */
export function trimDecimalText(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** `numerator / denominator` rounded half away from zero (denominator > 0). */
export function divideRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (magnitude * 2n + denominator) / (denominator * 2n);
  return negative ? -rounded : rounded;
}

/**
 * `numerator ÷ denominator` as exact decimal text rounded half away from zero to `digits` places, without
 * trailing zeros ("486.75", "649", "-12.5"); null when the denominator is 0. For averages of amounts
 * (revenue per view), which are reported, never charged: integer arithmetic, no float on the way.
 */
export function ratioText(numerator: number, denominator: number, digits: number): string | null {
  if (denominator === 0) return null;
  const sign = denominator < 0 ? -1n : 1n;
  const units = divideRoundHalfAwayFromZero(BigInt(numerator) * 10n ** BigInt(digits) * sign, BigInt(denominator) * sign);
  return trimDecimalText(decimalToString({ units, scale: digits }));
}

/** `amount × rate`, rounded half away from zero to the minor unit. */
export function applyRate(amount: number, rate: Decimal): number {
  return Number(divideRoundHalfAwayFromZero(BigInt(amount) * rate.units, 10n ** BigInt(rate.scale)));
}

/** `amount × percent %`, rounded half away from zero to the minor unit. */
export function applyPercentage(amount: number, percent: Decimal): number {
  return Number(divideRoundHalfAwayFromZero(BigInt(amount) * percent.units, 10n ** BigInt(percent.scale + 2)));
}

/** "19.99" for (1999, USD), "1999" for (1999, JPY), "1.999" for (1999, KWD): exact text, no float. */
export function toMajorUnitString(amount: number, currency: string): string {
  return decimalToString({ units: BigInt(amount), scale: currencyExponent(currency) });
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats for people with `Intl.NumberFormat`: formatMoney(1799, 'USD', 'en-US') === "$17.99". */
export function formatMoney(amount: number, currency: string, locale = 'en-US'): string {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const digits = currencyExponent(currency);
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, formatter);
  }
  // Intl formats a decimal string exactly, so the minor units never pass through a float.
  return formatter.format(toMajorUnitString(amount, currency) as Intl.StringNumericLiteral);
}
