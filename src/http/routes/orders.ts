import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { listOrders, listUpsells } from '../../engine/lists';
import { getDecision, getOrder, registerOrder } from '../../engine/orders';
import { refundUpsell } from '../../engine/refunds';
import { getUpsellWithEvents } from '../../engine/upsells';
import {
  BODY_ERRORS,
  DecisionAnswer,
  errorAnswer,
  errors,
  OrderAnswer,
  OrderPage,
  RefundedUpsell,
  RefundPending,
  RegisteredOrder,
  UpsellAnswer,
  UpsellPage,
} from '../responses';
import { audited, fromParam } from '../audit';
import { IdempotencyHeaders, IdParams, OrderBody, OrderListQuerystring, RefundBody, UpsellListQuerystring } from '../schemas';

const secured = { tags: ['orders'], security: [{ secretKey: [] }] };
const upsells = { tags: ['upsells'], security: [{ secretKey: [] }] };

const schemas = {
  register: {
    ...secured,
    summary: 'Register a paid order; returns the post-purchase session token and the chosen offer',
    headers: IdempotencyHeaders,
    body: OrderBody,
    response: { 201: RegisteredOrder, ...errors(...BODY_ERRORS, 401, 409, 422) },
  },
  orders: {
    ...secured,
    summary: "The shop's orders, newest first, a page at a time (cursor), with their offer and upsell",
    querystring: OrderListQuerystring,
    response: { 200: OrderPage, ...errors(400, 401) },
  },
  order: {
    ...secured,
    summary: 'An order with its lines, checkout and upsell',
    params: IdParams,
    response: { 200: OrderAnswer, ...errors(400, 401, 404) },
  },
  decision: {
    ...secured,
    summary: 'Why each offer was or was not chosen for this order',
    params: IdParams,
    response: { 200: DecisionAnswer, ...errors(400, 401, 404) },
  },
  upsells: {
    ...upsells,
    summary: "The shop's upsells, newest first, a page at a time (cursor), without their events",
    querystring: UpsellListQuerystring,
    response: { 200: UpsellPage, ...errors(400, 401) },
  },
  upsell: {
    ...upsells,
    summary: 'An upsell with its state and every event',
    params: IdParams,
    response: { 200: UpsellAnswer, ...errors(400, 401, 404) },
  },
  refund: {
    ...upsells,
    summary: 'Refund a captured upsell in full through its gateway (Idempotency-Key required); 202 while the PSP has not answered',
    params: IdParams,
    headers: IdempotencyHeaders,
    body: RefundBody,
    response: {
      200: RefundedUpsell,
      202: RefundPending,
      ...errors(...BODY_ERRORS, 401, 404, 422),
      409: errorAnswer('`upsell_not_refundable` (not captured), `refund_failed` (the PSP refused), or `idempotency_in_progress`'),
    },
  },
};

/** Orders and their upsells: register a paid order, read, list and explain orders, list, read and refund upsells. */
export const orderRoutes: FastifyPluginAsyncTypebox<{ ctx: UpsellContext }> = async (app, { ctx }) => {
  app.post('/v1/orders', { schema: schemas.register }, async (request, reply) => {
    const result = await registerOrder(ctx, request.shopId, request.body, request.headers['idempotency-key'] ?? null);
    return reply.status(result.statusCode).send(result.body);
  });

  app.get('/v1/orders', { schema: schemas.orders }, async (request) => listOrders(ctx.db, request.shopId, request.query));

  app.get('/v1/orders/:id', { schema: schemas.order }, async (request) => ({
    order: await getOrder(ctx.db, request.shopId, request.params.id),
  }));

  app.get('/v1/orders/:id/decision', { schema: schemas.decision }, async (request) => ({
    decision: await getDecision(ctx.db, request.shopId, request.params.id),
  }));

  app.get('/v1/upsells', { schema: schemas.upsells }, async (request) => listUpsells(ctx.db, request.shopId, request.query));

  app.get('/v1/upsells/:id', { schema: schemas.upsell }, async (request) => ({
    upsell: await getUpsellWithEvents(ctx.db, request.shopId, request.params.id),
  }));

  const refundAudit = audited('upsell.refunded', 'upsell', fromParam('id'), (request, answer) => ({
    ...(typeof request.body === 'object' && request.body !== null ? request.body : {}),
    outcome: answer.status === 'pending' ? 'pending' : 'refunded',
  }));
  app.post('/v1/upsells/:id/refund', { schema: schemas.refund, config: refundAudit }, async (request, reply) => {
    const answer = await refundUpsell(ctx, request.shopId, request.params.id, request.body ?? {}, request.headers['idempotency-key'] ?? null);
    request.auditSkip = answer.replayed === true;
    return reply.status(answer.statusCode).send(answer.body);
  });
};
