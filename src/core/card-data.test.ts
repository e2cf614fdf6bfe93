import { describe, expect, it } from 'vitest';
import { containsCardNumber, detectCardData, findCardField, isCardFieldName, luhnValid } from './card-data';

describe('luhnValid', () => {
  it('accepts numbers whose Luhn checksum is a multiple of ten', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('0')).toBe(true);
  });

  it('rejects numbers with a wrong check digit', () => {
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('79927398710')).toBe(false);
  });
});

describe('containsCardNumber', () => {
  it.each([
    ['Visa', '4242424242424242'],
    ['Visa with spaces', '4242 4242 4242 4242'],
    ['Visa with dashes', '4242-4242-4242-4242'],
    ['Amex', '378282246310005'],
    ['Mastercard', '5555555555554444'],
    ['Mastercard 2-series', '2223003122003222'],
    ['Discover', '6011111111111117'],
    ['a number inside free text', 'my card is 4111 1111 1111 1111 thanks'],
    ['a JSON number in the raw body', '{"x":4242424242424242}'],
    ['a JSON string value', '{"note":"4242424242424242"}'],
  ])('finds %s', (_label, text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ['an order number', 'ORD-2026-000123'],
    ['a US phone number', '+1 (555) 123-4567'],
    ['a UK phone number', '+44 20 7946 0958'],
    ['a UUID', '{"id":"3f2b8c1e-9d4a-4c6e-8a7b-2e5f1d0c9b8a"}'],
    ['an amount', '{"amount":1999,"currency":"USD"}'],
    ['a 12-digit run', '424242424242'],
  ])('ignores %s', (_label, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it('ignores a 16-digit number that fails the Luhn check', () => {
    expect(containsCardNumber('4242424242424241')).toBe(false);
  });

  it('ignores Luhn-valid runs that do not start with a card-network digit, such as millisecond timestamps', () => {
    const timestamp = '1795316519176';
    expect(luhnValid(timestamp)).toBe(true);
    expect(containsCardNumber(`{"at":${timestamp}}`)).toBe(false);
    expect(containsCardNumber('1795316519177')).toBe(false);
  });

  it('ignores a card number that is only part of a longer digit run', () => {
    const run = `123456789${'4242424242424242'}`;
    expect(run).toHaveLength(25);
    expect(containsCardNumber(run)).toBe(false);
    expect(containsCardNumber(`${'4242424242424242'}123456789`)).toBe(false);
  });

  it('ignores the tail of a longer grouped digit run (an IBAN, a tracking number)', () => {
    expect(containsCardNumber('1234 4242 4242 4242 4242')).toBe(false);
    expect(containsCardNumber('1234-4242-4242-4242-4242')).toBe(false);
    expect(containsCardNumber('ref 9999 4111 1111 1111 1111')).toBe(false);
    expect(containsCardNumber('ref 4111 1111 1111 1111 end')).toBe(true);
  });

  it('does not join digit groups separated by more than one space', () => {
    expect(containsCardNumber('4242  4242  4242  4242')).toBe(false);
  });
});

describe('isCardFieldName', () => {
  it('normalises case and punctuation before looking the name up', () => {
    expect(isCardFieldName('CVC')).toBe(true);
    expect(isCardFieldName('card_cvv')).toBe(true);
    expect(isCardFieldName('expiration-date')).toBe(true);
    expect(isCardFieldName('Card Number')).toBe(true);
  });

  it('flags only the listed names, not names that merely start like them', () => {
    expect(isCardFieldName('expiresAt')).toBe(false);
    expect(isCardFieldName('expectedRevenue')).toBe(false);
    expect(isCardFieldName('cvvHint')).toBe(false);
    expect(isCardFieldName('panel')).toBe(false);
  });
});

describe('findCardField', () => {
  it.each(['cvv', 'CVC', 'card_cvv', 'securityCode', 'exp_month', 'expYear', 'expiry', 'expiration-date', 'cardNumber'])(
    'finds %s at the top level',
    (key) => {
      expect(findCardField({ orderId: 'o1', [key]: 'x' })).toBe(key);
    },
  );

  it('finds a card field nested deep in objects and arrays', () => {
    const body = {
      order: { lines: [{ sku: 'a' }, { sku: 'b', payment: [{ details: { cardNumber: null } }] }] },
    };
    expect(findCardField(body)).toBe('cardNumber');
    expect(findCardField([[{ meta: { exp_month: 4 } }]])).toBe('exp_month');
  });

  it('returns null for ordinary fields and non-objects', () => {
    expect(findCardField({ expiresAt: '2026-01-01', expectedRevenue: 10, cvvHint: 'back', items: [{ id: 1 }] })).toBeNull();
    expect(findCardField(null)).toBeNull();
    expect(findCardField('cvv')).toBeNull();
    expect(findCardField(42)).toBeNull();
    expect(findCardField([])).toBeNull();
  });

  it('does not treat values as field names', () => {
    expect(findCardField({ field: 'cvv', tags: ['expiry'] })).toBeNull();
  });
});

describe('detectCardData', () => {
  it('reports a card number found anywhere in the raw body', () => {
    const raw = '{"note":"4242 4242 4242 4242"}';
    expect(detectCardData(raw, JSON.parse(raw))).toBe('card_number');
  });

  it('reports a card number from the raw text even when parsing lost its digits', () => {
    expect(detectCardData('{"x":4242424242424242}', { x: 4242424242424242 })).toBe('card_number');
  });

  it('reports a card field name when no number is present', () => {
    const raw = '{"payment":{"cvv":"123"}}';
    expect(detectCardData(raw, JSON.parse(raw))).toBe('card_field');
  });

  it('prefers card_number when both are present', () => {
    const raw = '{"cardNumber":"4242424242424242"}';
    expect(detectCardData(raw, JSON.parse(raw))).toBe('card_number');
  });

  it('returns null for a clean body', () => {
    const raw = '{"orderId":"ORD-2026-000123","amount":1999,"expiresAt":"2026-05-01T00:00:00Z"}';
    expect(detectCardData(raw, JSON.parse(raw))).toBeNull();
  });
});
