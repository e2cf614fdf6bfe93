import type { FastifyPluginAsync } from 'fastify';

/** Placeholder until the widget lands: serves GET /widget.js. */
export const widgetRoutes: FastifyPluginAsync = async (app) => {
  app.get('/widget.js', { schema: { hide: true } }, async (_request, reply) => reply.type('text/javascript').send(''));
};
