/**
 * Money for people: Shopify's decimal strings and Plusone's minor units, formatted with `Intl.NumberFormat`
 * in the buyer's locale. Sums are taken in integer minor units, so no amount passes through a float sum.
 */
import type { MoneyBag } from './shopify';

const formatters = new Map<string, Intl.NumberFormat>();

/** The currency formatter for `locale`, or for `en` when the locale is one `Intl` does not know. */
function formatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let cached = formatters.get(key);
  if (!cached) {
    try {
      cached = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      cached = new Intl.NumberFormat('en', { style: 'currency', currency });
    }
    formatters.set(key, cached);
  }
  return cached;
}

/** The currency's minor-unit digits as `Intl` knows them: 2 for USD, 0 for JPY, 3 for KWD. */
function fractionDigits(currency: string): number {
  return formatter('en', currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "19.99" → 1999 (USD); "1999" → 1999 (JPY). */
export function toMinorUnits(amount: string, currency: string): number {
  const digits = fractionDigits(currency);
  const negative = amount.trim().startsWith('-');
  const [whole = '0', fraction = ''] = amount.trim().replace(/^[-+]/, '').split('.');
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0');
  return negative ? -minor : minor;
}

/** 1999 → "19.99" (USD), the exact decimal `Intl` formats without rounding through a float. */
function toDecimal(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const units = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

/** 1999 USD → "$19.99" in `locale`. */
export function formatMinorUnits(minor: number, currency: string, locale: string): string {
  return formatter(locale, currency).format(toDecimal(minor, currency) as Intl.StringNumericLiteral);
}

/** A Shopify money bag in the buyer's (presentment) currency: "$7.02". */
export function formatMoneyBag(bag: MoneyBag, locale: string): string {
  const { amount, currencyCode } = bag.presentmentMoney;
  return formatMinorUnits(toMinorUnits(amount, currencyCode), currencyCode, locale);
}

/** The sum of `bags` in `currency`'s minor units (the presentment amounts). */
export function sumMoneyBags(bags: readonly MoneyBag[], currency: string): number {
  return bags.reduce((sum, bag) => sum + toMinorUnits(bag.presentmentMoney.amount, currency), 0);
}
