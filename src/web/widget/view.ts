/// <reference lib="dom" />
/**
 * The widget's DOM: the phase rendered onto the section and its buttons, the status line (written, or
 * announced: written and focused), the events dispatched for the merchant's analytics, and the strings.
 */
import type { WidgetMessageKey } from '../../core/messages';
import type { Phase, Widget } from './state';

type EventName =
  'viewed' | 'accepted' | 'declined' | 'dismissed' | 'cancelled' | 'pending' | 'requires_action' | 'captured' | 'capture_failed' | 'error';

/** The offer's string for `key` with `{time}` filled in; the fragment carries them in the offer's language. */
export function text({ offer }: Widget, key: WidgetMessageKey, time = ''): string {
  return (offer.messages[key] ?? '').replace('{time}', time);
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, content = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = content;
  return node;
}

export function setBusy(button: HTMLButtonElement, busy: boolean): void {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}

/** Moves the widget to `phase` and renders it. */
export function transition(widget: Widget, phase: Phase): void {
  widget.state.phase = phase;
  renderPhase(widget);
}

/** The phase on the section (the CSS shows and hides by it) and on the offer's two buttons. */
function renderPhase(widget: Widget): void {
  const { view, state } = widget;
  view.section.dataset.plusoneState = state.phase;
  // While confirming (pending) the button stays busy too: the click is being answered.
  const busy = state.phase === 'busy' || state.phase === 'pending';
  if (view.decline) view.decline.disabled = busy;
  if (!view.accept) return;
  setBusy(view.accept, busy);
  view.accept.textContent = busy ? text(widget, 'adding') : widget.offer.acceptLabel;
}

/** Writes the status line; the live region reads it out where the buyer is. */
export function say({ view }: Widget, message: string): void {
  view.status.textContent = message;
}

/** Writes the status line and moves focus to it: the answer to what the buyer just did. */
export function announce(widget: Widget, message: string): void {
  say(widget, message);
  widget.view.status.focus();
}

/** Dispatches `plusone:<name>` on the section, bubbling: `{ offerId, upsellId?, amount?, currency?, code? }`. */
export function emit({ offer, state, view }: Widget, name: EventName, code?: string): void {
  const { dataset } = view.section;
  const detail: Record<string, string | number> = { offerId: offer.id };
  if (state.upsellId) detail.upsellId = state.upsellId;
  if (dataset.plusoneAmount) detail.amount = Number(dataset.plusoneAmount);
  if (dataset.plusoneCurrency) detail.currency = dataset.plusoneCurrency;
  if (code) detail.code = code;
  view.section.dispatchEvent(new CustomEvent(`plusone:${name}`, { bubbles: true, detail }));
}
