import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { createApiKey, getShop, listApiKeys, revokeApiKey, updateShop } from '../../engine/shops';
import { merchantAuth } from '../auth';
import { IdParams, UpdateShopBody } from '../schemas';
import { catalogRoutes } from './catalog';
import { offerRoutes } from './offers';
import { orderRoutes } from './orders';

export interface MerchantRouteOptions {
  ctx: UpsellContext;
  onSettingsChanged: () => void;
}

const secured = { security: [{ secretKey: [] }] };

/** Merchant API (`Authorization: Bearer sk_…`): everything is scoped to the key's shop. */
export const merchantRoutes: FastifyPluginAsyncTypebox<MerchantRouteOptions> = async (app, options) => {
  const { ctx } = options;
  app.addHook('preValidation', merchantAuth(ctx));

  app.get('/v1/shop', { schema: { tags: ['shop'], ...secured } }, async (request) => ({ shop: await getShop(ctx, request.shopId) }));

  app.patch('/v1/shop', { schema: { tags: ['shop'], ...secured, body: UpdateShopBody } }, async (request) => {
    const shop = await updateShop(ctx, request.shopId, request.body);
    options.onSettingsChanged();
    return { shop };
  });

  app.post(
    '/v1/api-keys',
    {
      schema: { tags: ['shop'], ...secured, summary: 'Create another secret key (shown once), e.g. to rotate' },
    },
    async (request, reply) => {
      const { secretKey, ...apiKey } = await createApiKey(ctx, request.shopId);
      return reply.status(201).send({ apiKey, secretKey });
    },
  );

  app.get('/v1/api-keys', { schema: { tags: ['shop'], ...secured } }, async (request) => ({ apiKeys: await listApiKeys(ctx, request.shopId) }));

  app.delete('/v1/api-keys/:id', { schema: { tags: ['shop'], ...secured, params: IdParams } }, async (request) => ({
    apiKey: await revokeApiKey(ctx, request.shopId, request.params.id),
  }));

  await app.register(catalogRoutes, { ctx });
  await app.register(offerRoutes, { ctx });
  await app.register(orderRoutes, { ctx });
};
