import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ViewRecorder } from '../../engine/analytics';
import { experimentReport } from '../../engine/experiment-report';
import { createExperiment, listExperiments, promoteArm, stopExperiment } from '../../engine/experiments';
import type { EngineContext } from '../../engine/context';
import { BODY_ERRORS, errors, ExperimentAnswer, ExperimentList, ExperimentReport } from '../responses';
import { IdParams } from '../schemas';
import { audited, fromAnswer, fromParam } from '../audit';

const secured = { tags: ['experiments'], security: [{ secretKey: [] }] };
const Strict = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });
const ArmId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,50}$' });

export const CreateExperimentBody = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  offerId: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'The offer under test: the experiment runs on orders the decision gives this offer',
  }),
  arms: Type.Array(
    Strict({
      id: ArmId,
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Relative traffic weight (default 1)' })),
      copy: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Button copy; {price} becomes the formatted price' })),
      offerId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A competing offer shown instead' })),
    }),
    { minItems: 1, maxItems: 10, description: 'The first arm is the control' },
  ),
  holdoutPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 50, description: 'Share of orders shown no offer (at most 2 decimals)' })),
  settings: Type.Optional(
    Strict({
      alpha: Type.Optional(Type.Number({ minimum: 0.001, maximum: 0.2 })),
      minViewsPerArm: Type.Optional(Type.Integer({ minimum: 30, maximum: 10_000_000 })),
      equivalenceMargin: Type.Optional(Type.Number({ minimum: 0.001, maximum: 0.5 })),
      maxViewsPerArm: Type.Optional(Type.Union([Type.Integer({ minimum: 30, maximum: 100_000_000 }), Type.Null()])),
      autoPromote: Type.Optional(Type.Boolean()),
    }),
  ),
});

const PromoteBody = Strict({ armId: ArmId });
const ListQuery = Type.Object({ offerId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });

/** Experiments on offers: arms of copy or competing offers, weights, holdout, and an honest verdict. */
export const experimentRoutes: FastifyPluginAsyncTypebox<{ ctx: EngineContext; views: ViewRecorder }> = async (app, { ctx, views }) => {
  app.post(
    '/v1/experiments',
    {
      schema: {
        ...secured,
        summary: 'Start an experiment on an offer',
        body: CreateExperimentBody,
        response: { 201: ExperimentAnswer, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
      config: audited('experiment.created', 'experiment', fromAnswer('experiment')),
    },
    async (request, reply) => reply.status(201).send({ experiment: await createExperiment(ctx, request.shopId, request.body) }),
  );

  app.get(
    '/v1/experiments',
    {
      schema: {
        ...secured,
        summary: "The shop's experiments, or those of one offer",
        querystring: ListQuery,
        response: { 200: ExperimentList, ...errors(400, 401) },
      },
    },
    async (request) => ({
      experiments: await listExperiments(ctx.db, request.shopId, request.query.offerId),
    }),
  );

  app.get(
    '/v1/experiments/:id',
    {
      schema: {
        ...secured,
        summary: 'The experiment with its statistics and verdict (keep_running, winner, no_difference)',
        params: IdParams,
        response: { 200: ExperimentReport, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      await views.flush();
      return experimentReport(ctx, request.shopId, request.params.id);
    },
  );

  app.post(
    '/v1/experiments/:id/stop',
    {
      schema: {
        ...secured,
        summary: 'Stop: the offer is shown as without an experiment',
        params: IdParams,
        response: { 200: ExperimentAnswer, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
      config: audited('experiment.stopped', 'experiment', fromParam('id')),
    },
    async (request) => ({
      experiment: await stopExperiment(ctx, request.shopId, request.params.id),
    }),
  );

  app.post(
    '/v1/experiments/:id/promote',
    {
      schema: {
        ...secured,
        summary: 'End the experiment and serve one arm to every order',
        params: IdParams,
        body: PromoteBody,
        response: { 200: ExperimentAnswer, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
      config: audited('experiment.promoted', 'experiment', fromParam('id')),
    },
    async (request) => ({ experiment: await promoteArm(ctx, request.shopId, request.params.id, request.body.armId) }),
  );
};
