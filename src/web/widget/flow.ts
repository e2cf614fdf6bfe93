/// <reference lib="dom" />
/**
 * The one-click flow, as named steps that change the widget's state: `accept` (answered at once, after
 * polling a slow PSP, or after 3-D Secure), `decline` ("No thanks"), and once accepted, `follow` past the
 * undo window until the charge. Every answer shaped like accept's goes through `settle`.
 */
import type { WidgetMessageKey } from '../../core/messages';
import { browserInfo, newKey, readAnswer, upsellPath, type Action, type Answer, type Upsell } from './api';
import { bankStep } from './authenticate';
import type { Widget } from './state';
import { offerUndo } from './undo';
import { announce, emit, say, text, transition } from './view';

const POLL_INTERVAL_MS = 1_000;
/** About a minute of "Confirming…": reconciliation settles a slow PSP within seconds, or retries every 30 s. */
const POLL_LIMIT = 60;
/** 3-D Secure steps one accept may run (Adyen: a device fingerprint, then a challenge), so no bank loops the page. */
const MAX_AUTH_STEPS = 3;
const ACCEPTED_STATES = ['authorized', 'capturing', 'captured'];
/** After the undo window, how often and how long the widget asks whether the charge went through. */
const FOLLOW_INTERVAL_MS = 3_000;
const FOLLOW_LIMIT = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => window.setTimeout(resolve, ms));

type Send = () => Promise<Response>;

/** The buyer clicked the offer's button: accept it, with the key of the last unanswered try if there was one. */
export function accept(widget: Widget): void {
  const { state } = widget;
  if (state.phase !== 'ready') return;
  state.retryKey ??= newKey();
  transition(widget, 'busy');
  void settle(widget, sendAccept(widget, state.retryKey), null);
}

/** The buyer clicked "No thanks". */
export function decline(widget: Widget): void {
  if (widget.state.phase !== 'ready') return;
  transition(widget, 'dismissed');
  announce(widget, text(widget, 'noThanksDone'));
  emit(widget, 'dismissed');
  // The buyer's answer stands even if this request is lost: the offer simply stays open on the server.
  widget.api.request('POST', '/v1/checkout/decline', { offerId: widget.offer.id }).catch(() => undefined);
}

/** The accept request under `key`; each send (a retry too) carries the browser's 3-D Secure fields. */
function sendAccept(widget: Widget, key: string): Send {
  return () => widget.api.request('POST', '/v1/checkout/accept', { offerId: widget.offer.id, ...browserInfo() }, { 'idempotency-key': key });
}

/**
 * Handles an answer shaped like accept's (accept itself, or the 3-D Secure completion). `finished`: the
 * action the buyer just completed (null for accept), so a completion answering with a new action (Adyen's
 * challenge after the device fingerprint) runs that step, and one answering with the same step again fails.
 */
async function settle(widget: Widget, send: Send, finished: Action | null, steps = 0): Promise<void> {
  let response: Response;
  try {
    response = await send();
  } catch {
    return fail(widget, 'network_error');
  }
  const answer = await readAnswer(response);
  if (answer.upsell?.id) widget.state.upsellId = answer.upsell.id;
  if (response.status >= 500) return fail(widget, answer.error?.code ?? 'internal_error');
  if (answer.error?.code === 'idempotency_in_progress') {
    await sleep(POLL_INTERVAL_MS);
    return settle(widget, send, finished, steps);
  }
  widget.state.retryKey = null;
  return answered(widget, answer, response.status, finished, steps);
}

/** The API's answer, final for this request: show it, or take the next step it asks for. */
function answered(widget: Widget, answer: Answer, httpStatus: number, finished: Action | null, steps: number): Promise<void> | void {
  switch (answer.status) {
    case 'accepted':
      return acceptedUntil(widget, answer.upsell);
    case 'declined':
      return declined(widget, answer.error);
    case 'pending':
      return poll(widget);
    case 'requires_action':
      if (stepRepeated(answer.action, finished, steps)) return fail(widget, 'authentication_incomplete');
      return completeAction(widget, answer, steps + 1);
  }
  closeOffer(widget, 'unavailable');
  emit(widget, 'error', answer.error?.code ?? `http_${httpStatus}`);
}

/**
 * The bank asks for another step: run it, unless it is the step just finished (the bank did not say yet: a
 * fresh click asks again rather than looping the dialog) or one past the limit.
 */
function stepRepeated(action: Action | undefined, finished: Action | null, steps: number): boolean {
  return finished !== null && (JSON.stringify(action) === JSON.stringify(finished) || steps >= MAX_AUTH_STEPS);
}

/** The PSP has not answered yet: "Confirming…", asking every second for about a minute. */
export async function poll(widget: Widget): Promise<void> {
  const { upsellId } = widget.state;
  if (!upsellId) return fail(widget, 'pending_without_upsell');
  emit(widget, 'pending');
  transition(widget, 'pending');
  say(widget, text(widget, 'confirming'));
  const path = upsellPath(upsellId);
  for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
    await sleep(POLL_INTERVAL_MS);
    const response = await widget.api.request('GET', path).catch(() => null);
    const upsell = response && (await readAnswer(response)).upsell;
    if (!upsell) continue;
    if (ACCEPTED_STATES.includes(upsell.state)) return acceptedUntil(widget, upsell);
    if (upsell.state === 'declined') return declined(widget, undefined);
    // Only accept's answer carries the 3-D Secure action; another key gets this upsell's current answer.
    if (upsell.state === 'requires_action') return settle(widget, sendAccept(widget, newKey()), null);
  }
  announce(widget, text(widget, 'stillPending'));
}

/** The bank asks for 3-D Secure: run its step here, then post the completion and settle its answer. */
async function completeAction(widget: Widget, answer: Answer, steps: number): Promise<void> {
  emit(widget, 'requires_action');
  const step = bankStep(widget, answer.action);
  const { upsellId } = widget.state;
  if (!step || !upsellId) return closeOffer(widget, 'authUnavailable');
  const completeUrl = answer.completeUrl ?? `${upsellPath(upsellId)}/complete`;
  const completion = await step();
  if (!completion) {
    transition(widget, 'ready');
    return announce(widget, text(widget, 'authCancelled'));
  }
  say(widget, text(widget, 'confirming'));
  const { details } = completion;
  return settle(widget, () => widget.api.request('POST', completeUrl, details ? { details } : undefined), answer.action ?? {}, steps);
}

/** Accepted, with the undo open until `deadline` (this browser's clock); then followed until the charge. */
export function accepted(widget: Widget, deadline: number, reloaded = false): void {
  transition(widget, 'accepted');
  const tell = reloaded ? say : announce;
  if (deadline > Date.now()) {
    const time = new Intl.DateTimeFormat(widget.offer.locale, { timeStyle: 'short' }).format(deadline);
    tell(widget, text(widget, 'addedWithDeadline', time));
    offerUndo(widget, deadline);
  } else {
    tell(widget, text(widget, 'added'));
  }
  if (!reloaded) emit(widget, 'accepted');
  void follow(widget, deadline);
}

const acceptedUntil = (widget: Widget, upsell: Upsell | undefined) => accepted(widget, Date.parse(upsell?.undoUntil ?? '') || 0);

function declined(widget: Widget, error: Answer['error']): void {
  transition(widget, 'declined');
  announce(widget, error?.message || text(widget, 'declinedFallback'));
  emit(widget, 'declined', error?.code);
}

/** Back to the offer, to click again (with the same key while the accept's outcome is unknown). */
function fail(widget: Widget, code: string): void {
  transition(widget, 'ready');
  announce(widget, text(widget, 'error'));
  emit(widget, 'error', code);
}

/** The offer cannot be accepted here any more: closed, with why. */
function closeOffer(widget: Widget, reason: WidgetMessageKey): void {
  transition(widget, 'closed');
  announce(widget, text(widget, reason));
}

/** After the undo window, asks every few seconds whether the charge went through, while still accepted. */
async function follow(widget: Widget, deadline: number): Promise<void> {
  const { upsellId } = widget.state;
  if (!upsellId) return;
  const path = upsellPath(upsellId);
  await sleep(Math.max(0, deadline - Date.now()));
  for (let attempt = 0; attempt < FOLLOW_LIMIT; attempt++) {
    await sleep(FOLLOW_INTERVAL_MS);
    if (widget.state.phase !== 'accepted') return;
    const response = await widget.api.request('GET', path).catch(() => null);
    // The session may end after the window: nothing more to learn then.
    if (response && (response.status === 401 || response.status === 404)) return;
    const upsell = response && (await readAnswer(response)).upsell;
    if (upsell && settledAfterWindow(widget, upsell.state)) return;
  }
}

/** The outcome once the window has closed: charged, or not (the item was taken out again); false while open. */
function settledAfterWindow(widget: Widget, upsellState: string): boolean {
  if (widget.state.phase !== 'accepted') return true;
  switch (upsellState) {
    case 'captured':
      transition(widget, 'captured');
      say(widget, text(widget, 'charged'));
      emit(widget, 'captured');
      return true;
    case 'capture_failed':
      transition(widget, 'capture_failed');
      say(widget, text(widget, 'captureFailed'));
      emit(widget, 'capture_failed');
      return true;
    case 'cancelled':
      transition(widget, 'removed');
      say(widget, text(widget, 'removed'));
      return true;
    default:
      return false;
  }
}
