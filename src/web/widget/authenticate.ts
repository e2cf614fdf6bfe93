/// <reference lib="dom" />
/**
 * The bank's 3-D Secure step, however the PSP runs it: its page in a modal dialog (the sandbox), Stripe.js
 * loaded on demand, or the page's own `window.plusoneAuthenticate` (Braintree, Adyen). Each resolves what
 * to post to the complete URL, or null when the buyer did not complete it; what follows is `flow.ts`'s.
 */
import type { Action } from './api';
import { styleNonce } from './page';
import type { Widget } from './state';
import { element, text } from './view';

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

/** A completed step: the details the PSP's SDK returned for the complete URL, if any. */
export interface Completion {
  details: Record<string, unknown> | null;
}

/** Runs the step; null when the buyer closed it or it could not run. */
export type BankStep = () => Promise<Completion | null>;

const COMPLETED: Completion = { details: null };

/** The way to run `action` in this page, or null when there is none. */
export function bankStep(widget: Widget, action: Action | undefined): BankStep | null {
  const url = action?.url;
  if (url) return async () => ((await challenge(widget, new URL(url, widget.api.origin).href)) ? COMPLETED : null);
  return stripeStep(action) ?? pageStep(action);
}

/**
 * Stripe's 3-D Secure step: Stripe.js, loaded only now, runs the bank's step in its own modal. Its result
 * is not trusted: the server reads the outcome from Stripe. Not completed when Stripe.js could not be loaded.
 */
function stripeStep(action: Action | undefined): BankStep | null {
  const clientSecret = action?.clientSecret;
  const publishableKey = action?.data?.publishableKey;
  if (!clientSecret || typeof publishableKey !== 'string') return null;
  const src = typeof action?.data?.stripeJsUrl === 'string' ? action.data.stripeJsUrl : 'https://js.stripe.com/v3/';
  return async () => {
    if (!window.Stripe) await loadScript(src);
    if (!window.Stripe) return null;
    const stripe = window.Stripe(publishableKey);
    await stripe.handleNextAction({ clientSecret }).catch(() => undefined);
    return COMPLETED;
  };
}

/** Appends a `<script>` for `src` (with the widget's nonce) and waits until it loaded or failed. */
function loadScript(src: string): Promise<unknown> {
  const tag = document.createElement('script');
  tag.src = src;
  if (styleNonce) tag.nonce = styleNonce;
  const loaded = new Promise((resolve) => (tag.onload = tag.onerror = resolve));
  document.head.append(tag);
  return loaded;
}

/** The page's own `plusoneAuthenticate`, as the page had it when the bank asked. */
function pageStep(action: Action | undefined): BankStep | null {
  const own = window.plusoneAuthenticate;
  if (!own) return null;
  return async () => {
    const details = await own(action).catch(() => null);
    return details === null ? null : { details };
  };
}

/** The bank's page in a modal dialog; true once it reports completion, false when the buyer closes it. */
function challenge(widget: Widget, src: string): Promise<boolean> {
  const { dialog, frame, cancel } = challengeDialog(widget, src);
  widget.view.section.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin === widget.api.origin && event.source === frame.contentWindow && isChallengeDone(event.data)) done(true);
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

/** The dialog: labelled by its title, the Cancel button first, then the bank's page framed. */
function challengeDialog(widget: Widget, src: string) {
  const dialog = element('dialog', 'plusone-offer__dialog');
  const title = element('h2', 'plusone-offer__dialog-title', text(widget, 'authTitle'));
  title.id = `${widget.view.section.getAttribute('aria-labelledby') ?? 'plusone-offer'}-auth`;
  dialog.setAttribute('aria-labelledby', title.id);
  const frame = element('iframe', 'plusone-offer__frame');
  frame.title = text(widget, 'authTitle');
  frame.src = src;
  const cancel = element('button', 'plusone-offer__dialog-cancel', text(widget, 'authCancel'));
  cancel.type = 'button';
  // Cancel comes first, so the dialog's initial focus lands outside the frame, where Escape still works.
  const head = element('div', 'plusone-offer__dialog-head');
  head.append(title, cancel);
  dialog.append(head, frame);
  return { dialog, frame, cancel };
}

function isChallengeDone(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'type' in data && data.type === 'plusone:3ds-complete';
}
