/// <reference lib="dom" />
/**
 * The widget's one `<style data-plusone>` element: every selector starts with a `plusone-offer` class, and
 * the merchant themes it through `--plusone-*` custom properties (docs/storefront.md, "Theming").
 */
import { styleNonce } from './page';

const CSS = [
  // Private names resolve the merchant's custom properties once; the defaults pass WCAG AA on white.
  '.plusone-offer{--_accent:var(--plusone-accent,#1d4ed8);--_text:var(--plusone-text,#1f2937);--_muted:var(--plusone-muted,#4b5563);' +
    '--_surface:var(--plusone-surface,#fff);--_border:var(--plusone-border,#d1d5db);--_radius:var(--plusone-radius,8px);' +
    '--_ok:var(--plusone-success,#166534);--_no:var(--plusone-danger,#b91c1c);box-sizing:border-box;max-width:40rem;margin:1.5rem 0;' +
    'padding:1rem;border:1px solid var(--_border);border-radius:var(--_radius);background:var(--_surface);color:var(--_text);' +
    'font-family:var(--plusone-font,inherit);font-size:1rem;line-height:1.5;text-align:start;overflow-wrap:anywhere}',
  '.plusone-offer *,.plusone-offer ::before,.plusone-offer ::after{box-sizing:inherit}',
  '.plusone-offer :where(p,h2){margin:0}',
  '.plusone-offer__heading{margin-bottom:.5rem;color:var(--_muted);font-size:.875rem;font-weight:600}',
  '.plusone-offer__body{display:flex;gap:.75rem;align-items:flex-start}',
  '.plusone-offer__image{flex:none;width:96px;height:96px;object-fit:cover;border-radius:calc(var(--_radius)/2)}',
  '.plusone-offer__details{min-width:0}',
  '.plusone-offer__title,.plusone-offer__dialog-title{color:inherit;font-size:1.125rem;font-weight:700;line-height:1.3}',
  '.plusone-offer__variant,.plusone-offer__compare,.plusone-offer__card,.plusone-offer__breakdown,.plusone-offer__timer{color:var(--_muted)}',
  '.plusone-offer__card,.plusone-offer__breakdown,.plusone-offer__savings{font-size:.875rem}',
  '.plusone-offer__price{font-weight:700}',
  '.plusone-offer__net{text-decoration:none}',
  '.plusone-offer__savings{color:var(--_ok)}',
  // Outlined by default, so it never competes with the page's own primary button.
  '.plusone-offer__accept{display:block;width:100%;min-height:44px;margin:1rem 0 .5rem;padding:.625rem 1rem;border:2px solid var(--_accent);' +
    'border-radius:var(--_radius);background:var(--plusone-button-background,var(--_surface));color:var(--plusone-button-text,var(--_accent));' +
    'font:inherit;font-weight:700;cursor:pointer}',
  '.plusone-offer__accept:hover{box-shadow:inset 0 0 0 1px var(--_accent)}',
  '.plusone-offer__accept:disabled{cursor:progress}',
  '.plusone-offer__accept[aria-busy=true]::after{content:"";display:inline-block;width:.9em;height:.9em;margin-inline-start:.5em;' +
    'vertical-align:-.1em;border:2px solid;border-right-color:transparent;border-radius:50%;animation:plusone-spin .8s linear infinite}',
  '@keyframes plusone-spin{to{transform:rotate(1turn)}}',
  '.plusone-offer__decline,.plusone-offer__undo-button,.plusone-offer__dialog-cancel{min-height:44px;padding:.5rem 0;border:0;' +
    'background:none;color:var(--_muted);font:inherit;text-decoration:underline;cursor:pointer}',
  '.plusone-offer__undo-button{color:var(--_accent)}',
  '.plusone-offer__undo{display:flex;flex-wrap:wrap;align-items:center;gap:0 .5rem}',
  '.plusone-offer__timer{font-variant-numeric:tabular-nums}',
  '.plusone-offer__status{font-weight:600}',
  '.plusone-offer__status:not(:empty){margin-top:.5rem}',
  '.plusone-offer:is([data-plusone-state=accepted],[data-plusone-state=captured]) .plusone-offer__status{color:var(--_ok)}',
  '.plusone-offer:is([data-plusone-state=declined],[data-plusone-state=capture_failed]) .plusone-offer__status{color:var(--_no)}',
  '.plusone-offer[data-plusone-state]:not([data-plusone-state=ready],[data-plusone-state=busy]) :is(.plusone-offer__accept,.plusone-offer__decline),' +
    '.plusone-offer:is([data-plusone-state=declined],[data-plusone-state=removed],[data-plusone-state=closed]) :is(.plusone-offer__card,.plusone-offer__breakdown),' +
    '.plusone-offer[data-plusone-state=dismissed]>:not(.plusone-offer__status){display:none!important}',
  '.plusone-offer :focus-visible{outline:3px solid var(--plusone-focus,var(--_accent));outline-offset:2px}',
  '.plusone-offer__dialog{width:min(30rem,calc(100vw - 1rem));max-height:calc(100vh - 1rem);padding:1rem;border:0;' +
    'border-radius:var(--_radius);background:var(--_surface);color:var(--_text)}',
  '.plusone-offer__dialog::backdrop{background:rgb(0 0 0/.5)}',
  '.plusone-offer__dialog-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:0 1rem}',
  '.plusone-offer__frame{display:block;width:100%;height:min(34rem,70vh);margin-top:.5rem;border:1px solid var(--_border);' +
    'border-radius:calc(var(--_radius)/2);background:#fff}',
  '@media (max-width:360px){.plusone-offer{padding:.75rem}.plusone-offer__image{width:64px;height:64px}}',
  '@media (prefers-reduced-motion:reduce){.plusone-offer__accept[aria-busy=true]::after{display:none}}',
].join('');

/** Adds the style element once per page, however many widgets (or copies of the script) it has. */
export function injectStyles(): void {
  if (document.querySelector('style[data-plusone]')) return;
  const style = document.createElement('style');
  style.dataset.plusone = '';
  if (styleNonce) style.setAttribute('nonce', styleNonce);
  style.textContent = CSS;
  // First in <head>, so the merchant's own rules win at equal specificity.
  document.head.prepend(style);
}
