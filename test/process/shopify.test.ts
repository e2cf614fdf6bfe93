/**
 * The whole Shopify post-purchase flow against Plusone started as `npm start` runs it, with Shopify's
 * Admin API at `PLUSONE_SHOPIFY_API_BASE` (the fake Shopify, over HTTP): Shopify's input token minted as
 * Shopify mints it, offer → sign → applyChangeset → outcome → undo (refund and order edit through the
 * Admin API) → orders/updated in; forged and replayed tokens refused; numeric, Luhn-valid ids throughout.
 */
import { rm } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOPIFY_PRODUCTS } from '../../src/core/demo';
import { luhnValid } from '../../src/core/card-data';
import { FakeShopify } from '../../src/web/demo/shopify/fake-shopify';
import { freePort, killAll, newDataDir, ready, startPlusone, until } from './support';

const ADMIN = 'process-admin-token-0123456789';
const DOMAIN = 'plusone-process.myshopify.com';
const APP = { apiKey: 'process-api-key', apiSecret: 'shpss_process_secret_0123456789abcd', adminAccessToken: 'shpat_process_token_0123456789abcd' };
const [coffee, , filters] = DEMO_SHOPIFY_PRODUCTS as [(typeof DEMO_SHOPIFY_PRODUCTS)[number], unknown, (typeof DEMO_SHOPIFY_PRODUCTS)[number]];

let dataDir: string;
let base: string;
let shopify: FakeShopify;
let admin: { url: string; close(): Promise<void> };

async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(body === undefined || Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
        ? {}
        : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: ReturnType<typeof JSON.parse> = text ? JSON.parse(text) : {};
  return { status: response.status, body: parsed };
}

beforeAll(async () => {
  dataDir = await newDataDir('shopify');
  shopify = new FakeShopify({ shopDomain: DOMAIN, ...APP, currency: 'USD', products: DEMO_SHOPIFY_PRODUCTS, taxRate: '0.0825' });
  admin = await shopify.listen();
  const port = await freePort();
  startPlusone(dataDir, port, { PLUSONE_ADMIN_TOKEN: ADMIN, PLUSONE_SHOPIFY_API_BASE: admin.url });
  base = `http://127.0.0.1:${port}`;
  await until(ready(port), 'plusone');
});

afterAll(async () => {
  killAll();
  await admin?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Shopify post-purchase against npm start', () => {
  it('runs offer → sign → apply → outcome → undo → webhook, and refuses forged and replayed tokens', async () => {
    const created = await api(
      'POST',
      '/v1/shops',
      { name: 'Shopify store', settings: { shopify: { shopDomain: DOMAIN, ...APP } } },
      { authorization: `Bearer ${ADMIN}` },
    );
    expect(created.status).toBe(201);
    const key = { authorization: `Bearer ${created.body.secretKey}` };
    // Shopify's ids: numeric, and the variant ids are Luhn-valid with a Visa prefix.
    expect(luhnValid(String(filters.variantId))).toBe(true);
    for (const product of DEMO_SHOPIFY_PRODUCTS) {
      const put = await api(
        'PUT',
        `/v1/products/${product.productId}`,
        {
          title: product.title,
          variants: [{ id: String(product.variantId), title: product.variantTitle, prices: [{ currency: 'USD', amount: product.price }] }],
        },
        key,
      );
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    const offer = await api(
      'POST',
      '/v1/offers',
      { name: 'Filters', variantId: String(filters.variantId), discount: { type: 'percentage', value: 20 } },
      key,
    );
    expect(offer.status).toBe(201);
    const offerId = offer.body.offer.id as string;

    const { referenceId, inputData } = await shopify.placeOrder({
      lines: [{ variantId: coffee.variantId, quantity: 2 }],
      destinationCountryCode: 'US',
    });
    const { token } = inputData;

    // Forged: the same claims signed with another secret.
    const forged = await new SignJWT({ input_data: { ...inputData, token: undefined } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('shopify')
      .setSubject(referenceId)
      .setIssuedAt()
      .sign(new TextEncoder().encode('not-the-app-secret-0123456789'));
    expect((await api('POST', '/v1/shopify/offer', { token: forged })).status).toBe(401);

    const offered = await api('POST', '/v1/shopify/offer', { token }, { origin: 'https://checkout.shopify.com' });
    expect(offered.status, JSON.stringify(offered.body)).toBe(200);
    expect(offered.body.offer.changes).toEqual([
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, discount: { value: 20, valueType: 'percentage', title: '20% off' } },
    ]);
    const calculated = await shopify.calculateChangeset(referenceId, { changes: offered.body.offer.changes });
    expect(calculated.status).toBe('processed');

    const signed = await api('POST', '/v1/shopify/sign-changeset', { token, referenceId, offerId });
    expect(signed.status).toBe(200);
    const applied = await shopify.applyChangeset(referenceId, signed.body.token as string);
    expect(applied.status).toBe('processed');
    // Replayed: the same changeset again is refused by Shopify, and Plusone signs no second one.
    expect((await shopify.applyChangeset(referenceId, signed.body.token as string)).errors[0]?.code).toBe('changeset_already_applied');
    expect((await api('POST', '/v1/shopify/sign-changeset', { token, referenceId, offerId })).body.token).toBe(signed.body.token);

    const outcome = await api('POST', '/v1/shopify/outcome', { token, referenceId, offerId, status: 'accepted', result: applied });
    expect(outcome.body).toMatchObject({ status: 'accepted', upsell: { state: 'authorized', amount: 520 } });

    const undone = await api('POST', '/v1/shopify/undo', { token, referenceId, offerId });
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    expect(undone.body.status).toBe('cancelled');
    const order = shopify.order(referenceId);
    expect(order?.refunds).toHaveLength(1);
    expect(order?.lines.find((line) => line.variantId === filters.variantId)?.quantity).toBe(0);
    expect(shopify.adminCalls.map((entry) => entry.operationName)).toEqual([
      'PlusoneOrder',
      'PlusoneRefund',
      'PlusoneEditBegin',
      'PlusoneEditSetQuantity',
      'PlusoneEditCommit',
    ]);

    shopify.fulfil(referenceId);
    const webhook = shopify.webhook('orders/updated', shopify.orderPayload(referenceId));
    const delivered = await api('POST', '/v1/webhooks/shopify', webhook.body, webhook.headers);
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    const tampered = await api('POST', '/v1/webhooks/shopify', webhook.body.replace('"id"', '"id" '), webhook.headers);
    expect(tampered.status).toBe(401);

    const upsell = await api('GET', `/v1/upsells/${outcome.body.upsell.id}`, undefined, key);
    expect(upsell.body.upsell.state).toBe('cancelled');
  });
});
