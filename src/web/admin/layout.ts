/**
 * The admin's page shell: skip link, header with the shop's name and **Sign out**, the navigation (the
 * current page marked `aria-current="page"`), the main landmark, and the one stylesheet. No script, no
 * external asset; the page policy allows forms to post to this origin only and nothing to frame it.
 */
import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../../core/html';
import { sendHtml, type PagePolicy } from '../../http/security-headers';
import { CSRF_FIELD } from './sessions';

export const NAV = [
  { key: 'overview', label: 'Overview', href: '/admin/overview' },
  { key: 'offers', label: 'Offers', href: '/admin/offers' },
  { key: 'experiments', label: 'Experiments', href: '/admin/experiments' },
  { key: 'orders', label: 'Orders', href: '/admin/orders' },
  { key: 'settings', label: 'Settings', href: '/admin/settings' },
] as const;

export type NavKey = (typeof NAV)[number]['key'];

export interface AdminPage {
  readonly title: string;
  /** HTML inside `<main>`, already escaped. */
  readonly body: string;
  readonly status?: number;
  /** The section this page belongs to (marked current in the navigation). */
  readonly nav?: NavKey;
}

/** Who is signed in, for the header: the shop's name and the session's form token (for Sign out). */
export interface Viewer {
  readonly shopName: string;
  readonly csrfToken: string;
}

/**
 * No script at all; forms post to this origin only; nobody frames it. Images: the empty `data:` favicon,
 * and the product images the offer preview shows as the buyer sees them (this origin's or the shop's, over https).
 */
export const ADMIN_PAGE_POLICY: PagePolicy = { framers: { kind: 'none' }, formAction: ["'self'"], imgSrc: ['data:', "'self'", 'https:'] };

const STYLE = `
:root { --ink: #1f2328; --muted: #57606a; --paper: #f6f8fa; --surface: #fff; --line: #d0d7de; --accent: #0b57d0;
  --focus: #b3261e; --good: #1a7f37; --bad: #b3261e; --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 var(--sans); color: var(--ink); background: var(--paper); }
a { color: var(--accent); text-underline-offset: 0.15em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 1.75rem 0 0.75rem; }
p { margin: 0 0 1rem; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
.wrap { width: 100%; max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -9999px; top: 0.5rem; }
.skip:focus { left: 0.5rem; z-index: 10; padding: 0.5rem 1rem; background: var(--surface); }
.top { background: var(--ink); color: #fff; }
.top .wrap { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem; padding-block: 0.75rem; }
.top :focus-visible { outline-color: #fff; }
.brand { margin: 0; font-weight: 700; }
.brand span { font-weight: 400; color: #d0d7de; }
.signout { margin: 0; }
.nav { background: var(--surface); border-bottom: 1px solid var(--line); }
.nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0; padding: 0.5rem 0; list-style: none; }
.nav a { display: inline-block; padding: 0.35rem 0; color: var(--ink); text-decoration: none; border-bottom: 3px solid transparent; }
.nav a:hover { border-bottom-color: var(--line); }
.nav a[aria-current="page"] { font-weight: 700; border-bottom-color: var(--accent); }
main.wrap { padding-block: 1.5rem 3rem; }
main:focus { outline: none; }
.lead { color: var(--muted); max-width: 46rem; }
.note { color: var(--muted); font-size: 0.9375rem; }
.panel { background: var(--surface); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1.5rem; }
.narrow { max-width: 28rem; }
.alert { padding: 0.75rem 1rem; margin-bottom: 1.25rem; border: 1px solid #f1aeb5; border-left-width: 6px; border-radius: 6px; background: #fff5f5; }
.alert ul { margin: 0.25rem 0 0; padding-left: 1.25rem; }
.alert p { margin: 0; }
.done { padding: 0.75rem 1rem; margin-bottom: 1.25rem; border: 1px solid #a6d8b3; border-left-width: 6px; border-radius: 6px; background: #f0fff4; }
.field { display: grid; gap: 0.25rem; margin-bottom: 1rem; }
.field label { font-weight: 600; }
.hint { color: var(--muted); font-size: 0.875rem; margin: 0; }
.error { color: var(--bad); font-weight: 600; font-size: 0.9375rem; margin: 0; }
textarea { font: inherit; color: inherit; background: #fff; border: 1px solid #6e7781; border-radius: 6px; padding: 0.45rem 0.6rem; width: 100%; max-width: 40rem; }
textarea[aria-invalid="true"] { border: 2px solid var(--bad); }
.subnav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0 0 1.25rem; padding: 0; list-style: none; }
.subnav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
details.credentials { margin-top: 1rem; padding: 0.75rem 1rem; border: 1px solid var(--line); border-radius: 6px; }
details.credentials > summary { cursor: pointer; font-weight: 600; min-height: 1.5rem; }
input, select { font: inherit; color: inherit; background: #fff; border: 1px solid #6e7781; border-radius: 6px; padding: 0.45rem 0.6rem; min-height: 2.5rem; width: 100%; max-width: 28rem; }
select { max-width: 40rem; }
input[aria-invalid="true"], select[aria-invalid="true"] { border: 2px solid var(--bad); }
.inline-form { display: flex; flex-wrap: wrap; align-items: end; gap: 0.75rem 1rem; margin-bottom: 1rem; }
.inline-form .field { margin: 0; }
.inline-form input { width: auto; }
.inline-form > a { line-height: 2.5rem; }
.button { display: inline-flex; align-items: center; justify-content: center; min-height: 2.5rem; padding: 0.45rem 1rem; font: 600 1rem/1.2 var(--sans);
  color: #fff; background: var(--accent); border: 2px solid var(--accent); border-radius: 6px; text-decoration: none; cursor: pointer; }
.button:hover { background: #0842a0; border-color: #0842a0; color: #fff; }
.button--quiet { color: var(--accent); background: #fff; }
.button--quiet:hover { color: #fff; }
.button--danger { background: var(--bad); border-color: var(--bad); }
.button--danger:hover { background: #8c1d18; border-color: #8c1d18; }
.button--small { min-height: 2.25rem; padding: 0.25rem 0.75rem; font-size: 0.9375rem; }
.top .button { color: #fff; background: transparent; border-color: #fff; }
.top .button:hover { color: var(--ink); background: #fff; }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; margin: 1rem 0; }
.row-actions { display: flex; gap: 0.5rem; }
.row-actions form { margin: 0; }
.table-wrap { position: relative; max-width: 100%; overflow-x: auto; margin-bottom: 1.5rem; background: var(--surface); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; font-size: 0.9375rem; }
caption { text-align: left; font-weight: 600; padding: 0.75rem 0.75rem 0.25rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem 0.75rem; border-top: 1px solid var(--line); }
thead th { border-top: 0; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0 0.5rem; border-radius: 999px; font-size: 0.8125rem; font-weight: 700; background: #eaeef2; color: var(--ink); white-space: nowrap; }
.badge--good { background: #dafbe1; color: #116329; }
.badge--off { background: #fff1e5; color: #953800; }
.badge--bad { background: #ffebe9; color: #a40e26; }
dl.facts { display: grid; grid-template-columns: minmax(9rem, max-content) minmax(0, 1fr); gap: 0.35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.reasons { margin: 0.25rem 0 0; padding-left: 1.1rem; }
.timeline { margin: 0; padding-left: 1.25rem; }
.timeline li { margin-bottom: 0.5rem; }
.chart { display: block; width: 100%; max-width: 32rem; height: auto; background: var(--surface); border: 1px solid var(--line); border-radius: 8px; }
.chart__bar { fill: #0b57d0; }
.chart__bar--negative { fill: #b3261e; }
.chart__axis { stroke: #57606a; stroke-width: 1; }
.chart__label { font: 15px var(--sans); fill: #1f2328; }
.figure { margin: 0 0 1rem; }
.pager { display: flex; flex-wrap: wrap; gap: 1rem; }
.pending { padding: 0.75rem 1rem; margin-bottom: 1.25rem; border: 1px solid #d4a72c; border-left-width: 6px; border-radius: 6px; background: #fff8c5; }
.pending p { margin: 0; }
fieldset.group { min-width: 0; margin: 1.5rem 0 0; padding: 1rem 0 0; border: 0; border-top: 1px solid var(--line); }
fieldset.group > legend { padding: 0; font-size: 1.125rem; font-weight: 700; }
fieldset.group > .hint { margin-bottom: 0.75rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 0 1rem; }
.field--check { grid-template-columns: auto minmax(0, 1fr); align-items: center; column-gap: 0.5rem; }
.field--check input { width: 1.25rem; height: 1.25rem; min-height: 0; margin: 0; }
.field--check .hint { grid-column: 1 / -1; }
.choices { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin-bottom: 0.75rem; }
.choice { display: inline-flex; align-items: center; gap: 0.5rem; min-height: 2.5rem; font-weight: 600; }
.choice input { width: 1.25rem; height: 1.25rem; min-height: 0; margin: 0; }
select[multiple] { min-height: 6rem; padding: 0.25rem; }
.copy-row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr) 6.5rem; gap: 0 1rem; align-items: end; }
td.shows { min-width: 11rem; }
.copy-row > .button { margin-bottom: 1rem; }
@media (max-width: 40rem) { .copy-row { grid-template-columns: minmax(0, 1fr); } .copy-row > .button { justify-self: start; } }
.editor { display: grid; gap: 1.5rem; align-items: start; }
.editor__form { margin: 0; }
.editor__preview h2 { margin-top: 0; }
@media (min-width: 64rem) { .editor { grid-template-columns: minmax(0, 1fr) 24rem; } .editor__preview { position: sticky; top: 1rem; } }
.preview-frame { padding: 1rem; background: var(--paper); border: 1px dashed #6e7781; border-radius: 8px; }
.preview-empty { padding: 1rem; color: var(--muted); background: var(--paper); border: 1px dashed #6e7781; border-radius: 8px; }
.arm { margin-top: 1rem; }
.verdict__headline { font-size: 1.2rem; margin-bottom: 0.5rem; }
/* The buyer's widget in the preview, in its default look (the widget's own stylesheet, src/web/widget/styles.ts). */
.plusone-offer { box-sizing: border-box; max-width: 40rem; margin: 0; padding: 1rem; border: 1px solid #d1d5db; border-radius: 8px;
  background: #fff; color: #1f2937; font-size: 1rem; line-height: 1.5; overflow-wrap: anywhere; }
.plusone-offer :where(p, h2) { margin: 0; }
.plusone-offer__heading { margin-bottom: 0.5rem; color: #4b5563; font-size: 0.875rem; font-weight: 600; }
.plusone-offer__body { display: flex; gap: 0.75rem; align-items: flex-start; }
.plusone-offer__image { flex: none; width: 96px; height: 96px; object-fit: cover; border-radius: 4px; }
.plusone-offer__details { min-width: 0; }
.plusone-offer__title { font-size: 1.125rem; font-weight: 700; line-height: 1.3; }
.plusone-offer__variant, .plusone-offer__compare, .plusone-offer__card, .plusone-offer__breakdown { color: #4b5563; }
.plusone-offer__card, .plusone-offer__breakdown, .plusone-offer__savings { font-size: 0.875rem; }
.plusone-offer__price { font-weight: 700; }
.plusone-offer__net { text-decoration: none; }
.plusone-offer__savings { color: #166534; }
.plusone-offer__accept { display: block; width: 100%; min-height: 44px; margin: 1rem 0 0.5rem; padding: 0.625rem 1rem; border: 2px solid #1d4ed8;
  border-radius: 8px; background: #fff; color: #1d4ed8; font: inherit; font-weight: 700; max-width: none; }
.plusone-offer__decline { min-height: 44px; padding: 0.5rem 0; border: 0; background: none; color: #4b5563; font: inherit; text-decoration: underline; }
@media (max-width: 40rem) { dl.facts { grid-template-columns: minmax(0, 1fr); } dl.facts dd { margin-bottom: 0.5rem; } }
`;

function navigation(current: NavKey | undefined): string {
  const items = NAV.map(
    (item) => `<li><a href="${item.href}"${item.key === current ? ' aria-current="page"' : ''}>${escapeHtml(item.label)}</a></li>`,
  ).join('');
  return `<nav class="nav" aria-label="Admin"><div class="wrap"><ul>${items}</ul></div></nav>`;
}

function header(viewer: Viewer | null): string {
  const shop = viewer ? ` <span>· ${escapeHtml(viewer.shopName)}</span>` : '';
  const signOut = viewer
    ? `<form class="signout" method="post" action="/admin/sign-out"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(viewer.csrfToken)}">` +
      `<button type="submit" class="button button--small">Sign out</button></form>`
    : '';
  return `<header class="top"><div class="wrap"><p class="brand">Plusone admin${shop}</p>${signOut}</div></header>`;
}

/** Sends an admin page: with the navigation when someone is signed in, without it on the sign-in and error pages. */
export function sendAdminPage(reply: FastifyReply, page: AdminPage, viewer: Viewer | null): FastifyReply {
  reply.status(page.status ?? 200).header('referrer-policy', 'same-origin');
  return sendHtml(
    reply,
    ADMIN_PAGE_POLICY,
    (nonce) =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">` +
      `<title>${escapeHtml(`${page.title} · Plusone admin`)}</title><style nonce="${nonce}">${STYLE}</style></head><body>` +
      `<a class="skip" href="#main">Skip to content</a>` +
      header(viewer) +
      (viewer ? navigation(page.nav) : '') +
      `<main id="main" class="wrap" tabindex="-1">${page.body}</main></body></html>`,
  );
}

/** A hidden field with the form token. */
export function csrfField(token: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}">`;
}

/** A list of problems (already plain text) as an alert box, or nothing. */
export function alertBox(heading: string, problems: readonly string[]): string {
  if (problems.length === 0) return '';
  const items = problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('');
  return `<div class="alert" role="alert"><p><strong>${escapeHtml(heading)}</strong></p><ul>${items}</ul></div>`;
}

/** A short confirmation of what was just done, or nothing. */
export function doneBox(message: string | null): string {
  return message ? `<div class="done" role="status"><p>${escapeHtml(message)}</p></div>` : '';
}

/** A table in a scrollable region (keyboard-focusable, named), so a wide table never widens the page. */
export function tableRegion(label: string, table: string): string {
  return `<div class="table-wrap" role="region" aria-label="${escapeHtml(label)}" tabindex="0">${table}</div>`;
}
