import { describe, expect, it } from 'vitest';
import { UPSELL_STATES } from './upsell-state';
import { eventForState, eventsForTransition } from './analytics';

describe('events › lifecycle mapping', () => {
  it('records the states analytics counts and ignores the ones in between', () => {
    expect(Object.fromEntries(UPSELL_STATES.map((state) => [state, eventForState(state)]))).toEqual({
      pending: null,
      requires_action: null,
      authorized: 'offer_accepted',
      capturing: null,
      captured: 'upsell_captured',
      cancelled: 'upsell_undone',
      declined: 'upsell_payment_declined',
      capture_failed: 'upsell_capture_failed',
      refunded: 'upsell_refunded',
    });
  });

  it('takes a capture back when the PSP reports it failed after accepting it', () => {
    expect(eventsForTransition('capturing', 'capture_failed')).toEqual(['upsell_capture_failed']);
    expect(eventsForTransition('captured', 'capture_failed')).toEqual(['upsell_capture_failed', 'upsell_capture_reversed']);
    expect(eventsForTransition('pending', 'requires_action')).toEqual([]);
  });
});
