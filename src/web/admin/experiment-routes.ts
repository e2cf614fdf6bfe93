/**
 * Experiments: the list, the new-experiment form (reviewed on a confirmation page before it starts, since
 * it changes what buyers see), an experiment's page with its verdict, and stopping it or promoting an arm,
 * each confirmed first. A post's form token was checked before its handler runs (routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hidden, sendPage, sessionOf, shopApi, type Admin } from './context';
import { experimentBody, experimentFormOf, experimentProblems, NEW_EXPERIMENT } from './experiment-form';
import { fieldsOf } from './forms';
import { experimentPage, promoteArmPage, stopExperimentPage } from './pages/experiment';
import { confirmExperimentPage, experimentsPage, newExperimentPage } from './pages/experiments';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const NO_PROBLEMS = { fields: {}, general: [] };

export function experimentRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/experiments', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const [experiments, offers] = await Promise.all([api.experiments(), api.offers()]);
    const rows = await Promise.all(
      experiments.map(async (experiment) => ({
        experiment,
        // One report that cannot be read leaves its row without a verdict, not the page without a table.
        statistics: await api.experimentStatistics(experiment.id).catch(() => null),
      })),
    );
    return sendPage(admin, request, reply, experimentsPage(rows, offers));
  });

  app.get('/experiments/new', hidden, async (request, reply) => {
    const offers = await shopApi(admin, request).offers();
    return sendPage(admin, request, reply, newExperimentPage(NEW_EXPERIMENT, offers, sessionOf(admin, request).csrfToken, NO_PROBLEMS));
  });

  /** `step`: review (the form's button: the confirmation page), edit (back to the form), start (create it). */
  app.post('/experiments', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const fields = fieldsOf(request.body);
    const form = experimentFormOf(fields);
    const csrf = sessionOf(admin, request).csrfToken;
    const offers = await api.offers();
    const parsed = experimentBody(form);
    if (fields.step === 'edit' || 'problems' in parsed) {
      const problems = 'problems' in parsed && fields.step !== 'edit' ? parsed.problems : NO_PROBLEMS;
      return sendPage(admin, request, reply, newExperimentPage(form, offers, csrf, problems));
    }
    if (fields.step !== 'start') return sendPage(admin, request, reply, confirmExperimentPage(form, offers, csrf));
    const created = await api.createExperiment(parsed.body);
    if (created.ok) return reply.redirect(`/admin/experiments/${encodeURIComponent(created.value.id)}?started=1`, 303);
    if (created.failure.status === 401 || created.failure.status === 429) throw created.failure;
    return sendPage(admin, request, reply, newExperimentPage(form, offers, csrf, experimentProblems(created.failure)));
  });

  experimentChangeRoutes(app, admin);
}

function doneMessage(query: Record<string, string>): string | null {
  if (query.started === '1') return 'The experiment is running: orders that get its offer are split between its arms from now on.';
  if (query.stopped === '1') return 'The experiment is stopped: every order sees the offer as without it.';
  if (query.promoted === '1') return 'The arm is promoted: every order that gets the offer gets it from now on.';
  return null;
}

function experimentChangeRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/experiments/:id', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [report, offers] = await Promise.all([api.experiment(request.params.id), api.offers()]);
    return sendPage(admin, request, reply, experimentPage(report, offers, doneMessage(fieldsOf(request.query))));
  });

  app.get('/experiments/:id/stop', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [report, offers] = await Promise.all([api.experiment(request.params.id), api.offers()]);
    return sendPage(admin, request, reply, stopExperimentPage(report.experiment, offers, sessionOf(admin, request).csrfToken));
  });

  app.post('/experiments/:id/stop', hidden, async (request: IdRequest, reply) => {
    const stopped = await shopApi(admin, request).stopExperiment(request.params.id);
    if (!stopped.ok) throw stopped.failure;
    return reply.redirect(`/admin/experiments/${encodeURIComponent(request.params.id)}?stopped=1`, 303);
  });

  app.get('/experiments/:id/promote', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [report, offers] = await Promise.all([api.experiment(request.params.id), api.offers()]);
    const armId = fieldsOf(request.query).armId ?? '';
    if (!report.experiment.arms.some((arm) => arm.id === armId))
      return reply.redirect(`/admin/experiments/${encodeURIComponent(report.experiment.id)}`, 303);
    return sendPage(admin, request, reply, promoteArmPage(report, armId, offers, sessionOf(admin, request).csrfToken));
  });

  app.post('/experiments/:id/promote', hidden, async (request: IdRequest, reply) => {
    const promoted = await shopApi(admin, request).promoteArm(request.params.id, fieldsOf(request.body).armId ?? '');
    if (!promoted.ok) throw promoted.failure;
    return reply.redirect(`/admin/experiments/${encodeURIComponent(request.params.id)}?promoted=1`, 303);
  });
}
