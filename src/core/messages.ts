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
    adding: 'Adding…',
    confirming: 'Confirming…',
    added: 'Added to your order',
    addedWithDeadline: 'Added to your order. You can undo until {time}.',
    undo: "Didn't mean to? Undo",
    timeLeft: '{time} left',
    removed: 'Removed — you will not be charged',
    undoClosed: 'Added to your order. It can no longer be undone.',
    charged: 'Added to your order and charged to your card.',
    captureFailed: 'We couldn’t charge your card, so this item was not added to your order. You have not been charged.',
    refunded: 'Refunded — this item is no longer part of your order.',
    declinedFallback: 'Your card was declined. You have not been charged.',
    noThanksDone: 'No problem — your order is unchanged.',
    authTitle: 'Confirm with your bank',
    authCancel: 'Cancel',
    authCancelled: 'Not confirmed — nothing was added and you have not been charged.',
    authUnavailable: 'Your bank asks for a confirmation that cannot be done here. You have not been charged.',
    stillPending: 'Your bank has not answered yet. If the payment goes through, the item will appear in your order confirmation.',
    unavailable: 'This offer is no longer available. You have not been charged.',
    error: 'Something went wrong. Please try again.',
    declined_card_declined: 'Your card was declined. You have not been charged.',
    declined_insufficient_funds: 'Your card was declined for insufficient funds. You have not been charged.',
    declined_expired_card: 'Your card has expired. You have not been charged.',
    declined_authentication_failed: 'Your bank could not confirm it was you. You have not been charged.',
    declined_processing_error: 'We could not add this to your order. You have not been charged.',
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
    adding: 'Wird hinzugefügt…',
    confirming: 'Wird bestätigt…',
    added: 'Zu Ihrer Bestellung hinzugefügt',
    addedWithDeadline: 'Zu Ihrer Bestellung hinzugefügt. Sie können das bis {time} rückgängig machen.',
    undo: 'Versehentlich? Rückgängig machen',
    timeLeft: 'noch {time}',
    removed: 'Entfernt – Ihnen wird nichts berechnet',
    undoClosed: 'Zu Ihrer Bestellung hinzugefügt. Das kann nicht mehr rückgängig gemacht werden.',
    charged: 'Zu Ihrer Bestellung hinzugefügt und von Ihrer Karte abgebucht.',
    captureFailed: 'Wir konnten Ihre Karte nicht belasten, daher wurde dieser Artikel nicht hinzugefügt. Ihnen wurde nichts berechnet.',
    refunded: 'Erstattet – dieser Artikel gehört nicht mehr zu Ihrer Bestellung.',
    declinedFallback: 'Ihre Karte wurde abgelehnt. Ihnen wurde nichts berechnet.',
    noThanksDone: 'Kein Problem – Ihre Bestellung bleibt unverändert.',
    authTitle: 'Bei Ihrer Bank bestätigen',
    authCancel: 'Abbrechen',
    authCancelled: 'Nicht bestätigt – nichts wurde hinzugefügt und Ihnen wurde nichts berechnet.',
    authUnavailable: 'Ihre Bank verlangt eine Bestätigung, die hier nicht möglich ist. Ihnen wurde nichts berechnet.',
    stillPending: 'Ihre Bank hat noch nicht geantwortet. Wenn die Zahlung durchgeht, erscheint der Artikel in Ihrer Bestellbestätigung.',
    unavailable: 'Dieses Angebot ist nicht mehr verfügbar. Ihnen wurde nichts berechnet.',
    error: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
    declined_card_declined: 'Ihre Karte wurde abgelehnt. Es wurde nichts abgebucht.',
    declined_insufficient_funds: 'Ihre Karte wurde mangels Deckung abgelehnt. Es wurde nichts abgebucht.',
    declined_expired_card: 'Ihre Karte ist abgelaufen. Es wurde nichts abgebucht.',
    declined_authentication_failed: 'Ihre Bank konnte Sie nicht bestätigen. Es wurde nichts abgebucht.',
    declined_processing_error: 'Wir konnten den Artikel nicht hinzufügen. Es wurde nichts abgebucht.',
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
    adding: 'Ajout en cours…',
    confirming: 'Confirmation en cours…',
    added: 'Ajouté à votre commande',
    addedWithDeadline: 'Ajouté à votre commande. Vous pouvez annuler jusqu’à {time}.',
    undo: 'Une erreur ? Annuler l’ajout',
    timeLeft: 'encore {time}',
    removed: 'Retiré — vous ne serez pas débité',
    undoClosed: 'Ajouté à votre commande. Il n’est plus possible d’annuler.',
    charged: 'Ajouté à votre commande et débité sur votre carte.',
    captureFailed: 'Nous n’avons pas pu débiter votre carte : cet article n’a donc pas été ajouté à votre commande. Vous n’avez pas été débité.',
    refunded: 'Remboursé — cet article ne fait plus partie de votre commande.',
    declinedFallback: 'Votre carte a été refusée. Vous n’avez pas été débité.',
    noThanksDone: 'Pas de souci — votre commande reste inchangée.',
    authTitle: 'Confirmez auprès de votre banque',
    authCancel: 'Fermer',
    authCancelled: 'Non confirmé — rien n’a été ajouté et vous n’avez pas été débité.',
    authUnavailable: 'Votre banque demande une confirmation impossible ici. Vous n’avez pas été débité.',
    stillPending: 'Votre banque n’a pas encore répondu. Si le paiement aboutit, l’article apparaîtra dans la confirmation de votre commande.',
    unavailable: 'Cette offre n’est plus disponible. Vous n’avez pas été débité.',
    error: 'Un problème est survenu. Veuillez réessayer.',
    declined_card_declined: 'Votre carte a été refusée. Vous n’avez pas été débité.',
    declined_insufficient_funds: 'Votre carte a été refusée pour provision insuffisante. Vous n’avez pas été débité.',
    declined_expired_card: 'Votre carte a expiré. Vous n’avez pas été débité.',
    declined_authentication_failed: 'Votre banque n’a pas pu confirmer votre identité. Vous n’avez pas été débité.',
    declined_processing_error: 'Nous n’avons pas pu l’ajouter à votre commande. Vous n’avez pas été débité.',
  },
} as const;

export type MessageKey = keyof (typeof CATALOGUES)['en'];
type Language = keyof typeof CATALOGUES;

/**
 * The strings the browser widget shows after a click. The fragment carries them, as templates for the
 * offer's language, so the widget never ships a copy of the catalogue; it fills `{time}` itself.
 */
export const WIDGET_MESSAGE_KEYS = [
  'adding',
  'confirming',
  'added',
  'addedWithDeadline',
  'undo',
  'timeLeft',
  'removed',
  'undoClosed',
  'declinedFallback',
  'noThanksDone',
  'authTitle',
  'authCancel',
  'authCancelled',
  'authUnavailable',
  'stillPending',
  'unavailable',
  'error',
  'charged',
  'captureFailed',
] as const satisfies readonly MessageKey[];

export type WidgetMessageKey = (typeof WIDGET_MESSAGE_KEYS)[number];
export type WidgetMessages = Record<WidgetMessageKey, string>;

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

/** The widget's templates in the locale's language, placeholders left in place. */
export function widgetMessages(locale: string): WidgetMessages {
  const catalogue = CATALOGUES[languageOf(locale)];
  return Object.fromEntries(WIDGET_MESSAGE_KEYS.map((key) => [key, catalogue[key]])) as WidgetMessages;
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
