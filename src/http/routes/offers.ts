import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EngineContext } from '../../engine/context';
import { createOffer, deleteOffer, getOffer, listOffers, updateOffer } from '../../engine/offers';
import { BODY_ERRORS, errors, NoContent, OfferAnswer, OfferList } from '../responses';
import { CreateOfferBody, IdParams, OfferListQuerystring, UpdateOfferBody } from '../schemas';
import { audited, fromAnswer, fromParam } from '../audit';

const secured = { tags: ['offers'], security: [{ secretKey: [] }] };

const schemas = {
  create: {
    ...secured,
    summary: 'Create an offer: a variant, its discount, priority, targeting rules, button copy and schedule',
    body: CreateOfferBody,
    response: { 201: OfferAnswer, ...errors(...BODY_ERRORS, 401) },
  },
  list: {
    ...secured,
    summary: "The shop's offers, all or a page",
    querystring: OfferListQuerystring,
    response: { 200: OfferList, ...errors(400, 401) },
  },
  get: { ...secured, summary: 'An offer', params: IdParams, response: { 200: OfferAnswer, ...errors(400, 401, 404) } },
  update: {
    ...secured,
    summary: 'Change an offer (only the fields sent)',
    params: IdParams,
    body: UpdateOfferBody,
    response: { 200: OfferAnswer, ...errors(...BODY_ERRORS, 401, 404) },
  },
  delete: {
    ...secured,
    summary: 'Delete an offer: no order is given it from now on',
    params: IdParams,
    response: { 204: NoContent('Deleted'), ...errors(400, 401, 404) },
  },
};

/** Offers: variant, quantity, discount, priority, targeting rules, button copy, schedule. */
export const offerRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
  app.post('/v1/offers', { schema: schemas.create, config: audited('offer.created', 'offer', fromAnswer('offer')) }, async (request, reply) =>
    reply.status(201).send({ offer: await createOffer(ctx, request.shopId, request.body) }),
  );

  app.get('/v1/offers', { schema: schemas.list }, async (request) => listOffers(ctx.db, request.shopId, request.query));

  app.get('/v1/offers/:id', { schema: schemas.get }, async (request) => ({
    offer: await getOffer(ctx.db, request.shopId, request.params.id),
  }));

  app.patch('/v1/offers/:id', { schema: schemas.update, config: audited('offer.updated', 'offer', fromParam('id')) }, async (request) => ({
    offer: await updateOffer(ctx, request.shopId, request.params.id, request.body),
  }));

  app.delete('/v1/offers/:id', { schema: schemas.delete, config: audited('offer.deleted', 'offer', fromParam('id')) }, async (request, reply) => {
    await deleteOffer(ctx, request.shopId, request.params.id);
    return reply.status(204).send();
  });
};
