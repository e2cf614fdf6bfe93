/**
 * Offers: the list, the editor for a new and a saved offer (with the buyer's widget previewed beside it),
 * pause/activate, duplicate and delete. A post's form token was checked before its handler runs
 * (routes.ts). The editor's form posts an `intent`: `save` (the default: Enter in a field, **Save offer**),
 * or `preview`, `addCopy`, `removeCopy-N`, which only draw the form again and save nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsRowView, OfferBody, OfferView, OrderSummaryView, ProductView, ShopApi } from './api';
import { hidden, sendPage, sessionOf, shopApi, type Admin } from './context';
import { fieldsOf } from './forms';
import { utcDay } from './format';
import {
  copyRowsOf,
  emptyOfferForm,
  formFromFields,
  formFromOffer,
  NO_PROBLEMS,
  offerBody,
  offerProblems,
  type OfferForm,
  type OfferProblems,
} from './offer-form';
import { offerEditorPage, previewLocales, type EditorPage, type EditorPreview } from './pages/offer-editor';
import { deleteOfferPage, offersPage, variantChoices, type OfferResults } from './pages/offers';
import { buyerPreview, offerVariant, sampleCurrency, type PreviewedOffer } from './preview';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** Currencies, the most frequent first (ties in the order met). */
function byUse(currencies: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const currency of currencies) counts.set(currency, (counts.get(currency) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([currency]) => currency);
}

/** The catalog's currencies, the most used first. */
/** The offers list's results cover the last 30 days (UTC), as the overview does by default. */
const RESULTS_DAYS = 30;

/** Each offer's rows of `groupBy=offer` metrics (one per currency). */
function resultsByOffer(rows: readonly MetricsRowView[]): OfferResults {
  const byOffer = new Map<string, MetricsRowView[]>();
  for (const row of rows) {
    if (!row.offerId) continue;
    byOffer.set(row.offerId, [...(byOffer.get(row.offerId) ?? []), row]);
  }
  return byOffer;
}

export function catalogCurrencies(products: readonly ProductView[]): string[] {
  return byUse(products.flatMap((product) => product.variants.flatMap((variant) => variant.prices.map((price) => price.currency))));
}

/**
 * The shop's main currency, which the API does not name: the one most of its newest orders are in, else
 * the catalog's most used, else USD.
 */
export function mainCurrency(orders: readonly OrderSummaryView[], products: readonly ProductView[]): string {
  return byUse(orders.map((order) => order.currency))[0] ?? catalogCurrencies(products)[0] ?? 'USD';
}

/** What every editor page reads: the catalog, the shop's language and main currency. */
interface EditorData {
  readonly products: readonly ProductView[];
  readonly mainCurrency: string;
  readonly defaultLocale: string;
}

async function editorData(api: ShopApi): Promise<EditorData> {
  const [products, shop, orders] = await Promise.all([api.products(), api.shop(), api.orders({ limit: 25 })]);
  if (!shop.ok) throw shop.failure;
  const locale = shop.value.settings.defaultLocale;
  return {
    products,
    mainCurrency: mainCurrency(orders.orders, products),
    defaultLocale: typeof locale === 'string' && locale ? locale : 'en-US',
  };
}

interface PreviewAsk {
  readonly previewed: PreviewedOffer | null;
  readonly source: EditorPreview['source'];
  /** Why there is nothing to preview (no offer yet, or a form with problems). */
  readonly absent: string;
  readonly fields: Readonly<Record<string, string>>;
}

function editorPreview(admin: Admin, data: EditorData, form: OfferForm, ask: PreviewAsk): EditorPreview {
  const locales = previewLocales(data.defaultLocale);
  const variant = offerVariant(data.products, ask.previewed?.variantId ?? form.variantId);
  const asked = ask.fields.sampleLocale ?? '';
  const sample = {
    currency: sampleCurrency(variant, ask.fields.sampleCurrency ?? '', data.mainCurrency),
    taxRate: (ask.fields.sampleTaxRate ?? '').trim(),
    locale: locales.some((locale) => locale.tag === asked) ? asked : (locales[0]?.tag ?? 'en-US'),
  };
  const result = ask.previewed ? buyerPreview(ask.previewed, variant, sample, admin.now()) : { ok: false as const, problem: ask.absent };
  return { sample, currencies: variant ? Object.keys(variant.prices) : [], locales, result, source: ask.source };
}

interface EditorState {
  readonly mode: EditorPage['mode'];
  readonly form: OfferForm;
  readonly problems: OfferProblems;
  readonly blankCopyRows: number;
  readonly preview: PreviewAsk;
  readonly done: string | null;
}

function sendEditor(admin: Admin, request: FastifyRequest, reply: FastifyReply, data: EditorData, state: EditorState): FastifyReply {
  const currencies = [
    ...new Set([
      data.mainCurrency,
      ...catalogCurrencies(data.products),
      ...Object.keys(state.form.fixedAmounts),
      ...Object.keys(state.form.shipping),
    ]),
  ];
  const page: EditorPage = {
    mode: state.mode,
    form: state.form,
    products: data.products,
    currencies,
    problems: state.problems,
    csrf: sessionOf(admin, request).csrfToken,
    blankCopyRows: state.blankCopyRows,
    preview: editorPreview(admin, data, state.form, state.preview),
    done: state.done,
  };
  return sendPage(admin, request, reply, offerEditorPage(page));
}

/** A posted editor form that is not a save: a preview, a copy row added or removed. Nothing is saved. */
function redraw(admin: Admin, request: FastifyRequest, reply: FastifyReply, data: EditorData, mode: EditorPage['mode']): FastifyReply {
  const fields = fieldsOf(request.body);
  const intent = fields.intent ?? '';
  let form = formFromFields(request.body, fields, data.mainCurrency);
  let blankCopyRows = Math.max(1, copyRowsOf(fields).blanks);
  const removed = /^removeCopy-(\d+)$/.exec(intent);
  if (removed) {
    const index = Number(removed[1]);
    form = { ...form, buttonCopy: form.buttonCopy.filter((_row, at) => at !== index) };
  }
  if (intent === 'addCopy') blankCopyRows += 1;
  const parsed = offerBody(form);
  const previewing = intent === 'preview';
  const problems = previewing && 'problems' in parsed ? parsed.problems : NO_PROBLEMS;
  const previewed = 'body' in parsed ? parsed.body : null;
  const absent = previewing ? 'Fix the problems in the form to see its preview.' : 'Fill in the form, then press Preview.';
  const preview: PreviewAsk = { previewed, source: 'typed', absent, fields };
  return sendEditor(admin, request, reply, data, { mode, form, problems, blankCopyRows, preview, done: null });
}

/** "Travel mug (copy)", within the API's 200 characters. */
export function copyName(name: string): string {
  const suffix = ' (copy)';
  return `${name.slice(0, 200 - suffix.length)}${suffix}`;
}

/** The saved offer as a body to create its copy from: the same in every field, paused, named "… (copy)". */
function duplicateBody(offer: OfferView): OfferBody {
  const { variantId, quantity, discount, priority, rules, buttonCopy, shipping, startsAt, endsAt } = offer;
  return { name: copyName(offer.name), variantId, quantity, discount, priority, active: false, rules, buttonCopy, shipping, startsAt, endsAt };
}

export function offerRoutes(app: FastifyInstance, admin: Admin): void {
  listRoutes(app, admin);
  newOfferRoutes(app, admin);
  editOfferRoutes(app, admin);
  offerChangeRoutes(app, admin);
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

/** Offers per page of the list: a shop with 1,000 offers pages through them (docs/admin.md). */
export const OFFERS_PER_PAGE = 50;

function listRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/offers', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const fields = fieldsOf(request.query);
    const page = await api.offerPage({ limit: OFFERS_PER_PAGE, ...(fields.cursor ? { cursor: fields.cursor } : {}) });
    const today = admin.now();
    // The numbers and the variants' names of this page's offers only.
    const offerIds = page.offers.map((offer) => offer.id);
    const range = {
      from: utcDay(new Date(today.getTime() - (RESULTS_DAYS - 1) * 86_400_000)),
      to: utcDay(today),
      groupBy: 'offer' as const,
      offerIds,
    };
    const variantIds = [...new Set(page.offers.map((offer) => offer.variantId))];
    const [products, metrics, names] = await Promise.all([
      variantIds.length > 0 ? api.products(variantIds) : Promise.resolve([]),
      offerIds.length > 0 ? api.metrics(range) : Promise.resolve(null),
      offerNames(api, page.offers, fields),
    ]);
    const done = doneMessage(fields, names);
    // Without numbers (the API refused them) the list still shows, its results column saying so.
    const results = metrics === null ? new Map() : metrics.ok ? resultsByOffer(metrics.value.rows) : null;
    const pages = { nextCursor: page.nextCursor, paged: Boolean(fields.cursor) };
    return sendPage(
      admin,
      request,
      reply,
      offersPage(page.offers, variantChoices(products), sessionOf(admin, request).csrfToken, done, results, pages),
    );
  });
}

/** The names `doneMessage` may need: the page's offers, and the offer just saved or changed when it is on another page. */
async function offerNames(api: ShopApi, offers: readonly OfferView[], fields: Record<string, string>): Promise<Map<string, string>> {
  const names = new Map(offers.map((offer) => [offer.id, offer.name]));
  const changed = fields.saved ?? fields.paused ?? fields.activated;
  if (changed && !names.has(changed)) {
    const offer = await api.offer(changed).catch(() => null);
    if (offer) names.set(offer.id, offer.name);
  }
  return names;
}

function newOfferRoutes(app: FastifyInstance, admin: Admin): void {
  const mode = { kind: 'new' } as const;
  app.get('/offers/new', hidden, async (request, reply) => {
    const data = await editorData(shopApi(admin, request));
    const preview: PreviewAsk = { previewed: null, source: 'typed', absent: 'Choose a product variant, then press Preview.', fields: {} };
    const state = { mode, form: emptyOfferForm(data.mainCurrency), problems: NO_PROBLEMS, blankCopyRows: 1, preview, done: null };
    return sendEditor(admin, request, reply, data, state);
  });

  app.post('/offers', hidden, async (request, reply) => {
    const api = shopApi(admin, request);
    const data = await editorData(api);
    const fields = fieldsOf(request.body);
    if (fields.intent && fields.intent !== 'save') return redraw(admin, request, reply, data, mode);
    const form = formFromFields(request.body, fields, data.mainCurrency);
    const parsed = offerBody(form);
    const created = 'body' in parsed ? await api.createOffer(parsed.body) : null;
    if (created?.ok) return reply.redirect(`/admin/offers?saved=${encodeURIComponent(created.value.id)}`, 303);
    if (created && created.failure.status >= 401 && created.failure.status !== 409) throw created.failure;
    const problems = 'problems' in parsed ? parsed.problems : created ? offerProblems(created.failure, parsed.body) : NO_PROBLEMS;
    const preview: PreviewAsk = { previewed: null, source: 'typed', absent: 'Fix the problems in the form to see its preview.', fields };
    return sendEditor(admin, request, reply, data, { mode, form, problems, blankCopyRows: 1, preview, done: null });
  });
}

function editDone(query: Record<string, string>): string | null {
  if (query.saved === '1') return 'Saved. The preview shows the offer as saved.';
  if (query.duplicated === '1') return 'This is the copy, paused: change what it needs, tick Active and save it.';
  return null;
}

function editOfferRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/offers/:id', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [offer, data] = await Promise.all([api.offer(request.params.id), editorData(api)]);
    const mode = { kind: 'edit', offerId: offer.id, savedName: offer.name } as const;
    const preview: PreviewAsk = { previewed: offer, source: 'saved', absent: '', fields: fieldsOf(request.query) };
    const form = formFromOffer(offer, data.mainCurrency);
    const done = editDone(fieldsOf(request.query));
    return sendEditor(admin, request, reply, data, { mode, form, problems: NO_PROBLEMS, blankCopyRows: 1, preview, done });
  });

  app.post('/offers/:id', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const [offer, data] = await Promise.all([api.offer(request.params.id), editorData(api)]);
    const mode = { kind: 'edit', offerId: offer.id, savedName: offer.name } as const;
    const fields = fieldsOf(request.body);
    if (fields.intent && fields.intent !== 'save') return redraw(admin, request, reply, data, mode);
    const form = formFromFields(request.body, fields, data.mainCurrency);
    const parsed = offerBody(form);
    const saved = 'body' in parsed ? await api.updateOffer(offer.id, parsed.body) : null;
    if (saved?.ok) return reply.redirect(`/admin/offers/${encodeURIComponent(offer.id)}?saved=1`, 303);
    if (saved && saved.failure.status >= 401 && saved.failure.status !== 409) throw saved.failure;
    const problems = 'problems' in parsed ? parsed.problems : saved ? offerProblems(saved.failure, parsed.body) : NO_PROBLEMS;
    const preview: PreviewAsk = { previewed: null, source: 'typed', absent: 'Fix the problems in the form to see its preview.', fields };
    return sendEditor(admin, request, reply, data, { mode, form, problems, blankCopyRows: 1, preview, done: null });
  });
}

function offerChangeRoutes(app: FastifyInstance, admin: Admin): void {
  app.post('/offers/:id/active', hidden, async (request: IdRequest, reply) => {
    const active = fieldsOf(request.body).active === 'true';
    await shopApi(admin, request).setOfferActive(request.params.id, active);
    return reply.redirect(`/admin/offers?${active ? 'activated' : 'paused'}=${encodeURIComponent(request.params.id)}`, 303);
  });

  app.post('/offers/:id/duplicate', hidden, async (request: IdRequest, reply) => {
    const api = shopApi(admin, request);
    const copy = await api.createOffer(duplicateBody(await api.offer(request.params.id)));
    if (!copy.ok) throw copy.failure;
    return reply.redirect(`/admin/offers/${encodeURIComponent(copy.value.id)}?duplicated=1`, 303);
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
