import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { listOrders, listUpsells } from '../../engine/lists';
import { getDecision, getOrder, registerOrder } from '../../engine/orders';
import { refundUpsell } from '../../engine/refunds';
import { getUpsellWithEvents } from '../../engine/upsells';
import { ErrorAnswer, OrderPage, RefundedUpsell, RefundPending, UpsellAnswer, UpsellPage } from '../responses';
import { IdempotencyHeaders, IdParams, OrderBody, OrderListQuerystring, RefundBody, UpsellListQuerystring } from '../schemas';

const secured = { tags: ['orders'], security: [{ secretKey: [] }] };
const upsells = { tags: ['upsells'], security: [{ secretKey: [] }] };

/** Orders and their upsells: register a paid order, read, list and explain orders, list, read and refund upsells. */
export const orderRoutes: FastifyPluginAsyncTypebox<{ ctx: UpsellContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/orders',
    {
      schema: {
        ...secured,
        summary: 'Register a paid order; returns the post-purchase session token and the chosen offer',
        headers: IdempotencyHeaders,
        body: OrderBody,
      },
    },
    async (request, reply) => {
      const result = await registerOrder(ctx, request.shopId, request.body, request.headers['idempotency-key'] ?? null);
      return reply.status(result.statusCode).send(result.body);
    },
  );

  app.get(
    '/v1/orders',
    {
      schema: {
        ...secured,
        summary: "The shop's orders, newest first, a page at a time (cursor), with their offer and upsell",
        querystring: OrderListQuerystring,
        response: { 200: OrderPage },
      },
    },
    async (request) => listOrders(ctx.db, request.shopId, request.query),
  );

  app.get('/v1/orders/:id', { schema: { ...secured, params: IdParams } }, async (request) => ({
    order: await getOrder(ctx.db, request.shopId, request.params.id),
  }));

  app.get(
    '/v1/orders/:id/decision',
    {
      schema: { ...secured, summary: 'Why each offer was or was not chosen for this order', params: IdParams },
    },
    async (request) => ({ decision: await getDecision(ctx.db, request.shopId, request.params.id) }),
  );

  app.get(
    '/v1/upsells',
    {
      schema: {
        ...upsells,
        summary: "The shop's upsells, newest first, a page at a time (cursor), without their events",
        querystring: UpsellListQuerystring,
        response: { 200: UpsellPage },
      },
    },
    async (request) => listUpsells(ctx.db, request.shopId, request.query),
  );

  app.get(
    '/v1/upsells/:id',
    { schema: { ...upsells, summary: 'An upsell with its state and every event', params: IdParams, response: { 200: UpsellAnswer } } },
    async (request) => ({ upsell: await getUpsellWithEvents(ctx.db, request.shopId, request.params.id) }),
  );

  app.post(
    '/v1/upsells/:id/refund',
    {
      schema: {
        ...upsells,
        summary: 'Refund a captured upsell in full through its gateway (Idempotency-Key required); 202 while the PSP has not answered',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: RefundBody,
        response: { 200: RefundedUpsell, 202: RefundPending, 409: ErrorAnswer },
      },
    },
    async (request, reply) => {
      const answer = await refundUpsell(ctx, request.shopId, request.params.id, request.body ?? {}, request.headers['idempotency-key'] ?? null);
      return reply.status(answer.statusCode).send(answer.body);
    },
  );
};
