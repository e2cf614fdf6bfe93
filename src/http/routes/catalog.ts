import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deleteProduct, getProduct, listProducts, putProduct } from '../../engine/catalog';
import type { EngineContext } from '../../engine/context';
import { ProductBody, ProductParams } from '../schemas';

const secured = { tags: ['catalog'], security: [{ secretKey: [] }] };

/** Products with variants, per-currency prices and optional stock. */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
  app.put(
    '/v1/products/:productId',
    {
      schema: { ...secured, summary: 'Create or replace a product and its variants', params: ProductParams, body: ProductBody },
    },
    async (request) => ({ product: await putProduct(ctx, request.shopId, request.params.productId, request.body) }),
  );

  app.get('/v1/products', { schema: secured }, async (request) => ({ products: await listProducts(ctx.db, request.shopId) }));

  app.get('/v1/products/:productId', { schema: { ...secured, params: ProductParams } }, async (request) => ({
    product: await getProduct(ctx.db, request.shopId, request.params.productId),
  }));

  app.delete('/v1/products/:productId', { schema: { ...secured, params: ProductParams } }, async (request, reply) => {
    await deleteProduct(ctx, request.shopId, request.params.productId);
    return reply.status(204).send();
  });
};
