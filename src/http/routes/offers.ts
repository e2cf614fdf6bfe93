import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EngineContext } from '../../engine/context';
import { createOffer, deleteOffer, getOffer, listOffers, updateOffer } from '../../engine/offers';
import { CreateOfferBody, IdParams, UpdateOfferBody } from '../schemas';

const secured = { tags: ['offers'], security: [{ secretKey: [] }] };

/** Offers: variant, quantity, discount, priority, targeting rules, button copy, schedule. */
export const offerRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
  app.post('/v1/offers', { schema: { ...secured, body: CreateOfferBody } }, async (request, reply) =>
    reply.status(201).send({ offer: await createOffer(ctx, request.shopId, request.body) }),
  );

  app.get('/v1/offers', { schema: secured }, async (request) => ({ offers: await listOffers(ctx.db, request.shopId) }));

  app.get('/v1/offers/:id', { schema: { ...secured, params: IdParams } }, async (request) => ({
    offer: await getOffer(ctx.db, request.shopId, request.params.id),
  }));

  app.patch('/v1/offers/:id', { schema: { ...secured, params: IdParams, body: UpdateOfferBody } }, async (request) => ({
    offer: await updateOffer(ctx, request.shopId, request.params.id, request.body),
  }));

  app.delete('/v1/offers/:id', { schema: { ...secured, params: IdParams } }, async (request, reply) => {
    await deleteOffer(ctx, request.shopId, request.params.id);
    return reply.status(204).send();
  });
};
