/// <reference lib="dom" />
/**
 * The buyer-facing widget, served bundled as `/widget.js`. It finds every `[data-plusone-session]`
 * wrapper, fetches the offer fragment when the merchant's server did not render it, and turns the
 * fragment's buttons into the one-click flow: accept (3-D Secure in a dialog, polling while the PSP is
 * slow), undo within the shop's window, and "no thanks". No framework, and no strings of its own: the
 * fragment carries them in the offer's language (`data-plusone-messages`), money already formatted.
 */
import type { WidgetMessageKey, WidgetMessages } from '../../core/messages';

const POLL_INTERVAL_MS = 1_000;
/** About a minute of "Confirming…": reconciliation settles a slow PSP within seconds, or retries every 30 s. */
const POLL_LIMIT = 60;
/** 3-D Secure steps one accept may run (Adyen: a device fingerprint, then a challenge), so no bank loops the page. */
const MAX_AUTH_STEPS = 3;
const ACCEPTED_STATES = ['authorized', 'capturing', 'captured'];
/** After the undo window, how often and how long the widget asks whether the charge went through. */
const FOLLOW_INTERVAL_MS = 3_000;
const FOLLOW_LIMIT = 100;

interface Upsell {
  id: string;
  state: string;
  undoUntil: string | null;
}

/** Every JSON answer of the checkout API fits this shape; each field is checked before it is used. */
interface Answer {
  status?: string;
  upsell?: Upsell;
  error?: { code: string; message: string };
  action?: { url?: string; clientSecret?: string; data?: { publishableKey?: unknown; stripeJsUrl?: unknown } };
  completeUrl?: string;
}

interface Api {
  origin: string;
  request(method: 'GET' | 'POST', path: string, body?: object, headers?: Record<string, string>): Promise<Response>;
}

type EventName =
  | 'viewed' | 'accepted' | 'declined' | 'dismissed' | 'cancelled' | 'pending' | 'requires_action' | 'captured' | 'capture_failed' | 'error';

/** The fragment's `data-plusone-status` for an upsell the buyer already answered: nothing to click any more. */
const OUTCOMES = ['captured', 'removed', 'declined', 'capture_failed', 'refunded'];

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

// Read while the script runs: `currentScript` is null once the page's parsing has moved on.
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
const scriptOrigin = script?.src ? new URL(script.src).origin : location.origin;
const styleNonce = script?.dataset.plusoneNonce || script?.nonce || '';
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

function injectStyles(): void {
  if (document.querySelector('style[data-plusone]')) return;
  const style = document.createElement('style');
  style.dataset.plusone = '';
  if (styleNonce) style.setAttribute('nonce', styleNonce);
  style.textContent = CSS;
  // First in <head>, so the merchant's own rules win at equal specificity.
  document.head.prepend(style);
}

function createApi(origin: string, token: string): Api {
  return {
    origin,
    request: (method, path, body, headers = {}) =>
      fetch(new URL(path, origin), {
        method,
        credentials: 'omit',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
  };
}

async function readAnswer(response: Response): Promise<Answer> {
  try {
    const answer: Answer = await response.json();
    return answer ?? {};
  } catch {
    return {};
  }
}

function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID exists only in secure contexts; a plain-http page still gets an unguessable key.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number) => new Promise<void>((resolve) => window.setTimeout(resolve, ms));

/** The bit depths 3-D Secure 2 accepts for `colorDepth`. */
const COLOR_DEPTHS = [1, 4, 8, 15, 16, 24, 30, 32, 48];
const LANGUAGE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * What 3-D Secure 2 asks of the buyer's browser (the server adds the User-Agent and the origin), or
 * nothing when the browser reports something the protocol cannot carry: the accept goes ahead without.
 */
function browserInfo(): { browserInfo?: Record<string, number | string | boolean> } {
  const depth = COLOR_DEPTHS.filter((bits) => bits <= screen.colorDepth).pop();
  const language = navigator.language;
  if (depth === undefined || !LANGUAGE.test(language) || language.length > 35) return {};
  return {
    browserInfo: {
      colorDepth: depth,
      screenHeight: Math.round(screen.height),
      screenWidth: Math.round(screen.width),
      timeZoneOffset: new Date().getTimezoneOffset(),
      language,
      javaEnabled: false,
    },
  };
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** "0:45", "12:03": minutes and seconds left, rounded up so it never shows 0:00 while undo still works. */
function minutesAndSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function isChallengeDone(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'type' in data && data.type === 'plusone:3ds-complete';
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => { handleNextAction(options: { clientSecret: string }): Promise<unknown> };
    /**
     * The page's own 3-D Secure step for PSPs whose browser SDK the widget does not load (Braintree's
     * `threeDSecure.verifyCard`, Adyen Web's `createFromAction`): given the accept's `action`, resolve
     * the details to post to the complete URL, or null when the buyer gave up.
     */
    plusoneAuthenticate?: (action: unknown) => Promise<Record<string, unknown> | null>;
  }
}

/**
 * Stripe's 3-D Secure step: Stripe.js, loaded only now, runs the bank's step in its own modal. Its result
 * is not trusted: the server reads the outcome from Stripe. False when Stripe.js could not be loaded.
 */
function stripeStep(action: Answer['action']): (() => Promise<boolean>) | null {
  const clientSecret = action?.clientSecret;
  const publishableKey = action?.data?.publishableKey;
  if (!clientSecret || typeof publishableKey !== 'string') return null;
  const src = typeof action?.data?.stripeJsUrl === 'string' ? action.data.stripeJsUrl : 'https://js.stripe.com/v3/';
  return async () => {
    if (!window.Stripe) {
      const tag = document.createElement('script');
      tag.src = src;
      if (styleNonce) tag.nonce = styleNonce;
      const loaded = new Promise((resolve) => (tag.onload = tag.onerror = resolve));
      document.head.append(tag);
      await loaded;
    }
    if (!window.Stripe) return false;
    await window.Stripe(publishableKey).handleNextAction({ clientSecret }).catch(() => undefined);
    return true;
  };
}

function hydrate(section: HTMLElement, api: Api): void {
  const accept = section.querySelector<HTMLButtonElement>('.plusone-offer__accept');
  const decline = section.querySelector<HTMLButtonElement>('.plusone-offer__decline');
  const live = section.querySelector<HTMLElement>('.plusone-offer__status');
  if (!live) return;
  const status: HTMLElement = live;
  injectStyles();

  const offerId = section.dataset.plusoneOffer ?? '';
  const locale = section.lang || undefined;
  const messages: Partial<WidgetMessages> = JSON.parse(section.dataset.plusoneMessages || '{}');
  const text = (key: WidgetMessageKey, time = '') => (messages[key] ?? '').replace('{time}', time);
  const acceptLabel = accept?.textContent ?? '';
  // Set by the fragment when the page was (re)loaded after an accept.
  let upsellId: string | undefined = section.dataset.plusoneUpsell || undefined;
  // Kept only while an accept's outcome is unknown (network error, 5xx), so the retry cannot charge twice.
  let retryKey: string | null = null;

  const emit = (name: EventName, code?: string) => {
    const detail: Record<string, string | number> = { offerId };
    if (upsellId) detail.upsellId = upsellId;
    if (section.dataset.plusoneAmount) detail.amount = Number(section.dataset.plusoneAmount);
    if (section.dataset.plusoneCurrency) detail.currency = section.dataset.plusoneCurrency;
    if (code) detail.code = code;
    section.dispatchEvent(new CustomEvent(`plusone:${name}`, { bubbles: true, detail }));
  };
  const setBusy = (button: HTMLButtonElement, busy: boolean) => {
    button.disabled = busy;
    button.setAttribute('aria-busy', String(busy));
  };
  const setState = (state: string) => {
    section.dataset.plusoneState = state;
    // While confirming (pending) the button stays busy too: the click is being answered.
    const busy = state === 'busy' || state === 'pending';
    if (decline) decline.disabled = busy;
    if (!accept) return;
    setBusy(accept, busy);
    accept.textContent = busy ? text('adding') : acceptLabel;
  };
  const announce = (message: string) => {
    status.textContent = message;
    status.focus();
  };
  const fail = (code: string) => {
    setState('ready');
    announce(text('error'));
    emit('error', code);
  };

  /** Accepted, with the undo open until `deadline` (this browser's clock); then followed until the charge. */
  function accepted(deadline: number, reloaded = false): void {
    setState('accepted');
    const say = reloaded ? (message: string) => (status.textContent = message) : announce;
    if (deadline > Date.now()) {
      const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(deadline);
      say(text('addedWithDeadline', time));
      offerUndo(deadline);
    } else {
      say(text('added'));
    }
    if (!reloaded) emit('accepted');
    void follow(deadline);
  }

  const acceptedUntil = (upsell: Upsell | undefined) => accepted(Date.parse(upsell?.undoUntil ?? '') || 0);

  /** The outcome once the window has closed: charged, or not (the item was taken out again). */
  function settled(state: string): boolean {
    if (section.dataset.plusoneState !== 'accepted') return true;
    if (state === 'captured') {
      setState('captured');
      status.textContent = text('charged');
      emit('captured');
    } else if (state === 'capture_failed') {
      setState('capture_failed');
      status.textContent = text('captureFailed');
      emit('capture_failed');
    } else if (state === 'cancelled') {
      setState('removed');
      status.textContent = text('removed');
    } else {
      return false;
    }
    return true;
  }

  async function follow(deadline: number): Promise<void> {
    if (!upsellId) return;
    const path = `/v1/checkout/upsells/${encodeURIComponent(upsellId)}`;
    await sleep(Math.max(0, deadline - Date.now()));
    for (let attempt = 0; attempt < FOLLOW_LIMIT; attempt++) {
      await sleep(FOLLOW_INTERVAL_MS);
      if (section.dataset.plusoneState !== 'accepted') return;
      const response = await api.request('GET', path).catch(() => null);
      // The session may end after the window: nothing more to learn then.
      if (response && (response.status === 401 || response.status === 404)) return;
      const upsell = response && (await readAnswer(response)).upsell;
      if (upsell && settled(upsell.state)) return;
    }
  }

  function declined(error: Answer['error']): void {
    setState('declined');
    announce(error?.message || text('declinedFallback'));
    emit('declined', error?.code);
  }

  /**
   * Handles an answer shaped like accept's (accept itself, or the 3-D Secure completion). `finished`: the
   * action the buyer just completed (null for accept), so a completion answering with a new action (Adyen's
   * challenge after the device fingerprint) runs that step, and one answering with the same step again fails.
   */
  async function settle(send: () => Promise<Response>, finished: Answer['action'] | null, steps = 0): Promise<void> {
    let response: Response;
    try {
      response = await send();
    } catch {
      return fail('network_error');
    }
    const answer = await readAnswer(response);
    if (answer.upsell?.id) upsellId = answer.upsell.id;
    if (response.status >= 500) return fail(answer.error?.code ?? 'internal_error');
    if (answer.error?.code === 'idempotency_in_progress') {
      await sleep(POLL_INTERVAL_MS);
      return settle(send, finished, steps);
    }
    retryKey = null;
    switch (answer.status) {
      case 'accepted':
        return acceptedUntil(answer.upsell);
      case 'declined':
        return declined(answer.error);
      case 'pending':
        return poll();
      case 'requires_action':
        // The bank asks for another step: run it. The same step again means the bank did not say yet: a
        // fresh click asks again rather than looping the dialog.
        if (finished && (JSON.stringify(answer.action) === JSON.stringify(finished) || steps >= MAX_AUTH_STEPS)) return fail('authentication_incomplete');
        return authenticate(answer, steps + 1);
    }
    setState('closed');
    announce(text('unavailable'));
    emit('error', answer.error?.code ?? `http_${response.status}`);
  }

  const sendAccept = (key: string) => () => api.request('POST', '/v1/checkout/accept', { offerId, ...browserInfo() }, { 'idempotency-key': key });

  async function poll(): Promise<void> {
    if (!upsellId) return fail('pending_without_upsell');
    emit('pending');
    setState('pending');
    status.textContent = text('confirming');
    const path = `/v1/checkout/upsells/${encodeURIComponent(upsellId)}`;
    for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
      await sleep(POLL_INTERVAL_MS);
      const response = await api.request('GET', path).catch(() => null);
      const upsell = response && (await readAnswer(response)).upsell;
      if (!upsell) continue;
      if (ACCEPTED_STATES.includes(upsell.state)) return acceptedUntil(upsell);
      if (upsell.state === 'declined') return declined(undefined);
      // Only accept's answer carries the 3-D Secure action; another key gets this upsell's current answer.
      if (upsell.state === 'requires_action') return settle(sendAccept(newKey()), null);
    }
    announce(text('stillPending'));
  }

  async function authenticate(answer: Answer, steps: number): Promise<void> {
    emit('requires_action');
    const url = answer.action?.url;
    let details: Record<string, unknown> | null = null;
    const own = window.plusoneAuthenticate;
    const step = url
      ? () => challenge(new URL(url, api.origin).href)
      : (stripeStep(answer.action) ?? (own ? async () => (details = await own(answer.action).catch(() => null)) !== null : null));
    if (!step || !upsellId) {
      setState('closed');
      announce(text('authUnavailable'));
      return;
    }
    const completeUrl = answer.completeUrl ?? `/v1/checkout/upsells/${encodeURIComponent(upsellId)}/complete`;
    if (!(await step())) {
      setState('ready');
      announce(text('authCancelled'));
      return;
    }
    status.textContent = text('confirming');
    return settle(() => api.request('POST', completeUrl, details ? { details } : undefined), answer.action ?? {}, steps);
  }

  /** The bank's page in a modal dialog; true once it reports completion, false when the buyer closes it. */
  function challenge(src: string): Promise<boolean> {
    const dialog = element('dialog', 'plusone-offer__dialog');
    const title = element('h2', 'plusone-offer__dialog-title', text('authTitle'));
    title.id = `${section.getAttribute('aria-labelledby') ?? 'plusone-offer'}-auth`;
    dialog.setAttribute('aria-labelledby', title.id);
    const frame = element('iframe', 'plusone-offer__frame');
    frame.title = text('authTitle');
    frame.src = src;
    const cancel = element('button', 'plusone-offer__dialog-cancel', text('authCancel'));
    cancel.type = 'button';
    // Cancel comes first, so the dialog's initial focus lands outside the frame, where Escape still works.
    const head = element('div', 'plusone-offer__dialog-head');
    head.append(title, cancel);
    dialog.append(head, frame);
    section.append(dialog);
    dialog.showModal();
    return new Promise((resolve) => {
      const onMessage = (event: MessageEvent) => {
        if (event.origin === api.origin && event.source === frame.contentWindow && isChallengeDone(event.data)) done(true);
      };
      const done = (completed: boolean) => {
        removeEventListener('message', onMessage);
        dialog.close();
        dialog.remove();
        resolve(completed);
      };
      addEventListener('message', onMessage);
      cancel.addEventListener('click', () => done(false));
      // Escape closes the dialog too; after done() this fires again and changes nothing.
      dialog.addEventListener('close', () => done(false));
    });
  }

  function offerUndo(deadline: number): void {
    const row = element('p', 'plusone-offer__undo');
    const button = element('button', 'plusone-offer__undo-button', text('undo'));
    button.type = 'button';
    button.dataset.plusoneAction = 'undo';
    row.append(button);
    status.after(row);

    let timer = 0;
    const end = (message: string) => {
      window.clearTimeout(timer);
      const hadFocus = row.contains(document.activeElement);
      row.remove();
      status.textContent = message;
      if (hadFocus) status.focus();
    };
    if (reducedMotion.matches) {
      // WCAG 2.2.2: no ticking for those who asked for less motion; the deadline is already in the status.
      timer = window.setTimeout(() => end(text('added')), deadline - Date.now());
    } else {
      const seconds = element('span', 'plusone-offer__timer');
      seconds.setAttribute('aria-hidden', 'true');
      row.append(' ', seconds);
      const tick = () => {
        const left = deadline - Date.now();
        if (left <= 0) return end(text('added'));
        seconds.textContent = text('timeLeft', minutesAndSeconds(left));
      };
      tick();
      timer = window.setInterval(tick, 1_000);
    }

    button.addEventListener('click', async () => {
      if (button.disabled || !upsellId) return;
      setBusy(button, true);
      const response = await api.request('POST', '/v1/checkout/cancel', { upsellId }).catch(() => null);
      const answer = response ? await readAnswer(response) : {};
      // 202 is an undo the PSP has not confirmed yet: recorded, never captured, so it is done for the buyer.
      if (response?.ok) {
        end(text('removed'));
        setState('removed');
        status.focus();
        emit('cancelled');
      } else if (answer.error?.code === 'undo_window_closed') {
        end(text('undoClosed'));
        status.focus();
        emit('error', 'undo_window_closed');
      } else {
        setBusy(button, false);
        status.textContent = text('error');
        status.focus();
        emit('error', answer.error?.code ?? 'network_error');
      }
    });
  }

  status.tabIndex = -1;
  const initial = section.dataset.plusoneStatus;
  const secondsLeft = section.getAttribute('data-plusone-undo-seconds-left');
  if (initial && OUTCOMES.includes(initial)) {
    // Already settled before this load: the server wrote the status; nothing to click.
    setState(initial);
    return;
  }
  setState('ready');
  if (initial === 'accepted') {
    // The time left is the server's, so a wrong clock on this device cannot stretch or cut the window.
    accepted(Date.now() + Number(secondsLeft ?? 0) * 1000, true);
    return;
  }
  if (initial === 'pending') void poll();
  if (!accept) return;
  accept.addEventListener('click', () => {
    if (section.dataset.plusoneState !== 'ready') return;
    retryKey ??= newKey();
    setState('busy');
    void settle(sendAccept(retryKey), null);
  });
  decline?.addEventListener('click', () => {
    if (section.dataset.plusoneState !== 'ready') return;
    setState('dismissed');
    announce(text('noThanksDone'));
    emit('dismissed');
    // The buyer's answer stands even if this request is lost: the offer simply stays open on the server.
    api.request('POST', '/v1/checkout/decline', { offerId }).catch(() => undefined);
  });
  emit('viewed');
}

async function mount(wrapper: HTMLElement): Promise<void> {
  const token = wrapper.dataset.plusoneSession;
  // A second copy of the script on the page must not hydrate the same offer twice.
  if (!token || wrapper.dataset.plusoneMounted !== undefined) return;
  wrapper.dataset.plusoneMounted = '';
  const api = createApi(wrapper.dataset.plusoneApi ? new URL(wrapper.dataset.plusoneApi).origin : scriptOrigin, token);
  let section = wrapper.querySelector<HTMLElement>('.plusone-offer');
  if (!section) {
    const response = await api.request('GET', '/v1/checkout/offer.html').catch(() => null);
    if (response?.status === 204) return;
    if (!response?.ok) {
      const answer = response ? await readAnswer(response) : {};
      wrapper.dispatchEvent(new CustomEvent('plusone:error', { bubbles: true, detail: { code: answer.error?.code ?? 'network_error' } }));
      return;
    }
    // Plusone's own server-rendered fragment, every text in it escaped there.
    wrapper.innerHTML = await response.text();
    section = wrapper.querySelector<HTMLElement>('.plusone-offer');
  }
  if (section) hydrate(section, api);
}

function start(): void {
  document.querySelectorAll<HTMLElement>('[data-plusone-session]').forEach((wrapper) => void mount(wrapper));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
