import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { computeMetrics, GROUP_DIMENSIONS, metricsCsv, parseMetricsQuery, type ViewRecorder } from '../../engine/analytics';
import type { EngineContext } from '../../engine/context';
import { merchantAuth } from '../auth';
import { errors, MetricsAnswer, TextAnswer } from '../responses';
import { experimentRoutes } from './experiments';

const secured = { tags: ['analytics'], security: [{ secretKey: [] }] };

const OfferId = Type.String({ minLength: 1, maxLength: 200 });

const MetricsQuerystring = Type.Object(
  {
    from: Type.Optional(
      Type.String({ maxLength: 10, description: 'First UTC day, inclusive (YYYY-MM-DD, from 1970-01-01). Default: 29 days before `to`' }),
    ),
    to: Type.Optional(Type.String({ maxLength: 10, description: 'Last UTC day, inclusive (YYYY-MM-DD, from 1970-01-01). Default: today' })),
    groupBy: Type.Optional(
      Type.String({ maxLength: 40, description: `Comma-separated subset of ${GROUP_DIMENSIONS.join(', ')}; rows are always per currency` }),
    ),
    offerId: Type.Optional(
      Type.Union([OfferId, Type.Array(OfferId, { minItems: 1, maxItems: 100 })], {
        description: "Only this offer's rows; repeat the parameter for several offers (at most 100)",
      }),
    ),
    experimentId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export interface AnalyticsRouteOptions {
  ctx: EngineContext;
  /** Views waiting in memory are written before a read, so a merchant sees every view this node served. */
  views: ViewRecorder;
}

/** Analytics and experiments (merchant API, `Authorization: Bearer sk_…`); definitions in docs/analytics.md. */
export const analyticsRoutes: FastifyPluginAsyncTypebox<AnalyticsRouteOptions> = async (app, { ctx, views }) => {
  app.addHook('preValidation', merchantAuth(ctx));

  app.get(
    '/v1/analytics/metrics',
    {
      schema: {
        ...secured,
        summary: 'Views, accepts, undos, declines, take rate, net revenue… per currency, grouped by day, offer and arm',
        querystring: MetricsQuerystring,
        response: { 200: MetricsAnswer, ...errors(400, 401) },
      },
    },
    async (request) => {
      const query = parseMetricsQuery(request.query, ctx.clock.now());
      await views.flush();
      return {
        from: query.from,
        to: query.to,
        groupBy: query.groupBy,
        rows: await computeMetrics(ctx.db, request.shopId, query),
      };
    },
  );

  app.get(
    '/v1/analytics/metrics.csv',
    {
      schema: {
        ...secured,
        summary: 'The same metrics as CSV (one line per row)',
        querystring: MetricsQuerystring,
        response: { 200: TextAnswer('text/csv', 'RFC 4180 CSV with a header line, sent as an attachment'), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const query = parseMetricsQuery(request.query, ctx.clock.now());
      await views.flush();
      const csv = metricsCsv(await computeMetrics(ctx.db, request.shopId, query), query.groupBy);
      const name = `plusone-metrics-${query.from}-${query.to}.csv`;
      return reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="${name}"`).send(csv);
    },
  );

  await app.register(experimentRoutes, { ctx, views });
};
