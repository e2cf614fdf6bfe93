import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UpsellContext } from '../../engine/context';
import { getWebhookEvent, listWebhookEvents, resendWebhookEvent, sendTestWebhook } from '../../engine/webhook-events';
import { audited, fromParam } from '../audit';
import { errorAnswer, errors, WebhookEventAnswer, WebhookEventPage, WebhookTestAnswer } from '../responses';
import { IdParams, WebhookEventListQuerystring } from '../schemas';

const secured = { tags: ['webhook-events'], security: [{ secretKey: [] }] };

const URL_NOT_SET = errorAnswer('`webhook_url_not_set`: the shop has no `webhookUrl`');

const schemas = {
  list: {
    ...secured,
    summary: "The shop's outbound webhook events, newest first, a page at a time (cursor), each with its latest attempts",
    querystring: WebhookEventListQuerystring,
    response: { 200: WebhookEventPage, ...errors(400, 401) },
  },
  event: {
    ...secured,
    summary: 'An outbound webhook event: where it stands and its latest attempts',
    params: IdParams,
    response: { 200: WebhookEventAnswer, ...errors(400, 401, 404) },
  },
  resend: {
    ...secured,
    summary: 'Send an event again, due now, with the same id and body (a delivered or dropped one is queued again)',
    params: IdParams,
    response: { 200: WebhookEventAnswer, ...errors(400, 401, 404), 409: URL_NOT_SET },
  },
  test: {
    ...secured,
    summary: 'Send a signed webhook.test event to the webhookUrl now and answer what the receiver did (not queued, not retried)',
    response: { 200: WebhookTestAnswer, ...errors(400, 401), 409: URL_NOT_SET },
  },
};

/**
 * Outbound webhooks as the merchant sees them: the events, a resend, a test event. Under
 * `/v1/webhook-events` because `/v1/webhooks/*` are the inbound PSP and Shopify receivers.
 */
export const webhookEventRoutes: FastifyPluginAsyncTypebox<{ ctx: UpsellContext }> = async (app, { ctx }) => {
  app.get('/v1/webhook-events', { schema: schemas.list }, async (request) => listWebhookEvents(ctx.db, request.shopId, request.query));

  // Registered before `/:id`, though Fastify prefers the static segment anyway: `test` is never an event id.
  app.post('/v1/webhook-events/test', { schema: schemas.test }, async (request) => ({ delivery: await sendTestWebhook(ctx, request.shopId) }));

  app.get('/v1/webhook-events/:id', { schema: schemas.event }, async (request) => ({
    webhookEvent: await getWebhookEvent(ctx.db, request.shopId, request.params.id),
  }));

  // A resend changes what the receiver gets: recorded in the audit log (the test event changes nothing).
  const resendAudit = audited('webhook_event.resent', 'webhook_event', fromParam('id'));
  app.post('/v1/webhook-events/:id/resend', { schema: schemas.resend, config: resendAudit }, async (request) => ({
    webhookEvent: await resendWebhookEvent(ctx, request.shopId, request.params.id),
  }));
};
