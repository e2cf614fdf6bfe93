/// <reference lib="dom" />
/**
 * One mounted widget: the offer as the fragment describes it, the fragment's elements it renders into, and
 * its state, one object that only the flows' named steps change (`flow.ts`, `undo.ts`).
 */
import type { WidgetMessages } from '../../core/messages';
import type { Api } from './api';

/** The fragment's `data-plusone-status` for an upsell the buyer already answered: nothing to click any more. */
export const OUTCOMES = ['captured', 'removed', 'declined', 'capture_failed', 'refunded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What the widget shows, rendered as the section's `data-plusone-state` (docs/storefront.md lists these
 * values for the merchant's CSS): `ready` to click, `busy` while an accept is answered, `pending` while the
 * PSP is slow ("Confirming…", polled), `accepted` (the undo open or not), `dismissed` after "No thanks",
 * `closed` when the offer is no longer available, and the outcomes.
 */
export type Phase = 'ready' | 'busy' | 'pending' | 'accepted' | 'dismissed' | 'closed' | Outcome;

export function isOutcome(status: string | undefined): status is Outcome {
  return OUTCOMES.some((outcome) => outcome === status);
}

/** The undo while it is offered: until `deadline` (this browser's clock); `busy` while the cancel is sent. */
export interface UndoState {
  deadline: number;
  busy: boolean;
}

export interface WidgetState {
  phase: Phase;
  /** Set once an upsell exists: by the fragment when the page was (re)loaded after an accept, or by accept's answer. */
  upsellId: string | undefined;
  /** Kept only while an accept's outcome is unknown (network error, 5xx), so the retry cannot charge twice. */
  retryKey: string | null;
  /** Null when no undo is offered: before the accept, and once the window closed or the undo was answered. */
  undo: UndoState | null;
}

/** The offer as the fragment describes it, read once: its id, language, strings and the button's label. */
export interface Offer {
  id: string;
  locale: string | undefined;
  messages: Partial<WidgetMessages>;
  acceptLabel: string;
}

/** The fragment's elements the widget renders into; the status line is the polite live region. */
export interface View {
  section: HTMLElement;
  accept: HTMLButtonElement | null;
  decline: HTMLButtonElement | null;
  status: HTMLElement;
}

export interface Widget {
  api: Api;
  offer: Offer;
  view: View;
  state: WidgetState;
}
