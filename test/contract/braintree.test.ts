/**
 * The Braintree adapter (official `braintree` SDK) against the in-process fake of Braintree's gateway API:
 * the shared `PaymentGateway` contract, then what is Braintree's own — the exact requests on the wire,
 * search-before-sale idempotency, 3-D Secure on a vaulted card, credentials and webhook signatures.
 */
import { randomUUID } from 'node:crypto';
import braintree from 'braintree';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { WebhookVerificationError } from '../../src/gateways/adapter';
import { braintreeAdapter, type BraintreeCredentials } from '../../src/gateways/braintree/braintree';
import type { AuthorizeRequest, PaymentGateway } from '../../src/gateways/contract';
import { startFakeBraintree, type FakeBraintree } from '../fakes/braintree';
import { describeGatewayContract, type RecordedRequest } from './gateway-contract';

const TIMEOUT_MS = 300;
const VISA = { brand: 'visa', last4: '1111' };

function credentialsFor(fake: FakeBraintree, overrides: Record<string, unknown> = {}): BraintreeCredentials {
  return braintreeAdapter.parseCredentials({
    environment: 'sandbox',
    merchantId: fake.merchantId,
    publicKey: fake.publicKey,
    privateKey: fake.privateKey,
    merchantAccountIds: { USD: 'plusone_usd', JPY: 'plusone_jpy', KWD: 'plusone_kwd' },
    ...overrides,
  });
}

function gatewayOn(fake: FakeBraintree, timeoutMs = TIMEOUT_MS, overrides: Record<string, unknown> = {}): PaymentGateway {
  return braintreeAdapter.create(credentialsFor(fake, overrides), { apiBaseUrl: fake.url, timeoutMs });
}

function threeDSecureData(action: { data?: Readonly<Record<string, unknown>> }): { nonce: string; bin: string; amount: string; clientToken: string } {
  const { nonce, bin, amount, clientToken } = action.data ?? {};
  if (typeof nonce !== 'string' || typeof bin !== 'string' || typeof amount !== 'string' || typeof clientToken !== 'string') {
    throw new Error(`incomplete 3-D Secure data ${JSON.stringify(action.data)}`);
  }
  return { nonce, bin, amount, clientToken };
}

describeGatewayContract('braintree', async () => {
  const fake = await startFakeBraintree({ slowResponseMs: TIMEOUT_MS * 3 });
  const method = (paymentMethodRef: string, card = VISA) => ({ paymentMethodRef, customerRef: 'bt_customer_1', card });
  return {
    gateway: gatewayOn(fake),
    merchantRef: 'shop_braintree_contract',
    methods: {
      success: method('bt_visa'),
      declined: { ...method('bt_declined', { brand: 'visa', last4: '0002' }), code: 'card_declined' },
      insufficientFunds: { ...method('bt_insufficient_funds', { brand: 'visa', last4: '9995' }), code: 'insufficient_funds' },
      expired: { ...method('bt_expired', { brand: 'mastercard', last4: '0069' }), code: 'expired_card' },
      requiresAction: method('bt_3ds_required', { brand: 'visa', last4: '0063' }),
      timeout: method('bt_slow'),
    },
    async finishAction(_ref, action, outcome) {
      const { nonce, amount } = threeDSecureData(action);
      return { threeDSecureAuthenticationId: fake.authenticate(nonce, outcome, amount) };
    },
    paymentAtPsp: async (ref) => fake.paymentView(ref),
    paymentCount: async () => fake.saleCount(),
    requests: () => fake.requests,
    settle: async () => fake.settle(),
    timeoutMs: TIMEOUT_MS,
    close: () => fake.close(),
  };
});

describe('braintree › adapter', () => {
  let fake: FakeBraintree;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    fake = await startFakeBraintree({ slowResponseMs: TIMEOUT_MS * 3 });
    gateway = gatewayOn(fake);
  });
  afterAll(() => fake.close());

  const key = (operation: string) => `ups_${randomUUID().replaceAll('-', '').slice(0, 20)}:${operation}`;

  function request(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
    return {
      paymentMethodRef: 'bt_visa',
      customerRef: 'bt_customer_1',
      amount: 1999,
      currency: 'USD',
      idempotencyKey: key('authorize'),
      customerPresent: true,
      capture: 'manual',
      metadata: { upsell_id: 'ups_1', order_id: 'ord_1', shop_id: 'shop_1' },
      merchantRef: 'shop_1',
      ...overrides,
    };
  }

  function since(mark: number): RecordedRequest[] {
    return fake.requests.slice(mark);
  }

  const salePath = () => `/merchants/${fake.merchantId}/transactions`;

  function saleBody(requests: readonly RecordedRequest[]): Record<string, unknown> {
    const sale = requests.find((recorded) => recorded.method === 'POST' && recorded.path === salePath());
    if (!sale) throw new Error('no sale was sent');
    const body = sale.body as { transaction: Record<string, unknown> };
    return body.transaction;
  }

  describe('authorize', () => {
    it('searches the key, then sells the vaulted token buyer-present: no transactionSource, not submitted', async () => {
      const mark = fake.requests.length;
      const authorize = request();
      const result = await gateway.authorize(authorize);
      expect(result).toEqual({ status: 'authorized', ref: expect.any(String), card: VISA, captured: false });

      const sent = since(mark);
      expect(sent.map((recorded) => `${recorded.method} ${recorded.path}`)).toEqual([
        `POST /merchants/${fake.merchantId}/transactions/advanced_search_ids`,
        `POST /merchants/${fake.merchantId}/transactions`,
      ]);
      expect(sent[0]?.body).toEqual({ search: { order_id: { is: authorize.idempotencyKey } } });
      const sale = sent[1];
      expect(sale?.headers).toMatchObject({
        'x-apiversion': '6',
        accept: 'application/xml',
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${fake.publicKey}:${fake.privateKey}`).toString('base64')}`,
      });
      expect(saleBody(sent)).toEqual({
        amount: '19.99',
        payment_method_token: 'bt_visa',
        order_id: authorize.idempotencyKey,
        merchant_account_id: 'plusone_usd',
        options: { submit_for_settlement: false },
        type: 'sale',
      });
      expect(JSON.stringify(sent)).not.toContain('transaction_source');
    });

    it('submits for settlement in the same call in immediate mode', async () => {
      const mark = fake.requests.length;
      const result = await gateway.authorize(request({ capture: 'immediate' }));
      expect(result).toMatchObject({ status: 'authorized', captured: true });
      expect(saleBody(since(mark))).toMatchObject({ options: { submit_for_settlement: true } });
    });

    it.each([
      ['USD', 1999, '19.99', 'plusone_usd'],
      ['USD', 5, '0.05', 'plusone_usd'],
      ['JPY', 1999, '1999', 'plusone_jpy'],
      ['KWD', 19_999, '19.999', 'plusone_kwd'],
      ['KWD', 7, '0.007', 'plusone_kwd'],
    ] as const)('sends %s %i minor units as "%s" on the %s merchant account', async (currency, amount, wire, account) => {
      const mark = fake.requests.length;
      const result = await gateway.authorize(request({ currency, amount }));
      expect(saleBody(since(mark))).toMatchObject({ amount: wire, merchant_account_id: account });
      if (result.status !== 'authorized') throw new Error(result.status);
      expect(fake.paymentView(result.ref)).toMatchObject({ amount, currency });
    });

    it('charges once when the same key is authorized twice, answering the first outcome', async () => {
      const mark = fake.requests.length;
      const first = request();
      const once = await gateway.authorize(first);
      const again = await gateway.authorize({ ...first });
      expect(again).toEqual(once);
      expect(since(mark).filter((recorded) => recorded.path === salePath())).toHaveLength(1);
    });

    it('refuses, without charging, a currency whose merchant account settles another one', async () => {
      const single = gatewayOn(fake, TIMEOUT_MS, { merchantAccountIds: {}, merchantAccountId: 'plusone_usd' });
      const result = await single.authorize(request({ currency: 'JPY', amount: 500 }));
      // 500 JPY went to a USD account as "500": the adapter voids that hold at once.
      expect(result).toMatchObject({ status: 'declined', code: 'processing_error', message: expect.stringContaining('JPY') });
      if (result.status !== 'declined' || !result.ref) throw new Error('expected a ref');
      expect(fake.transaction(result.ref).status).toBe('voided');
    });

    it('answers a repeat of that refusal with the same refusal, not with the voided hold', async () => {
      const single = gatewayOn(fake, TIMEOUT_MS, { merchantAccountIds: {}, merchantAccountId: 'plusone_usd' });
      const authorize = request({ currency: 'JPY', amount: 600 });
      const first = await single.authorize(authorize);
      expect(await single.authorize(authorize)).toEqual(first);
    });

    it('does not charge twice when search lags and Duplicate Transaction Checking rejects the retry', async () => {
      const authorize = request({ amount: 3131 });
      const first = await gateway.authorize(authorize);
      if (first.status !== 'authorized') throw new Error(first.status);
      fake.delayIndexing(first.ref);
      fake.checkDuplicates(true);
      try {
        // Still unindexed after the rejection: the outcome stays unknown rather than a second hold.
        expect(await gateway.authorize(authorize)).toMatchObject({ status: 'unknown' });
        fake.index(first.ref);
        expect(await gateway.authorize(authorize)).toEqual(first);
        expect([...fake.transactions.values()].filter((tx) => tx.orderId === authorize.idempotencyKey && tx.status === 'authorized')).toHaveLength(1);
      } finally {
        fake.checkDuplicates(false);
      }
    });

    it.each([
      ['bt_declined', 'card_declined', 'Do Not Honor'],
      ['bt_insufficient_funds', 'insufficient_funds', 'Insufficient Funds'],
      ['bt_expired', 'expired_card', 'Expired Card'],
    ] as const)('maps the processor decline of %s to %s', async (token, code, message) => {
      const result = await gateway.authorize(request({ paymentMethodRef: token }));
      expect(result).toEqual({ status: 'declined', code, message, ref: expect.any(String) });
    });

    it('declines processing_error a sale that failed on the processing network (status failed, processor response 3000)', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: 'bt_processor_unavailable' }));
      expect(result).toEqual({
        status: 'declined',
        code: 'processing_error',
        message: 'Processor Network Unavailable - Try Again',
        ref: expect.any(String),
      });
      if (result.status !== 'declined' || !result.ref) throw new Error('expected a ref');
      expect(fake.transaction(result.ref).status).toBe('failed');
    });

    it('answers unknown when the sale gets a 500, and a retry finds nothing to double', async () => {
      const authorize = request();
      fake.failNext(500, /^POST \/merchants\/[^/]+\/transactions$/);
      expect(await gateway.authorize(authorize)).toMatchObject({ status: 'unknown', reason: expect.stringContaining('serverError') });
      expect(await gateway.lookup({ idempotencyKey: authorize.idempotencyKey })).toEqual({ status: 'not_found' });
    });

    it('answers unknown when the search before the sale gets a 503, without selling', async () => {
      const mark = fake.requests.length;
      fake.failNext(503, /advanced_search_ids$/);
      expect(await gateway.authorize(request())).toMatchObject({ status: 'unknown' });
      expect(since(mark).filter((recorded) => recorded.path === salePath())).toHaveLength(0);
    });

    it('answers unknown on a timeout, and the payment Braintree kept is found by key', async () => {
      const authorize = request({ paymentMethodRef: 'bt_slow' });
      const before = fake.saleCount();
      expect(await gateway.authorize(authorize)).toMatchObject({ status: 'unknown', reason: expect.stringContaining('unexpectedError') });
      const found = await gateway.lookup({ idempotencyKey: authorize.idempotencyKey });
      expect(found).toMatchObject({ status: 'authorized', captured: false });
      expect(await gateway.authorize(authorize)).toEqual(found);
      expect(fake.saleCount()).toBe(before + 1);
    });

    it('declines on rejected API keys instead of calling the outcome unknown, without the private key', async () => {
      const wrong = gatewayOn(fake, TIMEOUT_MS, { privateKey: 'wrongprivatekey0000000000000dead' });
      const result = await wrong.authorize(request());
      expect(result).toMatchObject({ status: 'declined', code: 'processing_error', message: expect.stringContaining('credentials'), ref: null });
      expect(JSON.stringify(result)).not.toContain('wrongprivatekey');
    });
  });

  describe('3-D Secure on a vaulted card', () => {
    it('turns the 2099 soft decline into requires_action with what verifyCard needs, then sells with the authentication', async () => {
      const authorize = request({ paymentMethodRef: 'bt_3ds_required' });
      const result = await gateway.authorize(authorize);
      if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);
      expect(result.ref).toMatch(/^3ds:manual:[0-9a-z]+$/);
      const data = threeDSecureData(result.action);
      expect(data).toMatchObject({ bin: '400000', amount: '19.99', nonce: expect.stringMatching(/^fake-nonce-/) });
      expect(fake.requests.at(-2)?.path).toBe(`/merchants/${fake.merchantId}/payment_methods/bt_3ds_required/nonces`);

      // The buyer has not finished: still requires_action, for the page and for a worker alike.
      expect(await gateway.completeAction(result.ref, key('complete'))).toMatchObject({ status: 'requires_action', ref: result.ref });
      expect(await gateway.lookup({ idempotencyKey: authorize.idempotencyKey })).toMatchObject({ status: 'requires_action' });

      const details = { threeDSecureAuthenticationId: fake.authenticate(data.nonce, 'succeeded', data.amount) };
      const mark = fake.requests.length;
      const completed = await gateway.completeAction(result.ref, key('complete'), details);
      expect(completed).toMatchObject({ status: 'authorized', captured: false, card: { brand: 'visa', last4: '0063' } });
      expect(saleBody(since(mark))).toMatchObject({
        amount: '19.99',
        payment_method_token: 'bt_3ds_required',
        order_id: authorize.idempotencyKey,
        three_d_secure_authentication_id: details.threeDSecureAuthenticationId,
        options: { submit_for_settlement: false },
      });

      const sales = fake.saleCount();
      expect(await gateway.completeAction(result.ref, key('complete'), details)).toEqual(completed);
      expect(await gateway.lookup({ idempotencyKey: authorize.idempotencyKey })).toEqual(completed);
      expect(await gateway.lookup({ ref: result.ref })).toEqual(completed);
      expect(fake.saleCount()).toBe(sales);
    });

    it('declines, naming the 2099 sale, when Braintree refuses the client token the page needs', async () => {
      const refusal =
        '<?xml version="1.0" encoding="UTF-8"?>\n<api-error-response><errors><client-token><errors type="array"><error><code>92807</code>' +
        '<attribute>merchant_account_id</attribute><message>Merchant account does not exist.</message></error></errors></client-token></errors>' +
        '<message>Merchant account does not exist.</message></api-error-response>\n';
      fake.failNext(422, /client_token$/, refusal);
      const result = await gateway.authorize(request({ paymentMethodRef: 'bt_3ds_required' }));
      expect(result).toEqual({ status: 'declined', code: 'processing_error', message: 'Merchant account does not exist.', ref: expect.any(String) });
      if (result.status !== 'declined' || !result.ref) throw new Error('expected the 2099 transaction');
      expect(fake.transaction(result.ref)).toMatchObject({ status: 'processor_declined', processorResponseCode: '2099' });
    });

    it('keeps immediate capture through the 3-D Secure step', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: 'bt_3ds_required', capture: 'immediate' }));
      if (result.status !== 'requires_action') throw new Error(result.status);
      const { nonce, amount } = threeDSecureData(result.action);
      const details = { threeDSecureAuthenticationId: fake.authenticate(nonce, 'succeeded', amount) };
      expect(await gateway.completeAction(result.ref, key('complete'), details)).toMatchObject({ status: 'authorized', captured: true });
    });

    it('releases nothing when an unfinished step is voided, and voids the sale if the buyer finished', async () => {
      const result = await gateway.authorize(request({ paymentMethodRef: 'bt_3ds_required' }));
      if (result.status !== 'requires_action') throw new Error(result.status);
      expect(await gateway.void(result.ref, key('void'))).toEqual({ status: 'succeeded' });
      const { nonce, amount } = threeDSecureData(result.action);
      const details = { threeDSecureAuthenticationId: fake.authenticate(nonce, 'succeeded', amount) };
      const completed = await gateway.completeAction(result.ref, key('complete'), details);
      if (completed.status !== 'authorized') throw new Error(completed.status);
      expect(await gateway.void(result.ref, key('void'))).toEqual({ status: 'succeeded' });
      expect(fake.transaction(completed.ref).status).toBe('voided');
    });
  });

  describe('capture, void, refund', () => {
    async function authorizedRef(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
      const result = await gateway.authorize(request(overrides));
      if (result.status !== 'authorized') throw new Error(result.status);
      return result.ref;
    }

    it('captures with submit_for_settlement and the amount string; a repeat succeeds without a second submission', async () => {
      const ref = await authorizedRef({ currency: 'KWD', amount: 19_999 });
      const mark = fake.requests.length;
      expect(await gateway.capture(ref, 19_999, 'KWD', key('capture'))).toEqual({ status: 'succeeded' });
      expect(since(mark)[0]).toMatchObject({
        method: 'PUT',
        path: `/merchants/${fake.merchantId}/transactions/${ref}/submit_for_settlement`,
        body: { transaction: { amount: '19.999' } },
      });
      expect(await gateway.capture(ref, 19_999, 'KWD', key('capture'))).toEqual({ status: 'succeeded' });
      expect(fake.paymentView(ref)).toMatchObject({ captured: 19_999, status: 'submitted_for_settlement' });
    });

    it('fails to capture a voided authorization', async () => {
      const ref = await authorizedRef();
      await gateway.void(ref, key('void'));
      expect(await gateway.capture(ref, 1999, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'voided' });
    });

    it('voids with PUT …/void, and does not void money submitted for settlement', async () => {
      const held = await authorizedRef();
      const mark = fake.requests.length;
      expect(await gateway.void(held, key('void'))).toEqual({ status: 'succeeded' });
      expect(since(mark).map((recorded) => `${recorded.method} ${recorded.path}`)).toContain(
        `PUT /merchants/${fake.merchantId}/transactions/${held}/void`,
      );

      const captured = await authorizedRef({ capture: 'immediate' });
      expect(await gateway.void(captured, key('void'))).toMatchObject({ status: 'failed', code: 'submitted_for_settlement' });
    });

    it('refunds a settled sale once as a credit, and voids one still submitted for settlement', async () => {
      const settled = await authorizedRef({ capture: 'immediate' });
      fake.settle();
      const refundKey = key('refund');
      expect(await gateway.refund(settled, 1999, 'USD', refundKey)).toEqual({ status: 'succeeded' });
      expect(await gateway.refund(settled, 1999, 'USD', refundKey)).toEqual({ status: 'succeeded' });
      expect(fake.paymentView(settled)).toMatchObject({ captured: 1999, refunded: 1999 });
      expect(fake.transaction(settled).refundIds).toHaveLength(1);

      const unsettled = await authorizedRef({ capture: 'immediate' });
      expect(await gateway.refund(unsettled, 1999, 'USD', key('refund'))).toEqual({ status: 'succeeded' });
      expect(fake.transaction(unsettled).status).toBe('voided');
    });

    it('looks a ref up with GET …/transactions/{id}, and says not_found for an unknown one', async () => {
      const ref = await authorizedRef();
      expect(await gateway.lookup({ ref })).toMatchObject({ status: 'authorized', ref, captured: false });
      expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: `/merchants/${fake.merchantId}/transactions/${ref}` });
      expect(await gateway.lookup({ ref: 'nosuchtx' })).toEqual({ status: 'not_found' });
    });
  });

  describe('credentials', () => {
    const valid = {
      environment: 'production',
      merchantId: 'abcd1234efgh5678',
      publicKey: 'publickey1234567',
      privateKey: '0123456789abcdef0123456789abcdef',
    };

    function failure(input: unknown): DomainError {
      try {
        braintreeAdapter.parseCredentials(input);
      } catch (error) {
        if (error instanceof DomainError) return error;
        throw error;
      }
      throw new Error('expected invalid_credentials');
    }

    it('accepts the keys, trimmed, with an optional default and per-currency merchant accounts', () => {
      expect(braintreeAdapter.parseCredentials({ ...valid, merchantId: ' abcd1234efgh5678 ', merchantAccountIds: { EUR: 'acme_eur' } })).toEqual({
        ...valid,
        merchantAccountId: null,
        merchantAccountIds: { EUR: 'acme_eur' },
      });
    });

    it.each([
      [{ ...valid, environment: 'live' }, 'environment'],
      [{ ...valid, merchantId: undefined }, 'merchantId is required'],
      [{ ...valid, publicKey: 42 }, 'publicKey must be a string'],
      [{ ...valid, privateKey: '' }, 'privateKey is required'],
      [{ ...valid, merchantAccountIds: { euro: 'acme' } }, 'merchantAccountIds'],
      [{ ...valid, apiKey: 'x' }, 'unknown field "apiKey"'],
      ['a string', 'expected an object'],
    ])('refuses %j, naming the field', (input, field) => {
      const error = failure(input);
      expect(error.code).toBe('invalid_credentials');
      expect(error.message).toContain(field);
    });

    it('never echoes a malformed private key', () => {
      const error = failure({ ...valid, privateKey: 'Secret-Value-That-Must-Not-Leak' });
      expect(error.message).toContain('privateKey');
      expect(error.message).not.toContain('Secret-Value');
    });

    it('masks the private key and gives the browser nothing secret', () => {
      const credentials = braintreeAdapter.parseCredentials({ ...valid, merchantAccountId: 'acme_usd', merchantAccountIds: { JPY: 'acme_jpy' } });
      const described = braintreeAdapter.describeCredentials(credentials);
      expect(described).toEqual({
        environment: 'production',
        merchantId: valid.merchantId,
        publicKey: valid.publicKey,
        privateKey: '…cdef',
        merchantAccountId: 'acme_usd',
        merchantAccountIds: 'JPY=acme_jpy',
      });
      expect(JSON.stringify(described)).not.toContain(valid.privateKey);
      expect(braintreeAdapter.clientConfig(credentials)).toEqual({ environment: 'production' });
    });
  });

  describe('webhooks', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    it('reads a signed transaction_settled as captured, with the ref and our upsell id', async () => {
      const authorize = request({ capture: 'immediate', idempotencyKey: 'ups_hook1:authorize' });
      const result = await gateway.authorize(authorize);
      if (result.status !== 'authorized') throw new Error(result.status);
      fake.settle();
      const body = fake.signedNotification('transaction_settled', result.ref, { timestamp: new Date('2026-11-22T10:00:00Z') });
      expect(braintreeAdapter.parseWebhook(body, form, credentialsFor(fake))).toEqual([
        {
          eventId: `transaction_settled:${result.ref}:2026-11-22T10:00:00.000Z`,
          ref: result.ref,
          upsellId: 'ups_hook1',
          kind: 'captured',
          pspType: 'transaction_settled',
        },
      ]);
    });

    it.each([
      ['transaction_settlement_declined', 'capture_failed'],
      ['transaction_disbursed', 'ignored'],
      ['subscription_charged_successfully', 'ignored'],
    ] as const)('maps %s to %s', (kind, expected) => {
      const body = fake.signedNotification(kind, 'abc12345');
      expect(braintreeAdapter.parseWebhook(body, form, credentialsFor(fake))).toMatchObject([{ kind: expected, ref: 'abc12345', upsellId: null }]);
    });

    it("verifies the SDK's own sample notifications, and the SDK verifies the fake's", async () => {
      const sdk = new braintree.BraintreeGateway({
        environment: braintree.Environment.Sandbox,
        merchantId: fake.merchantId,
        publicKey: fake.publicKey,
        privateKey: fake.privateKey,
      });
      const sample = await sdk.webhookTesting.sampleNotification('transaction_settled', 'sdk_tx_1');
      const body = new URLSearchParams({ bt_signature: sample.bt_signature, bt_payload: sample.bt_payload }).toString();
      expect(braintreeAdapter.parseWebhook(body, form, credentialsFor(fake))).toMatchObject([{ kind: 'captured', ref: 'sdk_tx_1' }]);

      const ours = new URLSearchParams(fake.signedNotification('transaction_settlement_declined', 'fake_tx_1'));
      const parsed = await sdk.webhookNotification.parse(ours.get('bt_signature') ?? '', ours.get('bt_payload') ?? '');
      expect(parsed.kind).toBe('transaction_settlement_declined');
    });

    it('throws WebhookVerificationError for another private key, a tampered payload or a missing field', () => {
      const credentials = credentialsFor(fake);
      const forged = fake.signedNotification('transaction_settled', 'abc12345', { privateKey: 'anotherprivatekey000000000000000' });
      expect(() => braintreeAdapter.parseWebhook(forged, form, credentials)).toThrow(WebhookVerificationError);

      const genuine = new URLSearchParams(fake.signedNotification('transaction_settled', 'abc12345'));
      const payload = Buffer.from(
        Buffer.from(genuine.get('bt_payload') ?? '', 'base64')
          .toString('utf8')
          .replace('abc12345', 'zzz99999'),
      ).toString('base64');
      const tampered = new URLSearchParams({ bt_signature: genuine.get('bt_signature') ?? '', bt_payload: payload }).toString();
      expect(() => braintreeAdapter.parseWebhook(tampered, form, credentials)).toThrow(WebhookVerificationError);

      const otherPublicKey = new URLSearchParams({
        bt_signature: `someoneelse|${'0'.repeat(40)}`,
        bt_payload: genuine.get('bt_payload') ?? '',
      }).toString();
      expect(() => braintreeAdapter.parseWebhook(otherPublicKey, form, credentials)).toThrow(/public key/);
      expect(() => braintreeAdapter.parseWebhook('bt_payload=abc', form, credentials)).toThrow(WebhookVerificationError);
    });
  });
});

/**
 * The fake refuses what Braintree's gateway refuses, with the gateway's answer (`422`, an
 * `<api-error-response>` of every validation error, codes of the SDK's `ValidationErrorCodes`), so an
 * adapter request the real API would refuse cannot pass here. Sent raw, as the SDK puts them on the wire.
 */
describe('braintree › the fake refuses what the gateway refuses', () => {
  let fake: FakeBraintree;

  beforeAll(async () => {
    fake = await startFakeBraintree({ customFields: ['plusone_note'] });
  });
  afterAll(() => fake.close());

  async function send(method: string, path: string, body?: unknown): Promise<{ status: number; codes: string[]; text: string }> {
    const response = await fetch(`${fake.url}/merchants/${fake.merchantId}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.publicKey}:${fake.privateKey}`).toString('base64')}`,
        accept: 'application/xml',
        'content-type': 'application/json',
        'x-apiversion': '6',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, codes: [...text.matchAll(/<code>(\d+)<\/code>/g)].map((match) => match[1] ?? ''), text };
  }

  const sale = (overrides: Record<string, unknown> = {}) =>
    send('POST', '/transactions', {
      transaction: { type: 'sale', amount: '19.99', payment_method_token: 'bt_visa', options: { submit_for_settlement: false }, ...overrides },
    });

  async function saleId(overrides: Record<string, unknown> = {}): Promise<string> {
    const answer = await sale(overrides);
    const id = /<transaction><id>([0-9a-z]+)<\/id>/.exec(answer.text)?.[1];
    if (answer.status !== 201 || !id) throw new Error(`expected a sale, got ${answer.status} ${answer.text}`);
    return id;
  }

  describe('a sale', () => {
    it.each([
      ['no amount', { amount: undefined }, '81502'],
      ['a negative amount', { amount: '-1.00' }, '81501'],
      ['an amount with more decimals than USD has', { amount: '19.999' }, '81503'],
      ['an amount that is not a number', { amount: 'ten' }, '81503'],
      ['a zero amount', { amount: '0.00' }, '81531'],
      ['no payment method', { payment_method_token: undefined }, '91508'],
      ['a token not in the Vault', { payment_method_token: 'bt_gone' }, '91518'],
      ['an order_id over 255 characters', { order_id: 'k'.repeat(256) }, '91501'],
      ['a transaction_source outside its values', { transaction_source: 'customer' }, '915133'],
      ['a type outside sale and credit', { type: 'pants' }, '91523'],
      ['no type', { type: undefined }, '91524'],
      ['a custom field the Control Panel does not define', { custom_fields: { upsell_id: 'ups_1' } }, '91526'],
      ['a custom field over 255 characters', { custom_fields: { plusone_note: 'n'.repeat(256) } }, '81527'],
      ["a merchant account that is not the merchant's", { merchant_account_id: 'someone_else' }, '91513'],
    ])('refuses %s: 422 with %j', async (_case, overrides, code) => {
      const answer = await sale(overrides);
      expect(answer.status).toBe(422);
      expect(answer.text).toContain('<api-error-response>');
      expect(answer.codes).toEqual([code]);
    });

    it('lists every error of one request in one answer, the messages joined by newlines', async () => {
      const answer = await sale({ amount: undefined, payment_method_token: 'bt_gone', order_id: 'k'.repeat(256) });
      expect(answer.status).toBe(422);
      expect(answer.codes).toEqual(['81502', '91518', '91501']);
      expect(answer.text).toContain('<message>Amount is required.\nPayment method token is invalid.\nOrder ID is too long.</message>');
    });

    it('charges nothing when it refuses', async () => {
      const before = fake.saleCount();
      await sale({ amount: '0.00' });
      expect(fake.saleCount()).toBe(before);
    });

    it.each([
      ['an order_id of exactly 255 characters', { order_id: 'k'.repeat(255) }],
      ['a merchant-initiated transaction_source', { transaction_source: 'unscheduled' }],
      ['the first of a recurring series', { transaction_source: 'recurring_first' }],
      ['a configured custom field of 255 characters', { custom_fields: { plusone_note: 'n'.repeat(255) } }],
      ['a JPY amount without decimals on the JPY account', { amount: '1999', merchant_account_id: 'plusone_jpy' }],
    ])('accepts %s', async (_case, overrides) => {
      expect((await sale(overrides)).status).toBe(201);
    });

    it('refuses with 400 a key outside the SDK signature (the SDK itself would throw invalidKeysError)', async () => {
      const answer = await sale({ transaction_sorce: 'unscheduled' });
      expect(answer).toMatchObject({ status: 400, text: expect.stringContaining('transactionSorce') });
      expect((await send('POST', '/transactions', { sale: { amount: '1.00' } })).status).toBe(400);
    });

    it('refuses with 501 a key Braintree knows but the fake does not model, rather than ignore it', async () => {
      expect(await sale({ device_data: '{}' })).toMatchObject({ status: 501, text: expect.stringContaining('deviceData') });
      expect(await sale({ api_request_key: 'ups_1:authorize' })).toMatchObject({ status: 501, text: expect.stringContaining('apiRequestKey') });
    });

    describe('with a 3-D Secure authentication', () => {
      async function authenticated(amount: string): Promise<string> {
        const answer = await send('POST', '/payment_methods/bt_3ds_required/nonces');
        const nonce = /<nonce>([^<]+)<\/nonce>/.exec(answer.text)?.[1] ?? '';
        return fake.authenticate(nonce, 'succeeded', amount);
      }

      it('refuses an id Braintree never issued: 915196', async () => {
        expect((await sale({ payment_method_token: 'bt_3ds_required', three_d_secure_authentication_id: 'auth_nosuch' })).codes).toEqual(['915196']);
      });

      it('refuses the authentication of another card: 915197', async () => {
        const id = await authenticated('19.99');
        expect((await sale({ three_d_secure_authentication_id: id })).codes).toEqual(['915197']);
      });

      it('refuses another amount than the one authenticated: 91585', async () => {
        const id = await authenticated('19.99');
        expect((await sale({ payment_method_token: 'bt_3ds_required', amount: '20.00', three_d_secure_authentication_id: id })).codes).toEqual([
          '91585',
        ]);
        expect((await sale({ payment_method_token: 'bt_3ds_required', three_d_secure_authentication_id: id })).status).toBe(201);
      });
    });

    it('is read by the SDK as the gateway answer: success false with every code', async () => {
      const { hostname, port, origin } = new URL(fake.url);
      const sdk = new braintree.BraintreeGateway({
        environment: new braintree.Environment(hostname, port, origin, false, hostname, port),
        merchantId: fake.merchantId,
        publicKey: fake.publicKey,
        privateKey: fake.privateKey,
      });
      const result = await sdk.transaction.sale({ amount: '', paymentMethodToken: 'bt_gone' });
      expect(result.success).toBe(false);
      expect(
        result.errors
          .deepErrors()
          .map((error) => error.code)
          .sort(),
      ).toEqual(['81502', '91518']);
    });
  });

  describe('a capture (submit_for_settlement)', () => {
    const submit = (id: string, transaction: Record<string, unknown>) => send('PUT', `/transactions/${id}/submit_for_settlement`, { transaction });

    it.each([
      ['a negative amount', { amount: '-1.00' }, '81501'],
      ['an amount in another format', { amount: '19,99' }, '81503'],
      ['more than was authorized', { amount: '20.00' }, '91522'],
    ])('refuses %s: 422 with %j', async (_case, transaction, code) => {
      const answer = await submit(await saleId(), transaction);
      expect(answer).toMatchObject({ status: 422, codes: [code] });
    });

    it('refuses a transaction no longer authorized: 91507', async () => {
      const id = await saleId({ options: { submit_for_settlement: true } });
      expect(await submit(id, { amount: '19.99' })).toMatchObject({ status: 422, codes: ['91507'] });
    });

    it('refuses with 400 a key outside the SDK signature', async () => {
      expect((await submit(await saleId(), { amuont: '19.99' })).status).toBe(400);
    });
  });

  describe('a void', () => {
    it('refuses a transaction that is neither authorized nor submitted for settlement: 91504', async () => {
      const id = await saleId();
      expect((await send('PUT', `/transactions/${id}/void`)).status).toBe(200);
      expect(await send('PUT', `/transactions/${id}/void`)).toMatchObject({ status: 422, codes: ['91504'] });
    });
  });

  describe('a refund', () => {
    const refund = (id: string, transaction: Record<string, unknown>) => send('POST', `/transactions/${id}/refund`, { transaction });

    async function settledId(): Promise<string> {
      const id = await saleId({ options: { submit_for_settlement: true } });
      fake.settle();
      return id;
    }

    it('refuses a sale that has not settled (void it instead): 91506', async () => {
      expect(await refund(await saleId({ options: { submit_for_settlement: true } }), { amount: '19.99' })).toMatchObject({
        status: 422,
        codes: ['91506'],
      });
    });

    it.each([
      ['more than was settled', { amount: '20.00' }, '91521'],
      ['a zero amount', { amount: '0.00' }, '81531'],
      ['an order_id over 255 characters', { order_id: 'k'.repeat(256) }, '91501'],
    ])('refuses %s: 422 with %j', async (_case, transaction, code) => {
      expect(await refund(await settledId(), transaction)).toMatchObject({ status: 422, codes: [code] });
    });

    it('refuses a second full refund: 91512', async () => {
      const id = await settledId();
      expect((await refund(id, { amount: '19.99' })).status).toBe(201);
      expect(await refund(id, { amount: '19.99' })).toMatchObject({ status: 422, codes: ['91512'] });
    });
  });

  describe('a client token', () => {
    it('refuses a merchant account that does not exist: 92807', async () => {
      expect(await send('POST', '/client_token', { client_token: { merchant_account_id: 'someone_else', version: 2 } })).toMatchObject({
        status: 422,
        codes: ['92807'],
      });
      expect((await send('POST', '/client_token', { client_token: { merchant_account_id: 'plusone_jpy', version: 2 } })).status).toBe(201);
    });
  });
});
