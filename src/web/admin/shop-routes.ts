/**
 * The signed-in pages: Overview (metrics and their CSV) here; Offers (`offer-routes.ts`), Orders with
 * refunds (`order-routes.ts`), Experiments (`experiment-routes.ts`) and Settings with the API keys and the
 * audit log (`settings-routes.ts`).
 * Each reads the API with the session's key; a post's form token was checked before its handler runs
 * (routes.ts).
 */
import type { FastifyInstance } from 'fastify';
import { hidden, sendPage, shopApi, type Admin } from './context';
import { experimentRoutes } from './experiment-routes';
import { fieldsOf } from './forms';
import { utcDay } from './format';
import { offerRoutes } from './offer-routes';
import { orderRoutes } from './order-routes';
import { overviewPage, type DayRange } from './pages/overview';
import { settingsRoutes } from './settings-routes';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_RANGE_DAYS = 30;

export function shopRoutes(app: FastifyInstance, admin: Admin): void {
  overviewRoutes(app, admin);
  offerRoutes(app, admin);
  orderRoutes(app, admin);
  experimentRoutes(app, admin);
  settingsRoutes(app, admin);
}

/** The range asked for (the last 30 days up to today by default), or why it cannot be read. */
function dayRange(admin: Admin, query: Record<string, string>): { range: DayRange; problem: string | null } {
  const today = admin.now();
  const defaults = { from: utcDay(new Date(today.getTime() - (DEFAULT_RANGE_DAYS - 1) * 86_400_000)), to: utcDay(today) };
  const range = { from: query.from ?? defaults.from, to: query.to ?? defaults.to };
  if (!DAY.test(range.from) || !DAY.test(range.to)) return { range, problem: 'Enter both dates as YYYY-MM-DD, such as 2026-11-01.' };
  if (range.from > range.to) return { range, problem: 'The first day comes after the last one: swap them.' };
  return { range, problem: null };
}

function overviewRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/overview', hidden, async (request, reply) => {
    const { range, problem } = dayRange(admin, fieldsOf(request.query));
    if (problem) return sendPage(admin, request, reply, overviewPage({ range, totals: null, daily: [], problem }));
    const api = shopApi(admin, request);
    const [totals, daily] = await Promise.all([api.metrics(range), api.metrics({ ...range, groupBy: 'day' })]);
    if (!totals.ok || !daily.ok) {
      const failure = totals.ok ? (daily.ok ? null : daily.failure) : totals.failure;
      if (failure && failure.status !== 400) throw failure;
      return sendPage(admin, request, reply, overviewPage({ range, totals: null, daily: [], problem: failure?.message ?? null }));
    }
    return sendPage(admin, request, reply, overviewPage({ range, totals: totals.value.rows, daily: daily.value.rows, problem: null }));
  });

  app.get('/overview.csv', hidden, async (request, reply) => {
    const { range, problem } = dayRange(admin, fieldsOf(request.query));
    if (problem) return sendPage(admin, request, reply, overviewPage({ range, totals: null, daily: [], problem }));
    const csv = await shopApi(admin, request).metricsCsv(range);
    if (!csv.ok) throw csv.failure;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', csv.value.disposition)
      .header('cache-control', 'no-store')
      .send(csv.value.text);
  });
}
