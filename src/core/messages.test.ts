import { describe, expect, it } from 'vitest';
import { buttonText, cardBrandName, cardText, message, WIDGET_MESSAGE_KEYS, widgetMessages } from './messages';
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

describe('widget messages', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it('has every widget string in English, German and French with the same placeholders', () => {
    for (const key of WIDGET_MESSAGE_KEYS) {
      const english = message('en', key);
      for (const locale of ['de', 'fr']) {
        const translated = message(locale, key);
        expect(translated, `${locale} ${key}`).not.toBe('');
        expect(placeholders(translated), `${locale} ${key}`).toEqual(placeholders(english));
      }
    }
  });

  it('writes the confirmation, the deadline and the undo in English', () => {
    expect(message('en-US', 'added')).toBe('Added to your order');
    expect(message('en-US', 'addedWithDeadline', { time: '14:32' })).toBe('Added to your order. You can undo until 14:32.');
    expect(message('en-US', 'undo')).toBe("Didn't mean to? Undo");
    expect(message('en-US', 'timeLeft', { time: '0:45' })).toBe('0:45 left');
    expect(message('en-US', 'removed')).toBe('Removed — you will not be charged');
    expect(message('en-US', 'authTitle')).toBe('Confirm with your bank');
    expect(message('en-US', 'confirming')).toBe('Confirming…');
  });

  it('writes them in German and French', () => {
    expect(message('de-DE', 'addedWithDeadline', { time: '14:32' })).toBe(
      'Zu Ihrer Bestellung hinzugefügt. Sie können das bis 14:32 rückgängig machen.',
    );
    expect(message('de-AT', 'removed')).toBe('Entfernt – Ihnen wird nichts berechnet');
    expect(message('fr-FR', 'addedWithDeadline', { time: '14:32' })).toBe('Ajouté à votre commande. Vous pouvez annuler jusqu’à 14:32.');
    expect(message('fr-CA', 'authTitle')).toBe('Confirmez auprès de votre banque');
  });

  it('hands the widget exactly its keys as templates, placeholders left in place', () => {
    const messages = widgetMessages('de-DE');
    expect(Object.keys(messages)).toEqual([...WIDGET_MESSAGE_KEYS]);
    expect(messages.addedWithDeadline).toContain('{time}');
    expect(messages.undo).toBe('Versehentlich? Rückgängig machen');
    expect(messages).not.toHaveProperty('addFor');
  });

  it('falls back to English templates for a language it does not know', () => {
    expect(widgetMessages('ja-JP')).toEqual(widgetMessages('en-US'));
  });
});
