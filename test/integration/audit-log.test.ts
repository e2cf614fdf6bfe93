/**
 * The audit log (`GET /v1/audit-log`) and the keys' "last used": every change through the API is recorded
 * with the key that made it, refused requests record nothing, secrets never reach the log, replays are
 * recorded once, the admin's calls say so and a forged header cannot claim it, shops never see each other's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIA_HEADER, viaHeaders } from '../../src/http/internal-caller';
import { ADMIN_TOKEN, buildTestApp, call, createShop, putProduct, type Shop, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder } from '../support/upsell';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

interface Entry {
  id: string;
  at: string;
  actor: { type: string; apiKeyId?: string; last4?: string };
  via: string;
  action: string;
  target: { type: string; id: string };
  changes: Record<string, unknown>;
}

async function auditLog(shop: Shop, query = ''): Promise<Entry[]> {
  const response = await call(t.app, 'GET', `/v1/audit-log${query}`, shop.secretKey);
  expect(response.statusCode).toBe(200);
  return response.json().auditLog;
}

async function secondKey(shop: Shop): Promise<{ id: string; secretKey: string; last4: string }> {
  const response = await call(t.app, 'POST', '/v1/api-keys', shop.secretKey);
  expect(response.statusCode).toBe(201);
  const { apiKey, secretKey } = response.json();
  return { id: apiKey.id, secretKey, last4: apiKey.last4 };
}

describe('GET /v1/audit-log', () => {
  it('records each change with the key that made it, the action, the target and what was sent, newest first', async () => {
    const shop = await createShop(t.app, { name: 'Audited' });
    const key = await secondKey(shop);
    await putProduct(t.app, key.secretKey, 'mug', { prices: { USD: 1200 } });
    const created = await call(t.app, 'POST', '/v1/offers', key.secretKey, {
      name: 'Mug',
      variantId: 'mug-v',
      discount: { type: 'percentage', value: 10 },
    });
    const offerId: string = created.json().offer.id;
    await call(t.app, 'PATCH', `/v1/offers/${offerId}`, key.secretKey, { priority: 5 });
    await call(t.app, 'PATCH', '/v1/shop', key.secretKey, { settings: { undoWindowSeconds: 45 } });
    await call(t.app, 'DELETE', `/v1/offers/${offerId}`, key.secretKey);

    const entries = await auditLog(shop);
    expect(entries.map((entry) => [entry.action, entry.target.type, entry.target.id])).toEqual([
      ['offer.deleted', 'offer', offerId],
      ['shop.updated', 'shop', shop.id],
      ['offer.updated', 'offer', offerId],
      ['offer.created', 'offer', offerId],
      ['product.saved', 'product', 'mug'],
      ['api_key.created', 'api_key', key.id],
      ['shop.created', 'shop', shop.id],
    ]);
    const byKey = entries.slice(0, 5);
    for (const entry of byKey) {
      expect(entry.actor).toEqual({ type: 'api_key', apiKeyId: key.id, last4: key.last4 });
      expect(entry.via).toBe('api');
      expect(entry.at).toBe(t.clock.now().toISOString());
    }
    expect(entries[1]?.changes).toEqual({ settings: { undoWindowSeconds: 45 } });
    expect(entries[2]?.changes).toEqual({ priority: 5 });
    expect(entries[5]?.changes).toEqual({ last4: key.last4 });
    expect(entries[6]?.actor).toEqual({ type: 'operator' });
  });

  it('records nothing for a refused request', async () => {
    const shop = await createShop(t.app, { name: 'Refused' });
    const before = await auditLog(shop);
    expect((await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { undoWindowSeconds: -1 } })).statusCode).toBe(400);
    expect((await call(t.app, 'PATCH', '/v1/offers/off_missing', shop.secretKey, { priority: 1 })).statusCode).toBe(404);
    expect((await call(t.app, 'DELETE', `/v1/api-keys/key_missing`, shop.secretKey)).statusCode).toBe(404);
    expect(await auditLog(shop)).toEqual(before);
  });

  it('never stores a secret: PSP credentials and the Shopify app secret are masked, a removal stays visible', async () => {
    const shop = await createShop(t.app, { name: 'Secrets' });
    const apiSecret = `shpss_${randomUUID()}`;
    const adminAccessToken = `shpat_${randomUUID()}`;
    const saved = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, {
      settings: { shopify: { shopDomain: `audit-${randomUUID().slice(0, 8)}.myshopify.com`, apiKey: 'client-id-1', apiSecret, adminAccessToken } },
    });
    expect(saved.statusCode).toBe(200);
    await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { shopify: null } });
    const [removed, set] = await auditLog(shop);
    expect(set?.changes).toMatchObject({ settings: { shopify: { apiSecret: '•••', adminAccessToken: '•••', apiKey: '•••' } } });
    expect(removed?.changes).toEqual({ settings: { shopify: null } });
    const stored = JSON.stringify(await t.database.db.selectFrom('audit_log').selectAll().where('shop_id', '=', shop.id).execute());
    expect(stored).not.toContain(apiSecret);
    expect(stored).not.toContain(adminAccessToken);
    expect(stored).not.toContain(shop.secretKey);
  });

  it('records a refund once, however often its request is repeated with the same key', async () => {
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    const upsellId: string = (await accept(t.app, order)).json().upsell.id;
    t.clock.advance(61);
    await t.worker.runOnce();
    const idempotencyKey = randomUUID();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await call(
        t.app,
        'POST',
        `/v1/upsells/${upsellId}/refund`,
        setup.shop.secretKey,
        { reason: 'damaged' },
        { 'idempotency-key': idempotencyKey },
      );
      expect(response.statusCode).toBe(200);
    }
    const refunds = await auditLog(setup.shop, '?action=upsell.refunded');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ target: { type: 'upsell', id: upsellId }, changes: { reason: 'damaged', outcome: 'refunded' } });
  });

  it("marks the admin's calls as through the admin; a forged header is the API", async () => {
    const shop = await createShop(t.app, { name: 'Channels' });
    await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { name: 'Through the admin' }, viaHeaders('admin'));
    await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { name: 'Forged' }, { [VIA_HEADER]: 'admin not-the-token' });
    const [forged, admin] = await auditLog(shop);
    expect(admin?.via).toBe('admin');
    expect(forged?.via).toBe('api');
  });

  it('pages newest first by cursor, filters by target and action, and refuses a bad filter', async () => {
    const shop = await createShop(t.app, { name: 'Pages' });
    for (let index = 0; index < 5; index += 1) {
      await putProduct(t.app, shop.secretKey, `p${index}`);
      t.clock.advance(1);
    }
    const first = await call(t.app, 'GET', '/v1/audit-log?limit=2', shop.secretKey);
    const page1 = first.json();
    expect(page1.auditLog.map((entry: Entry) => entry.target.id)).toEqual(['p4', 'p3']);
    const page2 = (await call(t.app, 'GET', `/v1/audit-log?limit=2&cursor=${page1.nextCursor}`, shop.secretKey)).json();
    expect(page2.auditLog.map((entry: Entry) => entry.target.id)).toEqual(['p2', 'p1']);
    expect((await auditLog(shop, '?targetId=p2')).map((entry) => entry.action)).toEqual(['product.saved']);
    expect((await auditLog(shop, '?action=shop.created')).map((entry) => entry.target.id)).toEqual([shop.id]);
    const bad = await call(t.app, 'GET', '/v1/audit-log?action=DROP%20TABLE', shop.secretKey);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
  });

  it("never shows one shop's entries to another, nor reads another shop's cursor", async () => {
    const a = await createShop(t.app, { name: 'A' });
    const b = await createShop(t.app, { name: 'B' });
    await putProduct(t.app, a.secretKey, 'only-a-1');
    await putProduct(t.app, a.secretKey, 'only-a-2');
    const pageOfA = (await call(t.app, 'GET', '/v1/audit-log?limit=1', a.secretKey)).json();
    const seenByB = await auditLog(b);
    expect(seenByB.map((entry) => entry.target.id)).toEqual([b.id]);
    expect((await call(t.app, 'GET', `/v1/audit-log?cursor=${pageOfA.nextCursor}`, b.secretKey)).statusCode).toBe(400);
    expect(await auditLog(b, '?targetId=only-a-1')).toEqual([]);
  });
});

describe('API keys: last used', () => {
  it('is null until a key is used, then the time of use, written at most once a minute', async () => {
    const shop = await createShop(t.app, { name: 'Last used' });
    const key = await secondKey(shop);
    const lastUsed = async () => {
      const keys = (await call(t.app, 'GET', '/v1/api-keys', shop.secretKey)).json().apiKeys as Array<{ id: string; lastUsedAt: string | null }>;
      return keys.find((one) => one.id === key.id)?.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();
    const firstUse = t.clock.now().toISOString();
    expect((await call(t.app, 'GET', '/v1/shop', key.secretKey)).statusCode).toBe(200);
    expect(await lastUsed()).toBe(firstUse);
    t.clock.advance(30);
    await call(t.app, 'GET', '/v1/shop', key.secretKey);
    expect(await lastUsed()).toBe(firstUse);
    t.clock.advance(31);
    const laterUse = t.clock.now().toISOString();
    await call(t.app, 'GET', '/v1/shop', key.secretKey);
    expect(await lastUsed()).toBe(laterUse);
  });

  it('records a revocation with the key revoked and the key that revoked it', async () => {
    const shop = await createShop(t.app, { name: 'Revoke' });
    const key = await secondKey(shop);
    expect((await call(t.app, 'DELETE', `/v1/api-keys/${key.id}`, shop.secretKey)).statusCode).toBe(200);
    const [revoked] = await auditLog(shop);
    expect(revoked).toMatchObject({ action: 'api_key.revoked', target: { type: 'api_key', id: key.id }, changes: { last4: key.last4 } });
    expect(revoked?.actor.apiKeyId).not.toBe(key.id);
  });

  it('is kept for the operator too', async () => {
    const created = await call(t.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'By the operator', settings: { undoWindowSeconds: 30 } });
    const shop: Shop = created.json();
    const [entry] = await auditLog(shop);
    expect(entry).toMatchObject({
      action: 'shop.created',
      actor: { type: 'operator' },
      changes: { name: 'By the operator', settings: { undoWindowSeconds: 30 } },
    });
  });
});
