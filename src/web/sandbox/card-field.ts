/**
 * The sandbox PSP's hosted card field (`GET /sandbox/card-field`), framed by a merchant's checkout. The
 * buyer types a card number on the PSP's page, never on the merchant's: the page's own script maps a
 * sandbox test number to its payment-method reference and hands the parent page only
 * `{ type: "plusone:card-token", token, brand, last4 }` by postMessage. There is no form, the input has no
 * name, and the page's CSP forbids every request (`connect-src` and `form-action` are `'none'`), so the
 * number cannot leave the frame.
 */
import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml } from '../../core/html';
import { SANDBOX_TEST_CARDS, type SandboxTestCard } from '../../core/sandbox';
import { sendHtml, type PagePolicy } from '../../http/security-headers';

function groupedCardNumber(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; background: #fff; }
  main { padding: 2px; }
  .psp { display: flex; align-items: center; gap: 0.4rem; margin: 0 0 0.75rem; font-size: 0.8125rem; font-weight: 600; color: #3d4a63; }
  .psp svg { flex: none; }
  label.number { display: block; font-weight: 600; margin-bottom: 0.3rem; }
  #card-number { width: 100%; font: inherit; font-size: 1.0625rem; letter-spacing: 0.04em; padding: 0.65rem 0.75rem;
    border: 1px solid #7b8499; border-radius: 6px; color: inherit; background: #fff; }
  #card-number:focus-visible, input[type="radio"]:focus-visible { outline: 3px solid #3056d3; outline-offset: 2px; }
  #card-number[aria-invalid="true"] { border-color: #b42318; }
  .status { min-height: 1.45em; margin: 0.35rem 0 0.75rem; font-size: 0.875rem; color: #3d4a63; }
  .status.is-ready { color: #146c2e; font-weight: 600; }
  .status.is-error { color: #b42318; font-weight: 600; }
  fieldset { margin: 0; padding: 0; border: 0; }
  legend { padding: 0; margin-bottom: 0.4rem; font-weight: 600; }
  .cards { display: grid; gap: 0.35rem; }
  .card { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.6rem; padding: 0.45rem 0.6rem;
    border: 1px solid #d5dae3; border-radius: 6px; cursor: pointer; }
  .card:has(input:checked) { border-color: #3056d3; background: #f1f4fd; }
  .card input { margin: 0; accent-color: #3056d3; }
  .card__label { flex: 1 1 9rem; }
  .card__number { font: 0.8125rem/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; color: #4b556b; }
  .note { margin: 0.75rem 0 0; font-size: 0.8125rem; color: #4b556b; }
`;

const LOCK_ICON =
  '<svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true"><path fill="#3d4a63" d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1Zm2 0h4V5a2 2 0 1 0-4 0v2Z"/></svg>';

/** Runs in the frame only. Kept in ES5 so the field works in every browser a checkout meets. */
const SCRIPT = `
(function () {
  var cards = JSON.parse(document.getElementById('test-cards').textContent);
  var input = document.getElementById('card-number');
  var status = document.getElementById('card-status');
  var radios = document.querySelectorAll('input[name="test-card"]');
  // The shop framing this field is on the sandbox's own origin; a real PSP would use the merchant origin
  // registered with it. Never '*': the token must reach only the page that asked for it.
  var parentOrigin = location.origin;
  var framed = window.parent !== window;

  function tell(message) { if (framed) window.parent.postMessage(message, parentOrigin); }
  function show(text, kind) { status.textContent = text; status.className = 'status' + (kind ? ' is-' + kind : ''); }
  function byNumber(digits) {
    for (var i = 0; i < cards.length; i++) if (cards[i].number === digits) return cards[i];
    return null;
  }
  function byToken(token) {
    for (var i = 0; i < cards.length; i++) if (cards[i].token === token) return cards[i];
    return null;
  }
  function use(card) {
    var last4 = card.number.slice(-4);
    for (var i = 0; i < radios.length; i++) radios[i].checked = radios[i].value === card.token;
    input.removeAttribute('aria-invalid');
    show((card.brand === 'visa' ? 'Visa' : 'Mastercard') + ' ending ' + last4 + ' is ready. The shop receives only a token.', 'ready');
    tell({ type: 'plusone:card-token', token: card.token, brand: card.brand, last4: last4 });
  }
  function clear(message) {
    for (var i = 0; i < radios.length; i++) radios[i].checked = false;
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    show(message, message ? 'error' : '');
    tell({ type: 'plusone:card-cleared' });
  }
  function check(final) {
    var digits = input.value.replace(/\\D/g, '');
    var card = byNumber(digits);
    if (card) use(card);
    else clear(digits.length >= 16 || (final && digits.length > 0) ? 'Use a sandbox test card (see the list below).' : '');
  }

  input.addEventListener('input', function () { check(false); });
  input.addEventListener('change', function () { check(true); });
  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener('change', function (event) {
      var card = byToken(event.target.value);
      if (!card) return;
      input.value = card.number.replace(/(\\d{4})(?=\\d)/g, '$1 ');
      use(card);
    });
  }

  function reportHeight() { tell({ type: 'plusone:card-field-height', height: document.documentElement.scrollHeight }); }
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  window.addEventListener('load', reportHeight);
})();
`;

function cardOption(card: SandboxTestCard): string {
  const id = `card-${card.token}`;
  return (
    `<label class="card" for="${escapeHtml(id)}">` +
    `<input type="radio" name="test-card" id="${escapeHtml(id)}" value="${escapeHtml(card.token)}">` +
    `<span class="card__label">${escapeHtml(card.label)}</span>` +
    `<span class="card__number" aria-hidden="true">${escapeHtml(groupedCardNumber(card.number))}</span>` +
    `</label>`
  );
}

function cardFieldPage(nonce: string): string {
  // `<` escaped so that no value can close the script element.
  const cards = JSON.stringify(SANDBOX_TEST_CARDS.map(({ token, brand, number }) => ({ token, brand, number }))).replace(/</g, '\\u003c');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Card details (sandbox)</title><style nonce="${nonce}">${STYLE}</style></head><body><main>` +
    `<p class="psp">${LOCK_ICON}Sandbox payments · secure card field</p>` +
    `<label class="number" for="card-number">Card number</label>` +
    // No `name`: even inside a form this input would never be submitted.
    `<input id="card-number" type="text" autocomplete="cc-number" inputmode="numeric" maxlength="23" ` +
    `spellcheck="false" placeholder="4242 4242 4242 4242" aria-describedby="card-status">` +
    `<p id="card-status" class="status" role="status" aria-live="polite"></p>` +
    `<fieldset><legend>Or choose a sandbox test card</legend><div class="cards">` +
    SANDBOX_TEST_CARDS.map(cardOption).join('') +
    `</div></fieldset>` +
    `<noscript><p class="note">This field needs JavaScript. Choose a test card in the shop's own list instead.</p></noscript>` +
    `<p class="note">Test mode: no real card is charged. The number stays in this field.</p>` +
    `</main>` +
    `<script type="application/json" id="test-cards">${cards}</script>` +
    `<script nonce="${nonce}">${SCRIPT}</script></body></html>`
  );
}

/** Framed by the merchant's checkout (the demo's, on this origin); it may send nothing anywhere. */
const CARD_FIELD_POLICY: PagePolicy = { framers: { kind: 'self' } };

export const sandboxCardFieldRoutes: FastifyPluginAsync = async (app) => {
  app.get('/sandbox/card-field', { schema: { hide: true } }, async (_request, reply) => sendHtml(reply, CARD_FIELD_POLICY, cardFieldPage));
};
