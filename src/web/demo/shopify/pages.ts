/**
 * The Shopify view's pages, as bodies for the demo shop's layout: the order form (`/demo/shopify`), the
 * fake Shopify's post-purchase page that hosts the extension, and the thank-you page showing the order as
 * the fake Shopify holds it. Every text goes through escapeHtml; the host's data travels as JSON in a
 * `<script type="application/json">` with `<`, `>`, `&` and the line separators escaped as `\u` codes.
 */
import { formatMoney } from '../../../core/money';
import { escapeHtml } from '../../../core/html';
import type { DemoShopifyProduct } from '../../../core/demo';
import { CSRF_FIELD } from '../buyer';
import { summaryHtml, type Page, type SummaryLine } from '../layout';
import { productHandle } from './changeset';
import type { FakeShopifyOrder, FakeShopifyTransaction } from './order-views';
import type { HostData } from './types';
import { SHOPIFY_VIEW_CSS, styleScript } from './styles';

export const STORE_NAME = 'Northwind Coffee';
export const MAX_QUANTITY = 5;
export const QUANTITY_PREFIX = 'qty-';

/** The demo's product illustrations (`/demo/images/<name>.svg`) for the Shopify store's products. */
const IMAGES: Readonly<Record<string, string>> = {
  'house-blend-coffee': 'house-blend',
  'ceramic-pour-over-dripper': 'pour-over',
  'paper-filters': 'filters',
};

export function productImageUrl(title: string): string | null {
  const name = IMAGES[productHandle(title)];
  return name ? `/demo/images/${name}.svg` : null;
}

const LOCK =
  '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect x="2" y="6" width="10" height="7" rx="1.5" fill="#5c5f62"/>' +
  '<path d="M4.5 6V4.5a2.5 2.5 0 0 1 5 0V6" stroke="#5c5f62" stroke-width="1.5" fill="none"/></svg>';
const CHECK =
  '<svg width="36" height="36" viewBox="0 0 36 36" aria-hidden="true" focusable="false"><circle cx="18" cy="18" r="17" fill="none" stroke="#1773b0" stroke-width="2"/>' +
  '<path d="M11 18.5l4.5 4.5L25 13.5" stroke="#1773b0" stroke-width="2.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>';

function alert(messages: readonly string[]): string {
  if (messages.length === 0) return '';
  return `<div class="alert" role="alert">${messages.map((message) => `<p>${escapeHtml(message)}</p>`).join('')}</div>`;
}

export function shopifyOffPage(status = 200): Page {
  return {
    status,
    title: 'Shopify demo is off',
    body:
      `<div class="stack"><h1>The Shopify demo is off</h1>` +
      `<p class="lead">This Plusone server runs without the demo’s Shopify store: it was started with <code>PLUSONE_DEMO=0</code>, ` +
      `its database already held other shops, or this build does not seed the Shopify store yet.</p>` +
      `<p><a href="/demo">Back to the demo shop</a></p></div>`,
  };
}

function productCard(product: DemoShopifyProduct, quantity: number): string {
  const handle = productHandle(product.title);
  const id = `shopify-qty-${handle}`;
  const image = productImageUrl(product.title);
  return (
    `<li class="product">` +
    (image ? `<img src="${escapeHtml(image)}" alt="" width="400" height="300">` : '') +
    `<div class="product__body"><h2>${escapeHtml(product.title)}</h2>` +
    `<p class="product__variant">${escapeHtml(product.variantTitle)}</p>` +
    `<div class="product__buy"><span class="price">${escapeHtml(formatMoney(product.price, 'USD'))}</span>` +
    `<div class="qty"><label for="${escapeHtml(id)}">Quantity<span class="visually-hidden"> of ${escapeHtml(product.title)}</span></label>` +
    `<input id="${escapeHtml(id)}" name="${escapeHtml(QUANTITY_PREFIX + handle)}" type="number" inputmode="numeric" min="0" max="${MAX_QUANTITY}" ` +
    `step="1" value="${quantity}"></div></div></div></li>`
  );
}

export interface ShopifyIndexInput {
  readonly products: readonly DemoShopifyProduct[];
  readonly quantities: ReadonlyMap<string, number>;
  readonly csrf: string;
  readonly shopDomain: string;
  readonly errors?: readonly string[];
}

export function shopifyIndexPage({ products, quantities, csrf, shopDomain, errors = [] }: ShopifyIndexInput): Page {
  return {
    status: errors.length > 0 ? 400 : 200,
    title: 'Shopify post-purchase',
    body:
      `<h1>Shopify post-purchase</h1>` +
      `<p class="lead">This is Plusone’s Shopify post-purchase extension — the same bundle a merchant deploys with Shopify CLI — running ` +
      `against a local fake of Shopify’s checkout host and Admin API, with this server as its backend. No Shopify store or account is ` +
      `needed: place an order below and Shopify’s post-purchase page opens with the one-click offer.</p>` +
      alert(errors) +
      `<form class="shop" method="post" action="/demo/shopify/orders"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrf)}">` +
      `<ul class="products" aria-label="Products">${products.map((product) => productCard(product, quantities.get(productHandle(product.title)) ?? 0)).join('')}</ul>` +
      `<aside class="panel sticky" aria-labelledby="shopify-checkout-title"><h2 id="shopify-checkout-title">Shopify checkout</h2>` +
      `<p class="hint cart-note">Store <code>${escapeHtml(shopDomain)}</code> (fake). Paid at once through Shopify’s test gateway; ` +
      `the order stays on the post-purchase hold until you reach the thank-you page.</p>` +
      `<button type="submit" class="button button--primary button--block">Place Shopify order</button>` +
      `<h3 class="how">What happens next</h3><ol class="steps">` +
      `<li>Shopify’s post-purchase page runs the extension: it asks Plusone for an offer.</li>` +
      `<li>Pay now adds the item through Shopify’s <code>applyChangeset</code>; Shopify charges the card.</li>` +
      `<li>Undo within the window: Plusone refunds and removes the line through the Admin API.</li>` +
      `</ol><p class="hint"><a href="/demo">Back to the demo shop</a></p></aside></form>`,
  };
}

/** JSON for a `<script type="application/json">`: nothing in it can end the element or start markup. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function topbar(): string {
  return (
    `<div class="sp-topbar"><span class="sp-store">${escapeHtml(STORE_NAME)}</span>` +
    `<span class="sp-secure">${LOCK}Checkout · local fake of Shopify</span></div>`
  );
}

function orderHeading(order: FakeShopifyOrder, title: string, heading: { level: 'h1' | 'p'; id?: string }): string {
  const id = heading.id ? ` id="${escapeHtml(heading.id)}"` : '';
  return (
    `<div class="sp-order">${CHECK}<div><p class="sp-order__number">Order ${escapeHtml(order.name)}</p>` +
    `<${heading.level} class="sp-order__title"${id}>${escapeHtml(title)}</${heading.level}></div></div>`
  );
}

export function postPurchasePage(order: FakeShopifyOrder, host: HostData): Page {
  const skeleton = ['sp-w60', 'sp-w90', 'sp-w80', 'sp-block', 'sp-w40', 'sp-w90', 'sp-w60'].map((width) => `<span class="${width}"></span>`).join('');
  return {
    title: `Order ${order.name} · Post-purchase`,
    scriptUrls: ['/demo/shopify/host.js'],
    script: styleScript(SHOPIFY_VIEW_CSS),
    body:
      `<div class="sp-window" data-shopify-page="post-purchase">${topbar()}<div class="sp-body">` +
      `<section class="sp-main" aria-label="Post-purchase offer">${orderHeading(order, 'Your order is confirmed', { level: 'p' })}` +
      `<div id="shopify-extension" class="pp-root"></div>` +
      `<p class="sp-loading" id="shopify-extension-loading" role="status">Loading…</p>` +
      `<noscript><p>Shopify’s post-purchase page needs JavaScript. <a href="${escapeHtml(host.thankYouUrl)}">Continue to your order</a></p></noscript>` +
      `</section>` +
      `<aside class="sp-aside" aria-labelledby="sp-next"><h2 id="sp-next">Next: your order status page</h2>` +
      `<dl class="sp-paid"><dt>Paid</dt><dd>${escapeHtml(formatMoney(order.totals.paid, order.currency))}</dd></dl>` +
      `<p>Shopify shows this page after payment and before the thank-you page, while the order waits on its post-purchase hold.</p>` +
      `<div class="sp-skeleton" aria-hidden="true">${skeleton}</div></aside>` +
      `</div></div>` +
      `<script type="application/json" id="shopify-host-data">${scriptJson(host)}</script>`,
  };
}

const STATUS_LABELS: Readonly<Record<FakeShopifyOrder['displayFulfillmentStatus'], string>> = {
  ON_HOLD: 'On hold',
  UNFULFILLED: 'Unfulfilled',
  FULFILLED: 'Fulfilled',
};

function lines(order: FakeShopifyOrder): SummaryLine[] {
  return order.lines
    .filter((line) => line.quantity > 0)
    .map((line) => ({
      title: line.title,
      variantTitle: line.variantTitle,
      quantity: line.quantity,
      lineTotal: line.unitPrice * line.quantity,
      imageUrl: productImageUrl(line.title),
      source: line.source === 'changeset' ? 'upsell' : 'checkout',
    }));
}

const dateTime = new Intl.DateTimeFormat('en-US', { timeStyle: 'medium', timeZone: 'UTC' });

function transactionRow(transaction: FakeShopifyTransaction, currency: string): string {
  const kind = transaction.kind.charAt(0) + transaction.kind.slice(1).toLowerCase();
  const amount = formatMoney(transaction.kind === 'REFUND' ? -transaction.amount : transaction.amount, currency);
  return (
    `<tr data-transaction-kind="${escapeHtml(transaction.kind)}"><td><span class="sp-kind sp-kind--${escapeHtml(transaction.kind.toLowerCase())}">${escapeHtml(kind)}</span>` +
    `<span class="sp-meta">${escapeHtml(transaction.gateway)} · <time datetime="${escapeHtml(transaction.createdAt)}">` +
    `${escapeHtml(dateTime.format(new Date(transaction.createdAt)))} UTC</time></span></td>` +
    `<td>${escapeHtml(transaction.status.toLowerCase())}</td><td class="sp-amount">${escapeHtml(amount)}</td></tr>`
  );
}

function paymentsHtml(order: FakeShopifyOrder): string {
  const rows = order.transactions.map((transaction) => transactionRow(transaction, order.currency)).join('');
  const refunds = order.refunds.map(
    (refund) =>
      `<li data-refund><strong>${escapeHtml(formatMoney(refund.amount, order.currency))}</strong> refunded` +
      (refund.note ? ` · note <code>${escapeHtml(refund.note)}</code>` : '') +
      `</li>`,
  );
  return (
    `<section class="sp-section" aria-labelledby="sp-transactions"><h2 id="sp-transactions">Transactions</h2>` +
    `<table class="sp-table" id="shopify-transactions"><thead><tr><th scope="col">Transaction</th><th scope="col">Status</th>` +
    `<th scope="col" class="sp-amount">Amount</th></tr></thead><tbody>${rows}</tbody></table></section>` +
    `<section class="sp-section" aria-labelledby="sp-refunds"><h2 id="sp-refunds">Refunds</h2>` +
    (refunds.length > 0
      ? `<ul class="sp-refunds" id="shopify-refunds">${refunds.join('')}</ul>`
      : `<p class="sp-empty" id="shopify-refunds">No refunds.</p>`) +
    `</section>`
  );
}

export function thankYouPage(order: FakeShopifyOrder): Page {
  const status = order.displayFulfillmentStatus;
  const notes =
    order.staffNotes.length > 0
      ? `<p class="hint">Staff notes: ${order.staffNotes.map((note) => `<code>${escapeHtml(note)}</code>`).join(', ')}</p>`
      : '';
  const totals = { subtotal: order.totals.subtotal, shippingTotal: 0, taxTotal: order.totals.tax, total: order.totals.total };
  return {
    title: `Order ${order.name} · Thank you`,
    script: styleScript(SHOPIFY_VIEW_CSS),
    body:
      `<div class="sp-window" data-shopify-page="thank-you">${topbar()}<div class="sp-body">` +
      `<section class="sp-main" aria-labelledby="sp-thanks">` +
      orderHeading(order, 'Thank you!', { level: 'h1', id: 'sp-thanks' }) +
      `<p>Your order is confirmed. <span class="status status--${escapeHtml(status.toLowerCase().replace('_', '-'))}" data-fulfillment-status="${escapeHtml(status)}">` +
      `${escapeHtml(STATUS_LABELS[status])}</span></p>` +
      `<section class="sp-section" id="shopify-order-lines" aria-labelledby="sp-lines"><h2 id="sp-lines">Order summary</h2>` +
      summaryHtml(lines(order), totals, order.currency, 'en-US') +
      `</section>${notes}` +
      `<div class="sp-actions"><a class="button button--primary" href="/demo/shopify">Place another Shopify order</a><a href="/demo">Back to the demo shop</a></div>` +
      `</section>` +
      `<aside class="sp-aside" aria-label="Payments">` +
      `<p>This is the order as the fake Shopify holds it now: its lines, its transactions and its refunds.</p>` +
      paymentsHtml(order) +
      `</aside></div></div>`,
  };
}
