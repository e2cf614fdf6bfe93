/**
 * Stripe, Braintree and Adyen end to end, each through its official SDK against its in-process fake:
 * credentials set through the API (sealed, never shown or logged), then the one-click flow of the core
 * issue — accept, undo (void), accept and capture after the window — and the PSP's webhooks.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { signedNotification, startFakeAdyen, threeDSResult, FAKE_ADYEN_METHODS, FAKE_SHOPPER, type FakeAdyen } from '../fakes/adyen';
import { startFakeBraintree, type FakeBraintree } from '../fakes/braintree';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { buildTestApp, call, createOffer, createShop, orderBody, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';
import { accept, ADDON_TOTAL, eventTypes, orderOf, undo, upsellOf, type PaidOrder } from '../support/upsell';

const STRIPE = {
  secretKey: 'sk_test_51PlusoneE2eSecretKey00000004242',
  publishableKey: 'pk_test_51PlusoneE2ePublishable000009999',
  webhookSecret: 'whsec_PlusoneE2eSigningSecret5678',
};
const ADYEN_HMAC = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const ADYEN = {
  apiKey: 'AQEyhmfxLI3MaBFLw0m_e2e_test_api_key_9876',
  merchantAccount: 'PlusoneE2eECOM',
  environment: 'test',
  clientKey: 'test_PLUSONEE2ECLIENTKEY5678',
  hmacKey: ADYEN_HMAC,
};

/** Where a payment stands at the PSP, in the same words for every fake. */
type Held = 'held' | 'captured' | 'voided';

interface Psp {
  readonly name: 'stripe' | 'braintree' | 'adyen';
  credentials(): Record<string, unknown>;
  /** The secret strings that must never appear in a response or a log line. */
  secrets(): string[];
  readonly payment: { customerRef: string; paymentMethodRef: string; brand: string; last4: string };
  /** The fake's requests so far, and the path of the read that checks new credentials (docs/gateways/*.md). */
  requests(): readonly { method: string; path: string }[];
  readonly checkPath: RegExp;
  stateOf(ref: string): Promise<{ state: Held; amount: number }>;
  settle(): Promise<void>;
}

let t: TestApp;
let stripe: FakeStripe;
let braintree: FakeBraintree;
let adyen: FakeAdyen;
const logLines: string[] = [];

const PSPS: Psp[] = [
  {
    name: 'stripe',
    credentials: () => STRIPE,
    secrets: () => [STRIPE.secretKey, STRIPE.webhookSecret],
    payment: { customerRef: 'cus_e2e', paymentMethodRef: 'pm_card_visa', brand: 'visa', last4: '4242' },
    requests: () => stripe.requests,
    checkPath: /^GET \/v1\/payment_intents$/,
    async stateOf(ref) {
      const intent = stripe.intent(ref);
      if (!intent) throw new Error(`no Stripe PaymentIntent ${ref}`);
      const state: Held =
        intent.status === 'requires_capture'
          ? 'held'
          : intent.status === 'succeeded'
            ? 'captured'
            : intent.status === 'canceled'
              ? 'voided'
              : (intent.status as Held);
      return { state, amount: intent.amount };
    },
    settle: async () => undefined,
  },
  {
    name: 'braintree',
    credentials: () => ({
      environment: 'sandbox',
      merchantId: braintree.merchantId,
      publicKey: braintree.publicKey,
      privateKey: braintree.privateKey,
      merchantAccountIds: { USD: 'plusone_usd' },
    }),
    secrets: () => [braintree.privateKey],
    payment: { customerRef: 'bt_customer_e2e', paymentMethodRef: 'bt_visa', brand: 'visa', last4: '1111' },
    requests: () => braintree.requests,
    checkPath: /^POST \/merchants\/\w+\/transactions\/advanced_search_ids$/,
    async stateOf(ref) {
      const view = braintree.paymentView(ref);
      const state: Held =
        view.status === 'authorized' ? 'held' : view.status === 'voided' ? 'voided' : view.captured > 0 ? 'captured' : (view.status as Held);
      return { state, amount: view.amount };
    },
    settle: async () => undefined,
  },
  {
    name: 'adyen',
    credentials: () => ADYEN,
    secrets: () => [ADYEN.apiKey, ADYEN.hmacKey],
    payment: { customerRef: FAKE_SHOPPER, paymentMethodRef: FAKE_ADYEN_METHODS.success, brand: 'visa', last4: '1111' },
    requests: () => adyen.requests,
    checkPath: /^POST \/v72\/paymentMethods$/,
    async stateOf(ref) {
      const payment = adyen.payment(ref);
      if (!payment) throw new Error(`no Adyen payment ${ref}`);
      const state: Held = payment.status === 'authorised' ? 'held' : (payment.status as Held);
      return { state, amount: payment.amount };
    },
    settle: () => adyen.settle(),
  },
];

beforeAll(async () => {
  stripe = await startFakeStripe();
  braintree = await startFakeBraintree();
  adyen = await startFakeAdyen({ apiKey: ADYEN.apiKey, merchantAccount: ADYEN.merchantAccount, hmacKey: ADYEN_HMAC });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await buildTestApp({
    gatewayEndpoints: { stripe: stripe.baseUrl, braintree: braintree.url, adyen: adyen.url },
    // Real HTTP through the SDKs on a busy machine: generous, so no answer turns into a timeout.
    gatewayTimeoutMs: 5_000,
    logger: pino({ level: 'info' }, sink),
  });
});

afterAll(async () => {
  await t?.close();
  await Promise.all([stripe?.close(), braintree?.close(), adyen?.close()]);
});

async function pspShop(psp: Psp, settings: Record<string, unknown> = {}): Promise<{ shop: Shop; offerId: string; body: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/shops',
    headers: { authorization: 'Bearer test-admin-token-0123456789' },
    payload: { name: `${psp.name} shop`, settings: { gateway: psp.name, gatewayCredentials: { [psp.name]: psp.credentials() }, ...settings } },
  });
  expect(response.statusCode, response.body).toBe(201);
  const shop: Shop = response.json();
  await putProduct(t.app, shop.secretKey, 'main', { prices: { USD: 5000 } });
  await putProduct(t.app, shop.secretKey, 'addon', { prices: { USD: 1999 }, stock: 10, title: 'Add-on' });
  const offer = await createOffer(t.app, shop.secretKey, { variantId: 'addon-v', discount: { type: 'percentage', value: 10 } });
  return { shop, offerId: offer.id, body: response.body };
}

async function pspOrder(psp: Psp, shop: Shop, offerId: string): Promise<PaidOrder> {
  const registered = await registerOrder(t.app, shop.secretKey, { payment: { gateway: psp.name, ...psp.payment } });
  expect(registered.offer?.id).toBe(offerId);
  return { orderId: registered.order.id, token: registered.session.token, offerId };
}

describe.each(PSPS)('$name end to end', (psp) => {
  let shop: Shop;
  let offerId: string;
  let sentAtCreation: string[];

  beforeAll(async () => {
    const before = psp.requests().length;
    const created = await pspShop(psp);
    sentAtCreation = psp
      .requests()
      .slice(before)
      .map((recorded) => `${recorded.method} ${recorded.path}`);
    shop = created.shop;
    offerId = created.offerId;
    for (const secret of psp.secrets()) expect(created.body).not.toContain(secret);
  });

  it('asked the PSP whether the credentials work before saving them, with a read only', () => {
    expect(sentAtCreation.some((request) => psp.checkPath.test(request))).toBe(true);
    expect(sentAtCreation.every((request) => psp.checkPath.test(request) || request.endsWith('/client_token'))).toBe(true);
  });

  it('shows the credentials masked, never in clear', async () => {
    const response = await call(t.app, 'GET', '/v1/shop', shop.secretKey);
    expect(response.statusCode).toBe(200);
    expect(response.json().shop.settings).toMatchObject({ gateway: psp.name, gatewayCredentials: { [psp.name]: expect.any(Object) } });
    for (const secret of psp.secrets()) expect(response.body).not.toContain(secret);
    const stored = await t.database.db.selectFrom('shops').select(['gateway_credentials']).where('id', '=', shop.id).executeTakeFirstOrThrow();
    for (const secret of psp.secrets()) expect(stored.gateway_credentials).not.toContain(secret);
  });

  it('accepts with the stored card, then voids on undo', async () => {
    const order = await pspOrder(psp, shop, offerId);
    const accepted = await accept(t.app, order);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', upsell: { amount: ADDON_TOTAL, currency: 'USD' } });
    const upsellId = accepted.json().upsell.id;
    const { paymentRef: authorizationRef } = await upsellOf(t.app, shop, upsellId);
    expect(await psp.stateOf(authorizationRef)).toEqual({ state: 'held', amount: ADDON_TOTAL });

    const undone = await undo(t.app, order, upsellId);
    expect(undone.statusCode, undone.body).toBe(200);
    await psp.settle();
    expect((await psp.stateOf(authorizationRef)).state).toBe('voided');
    expect((await upsellOf(t.app, shop, upsellId)).state).toBe('cancelled');
    expect((await orderOf(t.app, shop, order.orderId)).lines).toHaveLength(1);
  });

  it('captures once the window closes, exactly once with two workers', async () => {
    const order = await pspOrder(psp, shop, offerId);
    const accepted = await accept(t.app, order);
    expect(accepted.statusCode, accepted.body).toBe(200);
    const upsellId = accepted.json().upsell.id;
    t.clock.advance(61);
    await Promise.all([t.worker.runOnce(), t.worker.runOnce()]);
    await psp.settle();
    const upsell = await upsellOf(t.app, shop, upsellId);
    expect(upsell.state).toBe('captured');
    expect(await psp.stateOf(upsell.paymentRef)).toEqual({ state: 'captured', amount: ADDON_TOTAL });
    expect((await eventTypes(t.app, shop, upsellId)).filter((type) => type === 'captured')).toHaveLength(1);
    expect((await orderOf(t.app, shop, order.orderId)).lines).toHaveLength(2);
  });

  it('refuses a webhook that does not verify, changing nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${psp.name}/${shop.id}`,
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=bad' },
      payload: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded', notificationItems: [] }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('webhook_signature_invalid');
  });
});

describe('PSP webhooks', () => {
  it('Stripe: a signed event is verified and kept on the upsell', async () => {
    const { shop, offerId } = await pspShop(PSPS[0]!);
    const order = await pspOrder(PSPS[0]!, shop, offerId);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    const ref = (await upsellOf(t.app, shop, upsellId)).paymentRef;
    const event = stripe.signedEvent('payment_intent.amount_capturable_updated', ref, STRIPE.webhookSecret);
    const response = await t.app.inject({ method: 'POST', url: `/v1/webhooks/stripe/${shop.id}`, headers: event.headers, payload: event.payload });
    expect(response.statusCode, response.body).toBe(200);
    expect(await eventTypes(t.app, shop, upsellId)).toContain('psp_notification');
    // Another shop's URL with this shop's event: verified with the other shop's secret, so refused.
    const other = await pspShop(PSPS[0]!);
    await call(t.app, 'PATCH', '/v1/shop', other.shop.secretKey, {
      settings: { gatewayCredentials: { stripe: { ...STRIPE, webhookSecret: 'whsec_AnotherShopsSecret000000' } } },
    });
    const crossed = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/stripe/${other.shop.id}`,
      headers: event.headers,
      payload: event.payload,
    });
    expect(crossed.statusCode).toBe(400);
  });

  it('Stripe: an event replayed inside the 300 s tolerance answers 200 and is processed once', async () => {
    const { shop, offerId } = await pspShop(PSPS[0]!);
    const order = await pspOrder(PSPS[0]!, shop, offerId);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    const ref = (await upsellOf(t.app, shop, upsellId)).paymentRef;
    const event = stripe.signedEvent('payment_intent.amount_capturable_updated', ref, STRIPE.webhookSecret);
    const deliveries = await Promise.all(
      [1, 2, 3].map(() => t.app.inject({ method: 'POST', url: `/v1/webhooks/stripe/${shop.id}`, headers: event.headers, payload: event.payload })),
    );
    expect(deliveries.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(deliveries.map((response) => response.json().duplicates).sort()).toEqual([0, 1, 1]);
    expect((await eventTypes(t.app, shop, upsellId)).filter((type) => type === 'psp_notification')).toHaveLength(1);
  });

  it('Adyen: a capture reported failed after `received` reverts the line and ends in capture_failed', async () => {
    const psp = PSPS[2]!;
    const { shop, offerId } = await pspShop(psp);
    const order = await pspOrder(psp, shop, offerId);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    t.clock.advance(61);
    await t.worker.runOnce();
    const upsell = await upsellOf(t.app, shop, upsellId);
    expect(upsell.state).toBe('captured');
    const notification = signedNotification(
      {
        pspReference: 'CAPTUREFAILED0001',
        originalReference: upsell.paymentRef,
        merchantAccountCode: ADYEN.merchantAccount,
        merchantReference: `${upsellId}:capture`,
        amount: { value: ADDON_TOTAL, currency: 'USD' },
        eventCode: 'CAPTURE_FAILED',
        success: 'true',
        eventDate: '2026-11-22T12:02:00+01:00',
      },
      ADYEN_HMAC,
    );
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/adyen/${shop.id}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(notification),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toBe('[accepted]');
    expect((await upsellOf(t.app, shop, upsellId)).state).toBe('capture_failed');
    expect((await orderOf(t.app, shop, order.orderId)).lines).toHaveLength(1);
  });

  it('Adyen: a request Adyen refuses (422) is a 402 decline for the buyer, final, and never sent again', async () => {
    const psp = PSPS[2]!;
    const { shop, offerId } = await pspShop(psp);
    const order = await pspOrder(psp, shop, offerId);
    adyen.failNext(422, '130', "Required field 'returnUrl' is not provided.");
    const response = await accept(t.app, order);
    expect(response.statusCode, response.body).toBe(402);
    expect(response.json()).toMatchObject({ status: 'declined', error: { code: 'processing_error' } });
    const upsellId: string = response.json().upsell.id;
    const upsell = await upsellOf(t.app, shop, upsellId);
    expect(upsell.state).toBe('declined');
    expect(upsell.events.at(-1).reason).toContain('errorCode 130');
    // The stock held for the accept is back, and the worker has nothing to reconcile: no /payments again.
    const payments = () =>
      adyen.requests.filter((recorded) => recorded.path === '/v72/payments' && JSON.stringify(recorded.body).includes(upsellId)).length;
    expect(payments()).toBe(1);
    for (let round = 0; round < 3; round += 1) {
      t.clock.advance(60);
      await t.worker.runOnce();
    }
    expect(payments()).toBe(1);
    expect((await upsellOf(t.app, shop, upsellId)).state).toBe('declined');
  });

  it('Adyen: a challenge after the device fingerprint reaches the page, and its details finish the accept', async () => {
    const psp = PSPS[2]!;
    const { shop, offerId } = await pspShop(psp);
    const registered = await registerOrder(t.app, shop.secretKey, {
      payment: { gateway: 'adyen', ...psp.payment, paymentMethodRef: FAKE_ADYEN_METHODS.fingerprintThenChallenge },
    });
    const order = { orderId: registered.order.id, token: registered.session.token, offerId };
    const accepted = await accept(t.app, order);
    expect(accepted.json()).toMatchObject({ status: 'requires_action', action: { data: { subtype: 'fingerprint' } } });
    const { upsell, completeUrl, action } = accepted.json();
    const complete = (token: string) =>
      call(t.app, 'POST', completeUrl, order.token, { details: { threeDSResult: threeDSResult(token, 'succeeded') } });
    const challenged = await complete(action.data.authorisationToken);
    expect(challenged.statusCode, challenged.body).toBe(200);
    expect(challenged.json()).toMatchObject({ status: 'requires_action', action: { data: { subtype: 'challenge' } } });
    expect(await eventTypes(t.app, shop, upsell.id)).toContain('action_required');
    const done = await complete(challenged.json().action.data.authorisationToken);
    expect(done.json()).toMatchObject({ status: 'accepted', upsell: { state: 'authorized' } });
  });

  it("Adyen: the buyer's origin, browser, IP and email reach /payments, the worker's retry sends the same body, and they are gone once final", async () => {
    const psp = PSPS[2]!;
    const { shop, offerId } = await pspShop(psp, { allowedOrigins: ['https://shop.example'] });
    const order = await pspOrder(psp, shop, offerId);
    const browserInfo = { colorDepth: 24, screenHeight: 900, screenWidth: 1440, timeZoneOffset: -60, language: 'de-DE', javaEnabled: false };
    const headers = {
      origin: 'https://shop.example',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130',
      'x-forwarded-for': '198.51.100.23',
      'idempotency-key': 'buyer-context-1',
    };
    // Adyen fails the first send (500): the outcome is unknown, the upsell pending.
    adyen.failNext(500);
    const response = await call(t.app, 'POST', '/v1/checkout/accept', order.token, { offerId, browserInfo }, headers);
    expect(response.json()).toMatchObject({ status: 'pending' });
    const upsellId: string = response.json().upsell.id;
    const sent = () => adyen.requests.filter((recorded) => recorded.path === '/v72/payments' && JSON.stringify(recorded.body).includes(upsellId));
    const first = sent()[0]?.body as Record<string, unknown>;
    expect(first).toMatchObject({
      origin: 'https://shop.example',
      browserInfo: { ...browserInfo, acceptHeader: '*/*', userAgent: headers['user-agent'] },
      shopperEmail: 'buyer@example.com',
      // The test app trusts no proxy: the IP is the connection's, not X-Forwarded-For's.
      shopperIP: '127.0.0.1',
    });
    const stored = () => t.database.db.selectFrom('upsells').select('buyer').where('id', '=', upsellId).executeTakeFirstOrThrow();
    expect((await stored()).buyer).toMatchObject({ origin: 'https://shop.example', email: 'buyer@example.com' });
    t.clock.advance(60);
    await t.worker.runOnce();
    expect(sent()).toHaveLength(2);
    expect(sent()[1]?.body).toEqual(first);
    expect((await upsellOf(t.app, shop, upsellId)).state).toBe('authorized');
    expect((await stored()).buyer).toBeNull();
  });

  it('Adyen: a browserInfo the protocol cannot carry is a 400 before anything is written; none at all is fine', async () => {
    const psp = PSPS[2]!;
    const { shop, offerId } = await pspShop(psp);
    const order = await pspOrder(psp, shop, offerId);
    const good = { colorDepth: 24, screenHeight: 900, screenWidth: 1440, timeZoneOffset: -60, language: 'en-US', javaEnabled: false };
    for (const bad of [
      { ...good, colorDepth: 10 },
      { ...good, language: 'en_US!' },
      { ...good, timeZoneOffset: 5000 },
      { ...good, screenWidth: '1440' },
      { ...good, extra: 1 },
    ]) {
      const refused = await accept(t.app, order, `bad-${JSON.stringify(bad).length}-${Math.random()}`, { browserInfo: bad });
      expect(refused.statusCode, JSON.stringify(bad)).toBe(400);
      expect(refused.json().error.code).toBe('invalid_request');
    }
    expect((await orderOf(t.app, shop, order.orderId)).lines).toHaveLength(1);
    const accepted = await accept(t.app, order);
    expect(accepted.json()).toMatchObject({ status: 'accepted' });
    const wire = adyen.requests.filter((recorded) => recorded.path === '/v72/payments').at(-1)?.body as Record<string, unknown>;
    expect(wire).not.toHaveProperty('browserInfo');
    expect(wire).not.toHaveProperty('origin');
    expect(wire).toMatchObject({ shopperEmail: 'buyer@example.com' });
  });

  it('answers 404 for an unknown shop', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe/shop_nope',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('what the PSP would refuse is refused at registration', () => {
  it('an Adyen order needs its shopperReference (3-256) and a storedPaymentMethodId of at most 64: 400 naming the field, nothing stored', async () => {
    const { shop } = await pspShop(PSPS[2]!);
    const cases: [Record<string, unknown>, string][] = [
      [{ paymentMethodRef: FAKE_ADYEN_METHODS.success, brand: 'visa', last4: '1111' }, 'payment.customerRef'],
      [{ customerRef: 'ab', paymentMethodRef: FAKE_ADYEN_METHODS.success }, 'payment.customerRef'],
      [{ customerRef: FAKE_SHOPPER, paymentMethodRef: 'x'.repeat(65) }, 'payment.paymentMethodRef'],
    ];
    for (const [index, [payment, field]] of cases.entries()) {
      const externalId = `adyen-refused-${index}`;
      const response = await call(t.app, 'POST', '/v1/orders', shop.secretKey, orderBody({ externalId, payment: { gateway: 'adyen', ...payment } }));
      expect(response.statusCode, field).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'invalid_request', details: { field } });
      expect(response.json().error.message).toContain(field);
      const stored = await t.database.db
        .selectFrom('orders')
        .select('id')
        .where('shop_id', '=', shop.id)
        .where('external_id', '=', externalId)
        .execute();
      expect(stored).toEqual([]);
    }
    const fits = await call(
      t.app,
      'POST',
      '/v1/orders',
      shop.secretKey,
      orderBody({
        externalId: 'adyen-fits',
        payment: { gateway: 'adyen', customerRef: 'abc', paymentMethodRef: 'x'.repeat(64) },
      }),
    );
    expect(fits.statusCode).toBe(201);
  });
});

describe('gateway credentials', () => {
  it('refuses invalid credentials with invalid_credentials, saving nothing and echoing no value', async () => {
    const shop = await createShop(t.app);
    const response = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, {
      settings: { gateway: 'stripe', gatewayCredentials: { stripe: { secretKey: 'sk_wrong_VerySecretValue123', publishableKey: 'pk_test_abc' } } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_credentials');
    expect(response.body).not.toContain('VerySecretValue123');
    const after = (await call(t.app, 'GET', '/v1/shop', shop.secretKey)).json().shop.settings;
    expect(after).toMatchObject({ gateway: 'sandbox', gatewayCredentials: {} });
  });

  it("takes the short test keys of Stripe's mock and docs (sk_test_123, pk_test_123)", async () => {
    const shop = await createShop(t.app);
    const response = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, {
      settings: { gateway: 'stripe', gatewayCredentials: { stripe: { secretKey: 'sk_test_123', publishableKey: 'pk_test_123' } } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().shop.settings.gatewayCredentials.stripe).toMatchObject({ mode: 'test', secretKey: 'sk_test_…' });
    expect(response.body).not.toContain('sk_test_123');
    for (const secretKey of ['sk_test_', 'sk_demo_123', 'pk_test_123']) {
      const refused = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, {
        settings: { gatewayCredentials: { stripe: { secretKey, publishableKey: 'pk_test_123' } } },
      });
      expect(refused.json().error?.code, secretKey).toBe('invalid_credentials');
    }
  });

  it('refuses selecting a processor without its credentials, and removing the selected one', async () => {
    const shop = await createShop(t.app);
    const bare = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { gateway: 'adyen' } });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error.code).toBe('gateway_not_configured');
    const { shop: stripeShop } = await pspShop(PSPS[0]!);
    const removed = await call(t.app, 'PATCH', '/v1/shop', stripeShop.secretKey, { settings: { gatewayCredentials: { stripe: null } } });
    expect(removed.statusCode).toBe(400);
    const switched = await call(t.app, 'PATCH', '/v1/shop', stripeShop.secretKey, {
      settings: { gateway: 'sandbox', gatewayCredentials: { stripe: null } },
    });
    expect(switched.statusCode).toBe(200);
    expect(switched.json().shop.settings.gatewayCredentials).toEqual({});
  });

  it('declines, without a PSP call, an accept for a processor whose credentials no longer open', async () => {
    const psp = PSPS[0]!;
    const { shop, offerId } = await pspShop(psp);
    const order = await pspOrder(psp, shop, offerId);
    const before = stripe.requests.length;
    await sql`UPDATE shops SET gateway_credentials = 'v1.AAAA.AAAA.AAAA' WHERE id = ${shop.id}`.execute(t.database.db);
    const response = await accept(t.app, order);
    expect(response.statusCode).toBe(402);
    expect(response.json()).toMatchObject({ status: 'declined', error: { code: 'processing_error' } });
    expect(stripe.requests.length).toBe(before);
  });

  it('never wrote a secret to the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const log = logLines.join('');
    for (const psp of PSPS) for (const secret of psp.secrets()) expect(log).not.toContain(secret);
  });
});
