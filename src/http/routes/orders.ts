import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EngineContext } from '../../engine/context';
import { getDecision, getOrder, registerOrder } from '../../engine/orders';
import { getUpsellWithEvents } from '../../engine/upsells';
import { IdempotencyHeaders, IdParams, OrderBody } from '../schemas';

const secured = { tags: ['orders'], security: [{ secretKey: [] }] };

/** Orders: register a paid order (decides its offer and opens the buyer's session), read it, explain it. */
export const orderRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
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
    '/v1/upsells/:id',
    {
      schema: { tags: ['upsells'], security: [{ secretKey: [] }], summary: 'An upsell with its state and every event', params: IdParams },
    },
    async (request) => ({ upsell: await getUpsellWithEvents(ctx.db, request.shopId, request.params.id) }),
  );
};
