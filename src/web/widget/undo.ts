/// <reference lib="dom" />
/**
 * The undo after an accept: a button below the status line until the shop's window closes, with the time
 * left ticking beside it (not for those who asked for less motion), and the cancel it sends.
 */
import { readAnswer, type Answer } from './api';
import { reducedMotion } from './page';
import type { UndoState, Widget } from './state';
import { announce, element, emit, say, setBusy, text, transition } from './view';

/** The undo on the page: its state (the widget's `state.undo` while open), its row and button, its timer. */
interface UndoRow {
  state: UndoState;
  row: HTMLElement;
  button: HTMLButtonElement;
  timer: number;
}

/** "0:45", "12:03": minutes and seconds left, rounded up so it never shows 0:00 while undo still works. */
function minutesAndSeconds(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Offers the undo until `deadline` (this browser's clock), and takes it away when the window closes. */
export function offerUndo(widget: Widget, deadline: number): void {
  const state: UndoState = { deadline, busy: false };
  widget.state.undo = state;
  const row = element('p', 'plusone-offer__undo');
  const button = element('button', 'plusone-offer__undo-button', text(widget, 'undo'));
  button.type = 'button';
  button.dataset.plusoneAction = 'undo';
  row.append(button);
  widget.view.status.after(row);
  const undo: UndoRow = { state, row, button, timer: 0 };
  if (reducedMotion.matches) {
    // WCAG 2.2.2: no ticking for those who asked for less motion; the deadline is already in the status.
    undo.timer = window.setTimeout(() => closeUndo(widget, undo, text(widget, 'added')), deadline - Date.now());
  } else {
    startCountdown(widget, undo);
  }
  button.addEventListener('click', () => void sendUndo(widget, undo));
}

/** The time left beside the button, `aria-hidden` (the deadline was announced once), ticking every second. */
function startCountdown(widget: Widget, undo: UndoRow): void {
  const seconds = element('span', 'plusone-offer__timer');
  seconds.setAttribute('aria-hidden', 'true');
  undo.row.append(' ', seconds);
  const tick = () => {
    const left = undo.state.deadline - Date.now();
    if (left <= 0) return closeUndo(widget, undo, text(widget, 'added'));
    seconds.textContent = text(widget, 'timeLeft', minutesAndSeconds(left));
  };
  tick();
  undo.timer = window.setInterval(tick, 1_000);
}

/** Takes the undo away with `message` in the status line, keeping focus there if it was on the undo. */
function closeUndo(widget: Widget, undo: UndoRow, message: string): void {
  window.clearTimeout(undo.timer);
  const hadFocus = undo.row.contains(document.activeElement);
  undo.row.remove();
  if (widget.state.undo === undo.state) widget.state.undo = null;
  say(widget, message);
  if (hadFocus) widget.view.status.focus();
}

function setUndoBusy(undo: UndoRow, busy: boolean): void {
  undo.state.busy = busy;
  setBusy(undo.button, busy);
}

/** The buyer clicked undo: cancel the upsell, once however often the button is clicked. */
async function sendUndo(widget: Widget, undo: UndoRow): Promise<void> {
  const { upsellId } = widget.state;
  if (undo.state.busy || !upsellId) return;
  setUndoBusy(undo, true);
  const response = await widget.api.request('POST', '/v1/checkout/cancel', { upsellId }).catch(() => null);
  const answer = response ? await readAnswer(response) : {};
  undoAnswered(widget, undo, response, answer);
}

function undoAnswered(widget: Widget, undo: UndoRow, response: Response | null, answer: Answer): void {
  // 202 is an undo the PSP has not confirmed yet: recorded, never captured, so it is done for the buyer.
  if (response?.ok) {
    closeUndo(widget, undo, text(widget, 'removed'));
    transition(widget, 'removed');
    widget.view.status.focus();
    emit(widget, 'cancelled');
  } else if (answer.error?.code === 'undo_window_closed') {
    closeUndo(widget, undo, text(widget, 'undoClosed'));
    widget.view.status.focus();
    emit(widget, 'error', 'undo_window_closed');
  } else {
    setUndoBusy(undo, false);
    announce(widget, text(widget, 'error'));
    emit(widget, 'error', answer.error?.code ?? 'network_error');
  }
}
