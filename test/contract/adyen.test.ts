/**
 * The Adyen adapter (official SDK, Checkout API v72) against an in-process fake of Adyen's HTTP API: the
 * shared PaymentGateway contract, then what is Adyen's own — the exact requests on the wire, refusal
 * reasons, answers without a decision, credentials, and HMAC-signed notifications.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { WebhookVerificationError } from '../../src/gateways/adapter';
import type { AuthorizeRequest, PaymentGateway } from '../../src/gateways/contract';
import { AdyenConfigurationError, adyenAdapter, type AdyenCredentials } from '../../src/gateways/adyen';
import { declineCodeFor, toAdyenAmount } from '../../src/gateways/adyen/mapping';
import { checkAdyenPayment } from '../../src/gateways/adyen/credentials';
import { FAKE_ADYEN_METHODS, FAKE_SHOPPER, signedNotification, startFakeAdyen, threeDSResult, type FakeAdyen } from '../fakes/adyen';
import { describeGatewayContract, type RecordedRequest, type StoredMethod } from './gateway-contract';

// Generous, so that a loaded machine never turns a normal answer into a timeout.
const TIMEOUT_MS = 2000;
const HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const API_KEY = 'AQEyhmfxLI3MaBFLw0m_fake_test_api_key_1234';
const MERCHANT_ACCOUNT = 'PlusoneTestECOM';
const CREDENTIALS_INPUT = {
  apiKey: API_KEY,
  merchantAccount: MERCHANT_ACCOUNT,
  environment: 'test',
  clientKey: 'test_PLUSONEFAKECLIENTKEY1234',
  hmacKey: HMAC_KEY,
};
const VISA = { brand: 'visa', last4: '1111' };
/** Plusone's public URL: Adyen's returnUrl when the shop configured none. */
const PUBLIC_URL = 'https://plusone.example';

function fakeAdyen(): Promise<FakeAdyen> {
  return startFakeAdyen({ apiKey: API_KEY, merchantAccount: MERCHANT_ACCOUNT, hmacKey: HMAC_KEY, slowDelayMs: TIMEOUT_MS * 3 });
}

function stored(paymentMethodRef: string): StoredMethod {
  return { paymentMethodRef, customerRef: FAKE_SHOPPER, card: VISA };
}

function authorisationToken(data: Readonly<Record<string, unknown>> | undefined): string {
  const token = data?.authorisationToken;
  if (typeof token !== 'string') throw new Error(`no authorisationToken in ${JSON.stringify(data)}`);
  return token;
}

describeGatewayContract('adyen', async () => {
  const fake = await fakeAdyen();
  const credentials = adyenAdapter.parseCredentials(CREDENTIALS_INPUT);
  return {
    gateway: adyenAdapter.create(credentials, { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL }),
    merchantRef: MERCHANT_ACCOUNT,
    methods: {
      success: stored(FAKE_ADYEN_METHODS.success),
      declined: { ...stored(FAKE_ADYEN_METHODS.doNotHonor), code: 'card_declined' },
      insufficientFunds: { ...stored(FAKE_ADYEN_METHODS.notEnoughBalance), code: 'insufficient_funds' },
      expired: { ...stored(FAKE_ADYEN_METHODS.expired), code: 'expired_card' },
      requiresAction: stored(FAKE_ADYEN_METHODS.challenge),
      timeout: stored(FAKE_ADYEN_METHODS.slow),
    },
    async finishAction(_ref, action, outcome) {
      return { threeDSResult: threeDSResult(authorisationToken(action.data), outcome) };
    },
    async paymentAtPsp(ref) {
      const payment = fake.payment(ref);
      if (!payment) throw new Error(`no payment ${ref} at the fake Adyen`);
      return { amount: payment.amount, currency: payment.currency, captured: payment.captured, refunded: payment.refunded, status: payment.status };
    },
    paymentCount: async () => fake.paymentCount(),
    requests: () => fake.requests,
    settle: () => fake.settle(),
    timeoutMs: TIMEOUT_MS,
    close: () => fake.close(),
  };
});

describe('adyen adapter', () => {
  let fake: FakeAdyen;
  let credentials: AdyenCredentials;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    fake = await fakeAdyen();
    credentials = adyenAdapter.parseCredentials(CREDENTIALS_INPUT);
    gateway = adyenAdapter.create(credentials, { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const upsellId = () => `ups_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

  function request(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
    const id = upsellId();
    return {
      paymentMethodRef: FAKE_ADYEN_METHODS.success,
      customerRef: FAKE_SHOPPER,
      amount: 1999,
      currency: 'USD',
      idempotencyKey: `${id}:authorize`,
      customerPresent: true,
      capture: 'manual',
      metadata: { upsell_id: id, order_id: 'ord_adyen', shop_id: 'shop_adyen' },
      merchantRef: MERCHANT_ACCOUNT,
      ...overrides,
    };
  }

  function lastRequest(): RecordedRequest {
    const last = fake.requests.at(-1);
    if (!last) throw new Error('the fake received no request');
    return last;
  }

  async function authorizedRef(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
    const result = await gateway.authorize(request(overrides));
    if (result.status !== 'authorized') throw new Error(`expected authorized, got ${JSON.stringify(result)}`);
    return result.ref;
  }

  describe('requests on the wire', () => {
    it('authorizes a stored card as a card-on-file, buyer-present (ContAuth) payment held for manual capture', async () => {
      const sent = request();
      await gateway.authorize(sent);
      const wire = lastRequest();
      expect(wire).toMatchObject({ method: 'POST', path: '/v72/payments' });
      expect(wire.headers['idempotency-key']).toBe(sent.idempotencyKey);
      expect(wire.headers['x-api-key']).toBe(API_KEY);
      expect(wire.body).toEqual({
        merchantAccount: MERCHANT_ACCOUNT,
        amount: { value: 1999, currency: 'USD' },
        reference: sent.metadata.upsell_id,
        paymentMethod: { type: 'scheme', storedPaymentMethodId: FAKE_ADYEN_METHODS.success },
        shopperReference: FAKE_SHOPPER,
        shopperInteraction: 'ContAuth',
        recurringProcessingModel: 'CardOnFile',
        channel: 'Web',
        authenticationData: { threeDSRequestData: { nativeThreeDS: 'preferred' } },
        metadata: sent.metadata,
        // Always sent (Adyen requires it): the shop's own, else Plusone's public URL.
        returnUrl: PUBLIC_URL,
        additionalData: { manualCapture: 'true' },
      });
    });

    it("sends the shop's returnUrl over the public URL, and refuses to build without either", async () => {
      const own = adyenAdapter.create(
        { ...credentials, returnUrl: 'https://shop.example/thanks' },
        { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL },
      );
      await own.authorize(request());
      expect(lastRequest().body).toMatchObject({ returnUrl: 'https://shop.example/thanks' });
      expect(() => adyenAdapter.create(credentials, { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS })).toThrow(AdyenConfigurationError);
      // The fake refuses a /payments without one, as Adyen does.
      const response = await fetch(`${fake.url}/v72/payments`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ ...(lastRequest().body as Record<string, unknown>), returnUrl: undefined, reference: 'no-return-url' }),
      });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ errorCode: '158', message: "Required field 'returnUrl' is not provided." });
    });

    it("sends the buyer's origin, browser, IP and email for 3-D Secure 2, and nothing of the buyer when unknown", async () => {
      const buyer = {
        origin: 'https://shop.example',
        ip: '203.0.113.7',
        email: 'ada@example.com',
        browser: {
          acceptHeader: '*/*',
          colorDepth: 24,
          javaEnabled: false,
          language: 'en-GB',
          screenHeight: 1080,
          screenWidth: 1920,
          timeZoneOffset: -60,
          userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
        },
      };
      expect(await gateway.authorize(request({ buyer }))).toMatchObject({ status: 'authorized' });
      expect(lastRequest().body).toMatchObject({ origin: buyer.origin, browserInfo: buyer.browser, shopperIP: buyer.ip, shopperEmail: buyer.email });
      await gateway.authorize(request({ buyer: { origin: null, ip: '2001:db8::1', email: null, browser: null } }));
      const partial = lastRequest().body as Record<string, unknown>;
      expect(partial.shopperIP).toBe('2001:db8::1');
      for (const field of ['origin', 'browserInfo', 'shopperEmail']) expect(partial).not.toHaveProperty(field);
      await gateway.authorize(request());
      for (const field of ['origin', 'browserInfo', 'shopperIP', 'shopperEmail']) expect(lastRequest().body).not.toHaveProperty(field);
    });

    it('the fake refuses what Checkout v72 refuses: unknown fields (702), a wrong type, an incomplete browserInfo, a bad origin, IP or email', async () => {
      await gateway.authorize(request());
      const valid = lastRequest().body as Record<string, unknown>;
      const post = async (body: Record<string, unknown>, path = '/v72/payments') => {
        const response = await fetch(`${fake.url}${path}`, {
          method: 'POST',
          headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { errorCode: string; message: string } };
      };
      expect(await post({ ...valid, reference: 'ok' })).toMatchObject({ status: 200 });
      expect(await post({ ...valid, shopperIp: '203.0.113.7' })).toEqual({
        status: 400,
        body: expect.objectContaining({
          errorCode: '702',
          message: 'Structure of PaymentRequest contains the following unknown fields: [shopperIp]',
        }),
      });
      expect(
        await post({ ...valid, paymentMethod: { type: 'scheme', storedPaymentMethodId: FAKE_ADYEN_METHODS.success, cardToken: 'x' } }),
      ).toMatchObject({ status: 400, body: { message: 'Structure of CardDetails contains the following unknown fields: [cardToken]' } });
      expect(await post({ ...valid, amount: { value: '1999', currency: 'USD' } })).toMatchObject({ status: 400, body: { errorCode: '702' } });
      expect(await post({ ...valid, shopperInteraction: 'Ecommerce' })).toMatchObject({ status: 422 });
      expect(await post({ ...valid, shopperInteraction: 'Sometimes' })).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('shopperInteraction') },
      });
      const browser = {
        acceptHeader: '*/*',
        colorDepth: 24,
        javaEnabled: false,
        language: 'en',
        screenHeight: 800,
        screenWidth: 600,
        timeZoneOffset: 0,
        userAgent: 'UA',
      };
      expect(await post({ ...valid, reference: 'browser', browserInfo: browser })).toMatchObject({ status: 200 });
      expect(await post({ ...valid, browserInfo: { ...browser, userAgent: undefined } })).toMatchObject({
        status: 422,
        body: { errorCode: '15_002', message: 'Required field userAgent missing for device channel browser' },
      });
      // Every field CheckoutService v72 requires, at every level: reference (130), the rest 158.
      expect(await post({ ...valid, reference: undefined })).toMatchObject({ status: 422, body: { errorCode: '130' } });
      expect(await post({ ...valid, merchantAccount: undefined })).toMatchObject({
        status: 422,
        body: { errorCode: '158', message: "Required field 'merchantAccount' is not provided." },
      });
      expect(await post({ ...valid, amount: { currency: 'USD' } })).toMatchObject({
        status: 422,
        body: { message: "Required field 'amount.value' is not provided." },
      });
      expect(await post({ merchantAccount: MERCHANT_ACCOUNT, reference: 'r' }, '/v72/payments/ABC/captures')).toMatchObject({
        status: 422,
        body: { message: "Required field 'amount' is not provided." },
      });
      expect(await post({}, '/v72/payments/details')).toMatchObject({ status: 422, body: { message: "Required field 'details' is not provided." } });
      expect(await post({ ...valid, browserInfo: { ...browser, colorDepth: 10 } })).toMatchObject({
        status: 422,
        body: { message: expect.stringContaining('colorDepth') },
      });
      expect(await post({ ...valid, origin: 'https://shop.example/' })).toMatchObject({
        status: 422,
        body: { message: expect.stringContaining('origin') },
      });
      expect(await post({ ...valid, shopperIP: 'localhost' })).toMatchObject({
        status: 422,
        body: { message: expect.stringContaining('shopperIP') },
      });
      expect(await post({ ...valid, shopperEmail: 'ada' })).toMatchObject({
        status: 422,
        body: { message: expect.stringContaining('shopperEmail') },
      });
      expect(await post({ merchantAccount: MERCHANT_ACCOUNT, reference: 'r', amountt: 1 }, '/v72/payments/ABC/cancels')).toMatchObject({
        status: 400,
        body: { message: 'Structure of PaymentCancelRequest contains the following unknown fields: [amountt]' },
      });
    });

    it('asks Adyen to capture at once in immediate mode', async () => {
      await gateway.authorize(request({ capture: 'immediate' }));
      const body = lastRequest().body;
      expect(body).toMatchObject({ captureDelayHours: 0 });
      expect(body).not.toHaveProperty('additionalData');
    });

    it('keeps a manual hold uncaptured after Adyen settles', async () => {
      const ref = await authorizedRef();
      await fake.settle();
      expect(fake.payment(ref)).toMatchObject({ status: 'authorised', captured: 0 });
    });

    it.each([
      ['JPY', 1999, 1999],
      ['USD', 1999, 1999],
      ['KWD', 19_999, 19_999],
    ] as const)('sends %s %i minor units as value %i', async (currency, amount, value) => {
      await gateway.authorize(request({ currency, amount }));
      expect(lastRequest().body).toMatchObject({ amount: { currency, value } });
    });

    it('converts the four currencies whose Adyen exponent differs from ISO 4217, exactly', () => {
      expect(toAdyenAmount(1999, 'CLP')).toEqual({ value: 199_900, currency: 'CLP' });
      expect(toAdyenAmount(150, 'ISK')).toEqual({ value: 15_000, currency: 'ISK' });
      expect(toAdyenAmount(1_500_000, 'IDR')).toEqual({ value: 15_000, currency: 'IDR' });
      expect(toAdyenAmount(1_000, 'CVE')).toEqual({ value: 10, currency: 'CVE' });
      expect(() => toAdyenAmount(1_500_050, 'IDR')).toThrow(/whole units/);
      expect(() => toAdyenAmount(19.99, 'USD')).toThrow(/positive integer/);
    });

    it('captures, cancels and refunds by pspReference with our idempotency key', async () => {
      const ref = await authorizedRef({ currency: 'JPY', amount: 3000 });
      const id = upsellId();
      expect(await gateway.capture(ref, 3000, 'JPY', `${id}:capture`)).toEqual({ status: 'received' });
      expect(lastRequest()).toMatchObject({
        method: 'POST',
        path: `/v72/payments/${ref}/captures`,
        headers: { 'idempotency-key': `${id}:capture` },
        body: { merchantAccount: MERCHANT_ACCOUNT, amount: { value: 3000, currency: 'JPY' }, reference: `${id}:capture` },
      });
      await fake.settle();
      expect(await gateway.refund(ref, 3000, 'JPY', `${id}:refund`)).toEqual({ status: 'received' });
      expect(lastRequest()).toMatchObject({
        path: `/v72/payments/${ref}/refunds`,
        headers: { 'idempotency-key': `${id}:refund` },
        body: { merchantAccount: MERCHANT_ACCOUNT, amount: { value: 3000, currency: 'JPY' }, reference: `${id}:refund` },
      });
      const held = await authorizedRef();
      expect(await gateway.void(held, `${id}:void`)).toEqual({ status: 'received' });
      expect(lastRequest()).toMatchObject({
        path: `/v72/payments/${held}/cancels`,
        headers: { 'idempotency-key': `${id}:void` },
        body: { merchantAccount: MERCHANT_ACCOUNT, reference: `${id}:void` },
      });
    });

    it('sends live calls to the merchant’s live endpoint prefix, under /checkout', async () => {
      const live = adyenAdapter.parseCredentials({
        ...CREDENTIALS_INPUT,
        environment: 'live',
        liveEndpointUrlPrefix: '1797a841fbb37ca7-AcmeShop',
        clientKey: 'live_PLUSONEFAKECLIENTKEY1234',
      });
      // The fake serves only the test paths: the live one is refused, which is all this test needs.
      const refused = await adyenAdapter.create(live, { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL }).authorize(request());
      expect(refused).toMatchObject({ status: 'declined', code: 'processing_error', message: expect.stringContaining('404') });
      expect(lastRequest().path).toBe('/checkout/v72/payments');
    });

    it('shortens a key longer than Adyen’s 64 characters the same way every time', async () => {
      const sent = request({ idempotencyKey: `ups_${'x'.repeat(80)}:authorize` });
      const once = await gateway.authorize(sent);
      const first = lastRequest().headers['idempotency-key'];
      expect(await gateway.authorize(sent)).toEqual(once);
      expect(first).toHaveLength(64);
      expect(lastRequest().headers['idempotency-key']).toBe(first);
    });
  });

  describe('outcomes', () => {
    it('reports the card Adyen charged, mapping mc to mastercard', async () => {
      expect(await gateway.authorize(request({ paymentMethodRef: FAKE_ADYEN_METHODS.mastercard }))).toMatchObject({
        status: 'authorized',
        card: { brand: 'mastercard', last4: '4444' },
        captured: false,
      });
    });

    it('maps Refused with "Not enough balance" to insufficient_funds, keeping the pspReference', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: FAKE_ADYEN_METHODS.notEnoughBalance }));
      expect(result).toEqual({
        status: 'declined',
        code: 'insufficient_funds',
        message: expect.stringContaining('Not enough balance'),
        ref: expect.any(String),
      });
    });

    it.each([
      ['2', 'Refused', 'card_declined'],
      ['6', 'Expired Card', 'expired_card'],
      ['11', '3D Not Authenticated', 'authentication_failed'],
      ['12', 'Not enough balance', 'insufficient_funds'],
      ['4', 'Acquirer Error', 'processing_error'],
      ['9', 'Issuer Unavailable', 'processing_error'],
    ] as const)('maps refusalReasonCode %s (%s) to %s', (code, reason, expected) => {
      expect(declineCodeFor(code, reason)).toBe(expected);
    });

    it('falls back to the refusal text when Adyen leaves the code out', () => {
      expect(declineCodeFor(null, 'Not enough balance')).toBe('insufficient_funds');
      expect(declineCodeFor(null, 'Something new')).toBe('processing_error');
    });

    it('the fake refuses what Checkout v72 refuses: a shopperReference outside 3-256, a storedPaymentMethodId over 64', async () => {
      const refusal = (field: string) => ({ status: 'declined', code: 'processing_error', message: expect.stringContaining(field), ref: null });
      expect(await gateway.authorize(request({ customerRef: 'ab' }))).toMatchObject(refusal('shopperReference'));
      expect(await gateway.authorize(request({ customerRef: 'x'.repeat(257) }))).toMatchObject(refusal('shopperReference'));
      expect(await gateway.authorize(request({ paymentMethodRef: 'x'.repeat(65) }))).toMatchObject(refusal('storedPaymentMethodId'));
      // Plusone refuses such orders when they are registered, naming the field (checkAdyenPayment).
      expect(() => checkAdyenPayment({ customerRef: 'ab', paymentMethodRef: FAKE_ADYEN_METHODS.success })).toThrow(/customerRef/);
      expect(() => checkAdyenPayment({ customerRef: null, paymentMethodRef: FAKE_ADYEN_METHODS.success })).toThrow(/customerRef is required/);
      expect(() => checkAdyenPayment({ customerRef: FAKE_SHOPPER, paymentMethodRef: 'x'.repeat(65) })).toThrow(/paymentMethodRef/);
      expect(() => checkAdyenPayment({ customerRef: 'abc', paymentMethodRef: 'x'.repeat(64) })).not.toThrow();
    });

    it('declines a stored payment method Adyen does not know (800 Contract not found)', async () => {
      expect(await gateway.authorize(request({ paymentMethodRef: 'spm_unknown' }))).toMatchObject({
        status: 'declined',
        code: 'card_declined',
        ref: null,
      });
    });

    it('passes Adyen’s 3-D Secure action to the page and completes with the component’s details', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: FAKE_ADYEN_METHODS.challenge }));
      if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
      expect(result.action).toEqual({ type: 'three_d_secure', data: expect.objectContaining({ type: 'threeDS2', subtype: 'challenge' }) });
      const sent = fake.requests.length;
      expect(await gateway.completeAction(result.ref, 'ups_x:complete')).toEqual(result);
      expect(fake.requests).toHaveLength(sent);
      const details = { threeDSResult: threeDSResult(authorisationToken(result.action.data), 'succeeded') };
      expect(await gateway.completeAction(result.ref, 'ups_x:complete', details)).toMatchObject({ status: 'authorized', ref: result.ref });
      expect(lastRequest()).toMatchObject({ path: '/v72/payments/details', body: { details } });
      expect(lastRequest().headers['idempotency-key']).toMatch(/^ups_x:complete#[0-9a-f]{12}$/);
    });

    it('hands the page the challenge that follows a device fingerprint, and completes with the challenge’s details', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: FAKE_ADYEN_METHODS.fingerprintThenChallenge }));
      if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
      expect(result.action.data).toMatchObject({ type: 'threeDS2', subtype: 'fingerprint' });
      const fingerprinted = { threeDSResult: threeDSResult(authorisationToken(result.action.data), 'succeeded') };
      const challenge = await gateway.completeAction(result.ref, 'ups_y:complete', fingerprinted);
      if (challenge.status !== 'requires_action') throw new Error(`expected requires_action, got ${challenge.status}`);
      expect(challenge).toMatchObject({ ref: result.ref, action: { type: 'three_d_secure', data: { type: 'threeDS2', subtype: 'challenge' } } });
      // Asked again without details (the worker), the adapter knows the step is now the challenge.
      expect(await gateway.completeAction(result.ref, 'ups_y:complete')).toEqual(challenge);
      const challenged = { threeDSResult: threeDSResult(authorisationToken(challenge.action.data), 'succeeded') };
      expect(await gateway.completeAction(result.ref, 'ups_y:complete', challenged)).toMatchObject({ status: 'authorized', ref: result.ref });
    });

    it('looks up what this process saw by key and by ref, and says not_found for the rest', async () => {
      const sent = request();
      const result = await gateway.authorize(sent);
      expect(await gateway.lookup({ idempotencyKey: sent.idempotencyKey })).toEqual(result);
      if (result.status !== 'authorized') throw new Error('expected authorized');
      expect(await gateway.lookup({ ref: result.ref })).toEqual(result);
      const restarted = adyenAdapter.create(credentials, { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL });
      expect(await restarted.lookup({ ref: result.ref })).toEqual({ status: 'not_found' });
      expect(await restarted.authorize(sent)).toEqual(result);
    });

    it('answers unknown when Adyen fails with a 500, for an authorize and for a capture', async () => {
      fake.failNext(500);
      expect(await gateway.authorize(request())).toMatchObject({ status: 'unknown', reason: expect.stringContaining('500') });
      const ref = await authorizedRef();
      fake.failNext(503);
      expect(await gateway.capture(ref, 1999, 'USD', `${upsellId()}:capture`)).toMatchObject({ status: 'unknown' });
    });

    it('answers unknown when Adyen does not answer in time, though the payment was taken', async () => {
      const before = fake.paymentCount();
      fake.delayNext(TIMEOUT_MS * 2);
      expect(await gateway.authorize(request())).toMatchObject({ status: 'unknown', reason: expect.stringContaining(`${TIMEOUT_MS} ms`) });
      expect(fake.paymentCount()).toBe(before + 1);
    });

    it('answers unknown when Adyen cannot be reached', async () => {
      const closed = await fakeAdyen();
      await closed.close();
      const unreachable = adyenAdapter.create(credentials, { apiBaseUrl: closed.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL });
      expect(await unreachable.authorize(request())).toMatchObject({ status: 'unknown' });
    });

    it('never reports success for a key reused with other parameters', async () => {
      const first = request();
      await gateway.authorize(first);
      expect(await gateway.authorize({ ...first, amount: 2999 })).toMatchObject({ status: 'unknown', reason: expect.stringContaining('704') });
      const ref = await authorizedRef();
      const key = `${upsellId()}:capture`;
      await gateway.capture(ref, 1000, 'USD', key);
      expect(await gateway.capture(ref, 1999, 'USD', key)).toMatchObject({ status: 'unknown' });
    });

    it('declines, without the key in any word, when Adyen refuses the API key', async () => {
      const wrong = adyenAdapter.create(
        { ...credentials, apiKey: 'AQE_wrong_key_0000000000' },
        { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS, publicUrl: PUBLIC_URL },
      );
      const result = await wrong.authorize(request());
      expect(result).toMatchObject({ status: 'declined', code: 'processing_error', ref: null });
      expect(JSON.stringify(result)).not.toMatch(/AQE/);
    });

    it('reports a modification Adyen rejects as failed', async () => {
      expect(await gateway.capture('NOSUCHPSP0000000', 1999, 'USD', `${upsellId()}:capture`)).toMatchObject({ status: 'failed', code: 'adyen_167' });
    });
  });

  describe('credentials', () => {
    function rejection(input: unknown): DomainError {
      try {
        adyenAdapter.parseCredentials(input);
      } catch (error) {
        if (error instanceof DomainError) return error;
        throw error;
      }
      throw new Error('expected the credentials to be rejected');
    }

    it('accepts test credentials and normalizes them', () => {
      expect(adyenAdapter.parseCredentials({ ...CREDENTIALS_INPUT, apiKey: ` ${API_KEY} ` })).toEqual({
        ...CREDENTIALS_INPUT,
        liveEndpointUrlPrefix: null,
        returnUrl: null,
      });
    });

    it.each([
      [{ ...CREDENTIALS_INPUT, apiKey: undefined }, /apiKey is required/],
      [{ ...CREDENTIALS_INPUT, apiKey: 'short key' }, /apiKey/],
      [{ ...CREDENTIALS_INPUT, merchantAccount: 'has spaces in it' }, /merchantAccount/],
      [{ ...CREDENTIALS_INPUT, environment: 'production' }, /environment/],
      [{ ...CREDENTIALS_INPUT, environment: 'live', clientKey: 'live_PLUSONEFAKECLIENTKEY1234' }, /liveEndpointUrlPrefix is required/],
      [
        {
          ...CREDENTIALS_INPUT,
          environment: 'live',
          liveEndpointUrlPrefix: 'https://1797a841-Acme-checkout-live.adyenpayments.com',
          clientKey: 'live_PLUSONEFAKECLIENTKEY1234',
        },
        /liveEndpointUrlPrefix/,
      ],
      [{ ...CREDENTIALS_INPUT, hmacKey: 'not-hex-at-all-secret-value' }, /hmacKey/],
      [{ ...CREDENTIALS_INPUT, clientKey: 'live_PLUSONEFAKECLIENTKEY1234' }, /clientKey must be a test_/],
      [{ ...CREDENTIALS_INPUT, returnUrl: 'http://shop.example/thanks' }, /returnUrl/],
      [{ ...CREDENTIALS_INPUT, apikey: 'typo' }, /unknown field "apikey"/],
      ['AQE-a-bare-string', /expected an object/],
    ])('rejects %j naming the field', (input, message) => {
      const error = rejection(input);
      expect(error.code).toBe('invalid_credentials');
      expect(error.message).toMatch(message);
    });

    it('never echoes a secret in the error', () => {
      const secretHmac = 'zz-secret-hmac-value-zz';
      expect(rejection({ ...CREDENTIALS_INPUT, hmacKey: secretHmac }).message).not.toContain(secretHmac);
      expect(rejection({ ...CREDENTIALS_INPUT, apiKey: 'secret with spaces 12345' }).message).not.toContain('secret');
    });

    it('accepts live credentials with their endpoint prefix', () => {
      const live = adyenAdapter.parseCredentials({
        ...CREDENTIALS_INPUT,
        environment: 'live',
        liveEndpointUrlPrefix: '1797a841fbb37ca7-AcmeShop',
        clientKey: 'live_PLUSONEFAKECLIENTKEY1234',
      });
      expect(live).toMatchObject({ environment: 'live', liveEndpointUrlPrefix: '1797a841fbb37ca7-AcmeShop' });
      expect(adyenAdapter.clientConfig(live)).toEqual({ clientKey: 'live_PLUSONEFAKECLIENTKEY1234', environment: 'live' });
    });

    it('masks the API key and the HMAC key, showing public fields in full', () => {
      const shown = adyenAdapter.describeCredentials(credentials);
      expect(shown).toEqual({
        apiKey: `…${API_KEY.slice(-4)}`,
        merchantAccount: MERCHANT_ACCOUNT,
        environment: 'test',
        hmacKey: `…${HMAC_KEY.slice(-4)}`,
        clientKey: CREDENTIALS_INPUT.clientKey,
      });
      expect(JSON.stringify(shown)).not.toContain(API_KEY.slice(0, 12));
      expect(adyenAdapter.describeCredentials({ ...credentials, hmacKey: null }).hmacKey).toBe('not set');
    });

    it('gives the page the client key and environment for the 3-D Secure component', () => {
      expect(adyenAdapter.clientConfig(credentials)).toEqual({ clientKey: CREDENTIALS_INPUT.clientKey, environment: 'test' });
    });
  });

  describe('notifications', () => {
    const parse = (body: unknown, creds: AdyenCredentials = credentials) => adyenAdapter.parseWebhook(JSON.stringify(body), {}, creds);

    it('reads verified AUTHORISATION, CAPTURE, CANCELLATION and REFUND notifications', async () => {
      const id = upsellId();
      const captured = await authorizedRef({ metadata: { upsell_id: id } });
      const held = await authorizedRef();
      await gateway.capture(captured, 1999, 'USD', `${id}:capture`);
      await gateway.void(held, `${upsellId()}:void`);
      await fake.settle();
      await gateway.refund(captured, 1999, 'USD', `${id}:refund`);
      await fake.settle();
      const read = fake.notifications.flatMap((notification) => parse(notification));
      const about = (ref: string) => read.filter((notification) => notification.ref === ref).map(({ kind, upsellId: upsell }) => [kind, upsell]);
      expect(about(captured)).toEqual([
        ['authorized', id],
        ['captured', id],
        ['refunded', id],
      ]);
      expect(about(held).map(([kind]) => kind)).toEqual(['authorized', 'voided']);
      expect(read.find((notification) => notification.kind === 'captured')).toMatchObject({
        pspType: 'CAPTURE',
        eventId: expect.stringMatching(/:CAPTURE$/),
      });
    });

    it('takes back a whole charge (an undo in immediate mode) with a reversal, read as refunded or voided by its action', async () => {
      const id = upsellId();
      const captured = await authorizedRef({ capture: 'immediate', metadata: { upsell_id: id } });
      await fake.settle();
      expect(await gateway.refund(captured, 1999, 'USD', `${id}:refund`, { whole: true })).toEqual({ status: 'received' });
      // CheckoutService v72: /reversals when it is not certain the payment was captured; no amount.
      expect(lastRequest()).toMatchObject({
        path: `/v72/payments/${captured}/reversals`,
        headers: { 'idempotency-key': `${id}:refund` },
        body: { merchantAccount: MERCHANT_ACCOUNT, reference: `${id}:refund` },
      });
      expect(lastRequest().body).not.toHaveProperty('amount');
      const held = await authorizedRef();
      await gateway.refund(held, 1999, 'USD', `${upsellId()}:refund`, { whole: true });
      await fake.settle();
      const read = fake.notifications
        .flatMap((notification) => parse(notification))
        .filter((notification) => notification.pspType === 'CANCEL_OR_REFUND');
      expect(read.map(({ ref, kind }) => [ref, kind])).toEqual([
        [captured, 'refunded'],
        [held, 'voided'],
      ]);
      expect(fake.payment(captured)).toMatchObject({ status: 'refunded', refunded: 1999 });
      expect(fake.payment(held)).toMatchObject({ status: 'voided' });
    });

    it('reads a failed cancellation of captured money as void_failed', async () => {
      const ref = await authorizedRef();
      await gateway.capture(ref, 1999, 'USD', `${upsellId()}:capture`);
      await fake.settle();
      await gateway.void(ref, `${upsellId()}:void`);
      await fake.settle();
      const last = fake.notifications.at(-1);
      expect(parse(last)).toEqual([expect.objectContaining({ kind: 'void_failed', ref, pspType: 'CANCELLATION' })]);
    });

    function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        additionalData: {},
        amount: { value: 1999, currency: 'USD' },
        eventCode: 'AUTHORISATION',
        eventDate: '2026-11-22T07:00:00+01:00',
        merchantAccountCode: MERCHANT_ACCOUNT,
        merchantReference: 'ups_fromreference',
        pspReference: 'PSPNOTIFICATION01',
        success: 'true',
        ...overrides,
      };
    }

    it.each([
      ['CAPTURE_FAILED', 'true', 'capture_failed'],
      ['REFUND_FAILED', 'true', 'refund_failed'],
      ['AUTHORISATION', 'false', 'authorization_failed'],
      ['REFUND', 'false', 'refund_failed'],
      ['CANCEL_OR_REFUND', 'false', 'refund_failed'],
      ['CHARGEBACK', 'true', 'ignored'],
      ['REPORT_AVAILABLE', 'true', 'ignored'],
    ])('maps %s success=%s to %s', (eventCode, success, kind) => {
      expect(parse(signedNotification(item({ eventCode, success, originalReference: 'PSPORIGINAL00001' }), HMAC_KEY))).toEqual([
        { eventId: `PSPNOTIFICATION01:${eventCode}`, ref: 'PSPORIGINAL00001', upsellId: 'ups_fromreference', kind, pspType: eventCode },
      ]);
    });

    it('ignores another merchant account’s events delivered by a company-level webhook', () => {
      expect(parse(signedNotification(item({ merchantAccountCode: 'SomeoneElseECOM' }), HMAC_KEY))).toMatchObject([{ kind: 'ignored' }]);
    });

    it('rejects a notification whose signed fields were changed', () => {
      const notification = signedNotification(item(), HMAC_KEY);
      const tampered = JSON.parse(JSON.stringify(notification).replace('"value":1999', '"value":1'));
      expect(() => parse(tampered)).toThrow(WebhookVerificationError);
    });

    it('rejects a notification signed with another key, or without a signature', () => {
      expect(() => parse(signedNotification(item(), 'AA'.repeat(32)))).toThrow(WebhookVerificationError);
      expect(() => parse({ live: 'false', notificationItems: [{ NotificationRequestItem: item() }] })).toThrow(WebhookVerificationError);
    });

    it('rejects the whole delivery when one item does not verify', () => {
      const good = signedNotification(item(), HMAC_KEY).notificationItems[0];
      const bad = signedNotification(item({ pspReference: 'PSPNOTIFICATION02' }), 'BB'.repeat(32)).notificationItems[0];
      expect(() => parse({ live: 'false', notificationItems: [good, bad] })).toThrow(WebhookVerificationError);
    });

    it('rejects every notification when the shop has no HMAC key', () => {
      expect(() => parse(signedNotification(item(), HMAC_KEY), { ...credentials, hmacKey: null })).toThrow(/No Adyen HMAC key/);
    });

    it('rejects a body that is not an Adyen notification', () => {
      expect(() => adyenAdapter.parseWebhook('not json', {}, credentials)).toThrow(WebhookVerificationError);
      expect(() => parse({ live: 'false', notificationItems: [] })).toThrow(WebhookVerificationError);
      expect(() => parse({ live: 'false', notificationItems: [{ NotificationRequestItem: { eventCode: 'CAPTURE' } }] })).toThrow(
        WebhookVerificationError,
      );
    });
  });
});
