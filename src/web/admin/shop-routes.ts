/**
 * The signed-in pages: Overview (metrics and their CSV), Offers (list, new, pause/activate, delete),
 * Orders (list, search, pages, one order), Experiments and Settings (read-only). Each reads the API with
 * the session's key; a post's form token was checked before its handler runs (routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ShopApi } from './api';
import { hidden, sendPage, shopApi, sessionOf, type Admin } from './context';
import { fieldsOf, offerForm, offerInput, offerProblems } from './forms';
import { utcDay } from './format';
import { overviewPage, type DayRange } from './pages/overview';
import { deleteOfferPage, EMPTY_OFFER_FORM, newOfferPage, offersPage, variantChoices } from './pages/offers';
import { orderPage, ordersPage } from './pages/orders';
import { experimentsPage, settingsPage } from './pages/read-only';

const ORDERS_PER_PAGE = 25;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_RANGE_DAYS = 30;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function shopRoutes(app: FastifyInstance, admin: Admin): void {
  overviewRoutes(app, admin);
  offerRoutes(app, admin);
  offerChangeRoutes(app, admin);
  orderRoutes(app, admin);
  readOnlyRoutes(app, admin);
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

/** "Saved “Mugs”." after a change, from the redirect's query (only ids and words of ours are read from it). */
function doneMessage(query: Record<string, string>, names: ReadonlyMap<string, string>): string | null {
  const name = (id: string | undefined) => (id && names.has(id) ? `“${names.get(id)}”` : 'The offer');
  if (query.saved) return `${name(query.saved)} was saved.`;
  if (query.paused) return `${name(query.paused)} is paused: no new order gets it.`;
  if (query.activated) return `${name(query.activated)} is active again.`;
  if (query.deleted === '1') return 'The offer was deleted.';
  return null;
}

async function variantsOf(api: ShopApi) {
  return variantChoices(await api.products());
}

function offerRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/offers', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const [offers, variants] = await Promise.all([api.offers(), variantsOf(api)]);
    const done = doneMessage(fieldsOf(request.query), new Map(offers.map((offer) => [offer.id, offer.name])));
    return sendPage(admin, request, reply, offersPage(offers, variants, sessionOf(admin, request).csrfToken, done));
  });

  app.get('/offers/new', hidden, async (request, reply) => {
    const variants = await variantsOf(shopApi(admin, request));
    return sendPage(
      admin,
      request,
      reply,
      newOfferPage(EMPTY_OFFER_FORM, variants, sessionOf(admin, request).csrfToken, { fields: {}, general: [] }),
    );
  });

  app.post('/offers', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const form = offerForm(fieldsOf(request.body));
    const parsed = offerInput(form);
    const csrf = sessionOf(admin, request).csrfToken;
    if ('problems' in parsed) return sendPage(admin, request, reply, newOfferPage(form, await variantsOf(api), csrf, parsed.problems));
    const created = await api.createOffer(parsed.input);
    if (created.ok) return reply.redirect(`/admin/offers?saved=${encodeURIComponent(created.value.id)}`, 303);
    if (created.failure.status >= 401 && created.failure.status !== 409) throw created.failure;
    return sendPage(admin, request, reply, newOfferPage(form, await variantsOf(api), csrf, offerProblems(created.failure)));
  });
}

function offerChangeRoutes(app: FastifyInstance, admin: Admin): void {
  app.post('/offers/:id/active', hidden, async (request: IdRequest, reply) => {
    const active = fieldsOf(request.body).active === 'true';
    await shopApi(admin, request).setOfferActive(request.params.id, active);
    return reply.redirect(`/admin/offers?${active ? 'activated' : 'paused'}=${encodeURIComponent(request.params.id)}`, 303);
  });

  app.get('/offers/:id/delete', hidden, async (request: IdRequest, reply) => {
    const offer = await shopApi(admin, request).offer(request.params.id);
    return sendPage(admin, request, reply, deleteOfferPage(offer, sessionOf(admin, request).csrfToken));
  });

  app.post('/offers/:id/delete', hidden, async (request: IdRequest, reply) => {
    await shopApi(admin, request).deleteOffer(request.params.id);
    return reply.redirect('/admin/offers?deleted=1', 303);
  });
}

function orderRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/orders', hidden, async (request, reply) => {
    const query = fieldsOf(request.query);
    const q = (query.q ?? '').trim().slice(0, 200);
    const cursor = query.cursor || undefined;
    const page = await shopApi(admin, request).orders({ limit: ORDERS_PER_PAGE, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) });
    return sendPage(admin, request, reply, ordersPage(page, q, cursor !== undefined));
  });

  app.get('/orders/:id', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [order, decision, upsell] = await Promise.all([
      api.order(request.params.id),
      api.decision(request.params.id),
      api.upsellOfOrder(request.params.id),
    ]);
    return sendPage(admin, request, reply, orderPage(order, decision, upsell));
  });
}

function readOnlyRoutes(app: FastifyInstance, admin: Admin): void {
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

  app.get('/settings', hidden, async (request, reply) => {
    const shop = await shopApi(admin, request).shop();
    if (!shop.ok) throw shop.failure;
    return sendPage(admin, request, reply, settingsPage(shop.value));
  });
}
