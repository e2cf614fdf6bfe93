import { describe, expect, it } from 'vitest';
import { buttonText, cardBrandName, cardText, message } from './messages';
import { formatMoney } from './money';

/** Intl separates amount and symbol with U+00A0 or U+202F depending on the locale and ICU version. */
const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe('buttonText', () => {
  it('uses the default English copy with the formatted total', () => {
    expect(buttonText(null, 1799, 'USD', 'en-US')).toBe('Add for $17.99');
  });

  it('fills the price into a merchant template', () => {
    expect(buttonText('Yes, add it for {price}!', 1799, 'USD', 'en-US')).toBe('Yes, add it for $17.99!');
    expect(buttonText('{price} — {price}', 1999, 'JPY', 'en-US')).toBe('¥1,999 — ¥1,999');
  });

  it('keeps a merchant template without a placeholder as it is', () => {
    expect(buttonText('Add to my order', 1799, 'USD', 'en-US')).toBe('Add to my order');
  });

  it('falls back to the default copy for an empty template', () => {
    expect(buttonText('', 1799, 'USD', 'en-US')).toBe('Add for $17.99');
  });

  it('writes the German default with the price formatted for the locale', () => {
    const text = buttonText(null, 1799, 'EUR', 'de-DE');
    expect(text).toBe(`Für ${formatMoney(1799, 'EUR', 'de-DE')} hinzufügen`);
    expect(plainSpaces(text)).toContain('17,99 €');
  });

  it('writes the French default with the price formatted for the locale', () => {
    const text = buttonText(null, 1799, 'EUR', 'fr-FR');
    expect(text).toBe(`Ajouter pour ${formatMoney(1799, 'EUR', 'fr-FR')}`);
    expect(plainSpaces(text)).toContain('17,99 €');
  });

  it('falls back to English copy for an unknown language but formats money for the full locale', () => {
    const text = buttonText(null, 1799, 'EUR', 'nl-NL');
    expect(text.startsWith('Add for ')).toBe(true);
    expect(text).toBe(`Add for ${formatMoney(1799, 'EUR', 'nl-NL')}`);
    expect(plainSpaces(text)).toContain('17,99');
  });
});

describe('cardText', () => {
  it('names the brand and last four digits', () => {
    expect(cardText({ brand: 'visa', last4: '4242' }, 'en-US')).toBe('Charged to your Visa ending 4242');
  });

  it.each([
    ['mastercard', 'Mastercard'],
    ['amex', 'American Express'],
    ['american_express', 'American Express'],
    ['VISA', 'Visa'],
  ])('writes brand %s as %s', (brand, name) => {
    expect(cardText({ brand, last4: '0005' }, 'en-US')).toBe(`Charged to your ${name} ending 0005`);
  });

  it('capitalises a brand it does not know', () => {
    expect(cardText({ brand: 'elo', last4: '1234' }, 'en-US')).toBe('Charged to your Elo ending 1234');
  });

  it('speaks of the card just used when the brand or last four are missing', () => {
    expect(cardText({ brand: null, last4: '4242' }, 'en-US')).toBe('Charged to the card you just used');
    expect(cardText({ brand: 'visa', last4: null }, 'en-US')).toBe('Charged to the card you just used');
    expect(cardText({ brand: '', last4: '' }, 'en-US')).toBe('Charged to the card you just used');
  });

  it('uses the German and French catalogues', () => {
    expect(cardText({ brand: 'visa', last4: '4242' }, 'de-DE')).toBe('Wird von Ihrer Visa mit Endziffern 4242 abgebucht');
    expect(cardText({ brand: 'visa', last4: '4242' }, 'fr-CA')).toBe('Débité sur votre Visa se terminant par 4242');
    expect(cardText({ brand: null, last4: null }, 'de')).toBe('Wird von der soeben verwendeten Karte abgebucht');
  });

  it('reads the language from the part before the first dash, so three-letter codes are not misread', () => {
    expect(message('frr', 'noThanks')).toBe('No thanks');
    expect(message('fr-CA', 'noThanks')).toBe('Non merci');
  });

  it('falls back to English for an unknown locale', () => {
    expect(cardText({ brand: 'visa', last4: '4242' }, 'ja-JP')).toBe('Charged to your Visa ending 4242');
    expect(cardText({ brand: null, last4: null }, 'xx')).toBe('Charged to the card you just used');
  });
});

describe('message', () => {
  it('matches the language case-insensitively', () => {
    expect(message('DE-at', 'noThanks')).toBe('Nein, danke');
  });

  it('leaves a placeholder without a value in place', () => {
    expect(message('en-US', 'youSave')).toBe('You save {amount}');
    expect(message('en-US', 'quantity', { quantity: 2 })).toBe('Quantity: 2');
  });
});

describe('cardBrandName', () => {
  it('knows the common networks', () => {
    expect(cardBrandName('jcb')).toBe('JCB');
    expect(cardBrandName('diners')).toBe('Diners Club');
    expect(cardBrandName('unionpay')).toBe('UnionPay');
  });
});
