/**
 * The admin's Settings, API keys and audit log, driven as a browser would (forms, cookies, CSRF tokens):
 * each form saves through the API and shows in the audit log as made in the admin; a refused form changes
 * nothing and says why beside the field; a forged post is refused; secrets never come back to the page.
 */
import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSessionOptions, type App } from '../../src/runtime';
import { injectClient } from '../../src/web/api-client';
import { adminRoutes } from '../../src/web/admin/routes';
import { buildTestApp, call, createShop, type Shop, type TestApp } from '../support/app';

let t: TestApp;
let admin: App;
let sink: Server;
let sinkStatus = 200;
const received: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({ allowPrivateWebhooks: true });
  admin = Fastify();
  await admin.register(adminRoutes, { api: injectClient(t.app), ...adminSessionOptions(t.ctx), now: () => t.clock.now() });
  await admin.ready();
  sink = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push(body);
      response.writeHead(sinkStatus).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => sink.close(() => resolve()));
  await admin?.close();
  await t?.close();
});

const sinkUrl = () => {
  const address = sink.address();
  if (address === null || typeof address === 'string') throw new Error('no sink address');
  return `http://127.0.0.1:${address.port}/hooks`;
};

function cookieValue(response: { headers: Record<string, unknown> }, name: string): string | null {
  const header = [response.headers['set-cookie'] ?? []]
    .flat()
    .map(String)
    .find((value) => value.startsWith(`${name}=`));
  return header ? (header.split(';')[0] ?? null) : null;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

function post(url: string, fields: Record<string, string>, cookie: string) {
  return admin.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams(fields).toString(),
  });
}

const get = (url: string, cookie: string) => admin.inject({ method: 'GET', url, headers: { cookie } });

interface Session {
  shop: Shop;
  cookie: string;
  csrf: string;
}

async function signedIn(): Promise<Session> {
  const shop = await createShop(t.app, { name: 'Settings shop' });
  const page = await admin.inject({ method: 'GET', url: '/admin' });
  const form = cookieValue(page, 'plusone_admin_signin') ?? '';
  const response = await post('/admin/sign-in', { csrf: csrfOf(page.body), secretKey: shop.secretKey }, form);
  expect(response.statusCode).toBe(303);
  const cookie = cookieValue(response, 'plusone_admin') ?? '';
  return { shop, cookie, csrf: csrfOf((await get('/admin/settings', cookie)).body) };
}

const settingsOf = async (shop: Shop) => (await call(t.app, 'GET', '/v1/shop', shop.secretKey)).json().shop.settings;

const CHECKOUT = {
  undoWindowSeconds: '45',
  sessionTtlSeconds: '1200',
  defaultLocale: 'de-DE',
  captureMode: 'immediate',
  orderStrategy: 'linked_order',
  allowedOrigins: 'https://Shop.Example.com/\nhttps://m.example.com',
};

describe('Settings in the admin', () => {
  it('saves how upsells behave through the API, and the audit log shows the change as made in the admin by this key', async () => {
    const session = await signedIn();
    const page = (await get('/admin/settings', session.cookie)).body;
    for (const label of [
      'Undo window (seconds)',
      'Capture mode',
      'Order strategy',
      'Default locale',
      'Allowed origins',
      'Webhook URL',
      'Payment gateway',
      'Shopify store domain',
    ]) {
      expect(page).toContain(label);
    }
    const saved = await post('/admin/settings/checkout', { csrf: session.csrf, ...CHECKOUT }, session.cookie);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/settings?saved=checkout');
    expect(await settingsOf(session.shop)).toMatchObject({
      undoWindowSeconds: 45,
      sessionTtlSeconds: 1200,
      defaultLocale: 'de-DE',
      captureMode: 'immediate',
      orderStrategy: 'linked_order',
      allowedOrigins: ['https://shop.example.com', 'https://m.example.com'],
    });
    const after = (await get('/admin/settings?saved=checkout', session.cookie)).body;
    expect(after).toContain('Settings saved.');
    expect(after).toContain('value="45"');

    const audit = (await get('/admin/settings/audit', session.cookie)).body;
    expect(audit).toContain('Settings changed');
    expect(audit).toContain(`Key …${session.shop.secretKey.slice(-4)}, in the admin`);
    expect(audit).toContain('settings.undoWindowSeconds: 45');
  });

  it('refuses a value beside its field, keeps what was typed, and changes nothing', async () => {
    const session = await signedIn();
    const before = await settingsOf(session.shop);
    const refused = await post(
      '/admin/settings/checkout',
      { csrf: session.csrf, ...CHECKOUT, undoWindowSeconds: '3', allowedOrigins: 'shop.example.com/path' },
      session.cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Enter whole seconds from 5 to 3600.');
    expect(refused.body).toContain('aria-invalid="true"');
    expect(refused.body).toContain('shop.example.com/path');
    expect(await settingsOf(session.shop)).toEqual(before);
    const entries = (await call(t.app, 'GET', '/v1/audit-log?action=shop.updated', session.shop.secretKey)).json().auditLog;
    expect(entries).toEqual([]);
  });

  it("shows the API's refusal of a webhook URL (a private address), and saves a good one", async () => {
    const strict = await buildTestApp();
    const strictAdmin = Fastify();
    await strictAdmin.register(adminRoutes, { api: injectClient(strict.app), ...adminSessionOptions(strict.ctx), now: () => strict.clock.now() });
    try {
      const shop = await createShop(strict.app, { name: 'Strict' });
      const page = await strictAdmin.inject({ method: 'GET', url: '/admin' });
      const signIn = await strictAdmin.inject({
        method: 'POST',
        url: '/admin/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieValue(page, 'plusone_admin_signin') ?? '' },
        payload: new URLSearchParams({ csrf: csrfOf(page.body), secretKey: shop.secretKey }).toString(),
      });
      const cookie = cookieValue(signIn, 'plusone_admin') ?? '';
      const csrf = csrfOf((await strictAdmin.inject({ method: 'GET', url: '/admin/settings', headers: { cookie } })).body);
      const refused = await strictAdmin.inject({
        method: 'POST',
        url: '/admin/settings/webhook',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        payload: new URLSearchParams({ csrf, webhookUrl: 'http://10.0.0.5/hooks' }).toString(),
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('webhookUrl is refused');
      expect((await call(strict.app, 'GET', '/v1/shop', shop.secretKey)).json().shop.settings.webhookUrl).toBeNull();
    } finally {
      await strictAdmin.close();
      await strict.close();
    }
  });

  it('sends a test event to the saved URL and shows what the endpoint answered', async () => {
    const session = await signedIn();
    const none = await post('/admin/settings/webhook/test', { csrf: session.csrf }, session.cookie);
    expect(none.body).toContain('Save a webhook URL first');
    expect((await post('/admin/settings/webhook', { csrf: session.csrf, webhookUrl: sinkUrl() }, session.cookie)).statusCode).toBe(303);
    sinkStatus = 200;
    const delivered = await post('/admin/settings/webhook/test', { csrf: session.csrf }, session.cookie);
    expect(delivered.body).toContain('Test event delivered:');
    expect(delivered.body).toContain('HTTP 200');
    expect(received.at(-1)).toContain('"webhook.test"');
    sinkStatus = 500;
    const failed = await post('/admin/settings/webhook/test', { csrf: session.csrf }, session.cookie);
    expect(failed.body).toContain('Test event not delivered:');
    expect(failed.body).toContain('HTTP 500');
  });

  it("keeps the Shopify app's secrets write-only: saved, masked, never sent back to the page", async () => {
    const session = await signedIn();
    const apiSecret = 'shpss_0123456789abcdef';
    const adminAccessToken = 'shpat_abcdef0123456789';
    const domain = `settings-${Date.now()}.myshopify.com`;
    const saved = await post(
      '/admin/settings/shopify',
      { csrf: session.csrf, shopDomain: domain, apiKey: 'client-1', apiSecret, adminAccessToken },
      session.cookie,
    );
    expect(saved.statusCode).toBe(303);
    const page = (await get('/admin/settings', session.cookie)).body;
    expect(page).toContain(`Connected to ${domain}`);
    expect(page).not.toContain(apiSecret);
    expect(page).not.toContain(adminAccessToken);
    // Saving again with the secrets left empty keeps them.
    expect((await post('/admin/settings/shopify', { csrf: session.csrf, shopDomain: domain, apiKey: 'client-2' }, session.cookie)).statusCode).toBe(
      303,
    );
    const shopify = (await settingsOf(session.shop)).shopify;
    expect(shopify).toMatchObject({ shopDomain: domain, apiKey: 'client-2', apiSecret: '…cdef', adminAccessToken: '…6789' });
  });

  it('shows a PSP credential refusal above its form and saves nothing', async () => {
    const session = await signedIn();
    const refused = await post(
      '/admin/settings/credentials/stripe',
      { csrf: session.csrf, secretKey: 'pk_test_not_a_secret_key', publishableKey: 'pk_test_abc' },
      session.cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Not saved');
    expect(refused.body).toContain('publishable key');
    expect(refused.body).not.toContain('pk_test_not_a_secret_key');
    expect((await settingsOf(session.shop)).gatewayCredentials).toEqual({});
  });

  it('refuses every settings post without the form token and changes nothing', async () => {
    const session = await signedIn();
    const before = await settingsOf(session.shop);
    for (const [url, fields] of [
      ['/admin/settings/checkout', CHECKOUT],
      ['/admin/settings/webhook', { webhookUrl: sinkUrl() }],
      ['/admin/settings/gateway', { gateway: 'stripe' }],
      ['/admin/settings/shopify/remove', {}],
      ['/admin/settings/keys', {}],
    ] as const) {
      for (const csrf of [undefined, 'wrong']) {
        const response = await post(url, { ...fields, ...(csrf ? { csrf } : {}) }, session.cookie);
        expect(response.statusCode, `${url} csrf=${csrf}`).toBe(403);
      }
    }
    expect(await settingsOf(session.shop)).toEqual(before);
    expect((await call(t.app, 'GET', '/v1/api-keys', session.shop.secretKey)).json().apiKeys).toHaveLength(1);
  });
});

describe('API keys in the admin', () => {
  it('creates a key shown once, lists it with its last use, and revokes it after a confirmation', async () => {
    const session = await signedIn();
    const keysPage = (await get('/admin/settings/keys', session.cookie)).body;
    expect(keysPage).toContain(`sk_…${session.shop.secretKey.slice(-4)}`);
    expect(keysPage).toContain('This session');
    expect(keysPage).not.toContain('>Revoke');

    const created = await post('/admin/settings/keys', { csrf: session.csrf }, session.cookie);
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secretKey = /id="new-key" type="text" readonly value="(sk_[^"]+)"/.exec(created.body)?.[1] ?? '';
    expect(secretKey).toMatch(/^sk_/);
    expect((await call(t.app, 'GET', '/v1/shop', secretKey)).statusCode).toBe(200);
    const listed = (await get('/admin/settings/keys', session.cookie)).body;
    expect(listed).not.toContain(secretKey);
    expect(listed).toContain(`sk_…${secretKey.slice(-4)}`);

    const keys = (await call(t.app, 'GET', '/v1/api-keys', session.shop.secretKey)).json().apiKeys as Array<{ id: string; last4: string }>;
    const newKey = keys.find((key) => key.last4 === secretKey.slice(-4));
    const confirm = await get(`/admin/settings/keys/${newKey?.id}/revoke`, session.cookie);
    expect(confirm.body).toContain(`Revoke key ending ${secretKey.slice(-4)}`);
    const revoked = await post(`/admin/settings/keys/${newKey?.id}/revoke`, { csrf: session.csrf }, session.cookie);
    expect(revoked.headers.location).toBe('/admin/settings/keys?done=revoked');
    expect((await call(t.app, 'GET', '/v1/shop', secretKey)).statusCode).toBe(401);

    const audit = (await get('/admin/settings/audit', session.cookie)).body;
    expect(audit).toContain('API key revoked');
    expect(audit).toContain('API key created');
  });

  it('refuses to revoke the last active key, with the reason', async () => {
    const session = await signedIn();
    const [only] = (await call(t.app, 'GET', '/v1/api-keys', session.shop.secretKey)).json().apiKeys as Array<{ id: string }>;
    const refused = await post(`/admin/settings/keys/${only?.id}/revoke`, { csrf: session.csrf }, session.cookie);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Create another key before revoking the last one');
    expect((await call(t.app, 'GET', '/v1/shop', session.shop.secretKey)).statusCode).toBe(200);
  });
});
