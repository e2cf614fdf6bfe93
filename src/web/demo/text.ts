/**
 * The demo's buyer-facing words in its three languages. The confirmation page speaks the order's locale
 * (its `<html lang>` says so, and the offer fragment below it uses the same locale); the other pages are
 * in English.
 */
export const LOCALES = [
  { tag: 'en-US', label: 'English' },
  { tag: 'de-DE', label: 'Deutsch' },
  { tag: 'fr-FR', label: 'Français' },
] as const;

export type DemoLocale = (typeof LOCALES)[number]['tag'];

export function demoLocale(tag: string): DemoLocale | null {
  return LOCALES.find((locale) => locale.tag === tag)?.tag ?? null;
}

const EN = {
  skipToContent: 'Skip to content',
  badge: 'Sandbox demo of Plusone',
  footerNote: 'A sandbox store: no real card is charged and nothing ships.',
  footerApi: 'Plusone API (OpenAPI)',
  confirmedTitle: 'Thank you, your order is confirmed',
  confirmationSent: 'Order {order} · A confirmation was sent to {email}.',
  orderNumber: 'Order {order}',
  summary: 'Order summary',
  quantity: 'Qty {quantity}',
  discount: 'Discount',
  subtotal: 'Subtotal',
  shipping: 'Shipping',
  tax: 'Tax',
  total: 'Total',
  paidWith: 'Paid with {brand} ending {last4}',
  addedAfterCheckout: 'Added after checkout',
  continueShopping: 'Continue shopping',
  viewOrder: 'View your order',
  otherBrowser: 'This order was placed in another browser (or before the shop restarted), so its e-mail address and the offer are not shown here.',
};

export type TextKey = keyof typeof EN;

const TEXTS: Record<DemoLocale, Record<TextKey, string>> = {
  'en-US': EN,
  'de-DE': {
    skipToContent: 'Zum Inhalt springen',
    badge: 'Sandbox-Demo von Plusone',
    footerNote: 'Ein Sandbox-Shop: Es wird keine echte Karte belastet und nichts verschickt.',
    footerApi: 'Plusone-API (OpenAPI)',
    confirmedTitle: 'Vielen Dank, Ihre Bestellung ist bestätigt',
    confirmationSent: 'Bestellung {order} · Eine Bestätigung wurde an {email} gesendet.',
    orderNumber: 'Bestellung {order}',
    summary: 'Bestellübersicht',
    quantity: 'Menge {quantity}',
    discount: 'Rabatt',
    subtotal: 'Zwischensumme',
    shipping: 'Versand',
    tax: 'Steuer',
    total: 'Gesamt',
    paidWith: 'Bezahlt mit {brand}, endend auf {last4}',
    addedAfterCheckout: 'Nach dem Kauf hinzugefügt',
    continueShopping: 'Weiter einkaufen',
    viewOrder: 'Bestellung ansehen',
    otherBrowser:
      'Diese Bestellung wurde in einem anderen Browser aufgegeben (oder vor einem Neustart des Shops), daher werden ihre E-Mail-Adresse und das Angebot hier nicht angezeigt.',
  },
  'fr-FR': {
    skipToContent: 'Aller au contenu',
    badge: 'Démo sandbox de Plusone',
    footerNote: 'Une boutique sandbox : aucune vraie carte n’est débitée et rien n’est expédié.',
    footerApi: 'API Plusone (OpenAPI)',
    confirmedTitle: 'Merci, votre commande est confirmée',
    confirmationSent: 'Commande {order} · Une confirmation a été envoyée à {email}.',
    orderNumber: 'Commande {order}',
    summary: 'Récapitulatif de la commande',
    quantity: 'Qté {quantity}',
    discount: 'Remise',
    subtotal: 'Sous-total',
    shipping: 'Livraison',
    tax: 'Taxes',
    total: 'Total',
    paidWith: 'Payé avec {brand} se terminant par {last4}',
    addedAfterCheckout: 'Ajouté après la commande',
    continueShopping: 'Continuer vos achats',
    viewOrder: 'Voir votre commande',
    otherBrowser:
      'Cette commande a été passée dans un autre navigateur (ou avant un redémarrage de la boutique) : son adresse e-mail et l’offre ne sont donc pas affichées ici.',
  },
};

/** Plain text (not escaped) with `{name}` placeholders filled. */
export type Translate = (key: TextKey, values?: Readonly<Record<string, string | number>>) => string;

export function translator(locale: DemoLocale): Translate {
  return (key, values = {}) => TEXTS[locale][key].replace(/\{(\w+)\}/g, (placeholder, name: string) => String(values[name] ?? placeholder));
}
