/**
 * What the traffic was told, checked against what the database holds after the drain. Each order whose
 * registration was acknowledged carries one expectation, from the answers its buyer saw: an accept
 * answered `accepted` and not undone must end captured, an undo answered `cancelled` must end cancelled,
 * and so on. An expectation the database does not meet is something lost (or invented): it must be 0.
 */
import type { UpsellState } from '../../src/core/upsell-state';

export type Expected =
  /** Accepted (or 3-D Secure completed), not undone. */
  | 'captured'
  /** Accepted with the capture-fails card after the window: the line comes out, nothing charged. */
  | 'capture_failed'
  /** Undo answered `cancelled` or `pending` (the worker finishes the release). */
  | 'cancelled'
  /** Answered `declined` (a declined card, a failed or abandoned 3-D Secure step). */
  | 'declined'
  /** Declined by the buyer, ignored, or no offer: no upsell, or one that charged nothing (declined). */
  | 'not_charged'
  /** The buyer never got a settling answer (the database was away): any final state, or no upsell. */
  | 'final';

export interface Expectation {
  readonly orderId: string;
  readonly expected: Expected;
  /** The journey that led to it, for the report when it is not met. */
  readonly journey: string;
}

export interface Mismatch extends Expectation {
  readonly found: string;
}

export function checkExpectations(
  expectations: readonly Expectation[],
  orders: ReadonlySet<string>,
  upsellStates: ReadonlyMap<string, readonly UpsellState[]>,
): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const expectation of expectations) {
    const states = upsellStates.get(expectation.orderId) ?? [];
    const found = !orders.has(expectation.orderId) ? 'no order' : states.length === 0 ? 'no upsell' : states.join(', ');
    if (!meets(expectation.expected, orders.has(expectation.orderId), states)) mismatches.push({ ...expectation, found });
  }
  return mismatches;
}

function meets(expected: Expected, orderExists: boolean, states: readonly UpsellState[]): boolean {
  if (!orderExists || states.length > 1) return false;
  const state = states[0];
  switch (expected) {
    case 'captured':
    case 'capture_failed':
    case 'cancelled':
    case 'declined':
      return state === expected;
    case 'not_charged':
      return state === undefined || state === 'declined';
    case 'final':
      return state === undefined || ['captured', 'capture_failed', 'cancelled', 'declined', 'refunded'].includes(state);
    default: {
      const exhaustive: never = expected;
      return exhaustive;
    }
  }
}
