/**
 * Upsells: the one place that changes their state. `transition` checks the state table, updates the row
 * only if it is still in the state we read (so two nodes can never both move it), appends the event and
 * queues the outbound webhook — all in the caller's transaction.
 */
import type { Insertable, Transaction, Updateable } from 'kysely';
import { recordUpsellTransition } from '../analytics/events';
import { DomainError, notFound } from '../core/errors';
import { assertTransition, type UpsellState } from '../core/upsell-state';
import type { Db } from '../store/database';
import type { Database, UpsellEventsTable, UpsellRow, UpsellsTable } from '../store/schema';
import { findUpsell as findUpsellRow, insertUpsellEvent, lockUpsell as lockUpsellRow, moveUpsell, returnUnits, upsellEvents } from '../store/upsells';
import { insertWebhookEvent } from '../store/webhooks';
import type { EngineContext, UpsellContext } from './context';
import { getOrder } from './orders';
import { shopSettings } from './shops';
import type { UpsellGateway } from '../core/gateways';

type Trx = Transaction<Database>;

export type Actor = 'buyer' | 'merchant' | 'worker' | 'psp' | 'system';

const WEBHOOK_FOR_STATE: Partial<Record<UpsellState, string>> = {
  authorized: 'upsell.accepted',
  cancelled: 'upsell.cancelled',
  captured: 'upsell.captured',
  capture_failed: 'upsell.capture_failed',
  refunded: 'upsell.refunded',
};

/** Thrown when the row moved on since it was read (another request or node got there first). */
export class StaleUpsellError extends Error {
  constructor(readonly upsellId: string) {
    super(`Upsell ${upsellId} changed concurrently`);
    this.name = 'StaleUpsellError';
  }
}

/** The states in which an authorize may still be sent (again): the upsell keeps the buyer's context. */
const MAY_AUTHORIZE_AGAIN: ReadonlySet<UpsellState> = new Set(['pending', 'requires_action']);

export async function transition(
  ctx: EngineContext,
  trx: Trx,
  upsell: UpsellRow,
  to: UpsellState,
  change: { actor: Actor; reason?: string; data?: Record<string, unknown>; set?: Updateable<UpsellsTable> },
): Promise<UpsellRow> {
  assertTransition(upsell.state, to);
  const now = ctx.clock.now();
  // The buyer's context is kept only while the authorize may be sent again (personal data).
  const row = await moveUpsell(trx, upsell, { ...change.set, state: to, updated_at: now, ...(MAY_AUTHORIZE_AGAIN.has(to) ? {} : { buyer: null }) });
  if (!row) throw new StaleUpsellError(upsell.id);
  // The upsell's own event and its analytics events, in one statement.
  await recordUpsellTransition(trx, row, upsell.state, to, now, eventValues(row, to, upsell.state, change, now));
  const webhook = WEBHOOK_FOR_STATE[to];
  if (webhook) await enqueueWebhook(ctx, trx, row.shop_id, webhook, { orderId: row.order_id, upsell: row });
  return row;
}

/** A row of the upsell's event log (`GET /v1/upsells/{id}` shows them). */
export function eventValues(
  upsell: Pick<UpsellRow, 'shop_id' | 'id'>,
  type: string,
  fromState: UpsellState | null,
  change: { actor: Actor; reason?: string; data?: Record<string, unknown> },
  at: Date,
): Insertable<UpsellEventsTable> {
  return {
    shop_id: upsell.shop_id,
    upsell_id: upsell.id,
    type,
    from_state: fromState,
    actor: change.actor,
    reason: change.reason ?? null,
    data: change.data ? JSON.stringify(change.data) : null,
    at,
  };
}

/** Writes one event of the upsell's log (`eventValues` builds the row). */
export async function appendEvent(trx: Trx, ...event: Parameters<typeof eventValues>): Promise<void> {
  await insertUpsellEvent(trx, eventValues(...event));
}

/**
 * Queues an outbound webhook in the same transaction as the change it reports, so it is never lost and
 * never sent for a change that rolled back. Nothing is queued while the shop has no `webhookUrl`.
 */
export async function enqueueWebhook(
  ctx: EngineContext,
  trx: Trx,
  shopId: string,
  type: string,
  subject: { orderId: string; upsell?: UpsellRow },
): Promise<void> {
  const settings = await shopSettings(ctx, trx, shopId);
  if (!settings.webhookUrl) return;
  const now = ctx.clock.now();
  const id = ctx.ids.id('evt');
  const order = await getOrder(trx, shopId, subject.orderId);
  const payload = {
    id,
    type,
    createdAt: now.toISOString(),
    data: { order, ...(subject.upsell ? { upsell: upsellView(subject.upsell) } : {}) },
  };
  await insertWebhookEvent(trx, { shopId, id, type, payload, now, orderId: subject.orderId, upsellId: subject.upsell?.id ?? null });
}

export interface UpsellView {
  id: string;
  orderId: string;
  offerId: string;
  state: UpsellState;
  amount: number;
  currency: string;
  card: { brand: string | null; last4: string | null };
  /** The PSP the money moves through, and its payment reference (PaymentIntent, transaction, pspReference). */
  gateway: UpsellGateway;
  paymentRef: string | null;
  undoUntil: string | null;
  lineId: string | null;
  linkedOrderId: string | null;
  decline: { code: string; message: string } | null;
  createdAt: string;
}

export function upsellView(row: UpsellRow): UpsellView {
  return {
    id: row.id,
    orderId: row.order_id,
    offerId: row.offer_id,
    state: row.state,
    amount: row.amount,
    currency: row.currency,
    card: { brand: row.card.brand, last4: row.card.last4 },
    gateway: row.gateway,
    paymentRef: row.authorization_ref,
    undoUntil: row.undo_until?.toISOString() ?? null,
    lineId: row.line_id,
    linkedOrderId: row.linked_order_id,
    decline: row.decline_code ? { code: row.decline_code, message: row.decline_message ?? '' } : null,
    createdAt: row.created_at.toISOString(),
  };
}

export async function findUpsell(db: Db, shopId: string, upsellId: string): Promise<UpsellRow> {
  const row = await findUpsellRow(db, shopId, upsellId);
  if (!row) throw notFound('Upsell');
  return row;
}

/** Locks the upsell row for the rest of the transaction. */
export async function lockUpsell(trx: Trx, shopId: string, upsellId: string): Promise<UpsellRow> {
  const row = await lockUpsellRow(trx, shopId, upsellId);
  if (!row) throw notFound('Upsell');
  return row;
}

/** Runs in the same transaction as a change, with the upsell as it now stands (e.g. storing the answer). */
export type AfterChange = (trx: Trx, upsell: UpsellRow) => Promise<void>;

/**
 * Runs `work` on the locked, current row in one transaction. When the row moved on under us (another
 * request or node settled it first) the fresh row is returned instead: that work is already done.
 */
export async function withLockedUpsell(
  ctx: EngineContext,
  upsell: Pick<UpsellRow, 'shop_id' | 'id'>,
  work: (trx: Trx, current: UpsellRow) => Promise<UpsellRow>,
  after?: AfterChange,
): Promise<UpsellRow> {
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await work(trx, await lockUpsell(trx, upsell.shop_id, upsell.id));
      await after?.(trx, row);
      return row;
    });
  } catch (error) {
    if (error instanceof StaleUpsellError) return findUpsell(ctx.db, upsell.shop_id, upsell.id);
    throw error;
  }
}

/** `GET /v1/upsells/{id}`: the upsell with every event. */
export async function getUpsellWithEvents(db: Db, shopId: string, upsellId: string) {
  const row = await findUpsell(db, shopId, upsellId);
  const events = await upsellEvents(db, shopId, upsellId);
  return {
    ...upsellView(row),
    events: events.map((event) => ({
      type: event.type,
      from: event.from_state,
      actor: event.actor,
      reason: event.reason,
      at: event.at.toISOString(),
    })),
  };
}

/** Gives reserved stock back (decline, undo, failed capture). */
export async function releaseStock(trx: Trx, upsell: UpsellRow): Promise<void> {
  await returnUnits(trx, upsell);
}

/** What the order sink did for this upsell, for reverting or settling it. */
export function orderChangeOf(upsell: UpsellRow) {
  return { upsellId: upsell.id, lineId: upsell.line_id, linkedOrderId: upsell.linked_order_id };
}

export function sinkFor(ctx: UpsellContext, upsell: UpsellRow) {
  return ctx.orderSinks[upsell.order_strategy];
}

export function offerClosed(): DomainError {
  return new DomainError('offer_closed', 'This offer was declined or undone and can no longer be accepted');
}
