/**
 * The `OrderSink` port: how an accepted upsell changes the merchant's order, and how that change is taken
 * back. Strategy per shop (`orderStrategy`):
 * - `update_original`: one order; the upsell becomes a line with `source: "upsell"` and the order's
 *   totals grow by the upsell's amounts.
 * - `linked_order`: the original order stays as it was; a new order with `parentOrderId` holds the upsell.
 *
 * Promises every sink keeps:
 * - `applyUpsell` runs inside the caller's database transaction, together with the upsell's state
 *   change, so an order change and its authorization are stored atomically (never a line without an
 *   authorization, never an authorization recorded without its line).
 * - Idempotent per upsell: applying the same upsell twice adds it once (a unique key per upsell id).
 * - `revertUpsell` undoes exactly what `applyUpsell` did (line removed and totals restored, or linked
 *   order cancelled) and is a no-op when there is nothing to revert.
 */
import type { Transaction } from 'kysely';
import type { UpsellLine } from '../core/orders';
import type { OrderStrategy } from '../core/settings';
import type { Database } from '../store/schema';

export type { UpsellLine };

export interface OrderChange {
  /** `update_original`: the line added to the original order. */
  readonly lineId: string | null;
  /** `linked_order`: the new order holding the upsell. */
  readonly linkedOrderId: string | null;
}

export interface OrderSink {
  readonly strategy: OrderStrategy;
  applyUpsell(trx: Transaction<Database>, shopId: string, orderId: string, line: UpsellLine, now: Date): Promise<OrderChange>;
  revertUpsell(trx: Transaction<Database>, shopId: string, orderId: string, change: OrderChange & { upsellId: string }): Promise<void>;
  /** The upsell's money is final (captured): a linked order becomes final too. */
  settleUpsell(trx: Transaction<Database>, shopId: string, change: OrderChange): Promise<void>;
}
