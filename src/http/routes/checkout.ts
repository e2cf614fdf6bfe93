import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../../core/errors';
import type { ActionDetails } from '../../gateways/contract';
import { acceptOffer } from '../../engine/accept';
import { checkoutOfferAnswer, type CheckoutSession } from '../../engine/checkout';
import type { CheckoutOffer } from '../../engine/decisions';
import type { UpsellContext } from '../../engine/upsells';
import { checkoutUpsellStatus, completeAction, declineOffer, undoUpsell } from '../../engine/undo';
import { renderCheckoutFragment } from '../../web/fragment';
import { sessionAuth } from '../auth';
import type { createCheckoutCors } from '../cors';
import { IdParams } from '../schemas';

const secured = { tags: ['checkout'], security: [{ sessionToken: [] }] };

/** Checkout bodies are lenient: unknown fields (a client's idea of the price, say) are ignored. */
const OfferRef = Type.Object({ offerId: Type.String({ minLength: 1, maxLength: 200 }) });
const UpsellRef = Type.Object({ upsellId: Type.String({ minLength: 1, maxLength: 200 }) });
const AcceptHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });

/** Checkout API for the buyer's page (`Authorization: Bearer ps_…`), CORS limited to the shop's origins. */
export interface CheckoutRouteOptions {
  ctx: UpsellContext;
  cors: ReturnType<typeof createCheckoutCors>;
  /** Told the status of every accept answer (for `/metrics`). */
  onAccept: (outcome: string) => void;
  /** Told every offer rendered for the buyer (the analytics view, recorded without waiting on a write). */
  onOfferShown?: (session: CheckoutSession, offer: CheckoutOffer) => void;
}

export const checkoutRoutes: FastifyPluginAsyncTypebox<CheckoutRouteOptions> = async (app, { ctx, cors, onAccept, onOfferShown }) => {
  app.options('/v1/checkout/*', { schema: { hide: true } }, cors.preflight);
  app.register(async (plugin) => {
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scoped.addHook('onRequest', cors.exposeErrors);
    scoped.addHook('preValidation', sessionAuth(ctx));
    scoped.addHook('preHandler', cors.enforce);

    // Both reads follow the order's upsell through its undo window, even past the session's TTL (`undo`).
    scoped.get('/v1/checkout/offer', {
      config: { sessionUse: 'undo' },
      schema: {
        ...secured,
        summary: 'The priced offer for this order (or null), and what became of it once the buyer answered',
        description:
          '`status`: `open` (offer can be accepted), `none`, `dismissed` ("No thanks"), or the upsell\'s: `pending`, ' +
          '`requires_action`, `accepted` (authorized; undo while `upsell.undoSecondsLeft` > 0), `captured`, `removed` (undone), ' +
          '`declined` (card declined), `capture_failed` (not charged, item taken out), `refunded`. `offer` is set only when `open`; ' +
          '`upsell` once the buyer accepted.',
      },
    }, async (request, reply) => {
      const { offer, json } = await checkoutOfferAnswer(ctx, request.checkoutSession);
      if (offer) onOfferShown?.(request.checkoutSession, offer);
      return reply.type('application/json; charset=utf-8').send(json);
    });

    scoped.get('/v1/checkout/offer.html', {
      config: { sessionUse: 'undo' },
      schema: { ...secured, summary: 'The offer, or what became of it, as a server-rendered HTML fragment (204 when there is nothing to show)' },
    }, async (request, reply) => {
      const answer = await checkoutOfferAnswer(ctx, request.checkoutSession);
      const html = renderCheckoutFragment(answer, request.checkoutSession, ctx.clock.now());
      reply.header('Cache-Control', 'no-store');
      if (!html) return reply.status(204).send();
      if (answer.offer) onOfferShown?.(request.checkoutSession, answer.offer);
      return reply.type('text/html; charset=utf-8').send(html);
    });

    scoped.post('/v1/checkout/accept', {
      schema: {
        ...secured,
        summary: 'One click: charge the stored card for the offer and add it to the order (Idempotency-Key required)',
        headers: AcceptHeaders,
        body: OfferRef,
      },
    }, async (request, reply) => {
      const answer = await acceptOffer(ctx, request.checkoutSession, request.body.offerId, request.headers['idempotency-key'] ?? null);
      onAccept(answer.body.status);
      return reply.status(answer.statusCode).send(answer.body);
    });

    scoped.post('/v1/checkout/decline', {
      schema: { ...secured, summary: '"No thanks": closes the offer for this order', body: OfferRef },
    }, async (request, reply) => {
      await declineOffer(ctx, request.checkoutSession, request.body.offerId);
      return reply.status(204).send();
    });

    scoped.post('/v1/checkout/cancel', {
      config: { sessionUse: 'undo' },
      schema: { ...secured, summary: 'Undo within the window: void (or refund) and take the item out of the order', body: UpsellRef },
    }, async (request, reply) => {
      const answer = await undoUpsell(ctx, request.checkoutSession, request.body.upsellId);
      return reply.status(answer.statusCode).send(answer.body);
    });

    scoped.get('/v1/checkout/upsells/:id', {
      config: { sessionUse: 'undo' },
      schema: { ...secured, summary: 'The upsell, for polling pending and requires_action', params: IdParams },
    }, async (request) => ({ upsell: await checkoutUpsellStatus(ctx, request.checkoutSession, request.params.id) }));

    scoped.post('/v1/checkout/upsells/:id/complete', {
      schema: {
        ...secured,
        summary: 'After the 3-D Secure step: finish the accept (answers like accept)',
        params: IdParams,
        // Optional, so a page that has nothing to send may post no body at all (checked below).
        description:
          "Body, optional: `{ details }`, what the PSP's browser component returned (Adyen `state.data.details`, " +
          'Braintree `{ threeDSecureAuthenticationId }`); Stripe and the sandbox need none.',
      },
    }, async (request, reply) => {
      const answer = await completeAction(ctx, request.checkoutSession, request.params.id, actionDetails(request.body));
      return reply.status(answer.statusCode).send(answer.body);
    });
  });
};

/** `{ details?: object }` or no body: anything else is a 400, before any PSP call. */
function actionDetails(body: unknown): ActionDetails | undefined {
  if (body === undefined || body === null) return undefined;
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(body) || Object.keys(body).some((key) => key !== 'details') || (body.details !== undefined && !isObject(body.details))) {
    throw new DomainError('invalid_request', 'Send no body, or { "details": { … } } with what the payment page returned');
  }
  return body.details as ActionDetails | undefined;
}
