/**
 * How the admin writes numbers, money and times for people: money with `Intl.NumberFormat` from integer
 * minor units (and exact decimal text for averages), shares as percentages, times in UTC. Every result is
 * plain text: the pages escape it where they interpolate it.
 */
import { currencyExponent, decimalToString, formatMoney, isCurrency, parseDecimal, toMajorUnitString } from '../../core/money';

const LOCALE = 'en-US';

export function money(amount: number, currency: string): string {
  return isCurrency(currency) ? formatMoney(amount, currency, LOCALE) : `${amount} ${currency}`;
}

/**
 * An amount given as exact decimal text in minor units ("486.75" cents → "$4.8675"), as the metrics API
 * reports averages; at most two digits beyond the currency's own.
 */
export function moneyFromMinorText(text: string | null, currency: string): string {
  const decimal = text === null ? null : parseDecimal(text);
  if (!decimal || !isCurrency(currency)) return text ?? '—';
  const exponent = currencyExponent(currency);
  const major = decimalToString({ units: decimal.units, scale: decimal.scale + exponent });
  const format = new Intl.NumberFormat(LOCALE, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent + 2,
  });
  return format.format(major as Intl.StringNumericLiteral);
}

const percentFormat = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1 });

/** A share (0.125) as "12.5%"; "—" when there is none (no views yet). */
export function percent(share: number | null): string {
  return share === null ? '—' : percentFormat.format(share);
}

const countFormat = new Intl.NumberFormat(LOCALE);

export function count(value: number): string {
  return countFormat.format(value);
}

const timeFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
const dayFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });

/** An ISO time as "Dec 3, 2026, 12:30:36 PM UTC". */
export function time(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${timeFormat.format(date)} UTC`;
}

/** A UTC day (`YYYY-MM-DD`) as "Dec 3, 2026". */
export function day(isoDay: string): string {
  const date = new Date(`${isoDay}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? isoDay : dayFormat.format(date);
}

/** `YYYY-MM-DD` of a date, in UTC (the metrics API's days). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** snake_case words of the API ("after_window", "keep_running") as words ("after window"). */
export function words(code: string): string {
  return code.replaceAll('_', ' ');
}

/** The largest amount the API accepts, in minor units. */
const MAX_MINOR_UNITS = 999_999_999_999n;
const MONEY_TEXT = /^(\d{1,13})(?:\.(\d+))?$/;

/** An amount as a money field shows it: 1999 USD → "19.99", 1999 JPY → "1999" (exact text, no float). */
export function moneyInput(amount: number, currency: string): string {
  return isCurrency(currency) ? toMajorUnitString(amount, currency) : String(amount);
}

/**
 * What was typed in a money field, in minor units: "19.99" or "19.9" USD → 1999 or 1990, "1999" JPY → 1999.
 * Read digit by digit (never through a float); null for anything else: a sign, separators, more decimals
 * than the currency has, an amount beyond the API's limit.
 */
export function parseMoneyText(text: string, currency: string): number | null {
  const match = MONEY_TEXT.exec(text.trim());
  if (!match || !isCurrency(currency)) return null;
  const exponent = currencyExponent(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > exponent || (match[2] !== undefined && fraction.length === 0)) return null;
  const units = BigInt(match[1] ?? '0') * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  return units <= MAX_MINOR_UNITS ? Number(units) : null;
}

/** 25 in the currency's own digits, for examples: "25.00", JPY "25", KWD "25.000". */
export function moneyExample(currency: string): string {
  return moneyInput(isCurrency(currency) ? 25 * 10 ** currencyExponent(currency) : 25, currency);
}
