/**
 * The demo shop's page shell: header with the store name, main, footer, and the one stylesheet every
 * page shares. No external assets, fonts or CDNs; every text that reaches HTML goes through escapeHtml.
 */
import type { FastifyReply } from 'fastify';
import { formatMoney } from '../../core/money';
import { escapeHtml } from '../../core/html';
import { sendHtml, type PagePolicy } from '../../http/security-headers';
import { translator, type DemoLocale, type Translate } from './text';

const STORE_NAME = 'Northwind Coffee';

const STYLE = `
:root { --ink: #2a211b; --muted: #5f5247; --paper: #faf6f0; --surface: #fff; --line: #e6dccf; --accent: #974619;
  --accent-soft: #f6e7d8; --focus: #1d4ed8; --serif: "Iowan Old Style", "Palatino Linotype", Palatino, Georgia, serif;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; font: 16px/1.55 var(--sans); color: var(--ink); background: var(--paper); }
main { flex: 1; }
img { display: block; max-width: 100%; height: auto; }
a { color: var(--accent); text-underline-offset: 0.15em; }
a:hover { color: var(--ink); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h1, h2, h3, legend { font-family: var(--serif); line-height: 1.2; }
h1 { font-size: clamp(1.75rem, 1.2rem + 2.2vw, 2.5rem); margin: 0 0 0.5rem; }
h2 { font-size: 1.25rem; margin: 0 0 0.75rem; }
:where(p) { margin: 0 0 1rem; }
.wrap { width: 100%; max-width: 72rem; margin: 0 auto; padding: 0 1.25rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; z-index: 10; padding: 0.5rem 1rem; background: var(--surface); }
.site-header { background: var(--surface); border-bottom: 1px solid var(--line); }
.site-header .wrap { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem; padding-block: 0.9rem; }
.brand { display: inline-flex; align-items: center; gap: 0.6rem; font: 700 1.35rem/1.2 var(--serif); color: var(--ink); text-decoration: none; }
.badge { font-size: 0.8125rem; font-weight: 600; color: #6b3410; background: var(--accent-soft); border-radius: 999px; padding: 0.25rem 0.75rem; }
main.wrap { padding-block: 2rem 3.5rem; }
.site-footer { background: var(--surface); border-top: 1px solid var(--line); color: var(--muted); font-size: 0.875rem; }
.site-footer .wrap { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem 1.5rem; padding-block: 1.25rem; }
.site-footer p { margin: 0; }
.lead { max-width: 42rem; color: var(--muted); font-size: 1.0625rem; margin-bottom: 2rem; }
.hint { font-size: 0.875rem; color: var(--muted); margin: 0; }
.panel { background: var(--surface); border: 1px solid var(--line); border-radius: 12px; padding: 1.25rem; }
.alert { margin: 0 0 1.5rem; padding: 0.9rem 1.1rem; border: 1px solid #e2b4ab; border-radius: 10px; background: #fdf0ed; color: #7a1f12; }
.alert p { margin: 0; }
.alert ul { margin: 0.25rem 0 0; padding-left: 1.2rem; }
.button { display: inline-flex; align-items: center; justify-content: center; min-height: 2.9rem; padding: 0.7rem 1.5rem;
  font: 600 1rem/1.2 var(--sans); border: 2px solid var(--ink); border-radius: 999px; text-decoration: none; cursor: pointer; }
.button--primary { background: var(--ink); color: #fff; }
.button--primary:hover { background: #4a3a2f; border-color: #4a3a2f; color: #fff; }
.button--block { width: 100%; }
.button:disabled { background: #e4dbd1; border-color: #e4dbd1; color: #4f443b; cursor: not-allowed; }
input, select { font: inherit; color: inherit; background: #fff; border: 1px solid #857567; border-radius: 8px; padding: 0.55rem 0.7rem; min-height: 2.75rem; max-width: 100%; }
.field { display: grid; gap: 0.3rem; margin-bottom: 1rem; }
.field label { font-weight: 600; }
fieldset { min-width: 0; margin: 0 0 1.75rem; padding: 0; border: 0; }
legend { padding: 0; margin-bottom: 0.75rem; font-size: 1.25rem; font-weight: 700; }
.shop { display: grid; gap: 1.5rem; }
.products { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1.25rem; margin: 0; padding: 0; list-style: none; }
.product { display: flex; flex-direction: column; overflow: hidden; background: var(--surface); border: 1px solid var(--line); border-radius: 12px; }
.product img { width: 100%; aspect-ratio: 4 / 3; background: #f3ebe0; }
.product__body { display: flex; flex: 1; flex-direction: column; gap: 0.2rem; padding: 1rem 1rem 1.1rem; }
.product h2 { font-size: 1.15rem; margin: 0; }
.product__variant { margin: 0; color: var(--muted); font-size: 0.9375rem; }
.product__buy { display: flex; align-items: flex-end; justify-content: space-between; gap: 0.75rem; margin-top: auto; padding-top: 0.9rem; }
.price { font-weight: 700; font-size: 1.125rem; }
.qty { display: grid; gap: 0.2rem; }
.qty label { font-size: 0.8125rem; font-weight: 600; color: var(--muted); }
.qty input { width: 5rem; }
.cart-lines { margin: 0 0 0.25rem; padding: 0; list-style: none; font-size: 0.9375rem; }
.cart-lines li { padding: 0.2rem 0; }
.cart-note { margin: 0.5rem 0 1rem; }
.how { margin: 1.5rem 0 0.5rem; font-size: 1.05rem; }
.summary-note { margin-top: 0.75rem; }
.payment-note { margin-bottom: 0.75rem; }
.fallback { margin-top: 1rem; }
.steps { margin: 0 0 1.25rem; padding-left: 1.25rem; color: var(--muted); font-size: 0.9375rem; }
.steps li + li { margin-top: 0.35rem; }
.lines { margin: 0; padding: 0; list-style: none; }
.line { display: grid; grid-template-columns: 4rem minmax(0, 1fr) auto; gap: 0.75rem; align-items: center; padding: 0.75rem 0; border-bottom: 1px solid var(--line); }
.line img { width: 4rem; border-radius: 8px; background: #f3ebe0; }
.line__title { display: block; font-weight: 600; }
.line__meta { display: block; font-size: 0.875rem; color: var(--muted); }
.line__amount { font-weight: 600; white-space: nowrap; }
.tag { display: inline-block; margin: 0.15rem 0; padding: 0.05rem 0.55rem; border-radius: 999px; font-size: 0.75rem; font-weight: 700; color: #1c4f2e; background: #e2f0e6; }
.totals { margin: 0.75rem 0 0; }
.totals div { display: flex; justify-content: space-between; gap: 1rem; padding: 0.2rem 0; }
.totals dt { color: var(--muted); }
.totals dd { margin: 0; white-space: nowrap; }
.totals .totals__grand { margin-top: 0.4rem; padding-top: 0.6rem; border-top: 1px solid var(--line); font-weight: 700; font-size: 1.125rem; }
.totals .totals__grand dt { color: var(--ink); }
.paid { margin: 0.9rem 0 0; font-size: 0.9375rem; color: var(--muted); }
.checkout { display: grid; gap: 1.5rem; }
.pair { display: grid; gap: 0 1rem; }
.card-frame { padding: 0.9rem; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
.card-frame iframe { display: block; width: 100%; height: 34rem; border: 0; }
.card-chosen { min-height: 1.5em; margin: 0.6rem 0 0; color: var(--muted); }
.card-chosen.is-ready { font-weight: 600; color: #1c4f2e; }
.pay-note { margin-top: 0.75rem; text-align: center; }
.confirmation { display: grid; gap: 1.5rem; max-width: 44rem; margin: 0 auto; }
.confirmation__head { display: flex; align-items: flex-start; gap: 1rem; }
.confirmation__head svg { flex: none; margin-top: 0.2rem; }
.confirmation__head p { margin: 0; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 1.5rem; }
.order-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem; }
.order-head p { margin: 0; color: var(--muted); }
.status { display: inline-block; padding: 0.1rem 0.65rem; border-radius: 999px; font-size: 0.8125rem; font-weight: 700; background: #e8e2f4; color: #3b2a6b; }
.status--finalized { background: #e2f0e6; color: #1c4f2e; }
.status--cancelled { background: #f6e1dd; color: #7a1f12; }
.stack { display: grid; gap: 1.5rem; max-width: 48rem; margin: 0 auto; }
.panel h2 { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.activity { margin: 0; padding-left: 1.2rem; }
.activity ul { margin: 0.25rem 0 0.75rem; padding-left: 1.1rem; color: var(--muted); font-size: 0.9375rem; }
.demo-offer { --plusone-accent: #a63f12; --plusone-text: var(--ink); --plusone-muted: var(--muted); --plusone-border: #e3c7ab; --plusone-radius: 12px; }
/* Without script the fragment still reads well; zero specificity, so the widget's own styles win. */
:where(.demo-offer .plusone-offer) { padding: 1.25rem; background: var(--surface); border: 2px solid #e3c7ab; border-radius: 12px; }
:where(.demo-offer .plusone-offer p) { margin: 0 0 0.4rem; }
:where(.demo-offer .plusone-offer__heading) { font-size: 0.8125rem; font-weight: 700; letter-spacing: 0.06em; text-transform: uppercase; color: var(--accent); }
:where(.demo-offer .plusone-offer__body) { display: flex; gap: 1rem; align-items: flex-start; }
:where(.demo-offer .plusone-offer__image) { flex: none; border-radius: 8px; background: #f3ebe0; }
:where(.demo-offer .plusone-offer__title) { font-size: 1.2rem; margin: 0 0 0.2rem; }
:where(.demo-offer .plusone-offer__variant, .demo-offer .plusone-offer__card, .demo-offer .plusone-offer__breakdown) { color: var(--muted); font-size: 0.9375rem; }
:where(.demo-offer .plusone-offer__price) { font-weight: 700; }
:where(.demo-offer .plusone-offer ins) { text-decoration: none; }
:where(.demo-offer .plusone-offer__savings) { color: #1c6b3a; font-size: 0.9375rem; }
:where(.demo-offer .plusone-offer__accept) { width: 100%; min-height: 3rem; margin: 1rem 0 0.6rem; font: 700 1.0625rem/1.2 var(--sans);
  color: #a63f12; background: #fff; border: 2px solid #a63f12; border-radius: 8px; cursor: pointer; }
:where(.demo-offer .plusone-offer__decline) { font: inherit; color: var(--accent); background: none; border: 0; padding: 0.25rem 0; text-decoration: underline; cursor: pointer; }
@media (max-width: 35.99rem) {
  .wrap { padding: 0 1rem; }
  .panel { padding: 1rem; }
  .card-frame { padding: 0.6rem; }
  .product { display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); }
  .product img { height: 100%; aspect-ratio: auto; object-fit: cover; }
  .product__body { padding: 0.8rem; }
  .product__buy { flex-wrap: wrap; }
}
@media (min-width: 36rem) { .pair, .products { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
@media (min-width: 60rem) {
  .shop { grid-template-columns: minmax(0, 1fr) 19rem; align-items: start; }
  .checkout { grid-template-columns: minmax(0, 1fr) 22rem; align-items: start; }
  .checkout .summary { grid-column: 2; grid-row: 1; }
  .checkout form { grid-column: 1; grid-row: 1; }
  .sticky { position: sticky; top: 1.25rem; }
}
`;

const LOGO =
  '<svg width="32" height="32" viewBox="0 0 32 32" aria-hidden="true" focusable="false">' +
  '<circle cx="16" cy="16" r="16" fill="#2a211b"/>' +
  '<ellipse cx="16" cy="16" rx="6.5" ry="9.5" fill="#c8793f" transform="rotate(30 16 16)"/>' +
  '<path d="M12.2 9.6c3.4 2.6 4.3 9.2 7.6 12.8" stroke="#2a211b" stroke-width="1.6" fill="none" stroke-linecap="round"/></svg>';

export interface Page {
  readonly title: string;
  /** HTML inside `<main>`, already escaped. */
  readonly body: string;
  readonly locale?: DemoLocale;
  readonly status?: number;
  /** Inline script run at the end of the body (trusted, built by the demo itself). */
  readonly script?: string;
  readonly scriptUrls?: readonly string[];
}

/** What the demo's pages may load and who may frame them: their own origin only, framed by nobody. */
export const DEMO_PAGE_POLICY: PagePolicy = {
  framers: { kind: 'none' },
  scriptSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  // The sandbox card field at checkout, the sandbox 3-D Secure page in the widget's dialog.
  frameSrc: ["'self'"],
  formAction: ["'self'"],
};

export function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  const locale = page.locale ?? 'en-US';
  const t = translator(locale);
  reply.status(page.status ?? 200).header('referrer-policy', 'same-origin');
  return sendHtml(reply, DEMO_PAGE_POLICY, (nonce) => {
    // The widget's own <style> takes its nonce from its script tag.
    const scripts =
      (page.scriptUrls ?? []).map((url) => `<script src="${escapeHtml(url)}" nonce="${nonce}" defer></script>`).join('') +
      (page.script ? `<script nonce="${nonce}">${page.script}</script>` : '');
    return (
      `<!doctype html><html lang="${escapeHtml(locale)}"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">` +
      `<title>${escapeHtml(`${page.title} · ${STORE_NAME}`)}</title><style nonce="${nonce}">${STYLE}</style></head><body>` +
      `<a class="skip" href="#main">${escapeHtml(t('skipToContent'))}</a>` +
      `<header class="site-header"><div class="wrap">` +
      `<a class="brand" href="/demo">${LOGO}${escapeHtml(STORE_NAME)}</a>` +
      `<span class="badge">${escapeHtml(t('badge'))}</span></div></header>` +
      `<main id="main" class="wrap">${page.body}</main>` +
      `<footer class="site-footer"><div class="wrap"><p>${escapeHtml(t('footerNote'))}</p>` +
      `<p><a href="/v1/openapi.json">${escapeHtml(t('footerApi'))}</a></p></div></footer>` +
      `${scripts}</body></html>`
    );
  });
}

/** One line of an order or cart summary, ready to show. */
export interface SummaryLine {
  readonly title: string;
  readonly variantTitle: string | null;
  readonly quantity: number;
  readonly lineTotal: number;
  readonly imageUrl: string | null;
  readonly source: 'checkout' | 'upsell';
}

export interface SummaryTotals {
  readonly subtotal: number;
  readonly shippingTotal: number;
  readonly taxTotal: number;
  readonly total: number;
}

export function summaryHtml(lines: readonly SummaryLine[], totals: SummaryTotals, currency: string, locale: DemoLocale): string {
  const t: Translate = translator(locale);
  const money = (amount: number) => escapeHtml(formatMoney(amount, currency, locale));
  const items = lines.map((line) => {
    const variant = line.variantTitle && !line.title.includes(line.variantTitle) ? line.variantTitle : null;
    const meta = [variant, t('quantity', { quantity: line.quantity })].filter(Boolean).join(' · ');
    const image = line.imageUrl ? `<img src="${escapeHtml(line.imageUrl)}" alt="" width="64" height="48">` : '<span></span>';
    const tag = line.source === 'upsell' ? `<span class="tag">${escapeHtml(t('addedAfterCheckout'))}</span>` : '';
    return (
      `<li class="line" data-line-source="${line.source}">${image}<div>` +
      `<span class="line__title">${escapeHtml(line.title)}</span>${tag}` +
      `<span class="line__meta">${escapeHtml(meta)}</span></div>` +
      `<span class="line__amount">${money(line.lineTotal)}</span></li>`
    );
  });
  const row = (label: string, amount: number, className = '') =>
    `<div${className ? ` class="${className}"` : ''}><dt>${escapeHtml(label)}</dt><dd>${money(amount)}</dd></div>`;
  // Order lines carry list prices; an offer's discount shows only in the order's subtotal.
  const discount = lines.reduce((sum, line) => sum + line.lineTotal, 0) - totals.subtotal;
  return (
    `<ul class="lines">${items.join('')}</ul>` +
    `<dl class="totals">${discount > 0 ? row(t('discount'), -discount) : ''}` +
    `${row(t('subtotal'), totals.subtotal)}${row(t('shipping'), totals.shippingTotal)}` +
    `${row(t('tax'), totals.taxTotal)}${row(t('total'), totals.total, 'totals__grand')}</dl>`
  );
}

export function brandName(brand: string): string {
  switch (brand) {
    case 'visa':
      return 'Visa';
    case 'mastercard':
      return 'Mastercard';
    case 'amex':
      return 'American Express';
    default:
      return brand.charAt(0).toUpperCase() + brand.slice(1);
  }
}
