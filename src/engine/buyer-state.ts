/**
 * What the buyer's page shows for its order on every load: the live offer, or what became of it. The
 * confirmation page can be reloaded at any moment (after an accept, within the undo window, after the
 * capture or its failure), so `GET /v1/checkout/offer`, the fragment and the widget all start from this
 * one answer instead of from the decision alone.
 */
import { isFinal, type UpsellState } from '../core/upsell-state';
import type { Db } from '../store/database';
import type { UpsellRow } from '../store/schema';
import { decisionProgress } from '../store/decisions';
import { findUpsell } from '../store/upsells';
import { upsellView } from './upsells';
import type { EngineCaches, OrderProgress, ProgressKeep } from './caches';

export type { OrderProgress } from './caches';

/**
 * `open`: the offer can be accepted; `none`: there is no offer; `dismissed`: the buyer said "No thanks";
 * the others follow the order's upsell: `pending` and `requires_action` (no answer from the bank yet),
 * `accepted` (authorized: in the undo window, or past it until the capture), `captured` (added and
 * charged), `removed` (undone), `declined` (the card was declined), `capture_failed` (the charge failed
 * after the window: the item was taken out of the order, nothing charged), `refunded`.
 */
export const CHECKOUT_STATUSES = [
  'open',
  'none',
  'dismissed',
  'pending',
  'requires_action',
  'accepted',
  'captured',
  'removed',
  'declined',
  'capture_failed',
  'refunded',
] as const;

export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

export function checkoutStatusOf(state: UpsellState): CheckoutStatus {
  switch (state) {
    case 'pending':
    case 'requires_action':
    case 'captured':
    case 'declined':
    case 'capture_failed':
    case 'refunded':
      return state;
    case 'authorized':
    case 'capturing':
      return 'accepted';
    case 'cancelled':
      return 'removed';
    default: {
      const exhaustive: never = state;
      return exhaustive;
    }
  }
}

export interface CheckoutUpsell {
  id: string;
  state: UpsellRow['state'];
  amount: number;
  currency: string;
  card: { brand: string | null; last4: string | null };
  undoUntil: string | null;
}

/** The buyer's view of an upsell: the merchant's view without order, line and decline internals. */
export function checkoutUpsell(row: UpsellRow): CheckoutUpsell {
  const { id, state, amount, currency, card, undoUntil } = upsellView(row);
  return { id, state, amount, currency, card, undoUntil };
}

/** The order's upsell as the buyer's page shows it. */
export interface BuyerUpsell extends CheckoutUpsell {
  offerId: string;
  /** What was added (the offer's product title and variant). */
  title: string;
  variantTitle: string;
  quantity: number;
  /** Whole seconds left to undo, by the server's clock (rounded up); 0 once the window has closed. */
  undoSecondsLeft: number;
}

export function buyerUpsell(row: UpsellRow, now: Date): BuyerUpsell {
  const undoOpen = row.state === 'authorized' && row.cancel_requested_at === null && row.undo_until !== null;
  const msLeft = undoOpen && row.undo_until ? row.undo_until.getTime() - now.getTime() : 0;
  return {
    ...checkoutUpsell(row),
    offerId: row.offer_id,
    title: row.offer.title,
    variantTitle: row.offer.variantTitle,
    quantity: row.offer.quantity,
    undoSecondsLeft: msLeft > 0 ? Math.ceil(msLeft / 1000) : 0,
  };
}

/**
 * The order's progress, from memory while it is worth keeping (`keepOf`). The steady state of the page —
 * an offer nobody answered yet, loaded and polled again and again — then costs no query: that answer is
 * kept 1 s (`recheckMs`). It only changes when the buyer answers, and the node that takes an accept or a
 * "No thanks" forgets it as soon as that commits, so a buyer who answered sees the outcome at once on
 * that node. Another node sees it within the 1 s: a page loaded there meanwhile may still offer what was
 * answered, and a click on it is settled by the accept's own database guards (one upsell per order and
 * offer: the first upsell is returned, never a second charge; after "No thanks", `offer_closed`).
 * The answer is not announced by NOTIFY: that would make every accept's and decline's commit wait for a
 * database-wide lock (see engine/stock-cache). A "No thanks" and an upsell in a final state never change
 * again: kept 10 minutes (memory only). An upsell still moving (pending, requires_action, authorized,
 * capturing, captured) is read on every load: the worker, PSP webhooks and other nodes move it while the
 * buyer watches.
 */
export async function orderProgress(db: Db, caches: EngineCaches, shopId: string, orderId: string): Promise<OrderProgress> {
  return caches.progress.get(shopId, orderId, async () => {
    const value = await readProgress(db, shopId, orderId);
    return { value, keep: keepOf(value) };
  });
}

/** How long the page may show this progress from memory. */
function keepOf(progress: OrderProgress): ProgressKeep {
  if (progress.upsell) return isFinal(progress.upsell.state) ? 'settled' : null;
  return progress.dismissed ? 'settled' : 'open';
}

/** One indexed read while the offer is untouched; a second for the upsell once there is one. */
async function readProgress(db: Db, shopId: string, orderId: string): Promise<OrderProgress> {
  const row = await decisionProgress(db, shopId, orderId);
  if (!row) return { upsell: null, dismissed: false };
  const upsell = row.upsell_id ? ((await findUpsell(db, shopId, row.upsell_id)) ?? null) : null;
  return { upsell, dismissed: row.declined_at !== null };
}
