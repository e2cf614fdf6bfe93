import type { FastifyPluginAsync } from 'fastify';
import type { ApiClient } from '../api-client';
import type { DemoShop } from '../demo-seed';

export interface DemoRouteOptions {
  readonly api: ApiClient;
  /** The demo shop once seeded (null when the demo is off or the database had other shops). */
  readonly demoShop: () => DemoShop | null;
}

/** Placeholder until the demo shop lands. */
export const demoRoutes: FastifyPluginAsync<DemoRouteOptions> = async (app) => {
  app.get('/demo', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html').send('<p>Demo shop</p>'));
};
