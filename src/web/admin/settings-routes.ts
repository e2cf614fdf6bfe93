/**
 * Settings: each form is saved on its own through `PATCH /v1/shop`; a refusal (the form's own checks or the
 * API's: a private webhook address, credentials the PSP refused, a PSP that did not answer) shows the page
 * again with the problem above that form and what was typed kept. The webhook test event, the API keys and
 * the audit log are here too. A post's form token was checked before its handler runs (routes.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hidden, sendPage, sessionOf, shopApi, type Admin } from './context';
import { fieldsOf } from './forms';
import { apiKeysPage, createdKeyPage, revokeKeyPage } from './pages/api-keys';
import { auditLogPage } from './pages/audit-log';
import { settingsPage, type SectionProblem, type SettingsData } from './pages/settings';
import {
  checkoutSettings,
  credentialSettings,
  gatewaySettings,
  isRealGateway,
  shopifySettings,
  webhookSettings,
  type RealGateway,
  type SettingsParse,
  type SettingsSection,
} from './settings-form';

type GatewayRequest = FastifyRequest<{ Params: { gateway: string } }>;
type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const SAVED: Readonly<Record<string, string>> = {
  checkout: 'Settings saved. Orders registered from now on use them.',
  unchanged: 'Nothing to save: the settings were already so.',
  webhook: 'Webhook URL saved.',
  gateway: 'Payment gateway saved. New upsells are charged through it.',
  credentials: 'Credentials checked with the PSP and saved.',
  'credentials-removed': 'Credentials removed.',
  shopify: 'Shopify app saved.',
  'shopify-removed': 'Shopify disconnected: its post-purchase extension is refused from now on.',
};

async function showSettings(admin: Admin, request: FastifyRequest, reply: FastifyReply, extra: Partial<SettingsData>): Promise<FastifyReply> {
  const shop = await shopApi(admin, request).shop();
  if (!shop.ok) throw shop.failure;
  const data: SettingsData = { shop: shop.value, csrf: sessionOf(admin, request).csrfToken, notice: null, ...extra };
  return sendPage(admin, request, reply, settingsPage(data));
}

/** Sends the form's body, or shows the page again with what stopped it. */
async function save(
  admin: Admin,
  request: FastifyRequest,
  reply: FastifyReply,
  where: { section: SettingsSection; gateway?: RealGateway; saved: string },
  parse: SettingsParse,
): Promise<FastifyReply> {
  const fields = fieldsOf(request.body);
  const refused = (problem: Omit<SectionProblem, 'section' | 'fields'>) =>
    showSettings(admin, request, reply, {
      problem: { section: where.section, ...(where.gateway ? { gateway: where.gateway } : {}), fields, ...problem },
    });
  if ('problems' in parse) return refused({ problems: parse.problems, message: null, status: 400 });
  const saved = await shopApi(admin, request).updateShop(parse.body);
  if (saved.ok) return reply.redirect(`/admin/settings?saved=${where.saved}`, 303);
  if (saved.failure.status === 401 || saved.failure.status === 429) throw saved.failure;
  return refused({ problems: {}, message: saved.failure.message, status: saved.failure.status });
}

/** The settings in `next` whose value differs from `current` (compared as JSON: lists in order). */
function changedSettings(current: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(next).filter(([name, value]) => JSON.stringify(current[name]) !== JSON.stringify(value)));
}

export function settingsRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/settings', hidden, async (request, reply) => {
    const saved = fieldsOf(request.query).saved ?? '';
    return showSettings(admin, request, reply, { notice: SAVED[saved] ?? null });
  });

  app.post('/settings/checkout', hidden, async (request, reply) => {
    const parse = checkoutSettings(fieldsOf(request.body));
    if ('problems' in parse) return save(admin, request, reply, { section: 'checkout', saved: 'checkout' }, parse);
    // Only what changed is sent, so the audit log records what the merchant changed, not the whole form.
    const shop = await shopApi(admin, request).shop();
    if (!shop.ok) throw shop.failure;
    const changed = changedSettings(shop.value.settings, parse.body.settings as Record<string, unknown>);
    if (Object.keys(changed).length === 0) return reply.redirect('/admin/settings?saved=unchanged', 303);
    return save(admin, request, reply, { section: 'checkout', saved: 'checkout' }, { body: { settings: changed } });
  });

  app.post('/settings/webhook', hidden, async (request, reply) =>
    save(admin, request, reply, { section: 'webhook', saved: 'webhook' }, webhookSettings(fieldsOf(request.body))),
  );

  app.post('/settings/webhook/test', hidden, async (request, reply) => {
    const sent = await shopApi(admin, request).testWebhook();
    if (sent.ok) return showSettings(admin, request, reply, { testDelivery: sent.value });
    if (sent.failure.status === 401 || sent.failure.status === 429) throw sent.failure;
    const problem = sent.failure.code === 'webhook_url_not_set' ? 'Save a webhook URL first, then send the test event.' : sent.failure.message;
    return showSettings(admin, request, reply, { testProblem: problem });
  });

  app.post('/settings/gateway', hidden, async (request, reply) =>
    save(admin, request, reply, { section: 'gateway', saved: 'gateway' }, gatewaySettings(fieldsOf(request.body))),
  );

  app.post('/settings/credentials/:gateway', hidden, async (request: GatewayRequest, reply) => {
    const gateway = request.params.gateway;
    if (!isRealGateway(gateway)) return reply.redirect('/admin/settings', 303);
    return save(
      admin,
      request,
      reply,
      { section: 'credentials', gateway, saved: 'credentials' },
      credentialSettings(gateway, fieldsOf(request.body)),
    );
  });

  app.post('/settings/credentials/:gateway/remove', hidden, async (request: GatewayRequest, reply) => {
    const gateway = request.params.gateway;
    if (!isRealGateway(gateway)) return reply.redirect('/admin/settings', 303);
    const body = { settings: { gatewayCredentials: { [gateway]: null } } };
    return save(admin, request, reply, { section: 'credentials', gateway, saved: 'credentials-removed' }, { body });
  });

  app.post('/settings/shopify', hidden, async (request, reply) => {
    const shop = await shopApi(admin, request).shop();
    if (!shop.ok) throw shop.failure;
    const connected = shop.value.settings.shopify !== null && shop.value.settings.shopify !== undefined;
    return save(admin, request, reply, { section: 'shopify', saved: 'shopify' }, shopifySettings(fieldsOf(request.body), connected));
  });

  app.post('/settings/shopify/remove', hidden, async (request, reply) =>
    save(admin, request, reply, { section: 'shopify', saved: 'shopify-removed' }, { body: { settings: { shopify: null } } }),
  );

  keyRoutes(app, admin);
  auditRoutes(app, admin);
}

const KEY_NOTICES: Readonly<Record<string, string>> = { revoked: 'Key revoked. Requests with it are refused from now on.' };

function keyRoutes(app: FastifyInstance, admin: Admin): void {
  const keysPage = async (request: FastifyRequest, reply: FastifyReply, notice: string | null, problem: string | null) => {
    const session = sessionOf(admin, request);
    const keys = await shopApi(admin, request).apiKeys();
    const page = apiKeysPage({ keys, csrf: session.csrfToken, sessionLast4: session.secretKey.slice(-4), notice, problem });
    return sendPage(admin, request, reply, page);
  };

  app.get('/settings/keys', hidden, async (request, reply) =>
    keysPage(request, reply, KEY_NOTICES[fieldsOf(request.query).done ?? ''] ?? null, null),
  );

  app.post('/settings/keys', hidden, async (request, reply) => {
    const created = await shopApi(admin, request).createApiKey();
    if (!created.ok) throw created.failure;
    // Never cached: the page holds a secret shown once.
    reply.header('cache-control', 'no-store');
    return sendPage(admin, request, reply, createdKeyPage(created.value.secretKey, created.value.apiKey));
  });

  app.get('/settings/keys/:id/revoke', hidden, async (request: IdRequest, reply) => {
    const session = sessionOf(admin, request);
    const key = (await shopApi(admin, request).apiKeys()).find((candidate) => candidate.id === request.params.id && !candidate.revokedAt);
    if (!key) return reply.redirect('/admin/settings/keys', 303);
    return sendPage(admin, request, reply, revokeKeyPage(key, session.csrfToken, key.last4 === session.secretKey.slice(-4)));
  });

  app.post('/settings/keys/:id/revoke', hidden, async (request: IdRequest, reply) => {
    const revoked = await shopApi(admin, request).revokeApiKey(request.params.id);
    if (revoked.ok) return reply.redirect('/admin/settings/keys?done=revoked', 303);
    if (revoked.failure.status === 400) return keysPage(request, reply, null, revoked.failure.message);
    throw revoked.failure;
  });
}

function auditRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/settings/audit', hidden, async (request, reply) => {
    const query = fieldsOf(request.query);
    const page = await shopApi(admin, request).auditLog({
      limit: '50',
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.targetId ? { targetId: query.targetId } : {}),
    });
    if (!page.ok) {
      // A stale or edited cursor: start again from the newest.
      if (page.failure.status === 400) return reply.redirect('/admin/settings/audit', 303);
      throw page.failure;
    }
    const data = { entries: page.value.auditLog, nextCursor: page.value.nextCursor, targetId: query.targetId ?? null, paged: Boolean(query.cursor) };
    return sendPage(admin, request, reply, auditLogPage(data));
  });
}
