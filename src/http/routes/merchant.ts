import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { createApiKey, getShop, listApiKeys, revokeApiKey, updateShop } from '../../engine/shops';
import { merchantAuth } from '../auth';
import { ApiKeyAnswer, ApiKeyList, BODY_ERRORS, CreatedApiKey, errorAnswer, errors, ShopAnswer } from '../responses';
import { IdParams, UpdateShopBody } from '../schemas';
import { auditLogRoutes } from './audit-log';
import { catalogRoutes } from './catalog';
import { offerRoutes } from './offers';
import { orderRoutes } from './orders';
import { webhookEventRoutes } from './webhook-events';
import { audited, fromAnswer, fromParam, theShop } from '../audit';

export interface MerchantRouteOptions {
  ctx: UpsellContext;
  onSettingsChanged: () => void;
}

const secured = { tags: ['shop'], security: [{ secretKey: [] }] };

const schemas = {
  shop: { ...secured, summary: 'The shop and its settings (secrets masked)', response: { 200: ShopAnswer, ...errors(400, 401) } },
  update: {
    ...secured,
    summary: 'Change the name or settings (only the fields sent; null removes a gateway’s credentials or the Shopify app)',
    body: UpdateShopBody,
    response: {
      200: ShopAnswer,
      ...errors(...BODY_ERRORS, 401, 409),
      503: errorAnswer('`gateway_unavailable`: the PSP could not be asked whether the new credentials work; nothing changed, try again'),
    },
  },
  createKey: {
    ...secured,
    summary: 'Create another secret key (shown once), e.g. to rotate',
    response: { 201: CreatedApiKey, ...errors(...BODY_ERRORS, 401) },
  },
  keys: { ...secured, summary: "The shop's secret keys (last four characters only)", response: { 200: ApiKeyList, ...errors(400, 401) } },
  revokeKey: {
    ...secured,
    summary: 'Revoke a secret key (not the last active one)',
    params: IdParams,
    response: { 200: ApiKeyAnswer, ...errors(400, 401, 404) },
  },
};

/** A key's change is recorded by its last four characters (the key itself is never in the log). */
const keyChange = (_request: unknown, answer: Record<string, unknown>) => ({
  last4: (answer.apiKey as { last4?: unknown } | undefined)?.last4 ?? null,
});

/** Merchant API (`Authorization: Bearer sk_…`): everything is scoped to the key's shop. */
export const merchantRoutes: FastifyPluginAsyncTypebox<MerchantRouteOptions> = async (app, options) => {
  const { ctx } = options;
  app.addHook('preValidation', merchantAuth(ctx));

  app.get('/v1/shop', { schema: schemas.shop }, async (request) => ({ shop: await getShop(ctx, request.shopId) }));

  app.patch('/v1/shop', { schema: schemas.update, config: audited('shop.updated', 'shop', theShop) }, async (request) => {
    const shop = await updateShop(ctx, request.shopId, request.body);
    options.onSettingsChanged();
    return { shop };
  });

  app.post(
    '/v1/api-keys',
    { schema: schemas.createKey, config: audited('api_key.created', 'api_key', fromAnswer('apiKey'), keyChange) },
    async (request, reply) => {
      const { secretKey, ...apiKey } = await createApiKey(ctx, request.shopId);
      return reply.status(201).send({ apiKey, secretKey });
    },
  );

  app.get('/v1/api-keys', { schema: schemas.keys }, async (request) => ({ apiKeys: await listApiKeys(ctx, request.shopId) }));

  app.delete(
    '/v1/api-keys/:id',
    { schema: schemas.revokeKey, config: audited('api_key.revoked', 'api_key', fromParam('id'), keyChange) },
    async (request) => ({
      apiKey: await revokeApiKey(ctx, request.shopId, request.params.id),
    }),
  );

  await app.register(auditLogRoutes, { ctx });
  await app.register(catalogRoutes, { ctx });
  await app.register(offerRoutes, { ctx });
  await app.register(orderRoutes, { ctx });
  await app.register(webhookEventRoutes, { ctx });
};
