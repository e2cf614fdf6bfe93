/**
 * Orders: the list (newest first, search, pages), one order with its decision, its upsell's timeline and
 * the webhooks sent about it (each with **Resend**: `POST /v1/webhook-events/{id}/resend`, then back to the
 * order with a notice), and the refund of a captured upsell — a confirmation naming the amount, whose form
 * carries an idempotency key of its own (`POST /v1/upsells/{id}/refund` with `Idempotency-Key`), so a form
 * sent twice refunds once; then refunded, pending (send it again: the same key) or refused (the PSP's words).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OrderView, ShopApi, UpsellView } from './api';
import { hidden, sendPage, sessionOf, shopApi, type Admin } from './context';
import { money } from './format';
import { fieldsOf } from './forms';
import { problemPage } from './pages/sign-in';
import { orderPage, ordersPage } from './pages/orders';
import { cardName, refundConfirmPage, refundPendingPage, refundRefusedPage, type RefundForm } from './pages/refund';
import { newToken } from './sessions';

const ORDERS_PER_PAGE = 25;
/** Webhook events shown on an order's page (an order has a handful: accepted, captured, finalized …). */
const WEBHOOK_EVENTS_PER_ORDER = 100;
/** The keys this admin's confirmation forms carry. */
const REFUND_KEY = /^refund-[A-Za-z0-9_-]{43}$/;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type ResendRequest = FastifyRequest<{ Params: { orderId: string; eventId: string } }>;

export function orderRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/orders', hidden, async (request, reply) => {
    const query = fieldsOf(request.query);
    const q = (query.q ?? '').trim().slice(0, 200);
    const cursor = query.cursor || undefined;
    const page = await shopApi(admin, request).orders({ limit: ORDERS_PER_PAGE, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) });
    return sendPage(admin, request, reply, ordersPage(page, q, cursor !== undefined));
  });

  app.get('/orders/:id', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [order, decision, upsell, webhooks] = await Promise.all([
      api.order(request.params.id),
      api.decision(request.params.id),
      api.upsellOfOrder(request.params.id),
      api.webhookEvents({ orderId: request.params.id, limit: WEBHOOK_EVENTS_PER_ORDER }),
    ]);
    const query = fieldsOf(request.query);
    // Notices name only what the API answered (never the query's own text).
    const resent = query.resent ? webhooks.webhookEvents.find((event) => event.id === query.resent) : undefined;
    const done =
      query.refunded === '1' && upsell?.state === 'refunded'
        ? `Refunded: ${money(upsell.amount, upsell.currency)} goes back to the buyer’s ${cardName(upsell.card)}.`
        : resent
          ? `Sent again: ${resent.type} (${resent.id}) is due now, with the same id and body; the worker sends it within seconds.`
          : null;
    const csrf = sessionOf(admin, request).csrfToken;
    return sendPage(admin, request, reply, orderPage(order, decision, upsell, { events: webhooks.webhookEvents, csrf }, done));
  });

  webhookRoutes(app, admin);
  refundRoutes(app, admin);
}

/** **Resend** of one webhook event: the API makes it due now; back to the order with a notice. */
function webhookRoutes(app: FastifyInstance, admin: Admin): void {
  app.post('/orders/:orderId/webhook-events/:eventId/resend', hidden, async (request: ResendRequest, reply) => {
    const { orderId, eventId } = request.params;
    const outcome = await shopApi(admin, request).resendWebhookEvent(eventId);
    if (!outcome.ok) {
      if (outcome.failure.code !== 'webhook_url_not_set') throw outcome.failure;
      const back = { href: `/admin/orders/${encodeURIComponent(orderId)}`, label: 'Back to the order' };
      const message = 'This shop has no webhook URL, so there is nowhere to send it. Set the shop’s webhook URL, then resend.';
      return sendPage(admin, request, reply, problemPage(409, 'Nothing to send it to', message, back));
    }
    // Back to the order the event reports (the form's, unless it was sent for another).
    const order = outcome.value.orderId ?? orderId;
    return reply.redirect(`/admin/orders/${encodeURIComponent(order)}?resent=${encodeURIComponent(outcome.value.id)}`, 303);
  });
}

/** The order and its upsell, which must be captured (or, once sent, refunded) to be refunded. */
async function refundable(api: ShopApi, orderId: string): Promise<{ order: OrderView; upsell: UpsellView | null }> {
  const [order, upsell] = await Promise.all([api.order(orderId), api.upsellOfOrder(orderId)]);
  return { order, upsell };
}

function notRefundablePage(admin: Admin, request: FastifyRequest, reply: FastifyReply, order: OrderView, upsell: UpsellView | null) {
  const back = { href: `/admin/orders/${encodeURIComponent(order.id)}`, label: 'Back to the order' };
  const message = upsell
    ? `Its upsell is ${upsell.state.replaceAll('_', ' ')}: only a captured upsell can be refunded.`
    : 'This order has no upsell: the buyer accepted no offer.';
  return sendPage(admin, request, reply, problemPage(409, 'Nothing to refund', message, back));
}

function refundRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/orders/:id/refund', hidden, async (request: IdRequest, reply) => {
    const { order, upsell } = await refundable(shopApi(admin, request), request.params.id);
    if (!upsell || upsell.state !== 'captured') return notRefundablePage(admin, request, reply, order, upsell);
    // A key of its own for each confirmation drawn: the same form sent twice is the same refund.
    const form: RefundForm = { order, upsell, csrf: sessionOf(admin, request).csrfToken, key: `refund-${newToken()}`, reason: '' };
    return sendPage(admin, request, reply, refundConfirmPage(form));
  });

  app.post('/orders/:id/refund', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const fields = fieldsOf(request.body);
    const { order, upsell } = await refundable(api, request.params.id);
    if (!upsell || (upsell.state !== 'captured' && upsell.state !== 'refunded')) return notRefundablePage(admin, request, reply, order, upsell);
    const reason = (fields.reason ?? '').trim();
    const form: RefundForm = { order, upsell, csrf: sessionOf(admin, request).csrfToken, key: fields.idempotencyKey ?? '', reason };
    if (!REFUND_KEY.test(form.key)) {
      const back = { href: `/admin/orders/${encodeURIComponent(order.id)}/refund`, label: 'Open the refund again' };
      return sendPage(admin, request, reply, problemPage(400, 'This form cannot be sent', 'It has no refund confirmation of this admin.', back));
    }
    if (reason.length > 500) return sendPage(admin, request, reply, refundConfirmPage({ ...form, problem: 'A reason has at most 500 characters.' }));
    const outcome = await api.refund(upsell.id, form.key, reason || null);
    switch (outcome.kind) {
      case 'refunded':
        return reply.redirect(`/admin/orders/${encodeURIComponent(order.id)}?refunded=1`, 303);
      case 'pending':
        return sendPage(admin, request, reply, refundPendingPage(form, false));
      case 'refused':
        if (outcome.failure.code === 'idempotency_in_progress') return sendPage(admin, request, reply, refundPendingPage(form, true));
        if (outcome.failure.status === 401 || outcome.failure.status === 404 || outcome.failure.status === 429) throw outcome.failure;
        return sendPage(admin, request, reply, refundRefusedPage(form, outcome.failure));
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  });
}
