/**
 * Buyer-facing strings, one catalogue per language. The order's locale picks the language (falling back
 * to English); money inside them is formatted for the full locale by `formatMoney`.
 */
import { formatMoney } from './money';

const CATALOGUES = {
  en: {
    addFor: 'Add for {price}',
    chargedToCard: 'Charged to your {brand} ending {last4}',
    chargedToUsedCard: 'Charged to the card you just used',
    noThanks: 'No thanks',
    youSave: 'You save {amount}',
    quantity: 'Quantity: {quantity}',
    offerHeading: 'Add to your order',
    includesTax: 'Includes {amount} tax',
    includesShipping: 'Includes {amount} shipping',
  },
  de: {
    addFor: 'Für {price} hinzufügen',
    chargedToCard: 'Wird von Ihrer {brand} mit Endziffern {last4} abgebucht',
    chargedToUsedCard: 'Wird von der soeben verwendeten Karte abgebucht',
    noThanks: 'Nein, danke',
    youSave: 'Sie sparen {amount}',
    quantity: 'Menge: {quantity}',
    offerHeading: 'Zu Ihrer Bestellung hinzufügen',
    includesTax: 'Inklusive {amount} Steuern',
    includesShipping: 'Inklusive {amount} Versand',
  },
  fr: {
    addFor: 'Ajouter pour {price}',
    chargedToCard: 'Débité sur votre {brand} se terminant par {last4}',
    chargedToUsedCard: 'Débité sur la carte que vous venez d’utiliser',
    noThanks: 'Non merci',
    youSave: 'Vous économisez {amount}',
    quantity: 'Quantité : {quantity}',
    offerHeading: 'Ajouter à votre commande',
    includesTax: 'Dont {amount} de taxes',
    includesShipping: 'Dont {amount} de livraison',
  },
} as const;

export type MessageKey = keyof (typeof CATALOGUES)['en'];
type Language = keyof typeof CATALOGUES;

const CARD_BRANDS: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  discover: 'Discover',
  jcb: 'JCB',
  diners: 'Diners Club',
  unionpay: 'UnionPay',
  maestro: 'Maestro',
  cartes_bancaires: 'Cartes Bancaires',
};

function languageOf(locale: string): Language {
  const language = (locale.split('-')[0] ?? '').toLowerCase();
  return language in CATALOGUES ? (language as Language) : 'en';
}

/** The message for `key` in the locale's language with `{name}` placeholders filled in. */
export function message(locale: string, key: MessageKey, values: Record<string, string | number> = {}): string {
  const template: string = CATALOGUES[languageOf(locale)][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}

export function cardBrandName(brand: string): string {
  return CARD_BRANDS[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** "Add for $17.99", or the merchant's copy with `{price}` filled in. */
export function buttonText(template: string | null, total: number, currency: string, locale: string): string {
  const price = formatMoney(total, currency, locale);
  return template ? template.replaceAll('{price}', price) : message(locale, 'addFor', { price });
}

/** "Charged to your Visa ending 4242"; without brand or last4, "Charged to the card you just used". */
export function cardText(card: { brand: string | null; last4: string | null }, locale: string): string {
  if (!card.brand || !card.last4) return message(locale, 'chargedToUsedCard');
  return message(locale, 'chargedToCard', { brand: cardBrandName(card.brand), last4: card.last4 });
}
