import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, IllegalTransitionError, isFinal, TRANSITIONS, UPSELL_STATES, type UpsellState } from './upsell-state';

const LEGAL: ReadonlyArray<[UpsellState, UpsellState]> = [
  ['pending', 'authorized'],
  ['pending', 'requires_action'],
  ['pending', 'declined'],
  ['requires_action', 'authorized'],
  ['requires_action', 'declined'],
  ['authorized', 'capturing'],
  ['authorized', 'captured'],
  ['authorized', 'cancelled'],
  ['capturing', 'captured'],
  ['capturing', 'capture_failed'],
  ['captured', 'refunded'],
  ['captured', 'capture_failed'],
];

describe('upsell state table', () => {
  const pairs = UPSELL_STATES.flatMap((from) => UPSELL_STATES.map((to): [UpsellState, UpsellState] => [from, to]));
  const legal = new Set(LEGAL.map(([from, to]) => `${from}>${to}`));

  it.each(pairs.filter(([from, to]) => legal.has(`${from}>${to}`)))('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(pairs.filter(([from, to]) => !legal.has(`${from}>${to}`)))('refuses %s → %s with a typed error', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('declares exactly the transitions of the design, no more', () => {
    const declared = Object.entries(TRANSITIONS).flatMap(([from, targets]) => targets.map((to) => `${from}>${to}`));
    expect(declared.sort()).toEqual([...legal].sort());
  });

  it('has final states with no way out', () => {
    expect(UPSELL_STATES.filter(isFinal).sort()).toEqual(['cancelled', 'capture_failed', 'declined', 'refunded']);
  });
});
