/**
 * The demo shop (`/demo`): a small store that uses Plusone exactly as a merchant's backend would, through
 * the public API with its secret key. Store front → checkout (the card goes into the sandbox PSP's hosted
 * field, the shop receives only a token) → `POST /v1/orders` → confirmation page with the order summary
 * and, below it, the offer fragment for the widget → order page showing the order as it changes.
 */
import { randomInt } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { detectCardData } from '../../core/card-data';
import { DomainError } from '../../core/errors';
import { errorStatus } from '../../http/errors';
import { sandboxTestCard, type SandboxTestCard } from '../../core/sandbox';
import { sandboxCardFieldRoutes } from '../sandbox/card-field';
import type { ApiClient } from '../api-client';
import type { DemoShop } from '../../core/demo';
import { buyerHash, buyerSecret, checkForm, csrfToken, CSRF_FIELD, ensureBuyer, sameBuyer } from './buyer';
import { buildCart, CURRENCY, MAX_QUANTITY, readQuantities, TAX_RATE_TEXT, type Cart, type Quantities } from './cart';
import { productImage } from './images';
import { DEMO_PAGE_POLICY, sendPage } from './layout';
import {
  checkoutPage,
  confirmationPage,
  COUNTRIES,
  demoOffPage,
  EMPTY_CHECKOUT_FORM,
  notFoundPage,
  orderPage,
  orderSummaryPanel,
  problemPage,
  storefrontPage,
  type CheckoutForm,
} from './pages';
import { getOrder, getUpsell, listCatalog, offerFragment, registerOrder, type OrderRequest, type Session } from './plusone';
import { sendHtml } from '../../http/security-headers';
import { demoLocale } from './text';

export interface DemoRouteOptions {
  readonly api: ApiClient;
  /** The demo shop once seeded (null when the demo is off or the database had other shops). */
  readonly demoShop: () => DemoShop | null;
}

/** Store-front order of the seeded catalog; products added later follow. */
const FEATURED = ['house-blend', 'pour-over', 'travel-mug', 'filters'];
// Readable (it becomes the order number `demo-XXXXXXXXXX`) and never a digit run that looks like a card.
const NONCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const NONCE = /^[A-Z0-9]{10}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_REMEMBERED_SESSIONS = 1000;
const hidden = { schema: { hide: true } };

/**
 * Session tokens by order id, kept as a merchant keeps them in its own session store so its confirmation
 * page can fetch the offer, with the hash of the buyer's browser secret that placed the order (see
 * `buyer.ts`). In memory only: after a restart the confirmation page shows no offer and no e-mail.
 * Expiry is left to Plusone (an expired token answers 401, which shows no offer either).
 */
interface PlacedOrder {
  readonly session: Session;
  readonly buyerHash: string;
}

class PlacedOrders {
  private readonly byOrder = new Map<string, PlacedOrder>();

  remember(orderId: string, placed: PlacedOrder): void {
    this.byOrder.delete(orderId);
    this.byOrder.set(orderId, placed);
    for (const oldest of this.byOrder.keys()) {
      if (this.byOrder.size <= MAX_REMEMBERED_SESSIONS) break;
      this.byOrder.delete(oldest);
    }
  }

  /** The order's session token, for the browser that placed it only. */
  tokenFor(orderId: string, secret: string | null): string | null {
    const placed = this.byOrder.get(orderId);
    return placed && sameBuyer(secret, placed.buyerHash) ? placed.session.token : null;
  }

  placedBy(orderId: string, secret: string | null): boolean {
    return sameBuyer(secret, this.byOrder.get(orderId)?.buyerHash ?? null);
  }
}

/** String fields of a parsed query or form (the first value of a repeated one). */
function fieldsOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  const fields = new Map<string, string>();
  for (const [name, field] of Object.entries(value)) {
    const text: unknown = Array.isArray(field) ? field[0] : field;
    if (typeof text === 'string') fields.set(name, text);
  }
  return Object.fromEntries(fields);
}

function parseForm(text: string): Record<string, string> {
  const fields = new Map<string, string>();
  // The card field's hidden input and the no-script fallback share the name `token`: the first non-empty value wins.
  for (const [name, value] of new URLSearchParams(text)) if (!fields.get(name)) fields.set(name, value);
  return Object.fromEntries(fields);
}

function newNonce(): string {
  return Array.from({ length: 10 }, () => NONCE_ALPHABET.charAt(randomInt(NONCE_ALPHABET.length))).join('');
}

function checkoutErrors(form: CheckoutForm, card: SandboxTestCard | undefined): string[] {
  return [
    EMAIL.test(form.email) && form.email.length <= 320 ? null : 'Enter an e-mail address such as name@example.com.',
    COUNTRIES.some((country) => country.code === form.country) ? null : 'Choose a country from the list.',
    demoLocale(form.locale) ? null : 'Choose a language from the list.',
    card ? null : 'Choose or type a sandbox test card in the card field.',
  ].filter((error): error is string => error !== null);
}

function orderRequest(
  cart: Cart,
  form: CheckoutForm,
  card: SandboxTestCard,
  handedOver: { brand?: string; last4?: string },
  nonce: string,
): OrderRequest {
  // The card field hands over brand and last4 with the token; the no-script fallback sends the token alone.
  const brand = handedOver.brand && /^[a-z_]{2,30}$/.test(handedOver.brand) ? handedOver.brand : card.brand;
  const last4 = handedOver.last4 && /^\d{4}$/.test(handedOver.last4) ? handedOver.last4 : card.number.slice(-4);
  return {
    externalId: `demo-${nonce}`,
    currency: CURRENCY,
    lines: cart.lines.map(({ productId, variantId, title, quantity, unitPrice }) => ({ productId, variantId, title, quantity, unitPrice })),
    subtotal: cart.subtotal,
    shippingTotal: cart.shippingTotal,
    taxTotal: cart.taxTotal,
    total: cart.total,
    taxRate: TAX_RATE_TEXT,
    locale: form.locale,
    customer: { id: form.email, email: form.email, country: form.country },
    payment: { gateway: 'sandbox', customerRef: 'cus_demo', paymentMethodRef: card.token, brand, last4 },
  };
}

function refusalMessage(code: string, message: string): string {
  return code === 'idempotency_key_reused'
    ? 'This checkout was already placed with other details. Please review your order and pay again.'
    : `The order could not be placed: ${message}`;
}

export const demoRoutes: FastifyPluginAsync<DemoRouteOptions> = async (app, options) => {
  registerFormParser(app);
  app.setErrorHandler(demoErrorPage);
  await app.register(cookie);
  await app.register(sandboxCardFieldRoutes);
  const placed = new PlacedOrders();
  shopRoutes(app, options, placed);
  orderRoutes(app, options, placed);
};

/**
 * The checkout is a plain HTML form. The app accepts only JSON, so this plugin's own context accepts
 * url-encoded bodies too, after the same card-data check (the shop never takes card numbers).
 */
function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    const fields = parseForm(typeof body === 'string' ? body : body.toString('utf8'));
    const decoded = Object.entries(fields)
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    if (detectCardData(decoded, fields)) {
      done(new DomainError('card_data_rejected', 'This shop never accepts card numbers, security codes or expiry dates.'), undefined);
      return;
    }
    done(null, fields);
  });
}

/** Every failure of a demo page answers a page: forged forms, card data, and the rest by status. */
function demoErrorPage(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError && error.code === 'csrf_token_invalid') {
    return sendPage(
      reply,
      problemPage(
        403,
        'This form cannot be sent',
        'It was not sent from this shop’s own page in this browser. Nothing was stored: please go back, reload the page and try again. (csrf_token_invalid)',
      ),
    );
  }
  if (error instanceof DomainError && error.code === 'card_data_rejected') {
    return sendPage(
      reply,
      problemPage(
        400,
        'Card details are not accepted here',
        'This shop never receives card numbers: type them only in the payment provider’s card field. Nothing from this request was stored.',
      ),
    );
  }
  const code = errorStatus(error);
  const status = code >= 400 && code < 500 ? code : 500;
  if (status === 500) request.log.error({ err: error }, 'demo page failed');
  return sendPage(
    reply,
    problemPage(
      status,
      status === 500 ? 'Something went wrong' : 'This request could not be handled',
      status === 500 ? 'The demo shop could not show this page. Please try again.' : 'Please go back and try again.',
    ),
  );
}

/** The storefront and its checkout form, which registers the order through the API. */
function shopRoutes(app: FastifyInstance, { api, demoShop }: DemoRouteOptions, placed: PlacedOrders): void {
  const storefrontError = async (shop: DemoShop, quantities: Quantities, message: string) => {
    const catalog = await listCatalog(api, shop.secretKey, FEATURED);
    return storefrontPage(catalog, buildCart(catalog, quantities), quantities, [message]);
  };

  app.get('/demo', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, demoOffPage());
    const catalog = await listCatalog(api, shop.secretKey, FEATURED);
    const asked = readQuantities(fieldsOf(request.query));
    const quantities = asked && asked.size > 0 ? asked : new Map([[FEATURED[0] ?? '', 1]]);
    return sendPage(reply, storefrontPage(catalog, buildCart(catalog, quantities), quantities));
  });

  app.get('/demo/checkout', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, { ...demoOffPage(), status: 404 });
    const quantities = readQuantities(fieldsOf(request.query));
    if (!quantities) return sendPage(reply, await storefrontError(shop, new Map(), `Quantities are whole numbers from 0 to ${MAX_QUANTITY}.`));
    const cart = buildCart(await listCatalog(api, shop.secretKey, FEATURED), quantities);
    if (cart.lines.length === 0) return sendPage(reply, await storefrontError(shop, quantities, 'Choose at least one product.'));
    const csrf = csrfToken(ensureBuyer(request, reply));
    return sendPage(reply, checkoutPage(cart, EMPTY_CHECKOUT_FORM, newNonce(), csrf));
  });

  app.post('/demo/checkout', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, { ...demoOffPage(), status: 404 });
    const fields = fieldsOf(request.body);
    // Before anything else: a forged post is refused whole, and nothing is registered.
    const secret = checkForm(request, fields[CSRF_FIELD]);
    const csrf = csrfToken(secret);
    const quantities = readQuantities(fields);
    if (!quantities) return sendPage(reply, await storefrontError(shop, new Map(), `Quantities are whole numbers from 0 to ${MAX_QUANTITY}.`));
    const cart = buildCart(await listCatalog(api, shop.secretKey, FEATURED), quantities);
    if (cart.lines.length === 0) return sendPage(reply, await storefrontError(shop, quantities, 'Choose at least one product.'));

    const form: CheckoutForm = { email: (fields.email ?? '').trim(), country: fields.country ?? '', locale: fields.locale ?? '' };
    const card = sandboxTestCard(fields.token ?? '');
    const nonce = fields.nonce ?? '';
    const errors = checkoutErrors(form, card);
    if (!NONCE.test(nonce)) errors.push('This checkout form is incomplete. Please review it and pay again.');
    if (!card || errors.length > 0) return sendPage(reply, checkoutPage(cart, form, newNonce(), csrf, errors));

    // The nonce was issued with the form: a double submit sends it twice and Plusone registers once.
    const registration = await registerOrder(api, shop.secretKey, orderRequest(cart, form, card, fields, nonce), `demo-checkout-${nonce}`);
    if (registration.status === 'refused') {
      return sendPage(reply, checkoutPage(cart, form, newNonce(), csrf, [refusalMessage(registration.code, registration.message)]));
    }
    placed.remember(registration.orderId, { session: registration.session, buyerHash: buyerHash(secret) });
    return reply.redirect(`/demo/orders/${encodeURIComponent(registration.orderId)}/confirmation`, 303);
  });
}

/** The order's pages: the confirmation with the offer, its summary, the order with its upsells, images. */
function orderRoutes(app: FastifyInstance, { api, demoShop }: DemoRouteOptions, placed: PlacedOrders): void {
  app.get<{ Params: { orderId: string } }>('/demo/orders/:orderId/confirmation', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, { ...demoOffPage(), status: 404 });
    const order = await getOrder(api, shop.secretKey, request.params.orderId);
    if (!order) return sendPage(reply, notFoundPage('Order'));
    const catalog = await listCatalog(api, shop.secretKey, FEATURED);
    const secret = buyerSecret(request);
    const sessionToken = placed.tokenFor(order.id, secret);
    const fragment = sessionToken ? await offerFragment(api, sessionToken) : null;
    return sendPage(
      reply,
      confirmationPage({
        order,
        catalog,
        placedHere: placed.placedBy(order.id, secret),
        offer: sessionToken && fragment ? { fragment, sessionToken } : null,
      }),
    );
  });

  // The summary alone, for the confirmation page to refresh after an accept or an undo.
  app.get<{ Params: { orderId: string } }>('/demo/orders/:orderId/summary', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, { ...demoOffPage(), status: 404 });
    const order = await getOrder(api, shop.secretKey, request.params.orderId);
    if (!order) return sendPage(reply, notFoundPage('Order'));
    const catalog = await listCatalog(api, shop.secretKey, FEATURED);
    return sendHtml(reply, DEMO_PAGE_POLICY, () => orderSummaryPanel(order, catalog));
  });

  app.get<{ Params: { orderId: string } }>('/demo/orders/:orderId', hidden, async (request, reply) => {
    const shop = demoShop();
    if (!shop) return sendPage(reply, { ...demoOffPage(), status: 404 });
    const order = await getOrder(api, shop.secretKey, request.params.orderId);
    if (!order) return sendPage(reply, notFoundPage('Order'));
    const [catalog, linked] = await Promise.all([
      listCatalog(api, shop.secretKey, FEATURED),
      Promise.all(order.linkedOrders.map((id) => getOrder(api, shop.secretKey, id))),
    ]);
    const linkedOrders = linked.filter((linkedOrder) => linkedOrder !== null);
    const upsellIds = new Set([order, ...linkedOrders].flatMap((each) => each.lines.flatMap((line) => (line.upsellId ? [line.upsellId] : []))));
    const upsells = (await Promise.all([...upsellIds].map((id) => getUpsell(api, shop.secretKey, id)))).filter((upsell) => upsell !== null);
    return sendPage(reply, orderPage({ order, linkedOrders, catalog, upsells }));
  });

  app.get<{ Params: { file: string } }>('/demo/images/:file', hidden, async (request, reply) => {
    const { file } = request.params;
    const svg = file.endsWith('.svg') ? productImage(file.slice(0, -'.svg'.length)) : null;
    if (!svg) return reply.callNotFound();
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .send(svg);
  });
}
