/** The analytics event types (docs/analytics.md) and which upsell states record which. */
import type { UpsellState } from './upsell-state';

export const ANALYTICS_EVENT_TYPES = [
  'offer_viewed',
  'offer_accepted',
  'offer_declined',
  'upsell_undone',
  'upsell_captured',
  'upsell_capture_failed',
  'upsell_refunded',
  'upsell_payment_declined',
  'upsell_capture_reversed',
] as const;

export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];

/** The analytics event an upsell state records when entered; null for states analytics ignores. */
export function eventForState(state: UpsellState): AnalyticsEventType | null {
  switch (state) {
    case 'authorized':
      return 'offer_accepted';
    case 'cancelled':
      return 'upsell_undone';
    case 'captured':
      return 'upsell_captured';
    case 'capture_failed':
      return 'upsell_capture_failed';
    case 'refunded':
      return 'upsell_refunded';
    case 'declined':
      return 'upsell_payment_declined';
    case 'pending':
    case 'requires_action':
    case 'capturing':
      return null;
    default: {
      const exhaustive: never = state;
      return exhaustive;
    }
  }
}

/**
 * The events a transition records. A capture that the PSP accepted and later reports failed (captured →
 * capture_failed) also records `upsell_capture_reversed`, which takes that capture back out of revenue.
 */
export function eventsForTransition(from: UpsellState, to: UpsellState): AnalyticsEventType[] {
  const entered = eventForState(to);
  if (!entered) return [];
  return from === 'captured' && to === 'capture_failed' ? [entered, 'upsell_capture_reversed'] : [entered];
}

/** An offer shown on the buyer's page, recorded as `offer_viewed`. */
export interface OfferView {
  readonly shopId: string;
  readonly orderId: string;
  readonly offerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly at: Date;
}

/** What the metrics can be grouped by, besides the currency (rows are always per currency). */
export const GROUP_DIMENSIONS = ['day', 'offer', 'arm'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

/** A metrics request: a range of UTC days, the grouping and the optional filters. */
export interface MetricsQuery {
  /** First UTC day, inclusive (YYYY-MM-DD). */
  readonly from: string;
  /** Last UTC day, inclusive (YYYY-MM-DD). */
  readonly to: string;
  readonly groupBy: readonly GroupDimension[];
  /** Only these offers' rows (one or more). */
  readonly offerIds?: readonly string[];
  readonly experimentId?: string;
}
