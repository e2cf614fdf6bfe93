/**
 * The upsell state machine (DESIGN.md §3) as data. Every state change in Plusone goes through
 * `assertTransition`; the engine applies it with a conditional UPDATE and appends one event in the same
 * transaction. An illegal transition is a typed error, never a silent write.
 *
 *             authorize ok                 window closes           capture ok
 *  pending ──────────────► authorized ─────────────────► capturing ─────────► captured ──► refunded
 *     │  declined / error       │ buyer undo (≤ window)      │ capture failed
 *     ▼                         ▼                            ▼
 *  declined                 cancelled (void/refund)     capture_failed (line reverted)
 *     ▲
 *  requires_action ── 3DS done ──► authorized
 *
 * In `immediate` capture mode the authorization captured the money already, so when the window closes
 * an upsell goes straight from `authorized` to `captured`, and an undo refunds instead of voiding.
 */

export const UPSELL_STATES = [
  'pending',
  'requires_action',
  'authorized',
  'capturing',
  'captured',
  'cancelled',
  'declined',
  'capture_failed',
  'refunded',
] as const;

export type UpsellState = (typeof UPSELL_STATES)[number];

export const TRANSITIONS: Readonly<Record<UpsellState, readonly UpsellState[]>> = {
  pending: ['authorized', 'requires_action', 'declined'],
  requires_action: ['authorized', 'declined'],
  authorized: ['capturing', 'captured', 'cancelled'],
  capturing: ['captured', 'capture_failed'],
  // captured → capture_failed: a PSP that accepted the capture (Adyen `received`) reports it failed later.
  captured: ['refunded', 'capture_failed'],
  cancelled: [],
  declined: [],
  capture_failed: [],
  refunded: [],
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: UpsellState,
    readonly to: UpsellState,
  ) {
    super(`An upsell cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function canTransition(from: UpsellState, to: UpsellState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: UpsellState, to: UpsellState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** States from which nothing moves any more. */
export function isFinal(state: UpsellState): boolean {
  return TRANSITIONS[state].length === 0;
}

/** States in which money may still move or the order may still change (an order is not final yet). */
export function isInProgress(state: UpsellState): boolean {
  return state === 'pending' || state === 'requires_action' || state === 'authorized' || state === 'capturing';
}
