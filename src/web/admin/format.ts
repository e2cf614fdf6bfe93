/**
 * How the admin writes numbers, money and times for people: money with `Intl.NumberFormat` from integer
 * minor units (and exact decimal text for averages), shares as percentages, times in UTC. Every result is
 * plain text: the pages escape it where they interpolate it.
 */
import { currencyExponent, formatMoney, isCurrency, parseDecimal, decimalToString } from '../../core/money';

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
