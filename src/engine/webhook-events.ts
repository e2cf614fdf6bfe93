/**
 * Outbound webhooks as the merchant sees them (`/v1/webhook-events`): each queued event with where it
 * stands and its latest attempts, a resend, and a signed test event sent at once to the shop's
 * `webhookUrl` through the worker's own delivery path (so the signature, the outbound URL rules and the
 * timeout are the ones real deliveries get).
 *
 * An event's status is read from the outbox row: `pending` (queued, no attempt failed since it was
 * queued), `retrying` (its last attempt failed; due again at `nextAttemptAt`), `delivered` (a 2xx), or
 * `dropped` (never sent again: the shop had no `webhookUrl` when it was due).
 */
import { DomainError, notFound } from '../core/errors';
import type { Db } from '../store/database';
import { webhookSigning } from '../store/shops';
import {
  findWebhookEvent,
  latestDeliveries,
  listWebhookEventRows,
  requeueWebhookEvent,
  type DeliveryRow,
  type OutboxRow,
  type WebhookEventFilter,
} from '../store/webhooks';
import { sendSignedWebhook } from './webhook-sender';
import type { UpsellContext } from './context';
import { pageOf, pageQuery } from './pages';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'retrying', 'delivered', 'dropped'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** Attempts shown with each event, newest first. */
export const DELIVERIES_SHOWN = 20;

/** The type of the test event; never queued, never retried. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface WebhookDeliveryView {
  attempt: number;
  at: string;
  /** The receiver's HTTP status; null when no answer came (refused by the outbound rules, timeout, connection). */
  statusCode: number | null;
  /** Why it failed; null on a 2xx. */
  error: string | null;
  durationMs: number;
}

export interface WebhookEventView {
  id: string;
  type: string;
  createdAt: string;
  orderId: string | null;
  upsellId: string | null;
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  /** When the worker sends it next; null once delivered or dropped. */
  nextAttemptAt: string | null;
  /** When a receiver took it; null unless delivered. */
  deliveredAt: string | null;
  deliveries: WebhookDeliveryView[];
}

export function webhookEventStatus(row: Pick<OutboxRow, 'delivered_at' | 'last_error'>): WebhookEventStatus {
  if (row.delivered_at === null) return row.last_error === null ? 'pending' : 'retrying';
  return row.last_error === null ? 'delivered' : 'dropped';
}

/** Each status as the columns `webhookEventStatus` reads. */
const STATUS_FILTER: Record<WebhookEventStatus, Pick<WebhookEventFilter, 'settled' | 'failed'>> = {
  pending: { settled: false, failed: false },
  retrying: { settled: false, failed: true },
  delivered: { settled: true, failed: false },
  dropped: { settled: true, failed: true },
};

function deliveryView(row: DeliveryRow): WebhookDeliveryView {
  return { attempt: row.attempt, at: row.at.toISOString(), statusCode: row.status_code, error: row.error, durationMs: row.duration_ms };
}

function eventView(row: OutboxRow, deliveries: readonly DeliveryRow[]): WebhookEventView {
  const status = webhookEventStatus(row);
  const settled = status === 'delivered' || status === 'dropped';
  return {
    id: row.id,
    type: row.type,
    createdAt: row.created_at.toISOString(),
    orderId: row.order_id,
    upsellId: row.upsell_id,
    status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: settled ? null : row.next_attempt_at.toISOString(),
    deliveredAt: status === 'delivered' && row.delivered_at ? row.delivered_at.toISOString() : null,
    deliveries: deliveries.map(deliveryView),
  };
}

/** The events with their latest attempts: one query for all of them. */
async function withDeliveries(db: Db, shopId: string, rows: readonly OutboxRow[]): Promise<WebhookEventView[]> {
  const deliveries = await latestDeliveries(
    db,
    shopId,
    rows.map((row) => row.id),
    DELIVERIES_SHOWN,
  );
  const byEvent = new Map<string, DeliveryRow[]>();
  for (const delivery of deliveries) byEvent.set(delivery.event_id, [...(byEvent.get(delivery.event_id) ?? []), delivery]);
  return rows.map((row) => eventView(row, byEvent.get(row.id) ?? []));
}

export interface WebhookEventListInput {
  limit?: string;
  cursor?: string;
  orderId?: string;
  upsellId?: string;
  status?: WebhookEventStatus;
}

/** The shop's events newest first, a page at a time (engine/pages for the cursor): two queries per page. */
export async function listWebhookEvents(
  db: Db,
  shopId: string,
  input: WebhookEventListInput,
): Promise<{ webhookEvents: WebhookEventView[]; nextCursor: string | null }> {
  const page = pageQuery('webhook-events', shopId, input);
  const filter: WebhookEventFilter = {
    ...(input.orderId !== undefined ? { orderId: input.orderId } : {}),
    ...(input.upsellId !== undefined ? { upsellId: input.upsellId } : {}),
    ...(input.status !== undefined ? STATUS_FILTER[input.status] : {}),
  };
  const rows = await listWebhookEventRows(db, shopId, filter, { limit: page.limit + 1, after: page.after });
  const shown = pageOf('webhook-events', shopId, rows, page.limit);
  return { webhookEvents: await withDeliveries(db, shopId, shown.rows), nextCursor: shown.nextCursor };
}

export async function getWebhookEvent(db: Db, shopId: string, eventId: string): Promise<WebhookEventView> {
  const row = await findWebhookEvent(db, shopId, eventId);
  if (!row) throw notFound('Webhook event');
  const [view] = await withDeliveries(db, shopId, [row]);
  if (!view) throw notFound('Webhook event');
  return view;
}

function urlNotSet(): DomainError {
  return new DomainError('webhook_url_not_set', 'The shop has no webhookUrl: set settings.webhookUrl with PATCH /v1/shop first');
}

/**
 * Makes the event due now, with the same id and body (receivers that de-duplicate by id stay correct):
 * a queued one keeps its attempts; a delivered or dropped one is queued again. Refused while the shop has
 * no `webhookUrl`, which would only drop it again.
 */
export async function resendWebhookEvent(ctx: UpsellContext, shopId: string, eventId: string): Promise<WebhookEventView> {
  if (!(await findWebhookEvent(ctx.db, shopId, eventId))) throw notFound('Webhook event');
  const shop = await webhookSigning(ctx.db, shopId);
  if (!shop.settings.webhookUrl) throw urlNotSet();
  const row = await requeueWebhookEvent(ctx.db, shopId, eventId, ctx.clock.now());
  if (!row) throw notFound('Webhook event');
  const [view] = await withDeliveries(ctx.db, shopId, [row]);
  if (!view) throw notFound('Webhook event');
  return view;
}

export interface TestDelivery {
  url: string;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Sends `{ id, type: "webhook.test", createdAt, data: {} }`, signed, to the shop's `webhookUrl` and
 * answers what the receiver did, whatever it was. Nothing is queued, retried or stored.
 */
export async function sendTestWebhook(ctx: UpsellContext, shopId: string): Promise<TestDelivery> {
  const shop = await webhookSigning(ctx.db, shopId);
  const url = shop.settings.webhookUrl;
  if (!url) throw urlNotSet();
  const body = JSON.stringify({ id: ctx.ids.id('evt'), type: TEST_EVENT_TYPE, createdAt: ctx.clock.now().toISOString(), data: {} });
  const sent = await sendSignedWebhook(ctx, { url, secret: shop.webhookSecret }, body);
  return { url: sent.url, ok: sent.ok, statusCode: sent.statusCode, error: sent.error, durationMs: sent.durationMs };
}
