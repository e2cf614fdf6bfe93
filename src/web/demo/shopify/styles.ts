/**
 * The Shopify view's own stylesheet, on top of the demo shop's (`layout.ts`): the checkout window of the
 * fake Shopify (`sp-*`) and the post-purchase components the host renders (`pp-*`), in the plain look of
 * Shopify's checkout. The layout's page shell has no slot for another `<style>`, so `styleScript` adds
 * this one from the page's nonced inline script, with the same nonce.
 */
const SHELL = `
.sp-window { --sp-ink: #202223; --sp-muted: #5c5f62; --sp-line: #e1e3e5; --sp-accent: #1773b0; --sp-accent-dark: #105a8b;
  font-family: var(--sans); color: var(--sp-ink); background: #fff; border: 1px solid var(--line); border-radius: 12px; overflow: hidden;
  box-shadow: 0 1px 2px rgba(42, 33, 27, 0.06), 0 8px 24px rgba(42, 33, 27, 0.06); }
.sp-window h1, .sp-window h2, .sp-window h3 { font-family: var(--sans); }
.sp-topbar { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem; padding: 1rem 1.5rem; border-bottom: 1px solid var(--sp-line); }
.sp-store { font: 600 1.3rem/1.2 var(--sans); color: var(--sp-ink); }
.sp-secure { display: inline-flex; align-items: center; gap: 0.4rem; font-size: 0.8125rem; color: var(--sp-muted); }
.sp-body { display: grid; }
.sp-main { width: 100%; max-width: 42rem; margin: 0 auto; padding: 2rem 1.5rem 2.5rem; }
.sp-aside { padding: 2rem 1.5rem; background: #fafbfb; border-top: 1px solid var(--sp-line); }
.sp-order { display: flex; align-items: center; gap: 0.85rem; margin: 0 0 1.75rem; }
.sp-order svg { flex: none; }
.sp-order p { margin: 0; }
.sp-order__number { font-size: 0.875rem; color: var(--sp-muted); }
.sp-order__title { font: 600 1.25rem/1.3 var(--sans); margin: 0; }
.sp-loading { display: flex; align-items: center; gap: 0.6rem; min-height: 12rem; justify-content: center; color: var(--sp-muted); }
.sp-aside h2 { font: 600 1rem/1.3 var(--sans); margin: 0 0 0.9rem; }
.sp-aside p { font-size: 0.9375rem; color: var(--sp-muted); }
.sp-skeleton { display: grid; gap: 0.6rem; margin: 1.25rem 0 0; }
.sp-skeleton span { display: block; height: 0.7rem; border-radius: 4px; background: #e9ebed; }
.sp-skeleton .sp-w40 { width: 40%; } .sp-skeleton .sp-w60 { width: 60%; } .sp-skeleton .sp-w80 { width: 80%; } .sp-skeleton .sp-w90 { width: 90%; }
.sp-skeleton .sp-block { height: 4.5rem; border-radius: 8px; }
.sp-paid { display: flex; justify-content: space-between; gap: 1rem; padding: 0.75rem 0; border-block: 1px solid var(--sp-line); font-size: 0.9375rem; }
.sp-paid dt { color: var(--sp-muted); } .sp-paid dd { margin: 0; font-weight: 600; }
.sp-section + .sp-section { margin-top: 1.75rem; }
.sp-section h2 { font: 600 1.0625rem/1.3 var(--sans); margin: 0 0 0.5rem; }
.sp-table { width: 100%; border-collapse: collapse; font-size: 0.875rem; }
.sp-table th, .sp-table td { padding: 0.5rem 0.4rem; text-align: start; border-bottom: 1px solid var(--sp-line); vertical-align: top; }
.sp-table th { color: var(--sp-muted); font-weight: 600; }
.sp-table .sp-amount { text-align: end; white-space: nowrap; }
.sp-kind { display: block; font-weight: 600; }
.sp-meta { display: block; color: var(--sp-muted); font-size: 0.8125rem; }
.sp-kind--refund { color: #8e1f0b; }
.sp-refunds { margin: 0; padding: 0; list-style: none; font-size: 0.9375rem; }
.sp-refunds li { padding: 0.5rem 0; border-bottom: 1px solid var(--sp-line); }
.sp-refunds code { font-size: 0.8125rem; overflow-wrap: anywhere; }
.sp-empty { color: var(--sp-muted); font-size: 0.9375rem; }
.sp-actions { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: center; margin-top: 2rem; }
.sp-window .status { background: #e4e5e7; color: #303030; }
.sp-window .status--on-hold { background: #ffeacc; color: #5c3b00; }
.sp-window .status--unfulfilled { background: #fff1b8; color: #4f3c00; }
.sp-window .status--fulfilled { background: #d4f3e0; color: #0c5132; }
@media (min-width: 60rem) {
  .sp-body { grid-template-columns: minmax(0, 1fr) 21rem; }
  .sp-main { padding: 2.5rem 2.5rem 3rem; }
  .sp-aside { border-top: 0; border-left: 1px solid var(--sp-line); padding: 2.5rem 2rem; }
}
@media (max-width: 35.99rem) {
  .sp-topbar, .sp-main, .sp-aside { padding-inline: 1rem; }
  .sp-main { padding-top: 1.5rem; }
}
`;

const COMPONENTS = `
.pp-root { font: 1rem/1.5 var(--sans); color: var(--sp-ink); overflow-wrap: anywhere; }
.pp-root :where(p, h1, h2, h3) { margin: 0; }
.pp-block-stack { display: flex; flex-direction: column; }
.pp-inline-stack { display: flex; flex-wrap: wrap; align-items: flex-start; }
.pp-block-stack.pp-align-leading { align-items: flex-start; } .pp-block-stack.pp-align-center { align-items: center; } .pp-block-stack.pp-align-trailing { align-items: flex-end; }
.pp-inline-stack.pp-align-center, .pp-tiles.pp-align-center, .pp-bookend.pp-align-center { align-items: center; }
.pp-inline-stack.pp-align-trailing { align-items: flex-end; } .pp-inline-stack.pp-align-baseline, .pp-bookend.pp-align-baseline, .pp-tiles.pp-align-baseline { align-items: baseline; }
.pp-gap-none { gap: 0; } .pp-gap-xtight { gap: 0.25rem; } .pp-gap-tight { gap: 0.5rem; } .pp-gap-base { gap: 1rem; } .pp-gap-loose { gap: 1.5rem; } .pp-gap-xloose { gap: 2.25rem; }
.pp-tiles, .pp-bookend { display: grid; }
.pp-tiles { align-items: start; } .pp-tile, .pp-layout__section { min-width: 0; }
.pp-bookend { align-items: center; }
.pp-layout { display: flex; flex-wrap: wrap; width: 100%; margin-inline: auto; }
.pp-layout--trailing { margin-inline: auto 0; } .pp-layout--leading { margin-inline: 0 auto; }
.pp-layout--block-center { align-items: center; } .pp-layout--block-trailing { align-items: flex-end; }
.pp-text-container > * + * { margin-top: 1rem; } .pp-text-spacing-tight > * + * { margin-top: 0.5rem; } .pp-text-spacing-loose > * + * { margin-top: 1.5rem; } .pp-text-spacing-none > * + * { margin-top: 0; }
.pp-text-leading { text-align: start; } .pp-text-center { text-align: center; } .pp-text-trailing { text-align: end; }
.pp-pad-inline-extraTight { padding-inline: 0.25rem; } .pp-pad-inline-tight { padding-inline: 0.5rem; } .pp-pad-inline-base { padding-inline: 1rem; } .pp-pad-inline-loose { padding-inline: 1.5rem; } .pp-pad-inline-extraLoose { padding-inline: 2rem; }
.pp-pad-block-extraTight { padding-block: 0.25rem; } .pp-pad-block-tight { padding-block: 0.5rem; } .pp-pad-block-base { padding-block: 1rem; } .pp-pad-block-loose { padding-block: 1.5rem; } .pp-pad-block-extraLoose { padding-block: 2rem; }
.pp-heading { font-family: var(--sans); font-weight: 600; line-height: 1.25; color: var(--sp-ink); }
.pp-heading--1 { font-size: 1.625rem; } .pp-heading--2 { font-size: 1.25rem; } .pp-heading--3 { font-size: 1.0625rem; }
.pp-size-small { font-size: 0.875rem; } .pp-size-medium { font-size: 1rem; } .pp-size-large { font-size: 1.3rem; } .pp-size-xlarge { font-size: 1.6rem; }
.pp-emphasized { font-weight: 600; } .pp-subdued { color: var(--sp-muted); }
.pp-appearance-success { color: #0c6b3a; } .pp-appearance-critical { color: #b3220b; } .pp-appearance-warning { color: #7a5300; }
del.pp-text { text-decoration: line-through; }
.pp-button { display: inline-flex; align-items: center; justify-content: center; gap: 0.6rem; width: 100%; min-height: 3.25rem; padding: 0.85rem 1.25rem;
  font: 600 1.0625rem/1.2 var(--sans); border: 2px solid transparent; border-radius: 6px; text-decoration: none; cursor: pointer; }
.pp-button--primary { background: var(--sp-accent); border-color: var(--sp-accent); color: #fff; }
.pp-button--primary:hover { background: var(--sp-accent-dark); border-color: var(--sp-accent-dark); color: #fff; }
.pp-button--subdued { background: #fff; border-color: var(--sp-accent); color: var(--sp-accent); }
.pp-button--subdued:hover { background: #f0f6fb; color: var(--sp-accent-dark); }
.pp-button--plain, .pp-link { width: auto; min-height: 2.75rem; padding: 0.5rem 0.25rem; background: none; border: 0; color: var(--sp-accent);
  font: inherit; text-decoration: underline; text-underline-offset: 0.15em; cursor: pointer; }
.pp-button--plain { font-weight: 500; }
.pp-block-stack > .pp-button--plain { align-self: center; }
.pp-link { display: inline; min-height: 0; padding: 0; }
.pp-button--plain:hover, .pp-link:hover { color: var(--sp-accent-dark); }
.pp-button:disabled { cursor: not-allowed; }
.pp-button--primary:disabled { background: #e3e5e7; border-color: #e3e5e7; color: #4a4d50; }
.pp-button--subdued:disabled { background: #fff; border-color: #b5b8bb; color: #4a4d50; }
.pp-button--plain:disabled { color: #5c5f62; text-decoration: none; }
.pp-button--loading:disabled { cursor: progress; }
.pp-button__spinner, .pp-spinner { display: inline-block; width: 1.1em; height: 1.1em; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: pp-spin 0.8s linear infinite; }
.pp-spinner { width: 1.5rem; height: 1.5rem; color: var(--sp-accent); } .pp-spinner--large { width: 2.5rem; height: 2.5rem; border-width: 3px; } .pp-spinner--inherit { color: inherit; }
@keyframes pp-spin { to { transform: rotate(1turn); } }
@media (prefers-reduced-motion: reduce) { .pp-button__spinner, .pp-spinner { animation-duration: 2.4s; } }
.pp-image { display: block; width: 100%; height: auto; border-radius: 8px; background: #f4f6f8; object-fit: cover; }
.pp-image--bordered { border: 1px solid var(--sp-line); }
.pp-separator { margin: 0; border: 0; border-top: 1px solid var(--sp-line); }
.pp-separator--medium { border-top-width: 2px; } .pp-separator--thick { border-top-width: 3px; } .pp-separator--xthick { border-top-width: 5px; }
.pp-separator--vertical { align-self: stretch; border-top: 0; border-left: 1px solid var(--sp-line); }
.pp-banner { --pp-tone: #0b5394; display: flex; gap: 0.75rem; padding: 0.9rem 1rem; border: 1px solid #b7d3ea; border-radius: 8px; background: #eef5fb; text-align: start; }
.pp-banner::before { content: "i"; flex: none; display: grid; place-items: center; width: 1.35rem; height: 1.35rem; margin-top: 0.05rem; border-radius: 50%;
  background: var(--pp-tone); color: #fff; font: 700 0.8125rem/1 var(--sans); }
.pp-banner--no-icon::before { content: none; }
.pp-banner--success { --pp-tone: #0c6b3a; background: #eaf6ee; border-color: #a9d8b8; } .pp-banner--success::before { content: "✓"; }
.pp-banner--warning { --pp-tone: #8a5b00; background: #fff6e0; border-color: #ecd08f; } .pp-banner--warning::before { content: "!"; }
.pp-banner--critical { --pp-tone: #b3220b; background: #fdefec; border-color: #f0b3a8; } .pp-banner--critical::before { content: "!"; }
.pp-banner__content { display: grid; gap: 0.25rem; min-width: 0; }
.pp-banner__title { font-weight: 600; }
.pp-callout { padding: 1.1rem 1rem; }
.pp-callout--secondary { background: #f4f6f8; border-radius: 8px; }
.pp-callout--border-block { border-block: 1px solid var(--sp-line); border-radius: 0; }
.pp-callout--spacing-tight { padding: 0.6rem 0.75rem; } .pp-callout--spacing-loose { padding: 1.6rem 1.25rem; } .pp-callout--spacing-none { padding: 0; }
.pp-callout__title { font: 600 1.3rem/1.3 var(--sans); }
.pp-callout__text { margin-top: 0.3rem; color: var(--sp-muted); }
.pp-button-group { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.pp-form-layout, .pp-form-layout-group { display: grid; gap: 1rem; }
.pp-field { display: grid; gap: 0.3rem; } .pp-field__label { font-weight: 600; font-size: 0.9375rem; }
.pp-field__error { color: #b3220b; font-size: 0.875rem; }
.pp-choice { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.pp-choice input { width: 1.2rem; height: 1.2rem; min-height: 0; }
.pp-tile .pp-image { max-height: 18rem; }
`;

export const SHOPIFY_VIEW_CSS = `${SHELL}${COMPONENTS}`.replace(/\n\s*/g, '\n').trim();

/** An inline script that adds `css` as a `<style>` carrying the running script's own nonce. */
export function styleScript(css: string): string {
  const text = JSON.stringify(css).replace(/</g, '\\u003c');
  return `(function(){var s=document.createElement('style');s.nonce=document.currentScript.nonce;s.textContent=${text};document.head.appendChild(s);})();`;
}
