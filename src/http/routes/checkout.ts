import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { DomainError } from '../../core/errors';
import type { ActionDetails, BrowserInfo } from '../../core/payments';
import { acceptOffer, type ClickContext } from '../../engine/accept';
import { checkoutOfferAnswer, type CheckoutSession } from '../../engine/checkout';
import type { CheckoutOffer } from '../../core/decisions';
import type { UpsellContext } from '../../engine/context';
import { checkoutUpsellStatus, completeAction, declineOffer, undoUpsell } from '../../engine/undo';
import { renderCheckoutFragment } from '../fragment';
import { sessionAuth } from '../auth';
import type { createCheckoutCors } from '../cors';
import {
  AcceptAnswer,
  AcceptDeclined,
  AcceptPending,
  BODY_ERRORS,
  CheckoutOfferAnswer,
  CheckoutUpsellAnswer,
  errors,
  NoContent,
  TextAnswer,
  UndoAnswer,
  UndoPending,
} from '../responses';
import { IdParams } from '../schemas';

const secured = { tags: ['checkout'], security: [{ sessionToken: [] }] };

/** Checkout bodies are lenient: unknown fields (a client's idea of the price, say) are ignored. */
const OfferRef = Type.Object({ offerId: Type.String({ minLength: 1, maxLength: 200 }) });
const UpsellRef = Type.Object({ upsellId: Type.String({ minLength: 1, maxLength: 200 }) });
/**
 * What the buyer's browser reports for 3-D Secure 2 (the EMVCo browser fields, as Adyen's `browserInfo`
 * names them); the server adds the User-Agent and Accept headers. Optional: without it a PSP that runs
 * 3-D Secure 2 on the server may fall back to a redirect or decline where the issuer insists.
 */
const BrowserInfoBody = Type.Object(
  {
    colorDepth: Type.Union(
      [1, 4, 8, 15, 16, 24, 30, 32, 48].map((depth) => Type.Literal(depth)),
      { description: '`screen.colorDepth`' },
    ),
    screenHeight: Type.Integer({ minimum: 0, maximum: 999_999, description: '`screen.height`' }),
    screenWidth: Type.Integer({ minimum: 0, maximum: 999_999, description: '`screen.width`' }),
    timeZoneOffset: Type.Integer({ minimum: -1440, maximum: 1440, description: '`new Date().getTimezoneOffset()`' }),
    language: Type.String({
      minLength: 1,
      maxLength: 35,
      pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$',
      description: '`navigator.language` (BCP 47)',
    }),
    javaEnabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
const AcceptBody = Type.Object({
  offerId: Type.String({ minLength: 1, maxLength: 200 }),
  browserInfo: Type.Optional(BrowserInfoBody),
});
const AcceptHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });
const ACCEPT_ANSWERS = { 200: AcceptAnswer, 202: AcceptPending, 402: AcceptDeclined } as const;

/** Checkout API for the buyer's page (`Authorization: Bearer ps_…`), CORS limited to the shop's origins. */
export interface CheckoutRouteOptions {
  ctx: UpsellContext;
  cors: ReturnType<typeof createCheckoutCors>;
  /** Told the status of every accept answer (for `/metrics`). */
  onAccept: (outcome: string) => void;
  /** Told every offer rendered for the buyer (the analytics view, recorded without waiting on a write). */
  onOfferShown?: (session: CheckoutSession, offer: CheckoutOffer) => void;
}

export const checkoutRoutes: FastifyPluginAsyncTypebox<CheckoutRouteOptions> = async (app, options) => {
  app.options('/v1/checkout/*', { schema: { hide: true } }, options.cors.preflight);
  app.register(async (plugin) => offerReads(sessionScope(plugin, options), options));
  app.register(async (plugin) => buyerAnswers(sessionScope(plugin, options), options));
};

/** The session's routes: CORS for the shop's origins and the session token on each (hooks of this scope only). */
function sessionScope(plugin: FastifyInstance, { ctx, cors }: CheckoutRouteOptions) {
  const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
  scoped.addHook('onRequest', cors.exposeErrors);
  scoped.addHook('preValidation', sessionAuth(ctx));
  scoped.addHook('preHandler', cors.enforce);
  return scoped;
}

type SessionScope = ReturnType<typeof sessionScope>;

/** What the page shows: the offer (JSON or HTML), and the upsell while the buyer waits on it. */
function offerReads(scoped: SessionScope, { ctx, onOfferShown }: CheckoutRouteOptions): void {
  // Both reads follow the order's upsell through its undo window, even past the session's TTL (`undo`).
  scoped.get(
    '/v1/checkout/offer',
    {
      config: { sessionUse: 'undo' },
      schema: {
        ...secured,
        summary: 'The priced offer for this order (or null), and what became of it once the buyer answered',
        description:
          '`status`: `open` (offer can be accepted), `none`, `dismissed` ("No thanks"), or the upsell\'s: `pending`, ' +
          '`requires_action`, `accepted` (authorized; undo while `upsell.undoSecondsLeft` > 0), `captured`, `removed` (undone), ' +
          '`declined` (card declined), `capture_failed` (not charged, item taken out), `refunded`. `offer` is set only when `open`; ' +
          '`upsell` once the buyer accepted.',
        response: { 200: CheckoutOfferAnswer, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { offer, json } = await checkoutOfferAnswer(ctx, request.checkoutSession);
      if (offer) onOfferShown?.(request.checkoutSession, offer);
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );

  scoped.get(
    '/v1/checkout/offer.html',
    {
      config: { sessionUse: 'undo' },
      schema: {
        ...secured,
        summary: 'The offer, or what became of it, as a server-rendered HTML fragment (204 when there is nothing to show)',
        response: {
          200: TextAnswer('text/html', 'The fragment: readable without script, enhanced by the widget'),
          204: NoContent('Nothing to show'),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const answer = await checkoutOfferAnswer(ctx, request.checkoutSession);
      const html = renderCheckoutFragment(answer, request.checkoutSession, ctx.clock.now());
      reply.header('Cache-Control', 'no-store');
      if (!html) return reply.status(204).send();
      if (answer.offer) onOfferShown?.(request.checkoutSession, answer.offer);
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  scoped.get(
    '/v1/checkout/upsells/:id',
    {
      config: { sessionUse: 'undo' },
      schema: {
        ...secured,
        summary: 'The upsell, for polling pending and requires_action',
        params: IdParams,
        response: { 200: CheckoutUpsellAnswer, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ upsell: await checkoutUpsellStatus(ctx, request.checkoutSession, request.params.id) }),
  );
}

/** The buyer's answers: accept, "No thanks", undo, and finishing a 3-D Secure step. */
function buyerAnswers(scoped: SessionScope, { ctx, onAccept }: CheckoutRouteOptions): void {
  scoped.post(
    '/v1/checkout/accept',
    {
      schema: {
        ...secured,
        summary: 'One click: charge the stored card for the offer and add it to the order (Idempotency-Key required)',
        description:
          'Body: `{ offerId, browserInfo? }`; `browserInfo` is what the page reads from the browser for 3-D Secure 2 ' +
          '(the widget sends it). The server adds the page origin, the User-Agent and the client IP; all are kept ' +
          'with the upsell only until its authorization is final.',
        headers: AcceptHeaders,
        body: AcceptBody,
        response: { ...ACCEPT_ANSWERS, ...errors(...BODY_ERRORS, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const click = clickContext(request, request.body.browserInfo);
      const answer = await acceptOffer(ctx, request.checkoutSession, request.body.offerId, request.headers['idempotency-key'] ?? null, click);
      onAccept(answer.body.status);
      return reply.status(answer.statusCode).send(answer.body);
    },
  );

  scoped.post(
    '/v1/checkout/decline',
    {
      schema: {
        ...secured,
        summary: '"No thanks": closes the offer for this order',
        body: OfferRef,
        response: { 204: NoContent('Closed (also when it already was)'), ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await declineOffer(ctx, request.checkoutSession, request.body.offerId);
      return reply.status(204).send();
    },
  );

  scoped.post(
    '/v1/checkout/cancel',
    {
      config: { sessionUse: 'undo' },
      schema: {
        ...secured,
        summary: 'Undo within the window: void (or refund) and take the item out of the order',
        body: UpsellRef,
        response: { 200: UndoAnswer, 202: UndoPending, ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const answer = await undoUpsell(ctx, request.checkoutSession, request.body.upsellId);
      return reply.status(answer.statusCode).send(answer.body);
    },
  );

  scoped.post(
    '/v1/checkout/upsells/:id/complete',
    {
      schema: {
        ...secured,
        summary: 'After the 3-D Secure step: finish the accept (answers like accept)',
        params: IdParams,
        // Optional, so a page that has nothing to send may post no body at all (checked below).
        description:
          "Body, optional: `{ details }`, what the PSP's browser component returned (Adyen `state.data.details`, " +
          'Braintree `{ threeDSecureAuthenticationId }`); Stripe and the sandbox need none.',
        response: { ...ACCEPT_ANSWERS, ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const answer = await completeAction(ctx, request.checkoutSession, request.params.id, actionDetails(request.body));
      return reply.status(answer.statusCode).send(answer.body);
    },
  );
}

/** `{ details?: object }` or no body: anything else is a 400, before any PSP call. */
function actionDetails(body: unknown): ActionDetails | undefined {
  if (body === undefined || body === null) return undefined;
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(body) || Object.keys(body).some((key) => key !== 'details') || (body.details !== undefined && !isObject(body.details))) {
    throw new DomainError('invalid_request', 'Send no body, or { "details": { … } } with what the payment page returned');
  }
  return body.details;
}

/** The longest User-Agent / Accept header passed on (EMVCo 3-D Secure 2 allows 2,048 characters). */
const HEADER_LIMIT = 2048;
/** Adyen's limit for `origin`. */
const ORIGIN_LIMIT = 80;

/**
 * The buyer's click as the PSP's 3-D Secure 2 and risk checks read it: the page's origin (from the
 * `Origin` header, kept only when it is one), the client's IP (`PLUSONE_TRUST_PROXY` decides whose
 * `X-Forwarded-For` counts), and the browser's fields completed by the request's own headers. The Accept
 * header is `*\/*`, as Adyen's own web components send it: a script cannot read its page's Accept header.
 */
function clickContext(request: FastifyRequest, reported: Static<typeof BrowserInfoBody> | undefined): ClickContext {
  const userAgent = request.headers['user-agent'];
  const browser: BrowserInfo | null =
    reported && userAgent && userAgent.length <= HEADER_LIMIT ? { ...reported, acceptHeader: '*/*', userAgent } : null;
  return { origin: pageOrigin(request.headers.origin), ip: clientIp(request.ip), browser };
}

function pageOrigin(header: string | undefined): string | null {
  if (!header || header.length > ORIGIN_LIMIT) return null;
  try {
    const url = new URL(header);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === header ? header : null;
  } catch {
    return null;
  }
}

/** The IP as the PSP expects it: an IPv4 client seen through an IPv6 socket is given as IPv4. */
function clientIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
