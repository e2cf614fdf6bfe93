/**
 * Plusone never accepts card data: no PAN, no CVV, no expiry. This detector runs on every request body
 * before anything else reads it, so a card number anywhere (any field, known or not, even inside free
 * text) is rejected without being stored or logged.
 *
 * A value counts as a card number when it is a run of 13–19 digits (single spaces or dashes allowed
 * between digits), not part of a longer digit run, starting with a card-network digit (2–6: Mastercard
 * 2-series, Amex/Diners/JCB, Visa, Mastercard/Maestro, Discover/UnionPay) and passing the Luhn check.
 * The network-digit rule keeps millisecond timestamps (1…) and most order numbers out.
 */

const DIGIT_RUN = /(?<!\d[ -]?)\d(?:[ -]?\d){12,18}(?![ -]?\d)/g;

/** Normalised field names (lower case, letters and digits only) that carry card security codes or expiry. */
const CARD_FIELD_NAMES = new Set([
  'cvv', 'cvv2', 'cvc', 'cvc2', 'csc', 'cvn', 'securitycode', 'cardsecuritycode', 'cardcvv', 'cardcvc',
  'cardcode', 'expiry', 'expirydate', 'expirymonth', 'expiryyear', 'expiration', 'expirationdate',
  'expirationmonth', 'expirationyear', 'expdate', 'expmonth', 'expyear', 'cardexpiry', 'cardexpiration',
  'cardexpmonth', 'cardexpyear', 'cardnumber', 'pan', 'primaryaccountnumber',
]);

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** True when the text contains something that looks like a card number (see the module comment). */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(DIGIT_RUN)) {
    const digits = match[0].replace(/[ -]/g, '');
    const first = digits.charCodeAt(0) - 48;
    if (first >= 2 && first <= 6 && luhnValid(digits)) return true;
  }
  return false;
}

export function isCardFieldName(name: string): boolean {
  return CARD_FIELD_NAMES.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Path of the first object key anywhere in `value` that names a CVV or expiry field, or null. */
export function findCardField(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findCardField(item);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (isCardFieldName(key)) return key;
      const found = findCardField(child);
      if (found) return found;
    }
  }
  return null;
}

/**
 * What kind of card data a raw request body carries, or null. Works on the raw text, so numbers in any
 * position (JSON numbers too, which would lose digits once parsed) are seen; `parsed` adds the field names.
 */
export function detectCardData(rawBody: string, parsed: unknown): 'card_number' | 'card_field' | null {
  if (containsCardNumber(rawBody)) return 'card_number';
  if (findCardField(parsed)) return 'card_field';
  return null;
}
