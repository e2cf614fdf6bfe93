/**
 * The demo shop's pages as HTML bodies for the shared layout: store front, checkout, confirmation (order
 * summary, then the offer), order page, and the few notices in between.
 */
import { formatMoney } from '../../core/money';
import { escapeHtml } from '../../core/html';
import { SANDBOX_TEST_CARDS } from '../../core/sandbox';
import {
  CURRENCY,
  MAX_QUANTITY,
  QUANTITY_PREFIX,
  SHIPPING_FLAT,
  quantityFields,
  taxRatePercent,
  type Cart,
  type CatalogItem,
  type Quantities,
} from './cart';
import { CSRF_FIELD } from './buyer';
import { brandName, summaryHtml, type Page, type SummaryLine } from './layout';
import type { Order, Upsell } from './plusone';
import { LOCALES, demoLocale, translator, type DemoLocale } from './text';

export const COUNTRIES = [
  { code: 'US', name: 'United States' },
  { code: 'DE', name: 'Germany' },
  { code: 'FR', name: 'France' },
  { code: 'GB', name: 'United Kingdom' },
] as const;

const usd = (amount: number) => escapeHtml(formatMoney(amount, CURRENCY));

function alert(messages: readonly string[]): string {
  if (messages.length === 0) return '';
  const content =
    messages.length === 1
      ? `<p>${escapeHtml(messages.join(''))}</p>`
      : `<p>Please check your details:</p><ul>${messages.map((message) => `<li>${escapeHtml(message)}</li>`).join('')}</ul>`;
  return `<div class="alert" role="alert">${content}</div>`;
}

function cartLines(cart: Cart): SummaryLine[] {
  return cart.lines.map((line) => ({
    title: line.title,
    variantTitle: line.variantTitle,
    quantity: line.quantity,
    lineTotal: line.unitPrice * line.quantity,
    imageUrl: line.imageUrl,
    source: 'checkout',
  }));
}

function cartQuery(cart: Cart): string {
  return new URLSearchParams(quantityFields(cart)).toString();
}

export function demoOffPage(): Page {
  return {
    title: 'Demo shop is off',
    body:
      `<div class="stack"><h1>The demo shop is off</h1>` +
      `<p class="lead">This Plusone server runs without its demo store: either it was started with ` +
      `<code>PLUSONE_DEMO=0</code>, or its database already held other shops, so no demo shop was created.</p>` +
      `<p>The API is available as usual; see the <a href="/v1/openapi.json">OpenAPI document</a>.</p></div>`,
  };
}

export function notFoundPage(what: string): Page {
  return {
    status: 404,
    title: 'Not found',
    body: `<div class="stack"><h1>${escapeHtml(what)} not found</h1><p><a href="/demo">Back to the store</a></p></div>`,
  };
}

export function problemPage(status: number, heading: string, message: string): Page {
  return {
    status,
    title: heading,
    body: `<div class="stack"><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p><p><a href="/demo">Back to the store</a></p></div>`,
  };
}

const STOREFRONT_SCRIPT = `
(function () {
  var inputs = document.querySelectorAll('input[data-price]');
  var list = document.getElementById('cart-lines');
  var subtotal = document.getElementById('cart-subtotal');
  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  // Cents as exact decimal text ("1800" -> "18.00"), so no float touches the amount.
  function format(cents) { var text = String(cents); while (text.length < 3) text = '0' + text; return money.format(text.slice(0, -2) + '.' + text.slice(-2)); }
  function item(text) { var li = document.createElement('li'); li.textContent = text; return li; }
  function update() {
    var total = 0;
    list.textContent = '';
    for (var i = 0; i < inputs.length; i++) {
      var quantity = /^\\d{1,2}$/.test(inputs[i].value) ? Number(inputs[i].value) : 0;
      if (quantity < 1 || quantity > ${MAX_QUANTITY}) continue;
      total += quantity * Number(inputs[i].getAttribute('data-price'));
      list.appendChild(item(inputs[i].getAttribute('data-title') + ' × ' + quantity));
    }
    if (!list.firstChild) list.appendChild(item('Your cart is empty.'));
    subtotal.textContent = format(total);
  }
  for (var i = 0; i < inputs.length; i++) inputs[i].addEventListener('input', update);
})();
`;

function productCard(item: CatalogItem, quantity: number): string {
  const id = `qty-${item.productId}`;
  return (
    `<li class="product">` +
    (item.imageUrl ? `<img src="${escapeHtml(item.imageUrl)}" alt="" width="400" height="300">` : '') +
    `<div class="product__body"><h2>${escapeHtml(item.title)}</h2>` +
    `<p class="product__variant">${escapeHtml(item.variantTitle)}</p>` +
    `<div class="product__buy"><span class="price">${usd(item.unitPrice)}</span>` +
    `<div class="qty"><label for="${escapeHtml(id)}">Quantity<span class="visually-hidden"> of ${escapeHtml(item.title)}</span></label>` +
    `<input id="${escapeHtml(id)}" name="${escapeHtml(QUANTITY_PREFIX + item.productId)}" type="number" inputmode="numeric" ` +
    `min="0" max="${MAX_QUANTITY}" step="1" value="${quantity}" data-price="${item.unitPrice}" data-title="${escapeHtml(item.title)}">` +
    `</div></div></div></li>`
  );
}

export function storefrontPage(catalog: readonly CatalogItem[], cart: Cart, quantities: Quantities, errors: readonly string[] = []): Page {
  const chosen =
    cart.lines.length > 0
      ? cart.lines.map((line) => `<li>${escapeHtml(`${line.title} × ${line.quantity}`)}</li>`).join('')
      : '<li>Your cart is empty.</li>';
  return {
    status: errors.length > 0 ? 400 : 200,
    title: 'Coffee & brewing gear',
    script: STOREFRONT_SCRIPT,
    body:
      `<h1>Coffee &amp; brewing gear</h1>` +
      `<p class="lead">Small-batch coffee, roasted every week, and the few tools that make it shine. ` +
      `Buy something, pay with a sandbox test card, and see Plusone's one-click offer on the confirmation page.</p>` +
      alert(errors) +
      `<form class="shop" method="get" action="/demo/checkout">` +
      `<ul class="products" aria-label="Products">` +
      catalog.map((item) => productCard(item, quantities.get(item.productId) ?? 0)).join('') +
      `</ul>` +
      `<aside class="panel sticky" aria-labelledby="cart-title"><h2 id="cart-title">Your cart</h2>` +
      `<ul class="cart-lines" id="cart-lines">${chosen}</ul>` +
      `<dl class="totals"><div class="totals__grand" aria-live="polite"><dt>Subtotal</dt><dd id="cart-subtotal">${usd(cart.subtotal)}</dd></div></dl>` +
      `<p class="hint cart-note">Flat ${usd(SHIPPING_FLAT)} shipping; sales tax is added at checkout.</p>` +
      `<button type="submit" class="button button--primary button--block">Go to checkout</button>` +
      `<h3 class="how">How this demo works</h3><ol class="steps">` +
      `<li>Pick a few products (coffee or the dripper brings the best offer).</li>` +
      `<li>Pay with a sandbox test card in the payment provider's card field.</li>` +
      `<li>On the confirmation page, add one more item with a single click, and undo it within a minute if you like.</li>` +
      `</ol><p class="hint">On Shopify? See the <a href="/demo/shopify">Shopify post-purchase demo</a>.</p></aside></form>`,
  };
}

export interface CheckoutForm {
  readonly email: string;
  readonly country: string;
  readonly locale: string;
}

export const EMPTY_CHECKOUT_FORM: CheckoutForm = { email: '', country: 'US', locale: 'en-US' };

const CHECKOUT_SCRIPT = `
(function () {
  var frame = document.getElementById('card-field');
  var pay = document.getElementById('pay-button');
  var chosen = document.getElementById('card-chosen');
  var token = document.getElementById('card-token');
  var brand = document.getElementById('card-brand');
  var last4 = document.getElementById('card-last4');
  var brands = { visa: 'Visa', mastercard: 'Mastercard' };
  function text(value, pattern) { return typeof value === 'string' && pattern.test(value); }
  function choose(card) {
    token.value = card ? card.token : '';
    brand.value = card ? card.brand : '';
    last4.value = card ? card.last4 : '';
    pay.disabled = !card;
    chosen.textContent = card ? 'Paying with ' + (brands[card.brand] || card.brand) + ' ending ' + card.last4 + '.' : 'Choose or type a sandbox test card above.';
    chosen.className = card ? 'card-chosen is-ready' : 'card-chosen';
  }
  choose(null);
  window.addEventListener('message', function (event) {
    // Only the card field framed by this page, on this origin, may hand over a token.
    if (event.origin !== location.origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data !== 'object') return;
    if (data.type === 'plusone:card-token' && text(data.token, /^pm_[a-z0-9_]{1,60}$/) && text(data.brand, /^[a-z_]{2,30}$/) && text(data.last4, /^\\d{4}$/)) choose(data);
    else if (data.type === 'plusone:card-cleared') choose(null);
    else if (data.type === 'plusone:card-field-height' && typeof data.height === 'number') frame.style.height = Math.min(Math.max(data.height, 160), 1200) + 'px';
  });
  document.getElementById('checkout-form').addEventListener('submit', function (event) {
    if (!token.value) { event.preventDefault(); return; }
    // A second click would resend the same nonce (the order registers once); this only shows progress.
    setTimeout(function () { pay.disabled = true; pay.textContent = 'Processing…'; }, 0);
  });
})();
`;

function options(choices: ReadonlyArray<{ value: string; label: string; lang?: string }>, selected: string): string {
  return choices
    .map(
      ({ value, label, lang }) =>
        `<option value="${escapeHtml(value)}"${lang ? ` lang="${escapeHtml(lang)}"` : ''}${value === selected ? ' selected' : ''}>${escapeHtml(label)}</option>`,
    )
    .join('');
}

/** `nonce` makes a double submit register once; `csrf` is this browser's form token (see `buyer.ts`). */
export function checkoutPage(cart: Cart, form: CheckoutForm, nonce: string, csrf: string, errors: readonly string[] = []): Page {
  const fields: Array<[string, string]> = [...quantityFields(cart), ['nonce', nonce], [CSRF_FIELD, csrf]];
  const hidden = fields.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  const fallbackCards = SANDBOX_TEST_CARDS.map((card) => ({ value: card.token, label: card.label }));
  const locales = LOCALES.map((locale) => ({ value: locale.tag, label: locale.label, lang: locale.tag }));
  return {
    status: errors.length > 0 ? 400 : 200,
    title: 'Checkout',
    script: CHECKOUT_SCRIPT,
    body:
      `<h1>Checkout</h1>` +
      `<p class="lead">Secure sandbox checkout. The card is entered in the payment provider's own field: ` +
      `this shop only ever receives a token.</p>` +
      alert(errors) +
      `<div class="checkout">` +
      `<section class="panel summary sticky" aria-labelledby="summary-title"><h2 id="summary-title">Order summary</h2>` +
      summaryHtml(cartLines(cart), cart, CURRENCY, 'en-US') +
      `<p class="hint summary-note">Sales tax ${escapeHtml(taxRatePercent())} on the subtotal. ` +
      `<a href="/demo?${escapeHtml(cartQuery(cart))}">Edit cart</a></p></section>` +
      `<form class="panel" id="checkout-form" method="post" action="/demo/checkout">${hidden}` +
      `<fieldset><legend>Contact</legend><div class="field"><label for="email">E-mail</label>` +
      `<input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${escapeHtml(form.email)}" aria-describedby="email-hint">` +
      `<p class="hint" id="email-hint">Any address will do; nothing is sent.</p></div></fieldset>` +
      `<fieldset><legend>Delivery</legend><div class="pair">` +
      `<div class="field"><label for="country">Country</label><select id="country" name="country" autocomplete="country">` +
      options(
        COUNTRIES.map((country) => ({ value: country.code, label: country.name })),
        form.country,
      ) +
      `</select></div>` +
      `<div class="field"><label for="locale">Language</label><select id="locale" name="locale">` +
      options(locales, form.locale) +
      `</select></div></div></fieldset>` +
      `<fieldset><legend>Payment</legend>` +
      `<p class="hint payment-note">In this sandbox the order always goes through; the test card decides what ` +
      `happens when you accept the offer after checkout (success, decline, 3-D Secure, a slow bank…).</p>` +
      `<div class="card-frame"><iframe id="card-field" src="/sandbox/card-field" title="Card details (sandbox)"></iframe></div>` +
      `<input type="hidden" name="token" id="card-token"><input type="hidden" name="brand" id="card-brand">` +
      `<input type="hidden" name="last4" id="card-last4">` +
      `<noscript><div class="field fallback"><label for="token-fallback">Sandbox test card</label>` +
      `<select id="token-fallback" name="token">${options(fallbackCards, 'pm_sandbox_visa')}</select></div></noscript>` +
      `<p class="card-chosen" id="card-chosen" role="status"></p></fieldset>` +
      `<button type="submit" id="pay-button" class="button button--primary button--block" aria-describedby="card-chosen">Pay ${usd(cart.total)}</button>` +
      `<p class="hint pay-note">Sandbox: no real card is charged.</p>` +
      `</form></div>`,
  };
}

/** Order lines with the catalog's variant title and image. */
function orderLines(order: Order, catalog: readonly CatalogItem[]): SummaryLine[] {
  return order.lines.map((line) => {
    const item = catalog.find((candidate) => candidate.variantId === line.variantId);
    return {
      title: line.title,
      variantTitle: item?.variantTitle ?? null,
      quantity: line.quantity,
      lineTotal: line.unitPrice * line.quantity,
      imageUrl: item?.imageUrl ?? null,
      source: line.source,
    };
  });
}

function orderSummary(order: Order, catalog: readonly CatalogItem[], locale: DemoLocale): string {
  return summaryHtml(orderLines(order, catalog), order, order.currency, locale);
}

function paidWith(order: Order, locale: DemoLocale): string {
  const { brand, last4 } = order.payment;
  if (!brand || !last4) return '';
  return `<p class="paid">${escapeHtml(translator(locale)('paidWith', { brand: brandName(brand), last4 }))}</p>`;
}

const CHECK_ICON =
  '<svg width="40" height="40" viewBox="0 0 40 40" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="20" fill="#1c6b3a"/>' +
  '<path d="M12 20.5l5.5 5.5L28.5 14" stroke="#fff" stroke-width="3.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';

export interface ConfirmationInput {
  readonly order: Order;
  readonly catalog: readonly CatalogItem[];
  /** Whether this browser placed the order: only then does the page show its e-mail address. */
  readonly placedHere: boolean;
  /** The offer fragment and the session token the widget needs; null shows no offer. */
  readonly offer: { readonly fragment: string; readonly sessionToken: string } | null;
}

/** The inside of the confirmation page's order summary (also served alone, for the refresh below). */
export function orderSummaryPanel(order: Order, catalog: readonly CatalogItem[]): string {
  const locale = demoLocale(order.locale) ?? 'en-US';
  return `<h2 id="summary-title">${escapeHtml(translator(locale)('summary'))}</h2>` + orderSummary(order, catalog, locale) + paidWith(order, locale);
}

/** After an accept, an undo or the capture's outcome, the summary is fetched again: it shows the order as it is now. */
function summaryRefreshScript(orderId: string): string {
  const url = JSON.stringify(`/demo/orders/${encodeURIComponent(orderId)}/summary`).replace(/</g, '\\u003c');
  return `
(function () {
  var summary = document.getElementById('order-summary');
  function refresh() {
    fetch(${url}, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) summary.innerHTML = html; })
      .catch(function () {});
  }
  ['plusone:accepted', 'plusone:cancelled', 'plusone:captured', 'plusone:capture_failed'].forEach(function (name) {
    document.addEventListener(name, refresh);
  });
})();
`;
}

export function confirmationPage({ order, catalog, placedHere, offer }: ConfirmationInput): Page {
  const locale = demoLocale(order.locale) ?? 'en-US';
  const t = translator(locale);
  const reference = order.externalId ?? order.id;
  const lead =
    placedHere && order.customer.email
      ? t('confirmationSent', { order: reference, email: order.customer.email })
      : t('orderNumber', { order: reference });
  return {
    title: t('confirmedTitle'),
    locale,
    ...(offer ? { scriptUrls: ['/widget.js'], script: summaryRefreshScript(order.id) } : {}),
    body:
      `<div class="confirmation">` +
      `<div class="confirmation__head">${CHECK_ICON}<div><h1>${escapeHtml(t('confirmedTitle'))}</h1><p>${escapeHtml(lead)}</p></div></div>` +
      (placedHere ? '' : `<p class="hint" data-demo-other-browser>${escapeHtml(t('otherBrowser'))}</p>`) +
      `<section class="panel" id="order-summary" aria-labelledby="summary-title">${orderSummaryPanel(order, catalog)}</section>` +
      // The fragment is Plusone's own escaped HTML; the widget script hydrates it through this wrapper.
      (offer ? `<div class="demo-offer" data-plusone-session="${escapeHtml(offer.sessionToken)}">${offer.fragment}</div>` : '') +
      `<div class="actions"><a class="button button--primary" href="/demo">${escapeHtml(t('continueShopping'))}</a>` +
      `<a href="/demo/orders/${encodeURIComponent(order.id)}">${escapeHtml(t('viewOrder'))}</a></div>` +
      `</div>`,
  };
}

const STATUS_LABELS: Readonly<Record<string, string>> = { open: 'Open', finalized: 'Finalized', cancelled: 'Cancelled' };

function statusBadge(status: string): string {
  return `<span class="status status--${escapeHtml(status)}" data-order-status="${escapeHtml(status)}">${escapeHtml(STATUS_LABELS[status] ?? status)}</span>`;
}

const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

function when(iso: string): string {
  return `${dateTime.format(new Date(iso))} UTC`;
}

function activityHtml(upsells: readonly Upsell[]): string {
  if (upsells.length === 0) return '';
  const items = upsells.map(
    (upsell) =>
      `<li><strong>${escapeHtml(formatMoney(upsell.amount, upsell.currency))}</strong> · ${escapeHtml(upsell.state.replace(/_/g, ' '))}` +
      `<ul>${upsell.events.map((event) => `<li>${escapeHtml(event.type.replace(/_/g, ' '))} · <time datetime="${escapeHtml(event.at)}">${escapeHtml(when(event.at))}</time></li>`).join('')}</ul></li>`,
  );
  return `<section class="panel" aria-labelledby="activity-title"><h2 id="activity-title">Upsell activity</h2><ul class="activity">${items.join('')}</ul></section>`;
}

export interface OrderPageInput {
  readonly order: Order;
  readonly linkedOrders: readonly Order[];
  readonly catalog: readonly CatalogItem[];
  readonly upsells: readonly Upsell[];
}

export function orderPage({ order, linkedOrders, catalog, upsells }: OrderPageInput): Page {
  const reference = order.externalId ?? order.id;
  const linked = linkedOrders.map(
    (linkedOrder) =>
      `<section class="panel" aria-labelledby="linked-${escapeHtml(linkedOrder.id)}" data-linked-order="${escapeHtml(linkedOrder.id)}">` +
      `<h2 id="linked-${escapeHtml(linkedOrder.id)}">Linked order ${escapeHtml(linkedOrder.externalId ?? linkedOrder.id)} ${statusBadge(linkedOrder.status)}</h2>` +
      `<p class="hint">Created after checkout for the item you added.</p>` +
      orderSummary(linkedOrder, catalog, 'en-US') +
      `</section>`,
  );
  return {
    title: `Order ${reference}`,
    body:
      `<div class="stack">` +
      `<div class="order-head"><div><h1>Your order</h1><p>Order ${escapeHtml(reference)} · placed ` +
      `<time datetime="${escapeHtml(order.createdAt)}">${escapeHtml(when(order.createdAt))}</time></p></div>${statusBadge(order.status)}</div>` +
      (order.parentOrderId
        ? `<p>Added after checkout to <a href="/demo/orders/${encodeURIComponent(order.parentOrderId)}">the original order</a>.</p>`
        : '') +
      `<section class="panel" id="order-lines" aria-labelledby="items-title"><h2 id="items-title">Items</h2>` +
      orderSummary(order, catalog, 'en-US') +
      paidWith(order, 'en-US') +
      `</section>` +
      linked.join('') +
      activityHtml(upsells) +
      `<p class="hint">This page shows the order as Plusone stores it right now: reload it after accepting or undoing the offer.</p>` +
      `<div class="actions"><a class="button button--primary" href="/demo">Continue shopping</a>` +
      `<a href="/demo/orders/${encodeURIComponent(order.id)}/confirmation">Back to the confirmation</a></div>` +
      `</div>`,
  };
}
