import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { createShop } from '../../engine/shops';
import { operatorAuth } from '../auth';
import { BODY_ERRORS, CreatedShop, errorAnswer, errors } from '../responses';
import { CreateShopBody } from '../schemas';
import { audited } from '../audit';

/** Operator routes (`Authorization: Bearer $PLUSONE_ADMIN_TOKEN`): create shops. */
export const operatorRoutes: FastifyPluginAsyncTypebox<{
  ctx: UpsellContext;
  adminToken: string | null;
  onShopCreated: () => void;
}> = async (app, options) => {
  app.addHook('preValidation', operatorAuth(options.adminToken));

  app.post(
    '/v1/shops',
    {
      schema: {
        tags: ['operator'],
        summary: 'Create a shop; its secret key and webhook secret are shown only in this answer',
        security: [{ operatorToken: [] }],
        body: CreateShopBody,
        response: {
          201: CreatedShop,
          ...errors(...BODY_ERRORS, 401, 403, 409),
          503: errorAnswer('`gateway_unavailable`: the PSP could not be asked whether the credentials work; no shop was created, try again'),
        },
      },
      config: audited('shop.created', 'shop', (_request, answer) => (typeof answer.id === 'string' ? answer.id : undefined)),
    },
    async (request, reply) => {
      const shop = await createShop(options.ctx, request.body);
      options.onShopCreated();
      return reply.status(201).send(shop);
    },
  );
};
