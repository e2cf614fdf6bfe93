import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { screenHeaders, screenJsonText, screenUrl } from './screen';
import {
  cardNetwork,
  containsCardNumber,
  findCardField,
  isCardFieldName,
  isCardNumber,
  isIdFieldName,
  isTestCardNumber,
  luhnValid,
  TEST_CARD_NUMBERS,
} from './card-data';

/** The standard test PANs the issue names, one per network and length. */
const STANDARD_TEST_PANS = [
  ['Visa 13', '4222222222222'],
  ['Visa 16', '4111111111111111'],
  ['Visa 16 (Stripe)', '4242424242424242'],
  ['Visa 19', '4000000000000000006'],
  ['Mastercard 5-series', '5555555555554444'],
  ['Mastercard 2-series', '2223003122003222'],
  ['American Express 15', '378282246310005'],
  ['American Express 15', '371449635398431'],
  ['Discover', '6011111111111117'],
  ['Discover', '6011000990139424'],
  ['JCB', '3566002020360505'],
  ['JCB', '3530111333300000'],
  ['UnionPay 16', '6200000000000005'],
  ['UnionPay 17', '62000000000000000'],
  ['UnionPay 19', '6205500000000000004'],
  ['Diners 14', '36227206271667'],
  ['Diners 14', '30569309025904'],
  ['Diners 14', '38520000023237'],
  ['Diners 16', '3056930009020004'],
  ['Maestro', '6759411100000008'],
] as const;

const SEED = 20261201;
const RUNS = 100_000;
/** 100,000 runs of a property take a few seconds. */
const PROPERTY_TIMEOUT_MS = 60_000;

const digitString = (minLength: number, maxLength: number, first: readonly string[]) =>
  fc
    .tuple(fc.constantFrom(...first), fc.array(fc.constantFrom(...'0123456789'), { minLength: minLength - 1, maxLength: maxLength - 1 }))
    .map(([head, tail]) => head + tail.join(''));
/** Shopify-style ids: 13–14 digits starting with 4, 5 or 6 (products, variants, orders today). */
const shopifyId = digitString(13, 14, ['4', '5', '6']);
/** The usual numeric ids: 10–20 digits. */
const numericId = digitString(10, 20, [...'123456789']);

function orderJson(productId: string, variantId: string, externalId: string): string {
  return JSON.stringify({
    externalId,
    currency: 'USD',
    subtotal: 5000,
    shippingTotal: 0,
    taxTotal: 0,
    total: 5000,
    lines: [{ productId, variantId, title: 'Main', quantity: 1, unitPrice: 5000 }],
    customer: { id: externalId, country: 'US' },
    payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', customerRef: variantId },
  });
}

/** Every place an id travels: body id fields, path segments, id query parameters, the idempotency key. */
function refusedAnywhereAsId(id: string): boolean {
  return (
    screenJsonText(orderJson(id, id, id)).card ||
    screenJsonText(JSON.stringify({ variantId: id, rules: { anyProductIds: [id], excludeProductIds: [id] }, offerId: id })).card ||
    screenUrl(`/v1/products/${encodeURIComponent(id)}?offerId=${encodeURIComponent(id)}&experimentId=${id}`).card ||
    screenHeaders({ 'idempotency-key': id }).card
  );
}

describe('the card-number rule', () => {
  it('checks Luhn', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });

  it('knows the networks’ prefixes and lengths', () => {
    expect(cardNetwork('4111111111111111')).toBe('Visa');
    expect(cardNetwork('41111111111111')).toBeNull(); // Visa issues no 14-digit cards
    expect(cardNetwork('2223003122003222')).toBe('Mastercard');
    expect(cardNetwork('378282246310005')).toBe('American Express');
    expect(cardNetwork('3782822463100051')).toBeNull();
    expect(cardNetwork('36227206271667')).toBe('Diners Club');
    expect(cardNetwork('6205500000000000004')).toBe('UnionPay');
    expect(cardNetwork('1795316519176')).toBeNull(); // a millisecond timestamp
  });

  it.each(STANDARD_TEST_PANS)('refuses the %s test number %s in text and in id fields', (_label, pan) => {
    expect(isCardNumber(pan) || TEST_CARD_NUMBERS.has(pan)).toBe(true);
    expect(isTestCardNumber(pan)).toBe(true);
    expect(containsCardNumber(pan, 'text')).toBe(true);
    expect(containsCardNumber(pan, 'id')).toBe(true);
  });

  it('refuses every published test number wherever it appears', () => {
    for (const pan of TEST_CARD_NUMBERS) {
      expect(refusedAnywhereAsId(pan), pan).toBe(true);
      expect(screenJsonText(JSON.stringify({ note: `paid with ${pan}.` })).card, pan).toBe(true);
    }
  });

  it.each([
    ['spaces', '4111 1111 1111 1111'],
    ['double spaces', '4111  1111  1111  1111'],
    ['dashes', '4111-1111-1111-1111'],
    ['dots', '4111.1111.1111.1111'],
    ['underscores', '4111_1111_1111_1111'],
    ['slashes', '4111/1111/1111/1111'],
    ['no-break spaces', '4111\u00a01111\u00a01111\u00a01111'],
    ['thin spaces', '4111\u20091111\u20091111\u20091111'],
    ['an en dash and spaces', '4111 – 1111 – 1111 – 1111'],
    ['one digit at a time', [...'4111111111111111'].join(' ')],
    ['full-width digits', '４１１１１１１１１１１１１１１１'],
    ['Arabic-Indic digits', '٤١١١١١١١١١١١١١١١'],
    ['Devanagari digits', '४१११११११११११११११'],
    ['mathematical bold digits', '𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏'],
    ['Amex grouping', '3782 822463 10005'],
    ['a prefix and a suffix', 'card:4111111111111111;'],
  ])('sees through %s', (_label, text) => {
    expect(containsCardNumber(text, 'text')).toBe(true);
    expect(containsCardNumber(text, 'id')).toBe(true);
  });
});

describe('the card-number rule in free text', () => {
  it('finds a card number after other numbers in the same text, but never inside a longer digit run', () => {
    expect(containsCardNumber('qty 2: 4111 1111 1111 1111')).toBe(true);
    expect(containsCardNumber('ref 9999 4111 1111 1111 1111')).toBe(true);
    expect(containsCardNumber(`123456789${'4242424242424242'}`)).toBe(false);
    expect(containsCardNumber(`${'4242424242424242'}123456789`)).toBe(false);
  });

  it('refuses a real-looking card number in free text, and in id fields unless it is a plain run of ASCII digits', () => {
    const pan = '4539578763621486';
    expect(isCardNumber(pan)).toBe(true);
    expect(isTestCardNumber(pan)).toBe(false);
    expect(containsCardNumber(pan, 'text')).toBe(true);
    expect(containsCardNumber(pan, 'id')).toBe(false);
    expect(containsCardNumber('4539 5787 6362 1486', 'id')).toBe(true);
    expect(containsCardNumber('4539-5787-6362-1486', 'id')).toBe(true);
    expect(containsCardNumber('453957876362148-6', 'id')).toBe(false); // a composite id, not a card's grouping
    expect(containsCardNumber('４５３９５７８７６３６２１４８６', 'id')).toBe(true);
  });

  it.each([
    ['an order number', 'ORD-2026-000123-1795316519177'],
    ['a US phone number', '+1 (555) 123-4567'],
    ['a UK phone number', '+44 20 7946 0958'],
    ['a UUID', '3f2b8c1e-9d4a-4c6e-8a7b-2e5f1d0c9b8a'],
    ['an all-digit UUID', '41111111-1111-4111-8111-111111111111'],
    ['a timestamp', '2026-11-22T12:00:00.000Z'],
    ['a Shopify GID', 'gid://shopify/ProductVariant/40156461645923'],
    ['a 12-digit run', '424242424242'],
    ['a Luhn-failing 16-digit run', '4242424242424241'],
    ['a millisecond timestamp', '1795316519176'],
    ['a timestamped order number', 'order-1795316519176-12'],
    ['a timestamped customer id', 'cus_12_1795316519176'],
  ])('lets %s through', (_label, text) => {
    expect(containsCardNumber(text, 'text')).toBe(false);
    expect(containsCardNumber(text, 'id')).toBe(false);
  });
});

describe('the card-number rule over generated ids (property tests)', () => {
  const options = { seed: SEED, numRuns: RUNS };

  it(
    'refuses none of 100,000 Shopify-style ids (13–14 digits starting with 4, 5 or 6) in any id field',
    () => {
      fc.assert(
        fc.property(shopifyId, (id) => !refusedAnywhereAsId(id)),
        options,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'refuses none of 100,000 numeric ids of 10–20 digits in any id field',
    () => {
      fc.assert(
        fc.property(numericId, (id) => !refusedAnywhereAsId(id)),
        options,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'refuses none of 100,000 orders whose product and variant ids are both numeric',
    () => {
      fc.assert(
        fc.property(
          shopifyId,
          numericId,
          numericId,
          (productId, variantId, externalId) => !screenJsonText(orderJson(productId, variantId, externalId)).card,
        ),
        options,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'refuses none of 100,000 composite ids (a numeric id or a timestamp with a counter) in any id field',
    () => {
      const composite = fc
        .tuple(
          fc.oneof(shopifyId, numericId, fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }).map(String)),
          fc.integer({ min: 0, max: 9999 }),
          fc.constantFrom('-', '_', '/', '.', ':'),
          fc.constantFrom('', 'order-', 'cus_', 'gid://shopify/Order/'),
        )
        .map(([id, counter, sep, prefix]) => `${prefix}${id}${sep}${counter}`);
      fc.assert(
        fc.property(composite, (id) => !refusedAnywhereAsId(id)),
        options,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'refuses none of 100,000 UUIDs, in id fields or in free text',
    () => {
      fc.assert(
        fc.property(
          fc.uuid(),
          (uuid) => !refusedAnywhereAsId(uuid) && !refusedAnywhereAsId(uuid.toUpperCase()) && !containsCardNumber(`order ${uuid} placed`),
        ),
        options,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('the card-number rule over generated numbers and fields (property tests)', () => {
  it(
    'refuses every standard test PAN with any separators, digit forms and placement',
    () => {
      const separator = fc.constantFrom(' ', '  ', '-', '.', '_', '/', '\u00a0', ' - ', '\u2009', '');
      const digitForm = fc.constantFrom(
        (digit: string) => digit,
        (digit: string) => String.fromCharCode(0xff10 + Number(digit)), // full-width
        (digit: string) => String.fromCharCode(0x0660 + Number(digit)), // Arabic-Indic
      );
      const written = fc
        .tuple(fc.constantFrom(...STANDARD_TEST_PANS.map(([, pan]) => pan)), fc.integer({ min: 1, max: 6 }), separator, digitForm)
        .map(([pan, groupSize, sep, form]) => {
          const groups = pan.match(new RegExp(`.{1,${groupSize}}`, 'g')) ?? [pan];
          return groups.map((group) => [...group].map(form).join('')).join(sep);
        });
      const escaped = (text: string) => [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
      const placement = fc.constantFrom(
        (text: string) => screenJsonText(JSON.stringify({ externalId: text })).card,
        (text: string) => screenJsonText(JSON.stringify({ lines: [{ productId: text }] })).card,
        (text: string) => screenJsonText(JSON.stringify({ a: { b: [[{ note: `card ${text} thanks` }]] } })).card,
        (text: string) => screenJsonText(`{"escaped":"${escaped(text)}"}`).card,
        (text: string) => screenJsonText(JSON.stringify({ [text]: 1 })).card,
        (text: string) => screenUrl(`/v1/products/${encodeURIComponent(text)}`).card,
        (text: string) => screenUrl(`/v1/offers?offerId=${encodeURIComponent(text)}`).card,
        (text: string) => screenUrl(`/v1/offers?q=${encodeURIComponent(text)}`).card,
        (text: string) => screenHeaders({ 'idempotency-key': text }).card,
      );
      fc.assert(
        fc.property(written, placement, (text, refused) => refused(text)),
        { seed: SEED, numRuns: 20_000 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('refuses test PANs sent as JSON numbers, which lose digits once parsed', () => {
    for (const [, pan] of STANDARD_TEST_PANS) {
      expect(screenJsonText(`{"x":${pan}}`).card, pan).toBe(true);
      expect(screenJsonText(`{"productId":${pan}}`).card, pan).toBe(true);
      expect(screenJsonText(`[1,${pan}.0]`).card, pan).toBe(true);
    }
  });
});

describe('field names', () => {
  it('recognises card fields after normalising case and punctuation', () => {
    for (const name of ['CVC', 'card_cvv', 'expiration-date', 'Card Number', 'exp_month']) expect(isCardFieldName(name), name).toBe(true);
    for (const name of ['expiresAt', 'expectedRevenue', 'cvvHint', 'panel']) expect(isCardFieldName(name), name).toBe(false);
  });

  it('recognises id fields in camel and snake case', () => {
    for (const name of ['id', 'externalId', 'productId', 'anyProductIds', 'customerRef', 'referenceId', 'product_id', 'idempotencyKey']) {
      expect(isIdFieldName(name), name).toBe(true);
    }
    for (const name of ['paid', 'void', 'title', 'note', 'monkey', 'idea']) expect(isIdFieldName(name), name).toBe(false);
  });

  it('finds a card field nested deep without recursion', () => {
    let deep: unknown = { cvv: '1' };
    for (let level = 0; level < 50_000; level += 1) deep = [deep];
    expect(findCardField(deep)).toBe('cvv');
    expect(findCardField({ field: 'cvv', tags: ['expiry'] })).toBeNull();
  });
});

describe('the JSON screen', () => {
  it('walks 20,000 levels without recursion and refuses the nesting', () => {
    const findings = screenJsonText('['.repeat(20_000) + ']'.repeat(20_000));
    expect(findings.card).toBe(false);
    expect(findings.problem).toContain('nested deeper');
  });

  it('still finds card data past the nesting limit (card data wins)', () => {
    expect(screenJsonText(`${'['.repeat(100)}"4111111111111111"${']'.repeat(100)}`).error()?.code).toBe('card_data_rejected');
  });

  it('names the field holding a NUL character or a lone surrogate, without quoting it', () => {
    expect(screenJsonText('{"lines":[{"title":"a\\u0000b"}]}').problem).toBe('body.lines.0.title contains a NUL character');
    expect(screenJsonText('{"customer":{"tags":["ok","\\udc00"]}}').problem).toContain('body.customer.tags.1');
    expect(screenJsonText('{"a":"\\ud83d\\ude00"}').problem).toBeNull();
    expect(screenJsonText('{"a\\u0000":1}').problem).toContain('a key in body');
  });

  it('refuses prototype keys', () => {
    expect(screenJsonText('{"__proto__":{"admin":true}}').problem).toContain('__proto__');
    expect(screenJsonText('{"constructor":{"prototype":{}}}').problem).toContain('prototype');
    expect(screenJsonText('{"constructor":"x","prototype":1}').problem).toBeNull();
  });
});

describe('the URL screen', () => {
  it('answers a problem, not an exception, for malformed percent-encoding', () => {
    expect(screenUrl('/healthz?%').problem).toContain('query string');
    expect(screenUrl('/v1/offers/%E0%A4%A').problem).toContain('path');
    expect(screenUrl('/sandbox/3ds/a%00b').problem).toContain('NUL');
    expect(screenUrl('/v1/offers?a=b&c=%20d+e').problem).toBeNull();
  });
});
