import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deleteProduct, getProduct, listProducts, putProduct } from '../../engine/catalog';
import type { EngineContext } from '../../engine/context';
import { BODY_ERRORS, errors, NoContent, ProductAnswer, ProductList } from '../responses';
import { ProductBody, ProductListQuerystring, ProductParams } from '../schemas';
import { audited, fromParam } from '../audit';

const secured = { tags: ['catalog'], security: [{ secretKey: [] }] };

const schemas = {
  put: {
    ...secured,
    summary: 'Create or replace a product and its variants',
    params: ProductParams,
    body: ProductBody,
    response: { 200: ProductAnswer, ...errors(...BODY_ERRORS, 401) },
  },
  list: {
    ...secured,
    summary: "The shop's products, or those holding given variants",
    querystring: ProductListQuerystring,
    response: { 200: ProductList, ...errors(400, 401) },
  },
  get: { ...secured, summary: 'A product with its variants', params: ProductParams, response: { 200: ProductAnswer, ...errors(400, 401, 404) } },
  delete: {
    ...secured,
    summary: 'Delete a product and its variants (offers on them are no longer given)',
    params: ProductParams,
    response: { 204: NoContent('Deleted'), ...errors(400, 401, 404) },
  },
};

/** Products with variants, per-currency prices and optional stock. */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
  app.put(
    '/v1/products/:productId',
    { schema: schemas.put, config: audited('product.saved', 'product', fromParam('productId')) },
    async (request) => ({
      product: await putProduct(ctx, request.shopId, request.params.productId, request.body),
    }),
  );

  app.get('/v1/products', { schema: schemas.list }, async (request) => ({
    products: await listProducts(ctx.db, request.shopId, request.query.variantId),
  }));

  app.get('/v1/products/:productId', { schema: schemas.get }, async (request) => ({
    product: await getProduct(ctx.db, request.shopId, request.params.productId),
  }));

  app.delete(
    '/v1/products/:productId',
    { schema: schemas.delete, config: audited('product.deleted', 'product', fromParam('productId')) },
    async (request, reply) => {
      await deleteProduct(ctx, request.shopId, request.params.productId);
      return reply.status(204).send();
    },
  );
};
