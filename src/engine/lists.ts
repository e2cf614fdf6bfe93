/**
 * The merchant's lists: `GET /v1/orders` (the shop's orders with their offer and upsell at a glance) and
 * `GET /v1/upsells`, newest first, a page per query (engine/pages for the cursor and the filters' words).
 */
import type { OrderStatus } from '../core/orders';
import type { UpsellGateway } from '../core/gateways';
import type { UpsellState } from '../core/upsell-state';
import type { Db } from '../store/database';
import { listOrderSummaries } from '../store/orders';
import { listUpsellRows } from '../store/upsells';
import { createdRange, pageOf, pageQuery } from './pages';
import { upsellView, type UpsellView } from './upsells';

interface PageInput {
  limit?: string;
  cursor?: string;
}

export interface OrderListInput extends PageInput {
  externalId?: string;
  /** Prefix of `externalId`. */
  q?: string;
  status?: OrderStatus;
  createdFrom?: string;
  createdTo?: string;
  hasUpsell?: 'true' | 'false';
}

export interface OrderSummary {
  id: string;
  externalId: string | null;
  currency: string;
  total: number;
  status: string;
  createdAt: string;
  /** The order's upsell, in any state; null when the buyer accepted nothing. */
  upsell: { id: string; state: UpsellState; amount: number } | null;
  /** The offer decided at registration; null when none was. */
  offerId: string | null;
}

export async function listOrders(db: Db, shopId: string, input: OrderListInput): Promise<{ orders: OrderSummary[]; nextCursor: string | null }> {
  const page = pageQuery('orders', shopId, input);
  const filter = {
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    ...(input.q !== undefined ? { externalIdPrefix: input.q } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...createdRange(input),
    ...(input.hasUpsell !== undefined ? { hasUpsell: input.hasUpsell === 'true' } : {}),
  };
  // One row more than the page: whether it comes tells whether there is a next page.
  const rows = await listOrderSummaries(db, shopId, filter, { limit: page.limit + 1, after: page.after });
  const shown = pageOf('orders', shopId, rows, page.limit);
  return {
    orders: shown.rows.map((row) => ({
      id: row.id,
      externalId: row.external_id,
      currency: row.currency,
      total: row.total,
      status: row.status,
      createdAt: row.created_at.toISOString(),
      upsell:
        row.upsell_id !== null && row.upsell_state !== null && row.upsell_amount !== null
          ? { id: row.upsell_id, state: row.upsell_state, amount: row.upsell_amount }
          : null,
      offerId: row.offer_id,
    })),
    nextCursor: shown.nextCursor,
  };
}

export interface UpsellListInput extends PageInput {
  state?: UpsellState;
  orderId?: string;
  offerId?: string;
  gateway?: UpsellGateway;
}

/** The upsells as `GET /v1/upsells/{id}` shows them, without their events. */
export async function listUpsells(db: Db, shopId: string, input: UpsellListInput): Promise<{ upsells: UpsellView[]; nextCursor: string | null }> {
  const page = pageQuery('upsells', shopId, input);
  const filter = {
    ...(input.state !== undefined ? { state: input.state } : {}),
    ...(input.orderId !== undefined ? { orderId: input.orderId } : {}),
    ...(input.offerId !== undefined ? { offerId: input.offerId } : {}),
    ...(input.gateway !== undefined ? { gateway: input.gateway } : {}),
  };
  const rows = await listUpsellRows(db, shopId, filter, { limit: page.limit + 1, after: page.after });
  const shown = pageOf('upsells', shopId, rows, page.limit);
  return { upsells: shown.rows.map(upsellView), nextCursor: shown.nextCursor };
}
