/**
 * Inbound PSP webhooks: `POST /v1/webhooks/{stripe|braintree|adyen}/{shopId}`. Each is verified with the
 * shop's own signing secret (Stripe `whsec_…`, Braintree keys, Adyen HMAC key) over the exact bytes
 * received, then handed to the worker's notification handler. The raw body is read here as text, never
 * stored or logged (an Adyen notification may carry a card's expiry date if the merchant enabled that).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors';
import type { UpsellContext } from '../../engine/upsells';
import { WebhookVerificationError, type RealGatewayName } from '../../gateways/adapter';
import { handleNotifications } from '../../worker/notifications';

const Params = Type.Object({
  gateway: Type.Union([Type.Literal('stripe'), Type.Literal('braintree'), Type.Literal('adyen')]),
  shopId: Type.String({ pattern: '^[A-Za-z0-9_]{1,100}$' }),
});

export const pspWebhookRoutes: FastifyPluginAsyncTypebox<{ ctx: UpsellContext }> = async (app, { ctx }) => {
  // Signatures cover the exact bytes: keep the body as text for every content type (JSON, form).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, body, done) => {
    done(null, typeof body === 'string' ? body : body.toString('utf8'));
  });

  app.post('/v1/webhooks/:gateway/:shopId', { schema: { tags: ['webhooks'], params: Params } }, async (request, reply) => {
    const { gateway, shopId } = request.params;
    const shop = await ctx.db.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst();
    if (!shop) throw notFound('Shop');
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
    let notifications;
    try {
      notifications = await ctx.gateways.readWebhook(shopId, gateway as RealGatewayName, typeof request.body === 'string' ? request.body : '', headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new DomainError('webhook_signature_invalid', `The ${gateway} webhook did not verify: ${error.message}`);
      throw error;
    }
    const matched = await handleNotifications(ctx, shopId, notifications);
    request.log.info({ gateway, shopId, notifications: notifications.length, matched }, 'psp webhook');
    // Adyen expects exactly this body to stop retrying; the others only need a 2xx.
    return gateway === 'adyen' ? reply.type('text/plain').send('[accepted]') : { received: notifications.length };
  });
};
