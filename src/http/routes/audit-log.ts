import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAuditLog } from '../../engine/audit';
import type { EngineContext } from '../../engine/context';
import { AuditLogPage, errors } from '../responses';
import { AuditLogQuerystring } from '../schemas';

const schemas = {
  list: {
    tags: ['shop'],
    security: [{ secretKey: [] }],
    summary: 'Every change made to the shop through the API or the admin: who (which key), through what, what and when; newest first',
    querystring: AuditLogQuerystring,
    response: { 200: AuditLogPage, ...errors(400, 401) },
  },
};

/** The audit log (merchant key; registered inside the merchant routes, so their authentication applies). */
export const auditLogRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext }> = async (app, { ctx }) => {
  app.get('/v1/audit-log', { schema: schemas.list }, async (request) => listAuditLog(ctx.db, request.shopId, request.query));
};
