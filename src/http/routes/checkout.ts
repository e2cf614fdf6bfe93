import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkoutOffer } from '../../engine/checkout';
import type { EngineContext } from '../../engine/context';
import { renderOfferFragment } from '../../web/fragment';
import { sessionAuth } from '../auth';
import type { createCheckoutCors } from '../cors';

const secured = { tags: ['checkout'], security: [{ sessionToken: [] }] };

/** Checkout API for the buyer's page (`Authorization: Bearer ps_…`), CORS limited to the shop's origins. */
export const checkoutRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext; cors: ReturnType<typeof createCheckoutCors> }> = async (
  app,
  { ctx, cors },
) => {
  app.options('/v1/checkout/*', { schema: { hide: true } }, cors.preflight);
  app.register(async (scoped) => {
    scoped.addHook('onRequest', cors.exposeErrors);
    scoped.addHook('preValidation', sessionAuth(ctx));
    scoped.addHook('preHandler', cors.enforce);

    scoped.get('/v1/checkout/offer', {
      schema: { ...secured, summary: 'The priced offer for this order, or null' },
    }, async (request) => ({ offer: await checkoutOffer(ctx, request.checkoutSession) }));

    scoped.get('/v1/checkout/offer.html', {
      schema: { ...secured, summary: 'The offer as a server-rendered HTML fragment (204 when there is none)' },
    }, async (request, reply) => {
      const offer = await checkoutOffer(ctx, request.checkoutSession);
      reply.header('Cache-Control', 'no-store');
      if (!offer) return reply.status(204).send();
      return reply.type('text/html; charset=utf-8').send(renderOfferFragment(offer));
    });
  });
};
