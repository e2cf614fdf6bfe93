/**
 * The OpenAPI document (`GET /v1/openapi.json`) against the code: every route has a summary and the
 * schemas of its answers, every error status the one error body, and real answers — at least one per
 * family of routes — validate against what the document says, with no field it leaves out. The check is
 * TypeBox's `Value.Check` on the document's own schemas, OpenAPI 3.0's `nullable: true` read as JSON
 * Schema's `null` type.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOPIFY_PRODUCTS } from '../../src/core/demo';
import { FakeShopify } from '../../src/web/demo/shopify/fake-shopify';
import { ADMIN_TOKEN, buildTestApp, call, createOffer, createShop, putProduct, registerOrder, type TestApp } from '../support/app';
import { signedNotification, startFakeAdyen, type FakeAdyen } from '../fakes/adyen';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { accept, offerShop, paidOrder, type OfferShop } from '../support/upsell';

type JsonSchema = Record<string, unknown>;
interface MediaType {
  schema?: JsonSchema;
}
interface Response {
  description: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  summary?: string;
  responses: Record<string, Response>;
}
type Spec = { paths: Record<string, Record<string, Operation>> };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);
const MONEY_FIELDS = new Set([
  'amount',
  'total',
  'subtotal',
  'unitPrice',
  'compareAtPrice',
  'discountAmount',
  'taxAmount',
  'shippingAmount',
  'shippingTotal',
  'taxTotal',
  'expectedRevenue',
  'netRevenue',
  'acceptedAmount',
  'capturedAmount',
  'refundedAmount',
  'checkoutTotal',
]);
const TIME_FIELDS = /^(?:at|undoUntil|[a-z]+At)$/;

const SHOPIFY_APP = {
  apiKey: 'shopify-api-key-openapi',
  apiSecret: 'shpss_openapi_secret_0123456789ab',
  adminAccessToken: 'shpat_openapi_token_0123456789ab',
};
const ADYEN = {
  apiKey: 'AQEyhmfxLI3MaBFLw0m_openapi_test_api_key_9876',
  merchantAccount: 'PlusoneOpenapiECOM',
  environment: 'test',
  clientKey: 'test_PLUSONEOPENAPICLIENTKEY5678',
  hmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
};
const [coffee, , filters] = DEMO_SHOPIFY_PRODUCTS as [(typeof DEMO_SHOPIFY_PRODUCTS)[number], unknown, (typeof DEMO_SHOPIFY_PRODUCTS)[number]];

let t: TestApp;
let spec: Spec;
let shopify: FakeShopify;
let shopifyDomain: string;
/** New PSP credentials are checked with the PSP when saved: these answer the check. */
let stripe: FakeStripe;
let adyen: FakeAdyen;
/** Every `METHOD /path` whose real answer was checked against the document. */
const checked = new Set<string>();

beforeAll(async () => {
  shopifyDomain = `plusone-openapi-${Date.now()}.myshopify.com`;
  let clockNow: () => Date = () => new Date();
  shopify = new FakeShopify({
    shopDomain: shopifyDomain,
    ...SHOPIFY_APP,
    currency: 'USD',
    products: DEMO_SHOPIFY_PRODUCTS,
    taxRate: '0.08',
    now: () => clockNow(),
  });
  stripe = await startFakeStripe();
  adyen = await startFakeAdyen({ apiKey: ADYEN.apiKey, merchantAccount: ADYEN.merchantAccount, hmacKey: ADYEN.hmacKey });
  t = await buildTestApp({
    shopify: { fetchFor: (name) => (name === shopifyDomain ? shopify.fetch : undefined) },
    gatewayEndpoints: { stripe: stripe.baseUrl, adyen: adyen.url },
  });
  clockNow = () => t.clock.now();
  const response = await call(t.app, 'GET', '/v1/openapi.json', null);
  expect(response.statusCode).toBe(200);
  spec = response.json();
});
afterAll(async () => {
  await t?.close();
  await Promise.all([stripe?.close(), adyen?.close()]);
});

function operations(): { route: string; operation: Operation }[] {
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
  );
}

/** The document's schema as JSON Schema: `nullable: true` becomes `anyOf [schema, null]`; `closed` shuts the views. */
function jsonSchema(schema: unknown, closed: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((entry) => jsonSchema(entry, closed));
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, ...rest } = schema as JsonSchema;
  const converted: JsonSchema = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, jsonSchema(value, closed)]));
  if (closed && converted.properties && converted.additionalProperties === true) converted.additionalProperties = false;
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

function documented(route: string, status: number): Response {
  const [method = '', path = ''] = route.split(' ');
  const operation = spec.paths[path]?.[method.toLowerCase()];
  expect(operation, `${route} is in the document`).toBeDefined();
  const response = operation?.responses[String(status)];
  expect(response, `${route} documents ${status}`).toBeDefined();
  return response as Response;
}

function problems(schema: unknown, body: unknown): string[] {
  return [...Value.Errors(schema as JsonSchema, body)].map((error) => `${error.instancePath || '/'} ${error.message}`);
}

/** The real answer is what the document says for its status and media type, every field documented. */
function expectDocumented(route: string, response: LightMyRequestResponse): void {
  checked.add(route);
  const documentation = documented(route, response.statusCode);
  if (response.statusCode === 204) {
    expect(documentation.content, `${route} 204 has no body`).toBeUndefined();
    expect(response.body).toBe('');
    return;
  }
  const mediaType = String(response.headers['content-type']).split(';')[0] ?? '';
  const schema = documentation.content?.[mediaType]?.schema;
  expect(schema, `${route} ${response.statusCode} documents ${mediaType}`).toBeDefined();
  if (mediaType !== 'application/json') {
    expect(schema?.type).toBe('string');
    return;
  }
  const body: unknown = response.json();
  expect(problems(jsonSchema(schema, false), body), `${route} ${response.statusCode} validates`).toEqual([]);
  expect(problems(jsonSchema(schema, true), body), `${route} ${response.statusCode} lists every field`).toEqual([]);
}

/** Every object (with its place) in a schema, for the checks that walk the document. */
function objectsOf(schema: unknown, where: string): { where: string; object: JsonSchema }[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const object = schema as JsonSchema;
  const children = Object.entries(object).flatMap(([key, value]) =>
    Array.isArray(value) ? value.flatMap((entry, index) => objectsOf(entry, `${where}.${key}[${index}]`)) : objectsOf(value, `${where}.${key}`),
  );
  return [{ where, object }, ...children];
}

function responseSchemas(): { where: string; status: string; schema: JsonSchema }[] {
  return operations().flatMap(({ route, operation }) =>
    Object.entries(operation.responses).flatMap(([status, response]) =>
      Object.entries(response.content ?? {}).flatMap(([mediaType, media]) =>
        media.schema ? [{ where: `${route} ${status} ${mediaType}`, status, schema: media.schema }] : [],
      ),
    ),
  );
}

describe('openapi › the document', () => {
  it('gives every route a summary and the schema of its success answer (204 without a body)', () => {
    const routes = operations();
    expect(routes.length).toBeGreaterThan(40);
    for (const { route, operation } of routes) {
      expect(operation.summary, route).toMatch(/\S/);
      const successes = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect(successes.length, `${route} documents its success`).toBeGreaterThan(0);
      for (const [status, response] of successes) {
        if (status === '204') {
          expect(response.content, `${route} 204`).toBeUndefined();
          continue;
        }
        const media = Object.values(response.content ?? {});
        expect(media.length, `${route} ${status} has a media type`).toBeGreaterThan(0);
        for (const entry of media) expect(entry.schema, `${route} ${status}`).toBeDefined();
      }
    }
  });

  it('documents every error status of every route with the one error body', () => {
    for (const { route, operation } of operations()) {
      const failures = Object.entries(operation.responses).filter(([status]) => /^[45]\d\d$/.test(status) || status === 'default');
      expect(
        failures.map(([status]) => status),
        route,
      ).toEqual(expect.arrayContaining(['400', '500']));
      for (const [status, response] of failures) {
        const schema = response.content?.['application/json']?.schema as
          { required?: string[]; properties?: { error?: { required?: string[]; properties?: Record<string, { type?: string }> } } } | undefined;
        expect(schema?.required, `${route} ${status}`).toContain('error');
        expect(schema?.properties?.error?.required, `${route} ${status}`).toEqual(expect.arrayContaining(['code', 'message']));
        expect(schema?.properties?.error?.properties?.code?.type, `${route} ${status}`).toBe('string');
        expect(schema?.properties?.error?.properties?.message?.type, `${route} ${status}`).toBe('string');
      }
    }
  });

  it('lets every view carry fields added later, so the serializer never drops one', () => {
    for (const { where, status, schema } of responseSchemas()) {
      // The 429 answer is the rate limits' (http/rate-limit): exactly its two fields.
      if (status === '429') continue;
      for (const { where: at, object } of objectsOf(schema, where)) {
        if (object.type === 'object' && object.properties) expect(object.additionalProperties, at).toBe(true);
      }
    }
  });

  it('types money as integers and times as date-time strings', () => {
    for (const { where, schema } of responseSchemas()) {
      for (const { where: at, object } of objectsOf(schema, where)) {
        const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
        for (const [name, property] of Object.entries(properties)) {
          if (MONEY_FIELDS.has(name)) expect(property.type, `${at}.${name}`).toBe('integer');
          if (TIME_FIELDS.test(name)) expect(property, `${at}.${name}`).toMatchObject({ type: 'string', format: 'date-time' });
        }
      }
    }
  });
});

describe('openapi › real answers validate against the document', () => {
  let setup: OfferShop;

  beforeAll(async () => {
    setup = await offerShop(t.app);
  });

  it('health, operator and shop', async () => {
    expectDocumented('GET /healthz', await call(t.app, 'GET', '/healthz', null));
    expectDocumented('GET /readyz', await call(t.app, 'GET', '/readyz', null));
    const created = await call(t.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Documented shop' });
    expect(created.statusCode).toBe(201);
    expectDocumented('POST /v1/shops', created);
    const key: string = created.json().secretKey;
    const patched = await call(t.app, 'PATCH', '/v1/shop', key, {
      settings: {
        allowedOrigins: ['https://shop.example.com'],
        webhookUrl: 'https://hooks.example.com/plusone',
        gatewayCredentials: {
          stripe: {
            secretKey: 'sk_test_51PlusoneE2eSecretKey00000004242',
            publishableKey: 'pk_test_51PlusoneE2ePublishable000009999',
            webhookSecret: 'whsec_PlusoneE2eSigningSecret5678',
          },
        },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expectDocumented('PATCH /v1/shop', patched);
    expectDocumented('GET /v1/shop', await call(t.app, 'GET', '/v1/shop', key));
    const newKey = await call(t.app, 'POST', '/v1/api-keys', key);
    expect(newKey.statusCode).toBe(201);
    expectDocumented('POST /v1/api-keys', newKey);
    expectDocumented('GET /v1/api-keys', await call(t.app, 'GET', '/v1/api-keys', key));
    const revoked = await call(t.app, 'DELETE', `/v1/api-keys/${newKey.json().apiKey.id}`, key);
    expect(revoked.statusCode).toBe(200);
    expectDocumented('DELETE /v1/api-keys/{id}', revoked);
    expectDocumented('GET /v1/shop', await call(t.app, 'GET', '/v1/shop', null));
  });

  it('products and offers', async () => {
    const key = setup.shop.secretKey;
    const put = await call(t.app, 'PUT', '/v1/products/documented', key, {
      title: 'Documented',
      variants: [
        { id: 'documented-a', title: 'A', prices: [{ currency: 'USD', amount: 1500 }], stock: 4 },
        { id: 'documented-b', title: 'B', prices: [] },
      ],
    });
    expect(put.statusCode).toBe(200);
    expectDocumented('PUT /v1/products/{productId}', put);
    expectDocumented('GET /v1/products', await call(t.app, 'GET', '/v1/products', key));
    expectDocumented('GET /v1/products/{productId}', await call(t.app, 'GET', '/v1/products/documented', key));
    const offer = await call(t.app, 'POST', '/v1/offers', key, {
      name: 'Every field',
      variantId: 'documented-a',
      quantity: 2,
      discount: { type: 'fixed', value: 200, amounts: [{ currency: 'USD', amount: 200 }] },
      priority: -5,
      active: false,
      rules: { anyProductIds: ['main'], minSubtotal: 100, countries: ['US'], customerTags: ['vip'], firstOrderOnly: false, currencies: ['USD'] },
      buttonCopy: [{ id: 'short', text: 'Add for {price}' }],
      shipping: [{ currency: 'USD', amount: 300 }],
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
    });
    expect(offer.statusCode, offer.body).toBe(201);
    expectDocumented('POST /v1/offers', offer);
    const offerId: string = offer.json().offer.id;
    expectDocumented('GET /v1/offers', await call(t.app, 'GET', '/v1/offers', key));
    expectDocumented('GET /v1/offers/{id}', await call(t.app, 'GET', `/v1/offers/${offerId}`, key));
    expectDocumented('PATCH /v1/offers/{id}', await call(t.app, 'PATCH', `/v1/offers/${offerId}`, key, { discount: null, startsAt: null }));
    expectDocumented('DELETE /v1/offers/{id}', await call(t.app, 'DELETE', `/v1/offers/${offerId}`, key));
    expectDocumented('GET /v1/offers/{id}', await call(t.app, 'GET', `/v1/offers/${offerId}`, key));
    expectDocumented('DELETE /v1/products/{productId}', await call(t.app, 'DELETE', '/v1/products/documented', key));
    expectDocumented('PUT /v1/products/{productId}', await call(t.app, 'PUT', '/v1/products/bad', key, { title: 'No variants' }));
  });

  it('orders: register, list, read and the decision', async () => {
    const key = setup.shop.secretKey;
    const registered = await call(t.app, 'POST', '/v1/orders', key, orderFor('pm_sandbox_visa'), { 'idempotency-key': randomUUID() });
    expect(registered.statusCode, registered.body).toBe(201);
    expectDocumented('POST /v1/orders', registered);
    const without = await call(t.app, 'POST', '/v1/orders', key, orderFor('pm_sandbox_visa', { currency: 'EUR', lines: [line('EUR')] }));
    expect(without.json().offer).toBeNull();
    expectDocumented('POST /v1/orders', without);
    const orderId: string = registered.json().order.id;
    expectDocumented('GET /v1/orders', await call(t.app, 'GET', '/v1/orders?limit=1', key));
    expectDocumented('GET /v1/orders/{id}', await call(t.app, 'GET', `/v1/orders/${orderId}`, key));
    expectDocumented('GET /v1/orders/{id}/decision', await call(t.app, 'GET', `/v1/orders/${orderId}/decision`, key));
    expectDocumented('GET /v1/orders/{id}/decision', await call(t.app, 'GET', `/v1/orders/${without.json().order.id}/decision`, key));
    expectDocumented('GET /v1/orders/{id}', await call(t.app, 'GET', '/v1/orders/ord_missing', key));
  });

  it('checkout: the offer, its fragment, accept, decline, 3-D Secure and undo', async () => {
    const order = await paidOrder(t.app, setup);
    expectDocumented('GET /v1/checkout/offer', await call(t.app, 'GET', '/v1/checkout/offer', order.token));
    expectDocumented('GET /v1/checkout/offer.html', await call(t.app, 'GET', '/v1/checkout/offer.html', order.token));
    const accepted = await accept(t.app, order);
    expect(accepted.statusCode).toBe(200);
    expectDocumented('POST /v1/checkout/accept', accepted);
    const upsellId: string = accepted.json().upsell.id;
    expectDocumented('GET /v1/checkout/offer', await call(t.app, 'GET', '/v1/checkout/offer', order.token));
    expectDocumented('GET /v1/checkout/upsells/{id}', await call(t.app, 'GET', `/v1/checkout/upsells/${upsellId}`, order.token));
    expectDocumented('POST /v1/checkout/cancel', await call(t.app, 'POST', '/v1/checkout/cancel', order.token, { upsellId }));
    expectDocumented('POST /v1/checkout/accept', await accept(t.app, order));

    const declined = await accept(t.app, await paidOrder(t.app, setup, 'pm_sandbox_declined'));
    expect(declined.statusCode).toBe(402);
    expectDocumented('POST /v1/checkout/accept', declined);
    const challenged = await accept(t.app, await paidOrder(t.app, setup, 'pm_sandbox_3ds_required'));
    expect(challenged.json().status).toBe('requires_action');
    expectDocumented('POST /v1/checkout/accept', challenged);
    const dismissed = await paidOrder(t.app, setup);
    const decline = await call(t.app, 'POST', '/v1/checkout/decline', dismissed.token, { offerId: dismissed.offerId });
    expect(decline.statusCode).toBe(204);
    expectDocumented('POST /v1/checkout/decline', decline);
    expectDocumented('GET /v1/checkout/offer', await call(t.app, 'GET', '/v1/checkout/offer', dismissed.token));
    expectDocumented('GET /v1/checkout/offer', await call(t.app, 'GET', '/v1/checkout/offer', 'ps_unknown'));
  });

  it('checkout: completing the 3-D Secure step answers like accept', async () => {
    const order = await paidOrder(t.app, setup, 'pm_sandbox_3ds_required');
    const body = (await accept(t.app, order)).json();
    const challengeUrl = new URL(body.action.url, 'http://localhost').pathname;
    const early = await call(t.app, 'POST', body.completeUrl, order.token);
    expectDocumented('POST /v1/checkout/upsells/{id}/complete', early);
    await t.app.inject({ method: 'POST', url: challengeUrl, payload: { result: 'success' } });
    const completed = await call(t.app, 'POST', body.completeUrl, order.token);
    expect(completed.json().status).toBe('accepted');
    expectDocumented('POST /v1/checkout/upsells/{id}/complete', completed);
  });

  it('upsells: list, read with events, refund and a refusal', async () => {
    const key = setup.shop.secretKey;
    const order = await paidOrder(t.app, setup);
    const upsellId: string = (await accept(t.app, order)).json().upsell.id;
    const tooEarly = await call(t.app, 'POST', `/v1/upsells/${upsellId}/refund`, key, {}, { 'idempotency-key': randomUUID() });
    expect(tooEarly.statusCode).toBe(409);
    expectDocumented('POST /v1/upsells/{id}/refund', tooEarly);
    t.clock.advance(61);
    await t.worker.runOnce();
    const refunded = await call(t.app, 'POST', `/v1/upsells/${upsellId}/refund`, key, { reason: 'Damaged' }, { 'idempotency-key': randomUUID() });
    expect(refunded.statusCode, refunded.body).toBe(200);
    expectDocumented('POST /v1/upsells/{id}/refund', refunded);
    expectDocumented('GET /v1/upsells', await call(t.app, 'GET', '/v1/upsells?limit=2', key));
    expectDocumented('GET /v1/upsells/{id}', await call(t.app, 'GET', `/v1/upsells/${upsellId}`, key));
    expectDocumented('GET /v1/orders/{id}', await call(t.app, 'GET', `/v1/orders/${order.orderId}`, key));
    expectDocumented('GET /v1/checkout/offer', await call(t.app, 'GET', '/v1/checkout/offer', order.token));
  });

  it('analytics and experiments', async () => {
    const key = setup.shop.secretKey;
    const metrics = await call(t.app, 'GET', '/v1/analytics/metrics?from=2026-11-01&to=2026-12-31&groupBy=day,offer,arm', key);
    expect(metrics.json().rows.length).toBeGreaterThan(0);
    expectDocumented('GET /v1/analytics/metrics', metrics);
    expectDocumented('GET /v1/analytics/metrics', await call(t.app, 'GET', '/v1/analytics/metrics', key));
    const csv = await call(t.app, 'GET', '/v1/analytics/metrics.csv', key);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expectDocumented('GET /v1/analytics/metrics.csv', csv);
    expectDocumented('GET /v1/analytics/metrics', await call(t.app, 'GET', '/v1/analytics/metrics?from=yesterday', key));

    const created = await call(t.app, 'POST', '/v1/experiments', key, {
      name: 'Copy test',
      offerId: setup.offerId,
      arms: [{ id: 'control' }, { id: 'short', name: 'Short', weight: 2, copy: 'Add {price}' }],
      holdoutPercent: 10,
      settings: { maxViewsPerArm: 1000 },
    });
    expect(created.statusCode, created.body).toBe(201);
    expectDocumented('POST /v1/experiments', created);
    const id: string = created.json().experiment.id;
    for (let orders = 0; orders < 6; orders += 1) await registerOrder(t.app, key);
    expectDocumented('GET /v1/experiments', await call(t.app, 'GET', '/v1/experiments', key));
    expectDocumented('GET /v1/experiments/{id}', await call(t.app, 'GET', `/v1/experiments/${id}`, key));
    expectDocumented('POST /v1/experiments', await call(t.app, 'POST', '/v1/experiments', key, { offerId: setup.offerId, arms: [{ id: 'a' }] }));
    expectDocumented('POST /v1/experiments/{id}/stop', await call(t.app, 'POST', `/v1/experiments/${id}/stop`, key));
    expectDocumented('POST /v1/experiments/{id}/stop', await call(t.app, 'POST', `/v1/experiments/${id}/stop`, key));
    const second = await call(t.app, 'POST', '/v1/experiments', key, { offerId: setup.offerId, arms: [{ id: 'a' }, { id: 'b' }] });
    const promoted = await call(t.app, 'POST', `/v1/experiments/${second.json().experiment.id}/promote`, key, { armId: 'b' });
    expect(promoted.statusCode).toBe(200);
    expectDocumented('POST /v1/experiments/{id}/promote', promoted);
    expectDocumented('GET /v1/experiments/{id}', await call(t.app, 'GET', `/v1/experiments/${id}`, key));
  });

  it('audit log, API keys and webhook events', async () => {
    const key = setup.shop.secretKey;
    const created = await call(t.app, 'POST', '/v1/api-keys', key);
    expectDocumented('POST /v1/api-keys', created);
    expectDocumented('GET /v1/api-keys', await call(t.app, 'GET', '/v1/api-keys', key));
    expectDocumented('DELETE /v1/api-keys/{id}', await call(t.app, 'DELETE', `/v1/api-keys/${created.json().apiKey.id}`, key));
    expectDocumented('GET /v1/audit-log', await call(t.app, 'GET', '/v1/audit-log?limit=3', key));
    expectDocumented('GET /v1/audit-log', await call(t.app, 'GET', '/v1/audit-log?cursor=nope', key));
    const events = await call(t.app, 'GET', '/v1/webhook-events', key);
    expectDocumented('GET /v1/webhook-events', events);
    expectDocumented('POST /v1/webhook-events/test', await call(t.app, 'POST', '/v1/webhook-events/test', key));
    expectDocumented('GET /v1/webhook-events/{id}', await call(t.app, 'GET', '/v1/webhook-events/evt_missing', key));
  });

  it('Shopify post-purchase: offer, sign, outcome and undo', async () => {
    await shopifyShop();
    const placed = await shopify.placeOrder({ lines: [{ variantId: coffee.variantId, quantity: 1 }], destinationCountryCode: 'US' });
    const token = placed.inputData.token;
    const post = (url: string, payload: unknown) => call(t.app, 'POST', url, null, payload);
    const offered = await post('/v1/shopify/offer', { token });
    expect(offered.statusCode, offered.body).toBe(200);
    expect(offered.json().offer).not.toBeNull();
    expectDocumented('POST /v1/shopify/offer', offered);
    const purchase = { token, referenceId: placed.referenceId, offerId: offered.json().offer.id };
    const signed = await post('/v1/shopify/sign-changeset', purchase);
    expectDocumented('POST /v1/shopify/sign-changeset', signed);
    const result = await shopify.applyChangeset(placed.referenceId, signed.json().token);
    const outcome = await post('/v1/shopify/outcome', { ...purchase, status: 'accepted', result });
    expect(outcome.statusCode, outcome.body).toBe(200);
    expectDocumented('POST /v1/shopify/outcome', outcome);
    const undone = await post('/v1/shopify/undo', purchase);
    expect(undone.json().status).toBe('cancelled');
    expectDocumented('POST /v1/shopify/undo', undone);
    expectDocumented('POST /v1/shopify/offer', await post('/v1/shopify/offer', { token: 'a.b.c' }));
    const webhook = shopify.webhook('orders/updated', shopify.orderPayload(placed.referenceId));
    const delivered = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/shopify',
      headers: { ...webhook.headers, 'content-type': 'application/json' },
      payload: webhook.body,
    });
    expect(delivered.statusCode, delivered.body).toBe(200);
    expectDocumented('POST /v1/webhooks/shopify', delivered);
  });

  it('PSP webhooks: Adyen gets [accepted] as text, a bad signature the error body', async () => {
    const shop = await createShop(t.app, { name: 'Adyen shop', settings: { gatewayCredentials: { adyen: ADYEN } } });
    const deliver = (notification: unknown) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/webhooks/adyen/${shop.id}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(notification),
      });
    const item = {
      pspReference: 'OPENAPI000000001',
      merchantAccountCode: ADYEN.merchantAccount,
      merchantReference: 'ups_unknown:authorize',
      amount: { value: 1000, currency: 'USD' },
      eventCode: 'AUTHORISATION',
      success: 'true',
      eventDate: '2026-11-22T12:02:00+01:00',
    };
    const accepted = await deliver(signedNotification(item, ADYEN.hmacKey));
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.body).toBe('[accepted]');
    expectDocumented('POST /v1/webhooks/{gateway}/{shopId}', accepted);
    const forged = await deliver(signedNotification(item, ADYEN.hmacKey.replace(/^4/, '5')));
    expect(forged.statusCode).toBe(400);
    expectDocumented('POST /v1/webhooks/{gateway}/{shopId}', forged);
  });

  it('covers every family of routes', () => {
    for (const route of [
      'GET /v1/shop',
      'GET /v1/products/{productId}',
      'GET /v1/offers',
      'GET /v1/orders',
      'GET /v1/orders/{id}',
      'GET /v1/orders/{id}/decision',
      'GET /v1/upsells',
      'GET /v1/upsells/{id}',
      'POST /v1/upsells/{id}/refund',
      'GET /v1/checkout/offer',
      'POST /v1/checkout/accept',
      'POST /v1/checkout/cancel',
      'GET /v1/analytics/metrics',
      'GET /v1/experiments/{id}',
      'POST /v1/shopify/offer',
      'GET /v1/audit-log',
      'GET /v1/api-keys',
      'GET /v1/webhook-events',
    ]) {
      expect(checked, route).toContain(route);
    }
  });
});

function line(currency: string) {
  return { productId: 'main', variantId: 'main-v', title: 'Main product', quantity: 1, unitPrice: currency === 'USD' ? 5000 : 4000 };
}

function orderFor(paymentMethodRef: string, overrides: Record<string, unknown> = {}) {
  return {
    externalId: `openapi-${randomUUID()}`,
    currency: 'USD',
    lines: [line('USD')],
    subtotal: 5000,
    shippingTotal: 500,
    taxTotal: 413,
    total: 5913,
    taxRate: 0.0825,
    locale: 'en-US',
    customer: { id: `cus_${randomUUID()}`, email: 'buyer@example.com', country: 'US', tags: ['vip'], orderCount: 3 },
    payment: { gateway: 'sandbox', customerRef: 'cus_sandbox_1', paymentMethodRef, brand: 'visa', last4: '4242' },
    ...overrides,
  };
}

/** A shop on Shopify selling the demo products, with an offer on the filters for coffee buyers. */
async function shopifyShop(): Promise<void> {
  const shop = await createShop(t.app, { name: 'Shopify shop', settings: { shopify: { shopDomain: shopifyDomain, ...SHOPIFY_APP } } });
  for (const product of DEMO_SHOPIFY_PRODUCTS) {
    await putProduct(t.app, shop.secretKey, String(product.productId), {
      variantId: String(product.variantId),
      prices: { USD: product.price },
      title: product.title,
    });
  }
  await createOffer(t.app, shop.secretKey, { variantId: String(filters.variantId), discount: { type: 'percentage', value: 20 }, priority: 10 });
}
