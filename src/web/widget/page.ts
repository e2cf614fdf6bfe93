/// <reference lib="dom" />
/**
 * What the widget learns from the page it runs in, read once while the script runs: `currentScript` is
 * null once the page's parsing has moved on.
 */
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;

/** The API's origin unless a wrapper names another: the origin the script was loaded from. */
export const scriptOrigin = script?.src ? new URL(script.src).origin : location.origin;

/** The CSP nonce for the widget's `<style>` (and Stripe.js's `<script>`): `data-plusone-nonce`, or the tag's own. */
export const styleNonce = script?.dataset.plusoneNonce || script?.nonce || '';

export const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
