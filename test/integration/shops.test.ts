import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/clock';
import { ADMIN_TOKEN, buildTestApp, call, createShop, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('POST /v1/shops (operator)', () => {
  it('creates a shop with default settings and shows its secret key and webhook secret once', async () => {
    const response = await call(t.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Acme' });
    expect(response.statusCode).toBe(201);
    const shop = response.json();
    expect(shop.id).toMatch(/^shop_/);
    expect(shop.name).toBe('Acme');
    expect(shop.secretKey).toMatch(/^sk_/);
    expect(shop.webhookSecret).toMatch(/^whsec_/);
    expect(shop.settings).toMatchObject({
      undoWindowSeconds: 60,
      captureMode: 'after_window',
      orderStrategy: 'update_original',
      sessionTtlSeconds: 900,
      allowedOrigins: [],
      gateway: 'sandbox',
      webhookUrl: null,
    });
  });

  it('stores the secret key only as a hash', async () => {
    const shop = await createShop(t.app);
    const keys = await t.database.db.selectFrom('api_keys').selectAll().where('shop_id', '=', shop.id).execute();
    expect(keys).toHaveLength(1);
    expect(keys[0]?.key_hash).toBe(hashSecret(shop.secretKey));
    expect(JSON.stringify(keys)).not.toContain(shop.secretKey);
  });

  it('accepts settings at creation and normalises origins', async () => {
    const shop = await createShop(t.app, {
      name: 'Configured',
      settings: {
        undoWindowSeconds: 30,
        captureMode: 'immediate',
        orderStrategy: 'linked_order',
        sessionTtlSeconds: 600,
        allowedOrigins: ['https://Shop.Example.com/'],
        webhookUrl: 'https://hooks.example.com/plusone',
      },
    });
    const response = await call(t.app, 'GET', '/v1/shop', shop.secretKey);
    expect(response.json().shop.settings).toMatchObject({
      undoWindowSeconds: 30,
      captureMode: 'immediate',
      orderStrategy: 'linked_order',
      sessionTtlSeconds: 600,
      allowedOrigins: ['https://shop.example.com'],
      webhookUrl: 'https://hooks.example.com/plusone',
    });
  });

  it('answers 401 without the operator token or with a wrong one', async () => {
    expect((await call(t.app, 'POST', '/v1/shops', null, { name: 'x' })).json().error.code).toBe('unauthorized');
    const wrong = await call(t.app, 'POST', '/v1/shops', 'not-the-admin-token-at-all', { name: 'x' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('unauthorized');
  });

  it('refuses a shop key as operator token', async () => {
    const shop = await createShop(t.app);
    expect((await call(t.app, 'POST', '/v1/shops', shop.secretKey, { name: 'x' })).statusCode).toBe(401);
  });

  it('rejects invalid settings and unknown fields with 400 and creates nothing', async () => {
    const before = await t.database.db
      .selectFrom('shops')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    for (const body of [
      { name: 'x', settings: { undoWindowSeconds: -1 } },
      { name: 'x', settings: { captureMode: 'later' } },
      { name: 'x', settings: { gateway: 'paypal' } },
      { name: 'x', settings: { allowedOrigins: ['not an origin'] } },
      { name: 'x', settings: { colour: 'blue' } },
      { name: 'x', plan: 'gold' },
      { name: '' },
    ]) {
      const response = await call(t.app, 'POST', '/v1/shops', ADMIN_TOKEN, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
    const after = await t.database.db
      .selectFrom('shops')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('is off when no operator token is configured', async () => {
    const off = await buildTestApp({ adminToken: null });
    try {
      const response = await call(off.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'x' });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('operator_routes_disabled');
    } finally {
      await off.close();
    }
  });
});

describe('GET and PATCH /v1/shop', () => {
  it('updates settings partially and keeps the rest', async () => {
    const shop = await createShop(t.app);
    const response = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { undoWindowSeconds: 120 } });
    expect(response.statusCode).toBe(200);
    expect(response.json().shop.settings).toMatchObject({ undoWindowSeconds: 120, sessionTtlSeconds: 900, gateway: 'sandbox' });
    const renamed = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { name: 'Renamed' });
    expect(renamed.json().shop).toMatchObject({ name: 'Renamed', settings: { undoWindowSeconds: 120 } });
  });

  it('never returns the secret key or the webhook secret', async () => {
    const shop = await createShop(t.app);
    const text = (await call(t.app, 'GET', '/v1/shop', shop.secretKey)).body;
    expect(text).not.toContain(shop.secretKey);
    expect(text).not.toContain(shop.webhookSecret);
  });

  it('rejects an unknown setting and changes nothing', async () => {
    const shop = await createShop(t.app);
    const response = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { undoWindowSeconds: 90, surprise: true } });
    expect(response.statusCode).toBe(400);
    expect((await call(t.app, 'GET', '/v1/shop', shop.secretKey)).json().shop.settings.undoWindowSeconds).toBe(60);
  });
});

describe('API keys', () => {
  it('creates a second key, lists both, revokes the first, and the revoked key stops working', async () => {
    const shop = await createShop(t.app);
    const created = await call(t.app, 'POST', '/v1/api-keys', shop.secretKey);
    expect(created.statusCode).toBe(201);
    const second = created.json().secretKey as string;
    const listed = (await call(t.app, 'GET', '/v1/api-keys', second)).json().apiKeys;
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(second);
    const first = listed.find((key: { last4: string }) => key.last4 === shop.secretKey.slice(-4));
    expect((await call(t.app, 'DELETE', `/v1/api-keys/${first.id}`, second)).statusCode).toBe(200);
    const refused = await call(t.app, 'GET', '/v1/shop', shop.secretKey);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('unauthorized');
    expect((await call(t.app, 'GET', '/v1/shop', second)).statusCode).toBe(200);
  });

  it('refuses to revoke the last active key', async () => {
    const shop = await createShop(t.app);
    const [key] = (await call(t.app, 'GET', '/v1/api-keys', shop.secretKey)).json().apiKeys;
    const response = await call(t.app, 'DELETE', `/v1/api-keys/${key.id}`, shop.secretKey);
    expect(response.statusCode).toBe(400);
    expect((await call(t.app, 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(200);
  });
});
