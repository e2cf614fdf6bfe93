import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** `/healthz`: the process serves. `/readyz`: and its database answers. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ databaseReady: () => Promise<void> }> = async (app, options) => {
  app.get('/healthz', { schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['health'] } }, async (request, reply) => {
    try {
      await options.databaseReady();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'database not ready');
      return reply.status(503).send({ status: 'unavailable', error: { code: 'database_unavailable', message: 'The database does not answer' } });
    }
  });
};
