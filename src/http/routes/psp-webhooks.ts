/**
 * Inbound PSP webhooks: `POST /v1/webhooks/{stripe|braintree|adyen}/{shopId}`. Each is verified with the
 * shop's own signing secret (Stripe `whsec_…`, Braintree keys, Adyen HMAC key) over the exact bytes
 * received, then handed to the worker's notification handler, which handles each PSP event id once per
 * shop and PSP: a replay (inside Stripe's 300 s tolerance, or a redelivery) answers 200 and changes nothing. The raw body is read here as text, never
 * stored or logged (an Adyen notification may carry a card's expiry date if the merchant enabled that).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound, WebhookVerificationError } from '../../core/errors';
import type { UpsellContext } from '../../engine/context';
import { shopExists } from '../../engine/shops';
import { REAL_GATEWAYS, type RealGatewayName } from '../../core/gateways';
import { handleNotifications } from '../../engine/notifications';
import type { WorkerObserver } from '../../engine/observer';
import { errors, PspWebhookAnswer } from '../responses';

const Params = Type.Object({
  gateway: Type.Union(REAL_GATEWAYS.map((name) => Type.Literal(name))),
  shopId: Type.String({ pattern: '^[A-Za-z0-9_]{1,100}$' }),
});

const schema = {
  tags: ['webhooks'],
  summary: "A PSP's notifications for one shop, verified with that shop's credentials",
  params: Params,
  response: { 200: PspWebhookAnswer, ...errors(400, 404, 413, 503) },
};

export interface PspWebhookRouteOptions {
  ctx: UpsellContext;
  /** Told of notifications that threw (`/metrics`, the log). */
  observer?: WorkerObserver;
}

export const pspWebhookRoutes: FastifyPluginAsyncTypebox<PspWebhookRouteOptions> = async (app, { ctx, observer }) => {
  // Signatures cover the exact bytes: keep the body as text for every content type (JSON, form).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, body, done) => {
    done(null, typeof body === 'string' ? body : body.toString('utf8'));
  });

  app.post('/v1/webhooks/:gateway/:shopId', { schema }, async (request, reply) => {
    const { shopId } = request.params;
    // The schema admits only REAL_GATEWAYS (TypeBox types a union built from an array loosely).
    const gateway = request.params.gateway as RealGatewayName;
    if (!(await shopExists(ctx, shopId))) throw notFound('Shop');
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
    let notifications;
    try {
      notifications = await ctx.gateways.readWebhook(shopId, gateway, typeof request.body === 'string' ? request.body : '', headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError)
        throw new DomainError('webhook_signature_invalid', `The ${gateway} webhook did not verify: ${error.message}`);
      throw error;
    }
    const outcome = await handleNotifications(ctx, shopId, gateway, notifications, observer);
    request.log.info({ gateway, shopId, notifications: notifications.length, ...outcome }, 'psp webhook');
    // Not handled yet: a 5xx makes the PSP deliver it again later (its own backoff); the rest are done.
    if (outcome.failed > 0) {
      throw new DomainError('notification_not_processed', 'Some notifications could not be processed yet; deliver them again');
    }
    // Adyen expects exactly this body to stop retrying; the others only need a 2xx.
    return gateway === 'adyen' ? reply.type('text/plain').send('[accepted]') : { received: notifications.length, duplicates: outcome.duplicates };
  });
};
