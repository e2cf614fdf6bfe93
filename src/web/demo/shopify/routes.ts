/**
 * The Shopify view of the demo (`/demo/shopify`): a Shopify order placed in the fake Shopify, its
 * post-purchase page with the real extension hosted by `host.ts`, and its thank-you page. The extension
 * talks to Plusone's `/v1/shopify/*` routes on this origin, exactly as on a live store; the host's
 * `calculateChangeset` / `applyChangeset` come here and go to the fake Shopify.
 *
 * The order's page and its host calls belong to the browser that placed it (the demo's buyer cookie,
 * `../buyer.ts`): the page carries Shopify's input token, which speaks for the purchase. Every post needs
 * that browser's form token (a form field, or `x-plusone-demo-csrf` on the host's JSON calls).
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { detectCardData } from '../../../core/card-data';
import { DEMO_SHOPIFY_PRODUCTS, type DemoShop } from '../../../core/demo';
import { DomainError } from '../../../core/errors';
import { errorStatus } from '../../../http/errors';
import { buyerHash, buyerSecret, checkForm, csrfToken, CSRF_FIELD, ensureBuyer, sameBuyer } from '../buyer';
import { sendPage } from '../layout';
import { notFoundPage, problemPage } from '../pages';
import { hostBundle, scriptRoute } from './bundles';
import { productHandle } from './changeset';
import type { FakeShopify } from './fake-shopify';
import { MAX_QUANTITY, postPurchasePage, QUANTITY_PREFIX, shopifyIndexPage, shopifyOffPage, thankYouPage } from './pages';
import type { Change, HostData } from './types';

export interface ShopifyDemoRouteOptions {
  /** The demo shop once seeded; its `shopify` is the demo's Shopify store (null: the view says the demo is off). */
  readonly demoShop: () => DemoShop | null;
  /** The fake Shopify of that store, or a getter for it when it is made after the seed. */
  readonly fakeShopify: FakeShopify | null | (() => FakeShopify | null);
  /**
   * The post-purchase extension's code as Shopify would run it, calling Plusone on the page's own origin:
   * `async () => (await buildExtension({ apiBase: '' })).code` (`extensions/post-purchase/build.ts`).
   * Without it `/demo/shopify/extension.js` answers 404 and the host skips to the thank-you page, as
   * Shopify does for an extension that fails to load.
   */
  readonly extensionBundle?: () => Promise<string>;
}

/** The products a buyer may order here: the first two (the third is the offer). */
const ORDERABLE = DEMO_SHOPIFY_PRODUCTS.slice(0, 2);
const CSRF_HEADER = 'x-plusone-demo-csrf';
const MAX_REMEMBERED_ORDERS = 1000;
const hidden = { schema: { hide: true } };

interface Params {
  referenceId: string;
}

/** Which browser placed which order (the hash of its buyer secret), the newest thousand. */
class PlacedOrders {
  private readonly byReference = new Map<string, string>();

  remember(referenceId: string, secret: string): void {
    this.byReference.set(referenceId, buyerHash(secret));
    for (const oldest of this.byReference.keys()) {
      if (this.byReference.size <= MAX_REMEMBERED_ORDERS) break;
      this.byReference.delete(oldest);
    }
  }

  placedBy(referenceId: string, secret: string | null): boolean {
    return sameBuyer(secret, this.byReference.get(referenceId) ?? null);
  }
}

function parseForm(text: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) if (!fields.has(name)) fields.set(name, value);
  return Object.fromEntries(fields);
}

/** This plugin's own form parser (the app takes JSON only), with the demo's card-data check. */
function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const fields = parseForm(text);
    if (detectCardData(decodeURIComponent(text.replace(/\+/g, ' ')), fields)) {
      done(new DomainError('card_data_rejected', 'This shop never accepts card numbers, security codes or expiry dates.'), undefined);
      return;
    }
    done(null, fields);
  });
}

const isHostCall = (request: FastifyRequest) => request.url.startsWith('/demo/shopify/host/');

function errorAnswer(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const code = error instanceof DomainError ? error.code : null;
  const status = errorStatus(error);
  const clientError = status >= 400 && status < 500;
  if (!clientError) request.log.error({ err: error }, 'Shopify demo page failed');
  if (isHostCall(request)) {
    const message = clientError && error instanceof Error ? error.message : 'The fake Shopify could not answer';
    return reply.status(clientError ? status : 500).send({ error: { code: code ?? (clientError ? 'invalid_request' : 'internal_error'), message } });
  }
  if (code === 'csrf_token_invalid') {
    return sendPage(
      reply,
      problemPage(
        403,
        'This form cannot be sent',
        'It was not sent from this demo’s own page in this browser. Please reload the page and try again.',
      ),
    );
  }
  return sendPage(reply, problemPage(clientError ? status : 500, 'This request could not be handled', 'Please go back and try again.'));
}

export const shopifyDemoRoutes: FastifyPluginAsync<ShopifyDemoRouteOptions> = async (app, options) => {
  registerFormParser(app);
  app.setErrorHandler(errorAnswer);
  await app.register(cookie);
  const fake = typeof options.fakeShopify === 'function' ? options.fakeShopify : () => options.fakeShopify as FakeShopify | null;
  const store = () => {
    const shopify = options.demoShop()?.shopify ?? null;
    const fakeShopify = shopify ? fake() : null;
    return shopify && fakeShopify ? { shopify, fakeShopify } : null;
  };
  const placed = new PlacedOrders();
  scriptRoute(app, '/demo/shopify/host.js', hostBundle);
  if (options.extensionBundle) scriptRoute(app, '/demo/shopify/extension.js', options.extensionBundle);
  orderRoutes(app, store, placed);
  hostRoutes(app, store, placed);
};

type Store = () => { shopify: NonNullable<DemoShop['shopify']>; fakeShopify: FakeShopify } | null;

/** Quantities by product handle from the form; null when one is not a whole number from 0 to MAX_QUANTITY. */
function readQuantities(fields: Readonly<Record<string, string>>): Map<string, number> | null {
  const quantities = new Map<string, number>();
  for (const product of ORDERABLE) {
    const handle = productHandle(product.title);
    const text = fields[QUANTITY_PREFIX + handle] ?? '0';
    if (!/^\d{1,2}$/.test(text) || Number(text) > MAX_QUANTITY) return null;
    quantities.set(handle, Number(text));
  }
  return quantities;
}

function orderRoutes(app: FastifyInstance, store: Store, placed: PlacedOrders): void {
  app.get('/demo/shopify', hidden, async (request, reply) => {
    const current = store();
    if (!current) return sendPage(reply, shopifyOffPage());
    const csrf = csrfToken(ensureBuyer(request, reply));
    const quantities = new Map([[productHandle(ORDERABLE[0]?.title ?? ''), 1]]);
    return sendPage(reply, shopifyIndexPage({ products: ORDERABLE, quantities, csrf, shopDomain: current.shopify.shopDomain }));
  });

  app.post('/demo/shopify/orders', hidden, async (request, reply) => {
    const current = store();
    if (!current) return sendPage(reply, shopifyOffPage(404));
    const fields = request.body && typeof request.body === 'object' ? (request.body as Record<string, string>) : {};
    const secret = checkForm(request, fields[CSRF_FIELD]);
    const quantities = readQuantities(fields);
    const lines = ORDERABLE.map((product) => ({ variantId: product.variantId, quantity: quantities?.get(productHandle(product.title)) ?? 0 })).filter(
      (line) => line.quantity > 0,
    );
    if (!quantities || lines.length === 0) {
      const errors = [quantities ? 'Choose at least one product.' : `Quantities are whole numbers from 0 to ${MAX_QUANTITY}.`];
      const page = shopifyIndexPage({
        products: ORDERABLE,
        quantities: quantities ?? new Map(),
        csrf: csrfToken(secret),
        shopDomain: current.shopify.shopDomain,
        errors,
      });
      return sendPage(reply, page);
    }
    const { referenceId } = await current.fakeShopify.placeOrder({ lines, destinationCountryCode: 'US', locale: 'en' });
    placed.remember(referenceId, secret);
    return reply.redirect(`/demo/shopify/post-purchase/${referenceId}`, 303);
  });

  app.get<{ Params: Params }>('/demo/shopify/post-purchase/:referenceId', hidden, async (request, reply) => {
    const current = store();
    if (!current) return sendPage(reply, shopifyOffPage(404));
    const { referenceId } = request.params;
    const order = current.fakeShopify.order(referenceId);
    const secret = buyerSecret(request);
    if (!order || !secret || !placed.placedBy(referenceId, secret)) return sendPage(reply, notFoundPage('Shopify order'));
    // Shopify shows the page only while the order waits on its post-purchase hold.
    if (order.released) return reply.redirect(`/demo/shopify/thank-you/${referenceId}`, 303);
    const inputData = await current.fakeShopify.inputData(referenceId);
    if (!inputData) return sendPage(reply, notFoundPage('Shopify order'));
    const host: HostData = {
      referenceId,
      inputData,
      csrf: csrfToken(secret),
      extensionUrl: '/demo/shopify/extension.js',
      calculateUrl: `/demo/shopify/host/${referenceId}/calculate`,
      applyUrl: `/demo/shopify/host/${referenceId}/apply`,
      thankYouUrl: `/demo/shopify/thank-you/${referenceId}`,
    };
    return sendPage(reply, postPurchasePage(order, host));
  });

  app.get<{ Params: Params }>('/demo/shopify/thank-you/:referenceId', hidden, async (request, reply) => {
    const current = store();
    if (!current) return sendPage(reply, shopifyOffPage(404));
    const { referenceId } = request.params;
    if (!current.fakeShopify.order(referenceId) || !placed.placedBy(referenceId, buyerSecret(request)))
      return sendPage(reply, notFoundPage('Shopify order'));
    // Reaching the thank-you page ends the post-purchase hold, as on Shopify.
    current.fakeShopify.releaseToFulfilment(referenceId);
    const order = current.fakeShopify.order(referenceId);
    return order ? sendPage(reply, thankYouPage(order)) : sendPage(reply, notFoundPage('Shopify order'));
  });
}

function hostRoutes(app: FastifyInstance, store: Store, placed: PlacedOrders): void {
  const purchase = (request: FastifyRequest<{ Params: Params }>) => {
    const current = store();
    if (!current) throw new DomainError('not_found', 'The Shopify demo is off');
    const header = request.headers[CSRF_HEADER];
    const secret = checkForm(request, typeof header === 'string' ? header : undefined);
    if (!placed.placedBy(request.params.referenceId, secret)) throw new DomainError('not_found', 'No such purchase in this browser');
    return current.fakeShopify;
  };
  const body = (request: FastifyRequest): Record<string, unknown> =>
    request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};

  app.post<{ Params: Params }>('/demo/shopify/host/:referenceId/calculate', hidden, async (request) => {
    const fakeShopify = purchase(request);
    const { changeset } = body(request);
    if (typeof changeset === 'string') return fakeShopify.calculateChangeset(request.params.referenceId, changeset);
    const changes: unknown = changeset !== null && typeof changeset === 'object' ? (changeset as { changes?: unknown }).changes : undefined;
    // The fake Shopify checks each change itself; only the envelope is read here.
    return fakeShopify.calculateChangeset(request.params.referenceId, { changes: Array.isArray(changes) ? (changes as Change[]) : [] });
  });

  app.post<{ Params: Params }>('/demo/shopify/host/:referenceId/apply', hidden, async (request) => {
    const fakeShopify = purchase(request);
    const { token } = body(request);
    return fakeShopify.applyChangeset(request.params.referenceId, typeof token === 'string' ? token : '');
  });
}
