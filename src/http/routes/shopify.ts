/**
 * Shopify post-purchase (API.md "Shopify post-purchase", docs/shopify.md): the extension's four routes,
 * authenticated by Shopify's input token in the body (no Authorization header), open to browsers from any
 * origin since the extension runs on Shopify's pages; and Shopify's webhooks, verified over the raw body.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { UpsellContext } from '../../engine/context';
import { offerForPurchase, recordOutcome, signChangeset, undoOnShopify, type ShopifyOffer } from '../../engine/shopify-purchase';
import { receiveShopifyWebhook } from '../../engine/shopify-webhooks';
import {
  BODY_ERRORS,
  errors,
  ShopifyOfferAnswer,
  ShopifyOutcome,
  ShopifyWebhookAnswer,
  SignedChangeset,
  UndoAnswer,
  UndoPending,
} from '../responses';

export interface ShopifyRouteOptions {
  ctx: UpsellContext;
  /** Records the view of an offer the extension is about to render (analytics `offer_viewed`). */
  onOfferShown: (offer: ShopifyOffer, orderId: string, shopId: string) => void;
}

const tags = ['shopify'];
/** A JWT: three base64url parts (Shopify's input tokens grow with the cart's lines and metafields). */
const Token = Type.String({ minLength: 1, maxLength: 65_536, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$' });
const Id = Type.String({ minLength: 1, maxLength: 200 });
const OfferBody = Type.Object({ token: Token });
const PurchaseBody = Type.Object({ token: Token, referenceId: Id, offerId: Id });
const ApplyResult = Type.Object({
  status: Type.String({ maxLength: 50 }),
  errors: Type.Optional(
    Type.Array(Type.Object({ code: Type.String({ maxLength: 100 }), message: Type.Optional(Type.String({ maxLength: 2000 })) }), { maxItems: 20 }),
  ),
  changesetApplicationsRemaining: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
});
const OutcomeBody = Type.Object({
  token: Token,
  referenceId: Id,
  offerId: Id,
  status: Type.Union([Type.Literal('accepted'), Type.Literal('declined')]),
  result: Type.Optional(ApplyResult),
});

/** Any origin, no credentials: the token in the body is the authentication. */
function openCors(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.header('Access-Control-Allow-Origin', '*');
  done();
}

const extensionRoutes: FastifyPluginAsyncTypebox<ShopifyRouteOptions> = async (app, { ctx, onOfferShown }) => {
  app.addHook('onRequest', openCors);
  app.options('/v1/shopify/*', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .status(204)
      .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
      .header('Access-Control-Allow-Headers', 'Content-Type')
      .header('Access-Control-Max-Age', '600')
      .send(),
  );

  app.post(
    '/v1/shopify/offer',
    {
      schema: {
        tags,
        summary: "Register Shopify's purchase and answer its offer",
        body: OfferBody,
        response: { 200: ShopifyOfferAnswer, ...errors(...BODY_ERRORS, 401, 409) },
      },
    },
    async (request) => offerForPurchase(ctx, request.body.token, onOfferShown),
  );

  app.post(
    '/v1/shopify/sign-changeset',
    {
      schema: {
        tags,
        summary: 'Sign the changeset of the decided offer',
        body: PurchaseBody,
        response: { 200: SignedChangeset, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
    },
    async (request) => signChangeset(ctx, request.body),
  );

  app.post(
    '/v1/shopify/outcome',
    {
      schema: {
        tags,
        summary: "Record what Shopify's applyChangeset answered",
        body: OutcomeBody,
        response: { 200: ShopifyOutcome, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
    },
    async (request) => recordOutcome(ctx, request.body),
  );

  app.post(
    '/v1/shopify/undo',
    {
      schema: {
        tags,
        summary: 'Undo an accepted offer within the window (refund and order edit)',
        body: PurchaseBody,
        response: { 200: UndoAnswer, 202: UndoPending, ...errors(...BODY_ERRORS, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const answer = await undoOnShopify(ctx, request.body);
      return reply.status(answer.statusCode).send({ status: answer.body.status, upsell: answer.body.upsell });
    },
  );
};

const webhookRoutes: FastifyPluginAsyncTypebox<{ ctx: UpsellContext }> = async (app, { ctx }) => {
  // The HMAC covers the exact bytes: keep the body as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, body, done) => {
    done(null, typeof body === 'string' ? body : body.toString('utf8'));
  });
  app.post(
    '/v1/webhooks/shopify',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Shopify's webhooks (app/uninstalled, orders/updated)",
        description: 'Verified by `X-Shopify-Hmac-Sha256` over the raw body with the app’s `apiSecret`, routed by `X-Shopify-Shop-Domain`.',
        response: { 200: ShopifyWebhookAnswer, ...errors(400, 401, 413) },
      },
    },
    async (request) => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
      const outcome = await receiveShopifyWebhook(ctx, { rawBody: typeof request.body === 'string' ? request.body : '', headers });
      request.log.info({ topic: outcome.topic, handled: outcome.handled, duplicate: outcome.duplicate }, 'shopify webhook');
      return { received: true, duplicate: outcome.duplicate };
    },
  );
};

export const shopifyRoutes: FastifyPluginAsyncTypebox<ShopifyRouteOptions> = async (app, options) => {
  await app.register(extensionRoutes, options);
  await app.register(webhookRoutes, { ctx: options.ctx });
};
