import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, HealthAnswer, NotReadyAnswer, ReadyAnswer } from '../responses';

const schemas = {
  health: { tags: ['health'], summary: 'Liveness: 200 while the process serves', response: { 200: HealthAnswer, ...errors(400) } },
  ready: {
    tags: ['health'],
    summary: 'Readiness: 200 when the database answers, 503 when it does not',
    response: { 200: ReadyAnswer, ...errors(400), 503: NotReadyAnswer },
  },
};

/** `/healthz`: the process serves. `/readyz`: and its database answers. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ databaseReady: () => Promise<void> }> = async (app, options) => {
  app.get('/healthz', { schema: schemas.health }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: schemas.ready }, async (request, reply) => {
    try {
      await options.databaseReady();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'database not ready');
      return reply.status(503).send({ status: 'unavailable', error: { code: 'database_unavailable', message: 'The database does not answer' } });
    }
  });
};
