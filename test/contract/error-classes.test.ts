/**
 * Every row of every adapter's error table (`STRIPE_ERRORS`, `BRAINTREE_ERRORS`, `ADYEN_ERRORS`), provoked
 * at its in-process fake, with what the class means for an authorize and for a modification (see
 * `src/gateways/errors.ts`): retryable and unknown → `unknown`; final → `declined` / `failed`, nothing sent
 * again; configuration → `declined` for the buyer, thrown for a capture. A table row without a case here
 * fails the suite, so a new row cannot land untested.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import braintree from 'braintree';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuthorizeRequest, AuthorizeResult, ModificationResult, PaymentGateway } from '../../src/gateways/contract';
import { GatewayConfigurationError, type ErrorRule } from '../../src/gateways/errors';
import { ADYEN_ERRORS, adyenAdapter } from '../../src/gateways/adyen';
import { BRAINTREE_ERRORS, braintreeAdapter } from '../../src/gateways/braintree/braintree';
import { STRIPE_ERRORS } from '../../src/gateways/stripe/stripe';
import { stripeAdapter } from '../../src/gateways/stripe/adapter';
import { FAKE_ADYEN_METHODS, FAKE_SHOPPER, startFakeAdyen, type FakeAdyen } from '../fakes/adyen';
import { startFakeBraintree, type FakeBraintree } from '../fakes/braintree';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';

const TIMEOUT_MS = 1000;

function request(paymentMethodRef: string, customerRef: string | null, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  const id = `ups_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return {
    paymentMethodRef,
    customerRef,
    amount: 1999,
    currency: 'USD',
    idempotencyKey: `${id}:authorize`,
    customerPresent: true,
    capture: 'manual',
    metadata: { upsell_id: id, order_id: 'ord_errors', shop_id: 'shop_errors' },
    merchantRef: 'shop_errors',
    ...overrides,
  };
}

const unknown = { status: 'unknown', reason: expect.any(String) };
const declined = (code = 'processing_error') => ({ status: 'declined', code, message: expect.any(String) });
const failed = { status: 'failed', code: expect.any(String), message: expect.any(String) };

/** Each table row's case, by its `when`; the suite fails when a row has none (or a case names no row). */
function describeTable<E>(name: string, table: readonly ErrorRule<E>[], cases: Record<string, () => Promise<void>>): void {
  describe(`${name} errors`, () => {
    it('has a case for every row of its table, and no case for a row it lacks', () => {
      expect(Object.keys(cases).sort()).toEqual(table.map((rule) => rule.when).sort());
    });
    it('is the table its gateway guide shows, row for row', () => {
      const guide = readFileSync(new URL(`../../docs/gateways/${name.toLowerCase()}.md`, import.meta.url), 'utf8');
      for (const rule of table) expect(guide).toContain(`| ${rule.when} | \`${rule.class}\` |`);
    });
    for (const rule of table) {
      const run = cases[rule.when];
      if (run) it(`${rule.class}: ${rule.when}`, run);
    }
  });
}

async function expectConfigurationThrown(call: Promise<ModificationResult>): Promise<void> {
  await expect(call).rejects.toBeInstanceOf(GatewayConfigurationError);
}

// ---------------------------------------------------------------------------------------------------- Stripe
let stripe: FakeStripe;
let stripeGateway: PaymentGateway;
const STRIPE_CREDENTIALS = {
  secretKey: 'sk_test_51PlusoneErrorTableKey000004242',
  publishableKey: 'pk_test_51PlusoneErrorTableKey000009999',
  webhookSecret: 'whsec_PlusoneErrorTableSecret1234',
};
const stripeOn = (baseUrl: string, secretKey = STRIPE_CREDENTIALS.secretKey) =>
  stripeAdapter.create({ ...STRIPE_CREDENTIALS, secretKey }, { apiBaseUrl: baseUrl, timeoutMs: TIMEOUT_MS });
const stripeRequest = (paymentMethodRef = 'pm_card_visa') => request(paymentMethodRef, 'cus_errors');

async function stripeHeld(): Promise<string> {
  const result = await stripeGateway.authorize(stripeRequest());
  if (result.status !== 'authorized') throw new Error(`expected authorized, got ${JSON.stringify(result)}`);
  return result.ref;
}

/** The next Stripe answer is `status` with `error`, for the authorize and then for a capture. */
async function stripeAnswers(status: number, error: Record<string, string> | undefined, authorize: object, capture: object): Promise<void> {
  const ref = await stripeHeld();
  stripe.injectFault(status, error);
  expect(await stripeGateway.authorize(stripeRequest())).toMatchObject(authorize);
  stripe.injectFault(status, error);
  expect(await stripeGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject(capture);
}

describe('stripe', () => {
  beforeAll(async () => {
    stripe = await startFakeStripe({ slowResponseMs: TIMEOUT_MS * 3 });
    stripeGateway = stripeOn(stripe.baseUrl);
  });
  afterAll(() => stripe?.close());

  describeTable('Stripe', STRIPE_ERRORS, {
    'connection error or timeout': async () => {
      const closed = await startFakeStripe();
      await closed.close();
      const gone = stripeOn(closed.baseUrl);
      expect(await gone.authorize(stripeRequest())).toMatchObject(unknown);
      expect(await gone.capture('pi_any', 1999, 'USD', 'ups_x:capture')).toMatchObject(unknown);
    },
    'authentication_error (401)': async () => {
      const wrong = stripeOn(stripe.baseUrl, 'xk_test_wrongKind123456789');
      const result = await wrong.authorize(stripeRequest());
      expect(result).toMatchObject(declined());
      expect(JSON.stringify(result)).not.toContain('wrongKind');
      await expectConfigurationThrown(wrong.capture('pi_any', 1999, 'USD', 'ups_x:capture'));
    },
    'permission_error (403)': async () => {
      const ref = await stripeHeld();
      const error = { type: 'invalid_request_error', message: 'The provided key does not have the required permissions.' };
      stripe.injectFault(403, error);
      expect(await stripeGateway.authorize(stripeRequest())).toMatchObject(declined());
      stripe.injectFault(403, error);
      await expectConfigurationThrown(stripeGateway.capture(ref, 1999, 'USD', `${ref}:capture`));
    },
    'rate_limit_error (429)': () => stripeAnswers(429, undefined, unknown, unknown),
    'api_error (5xx)': () => stripeAnswers(500, undefined, unknown, unknown),
    'idempotency_error (the key was used with other parameters)': async () => {
      const first = stripeRequest();
      await stripeGateway.authorize(first);
      expect(await stripeGateway.authorize({ ...first, amount: 2999 })).toMatchObject(unknown);
      const ref = await stripeHeld();
      await stripeGateway.capture(ref, 1000, 'USD', `${ref}:capture`);
      expect(await stripeGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject(unknown);
    },
    "conflict (409: the key's first request is still running)": () =>
      stripeAnswers(
        409,
        { type: 'idempotency_error', message: 'There is currently another in-progress request using this Stripe-Idempotency-Key.' },
        unknown,
        unknown,
      ),
    'card_error (402: the issuer declined)': async () => {
      const result = await stripeGateway.authorize(stripeRequest('pm_card_chargeDeclinedInsufficientFunds'));
      expect(result).toMatchObject({ ...declined('insufficient_funds'), ref: expect.stringMatching(/^pi_/) });
    },
    'resource_missing (the stored card or customer is gone)': async () => {
      expect(await stripeGateway.authorize(stripeRequest('pm_gone'))).toMatchObject(declined('card_declined'));
      expect(await stripeGateway.capture('pi_gone', 1999, 'USD', 'ups_x:capture')).toMatchObject({ ...failed, code: 'resource_missing' });
    },
    'invalid_request_error (400, 402, 404)': () =>
      stripeAnswers(
        400,
        { type: 'invalid_request_error', code: 'parameter_unknown', param: 'shopper', message: 'Received unknown parameter: shopper' },
        declined(),
        { ...failed, code: 'parameter_unknown' },
      ),
    'any other answer': () => stripeAnswers(418, { type: 'api_error', message: 'I am a teapot' }, unknown, unknown),
  });
});

// ------------------------------------------------------------------------------------------------- Braintree
let bt: FakeBraintree;
let btGateway: PaymentGateway;
const btOn = (fake: FakeBraintree, privateKey = fake.privateKey) =>
  braintreeAdapter.create(
    braintreeAdapter.parseCredentials({
      environment: 'sandbox',
      merchantId: fake.merchantId,
      publicKey: fake.publicKey,
      privateKey,
      merchantAccountIds: { USD: 'plusone_usd' },
    }),
    { apiBaseUrl: fake.url, timeoutMs: TIMEOUT_MS },
  );
const btRequest = (token = 'bt_visa') => request(token, 'bt_customer');
const SALE = /^POST \/merchants\/[^/]+\/transactions$/;
const SUBMIT = /submit_for_settlement$/;

async function btHeld(): Promise<string> {
  const result = await btGateway.authorize(btRequest());
  if (result.status !== 'authorized') throw new Error(`expected authorized, got ${JSON.stringify(result)}`);
  return result.ref;
}

async function btAnswers(status: number, authorize: object, capture: object, body = ''): Promise<void> {
  const ref = await btHeld();
  bt.failNext(status, SALE, body);
  expect(await btGateway.authorize(btRequest())).toMatchObject(authorize);
  bt.failNext(status, SUBMIT, body);
  expect(await btGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject(capture);
}

describe('braintree', () => {
  beforeAll(async () => {
    bt = await startFakeBraintree({ slowResponseMs: TIMEOUT_MS * 3 });
    btGateway = btOn(bt);
  });
  afterAll(() => bt?.close());

  describeTable('Braintree', BRAINTREE_ERRORS, {
    'authenticationError, authorizationError or upgradeRequired': async () => {
      const wrong = btOn(bt, 'wrongprivatekey0000');
      const result = await wrong.authorize(btRequest());
      expect(result).toMatchObject(declined());
      expect(JSON.stringify(result)).not.toContain('wrongprivate');
      await expectConfigurationThrown(wrong.capture('abc123', 1999, 'USD', 'ups_x:capture'));
      bt.failNext(403, SUBMIT);
      await expectConfigurationThrown(btGateway.capture(await btHeld(), 1999, 'USD', 'ups_x:capture'));
    },
    'tooManyRequestsError (429)': () => btAnswers(429, unknown, unknown),
    'serverError, serviceUnavailableError, gatewayTimeoutError or requestTimeoutError': () => btAnswers(503, unknown, unknown),
    'unexpectedError (timeout, socket error, unexpected status)': async () => {
      await btAnswers(502, unknown, unknown);
      expect(await btGateway.authorize(btRequest('bt_slow'))).toMatchObject({ status: 'unknown', reason: expect.stringContaining('timed out') });
    },
    'notFoundError (404: no such transaction, or a wrong merchant id)': async () => {
      expect(await btGateway.void('nosuch01', 'ups_x:void')).toMatchObject(failed);
      expect(await btGateway.lookup({ ref: 'nosuch01' })).toEqual({ status: 'not_found' });
      bt.failNext(404, SALE);
      expect(await btGateway.authorize(btRequest())).toMatchObject(declined());
    },
    'validation error (422)': async () => {
      // 91518: the vaulted token is unknown; 91521: a refund of more than the settled 19.99.
      expect(await btGateway.authorize(btRequest('bt_gone'))).toMatchObject(declined());
      const captured = await btGateway.authorize({ ...btRequest(), capture: 'immediate' });
      if (captured.status !== 'authorized') throw new Error('expected authorized');
      bt.settle();
      expect(await btGateway.refund(captured.ref, 99_999, 'USD', 'ups_x:refund')).toMatchObject({ ...failed, code: '91521' });
    },
    'invalidKeysError (the SDK refused a request key; nothing was sent)': async () => {
      // A misspelt key, as an adapter typo would send it: the SDK's own verifyKeys refuses it before any request.
      const ref = await btHeld();
      const sdk = new braintree.BraintreeGateway({ environment: braintree.Environment.Sandbox, merchantId: 'm', publicKey: 'p', privateKey: 'k' });
      const shared: braintree.TransactionGateway = Object.getPrototypeOf(sdk.transaction);
      const { sale, submitForSettlement } = shared;
      const saleSpy = vi.spyOn(shared, 'sale').mockImplementation(function (this: braintree.TransactionGateway, request) {
        const misspelt = { ...request, transactionSorce: 'unscheduled' };
        return sale.call(this, misspelt);
      });
      const submitSpy = vi.spyOn(shared, 'submitForSettlement').mockImplementation(function (this: braintree.TransactionGateway, id, amount) {
        return Reflect.apply(submitForSettlement, this, [id, amount, { amuont: amount }]);
      });
      const sent = bt.requests.length;
      try {
        expect(await btGateway.authorize(btRequest())).toMatchObject({ ...declined(), message: expect.stringContaining('transactionSorce') });
        expect(await btGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject({ ...failed, code: 'invalidKeysError' });
      } finally {
        saleSpy.mockRestore();
        submitSpy.mockRestore();
      }
      expect(bt.requests.slice(sent).filter((recorded) => recorded.method !== 'POST' || !recorded.path.includes('advanced_search'))).toEqual([]);
    },
    'any other error': () => btAnswers(201, unknown, unknown, '<transaction><id>broken'),
  });
});

// ----------------------------------------------------------------------------------------------------- Adyen
let adyen: FakeAdyen;
let adyenGateway: PaymentGateway;
const ADYEN = {
  apiKey: 'AQEyhmfxLI3MaBFLw0m_error_table_key_0001',
  merchantAccount: 'PlusoneErrorsECOM',
  hmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
};
const adyenOn = (url: string, apiKey = ADYEN.apiKey) =>
  adyenAdapter.create(
    adyenAdapter.parseCredentials({
      apiKey,
      merchantAccount: ADYEN.merchantAccount,
      environment: 'test',
      clientKey: 'test_PLUSONEERRORSCLIENTKEY1',
      hmacKey: ADYEN.hmacKey,
    }),
    { apiBaseUrl: url, timeoutMs: TIMEOUT_MS, publicUrl: 'https://plusone.example' },
  );
const adyenRequest = (method: string = FAKE_ADYEN_METHODS.success) => request(method, FAKE_SHOPPER);

async function adyenHeld(): Promise<string> {
  const result = await adyenGateway.authorize(adyenRequest());
  if (result.status !== 'authorized') throw new Error(`expected authorized, got ${JSON.stringify(result)}`);
  return result.ref;
}

async function adyenAnswers(status: number, errorCode: string, authorize: object, capture: object): Promise<void> {
  const ref = await adyenHeld();
  adyen.failNext(status, errorCode, 'Injected');
  expect(await adyenGateway.authorize(adyenRequest())).toMatchObject(authorize);
  adyen.failNext(status, errorCode, 'Injected');
  expect(await adyenGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject(capture);
}

describe('adyen', () => {
  beforeAll(async () => {
    adyen = await startFakeAdyen(ADYEN);
    adyenGateway = adyenOn(adyen.url);
  });
  afterAll(() => adyen?.close());

  describeTable('Adyen', ADYEN_ERRORS, {
    'no answer (timeout or network)': async () => {
      const closed = await startFakeAdyen(ADYEN);
      await closed.close();
      const gone = adyenOn(closed.url);
      expect(await gone.authorize(adyenRequest())).toMatchObject(unknown);
      expect(await gone.capture('ANYPSP0000000000', 1999, 'USD', 'ups_x:capture')).toMatchObject(unknown);
      adyen.delayNext(TIMEOUT_MS * 2);
      expect(await adyenGateway.authorize(adyenRequest())).toMatchObject(unknown);
    },
    'HTTP 401 or 403 (API key, its roles, or the merchant account)': async () => {
      const wrong = adyenOn(adyen.url, 'AQE_wrong_key_0000000000');
      const result = await wrong.authorize(adyenRequest());
      expect(result).toMatchObject(declined());
      expect(JSON.stringify(result)).not.toContain('AQE_wrong');
      await expectConfigurationThrown(wrong.capture('ANYPSP0000000000', 1999, 'USD', 'ups_x:capture'));
      const ref = await adyenHeld();
      adyen.failNext(403, '901', 'Invalid Merchant Account');
      expect(await adyenGateway.authorize(adyenRequest())).toMatchObject(declined());
      adyen.failNext(403, '901', 'Invalid Merchant Account');
      await expectConfigurationThrown(adyenGateway.capture(ref, 1999, 'USD', `${ref}:capture`));
    },
    'HTTP 429 (rate limited)': () => adyenAnswers(429, '000', unknown, unknown),
    'HTTP 5xx': () => adyenAnswers(500, '905', unknown, unknown),
    'errorCode 704 (key in progress, or used with another body)': async () => {
      const first = adyenRequest();
      await adyenGateway.authorize(first);
      expect(await adyenGateway.authorize({ ...first, amount: 2999 })).toMatchObject(unknown);
      const ref = await adyenHeld();
      await adyenGateway.capture(ref, 1000, 'USD', `${ref}:capture`);
      expect(await adyenGateway.capture(ref, 1999, 'USD', `${ref}:capture`)).toMatchObject(unknown);
    },
    'errorCode 800 (contract not found: the stored card is gone)': async () => {
      expect(await adyenGateway.authorize(adyenRequest('spm_gone'))).toMatchObject(declined('card_declined'));
    },
    'other HTTP 4xx (the request is invalid: validation 1xx, 422)': async () => {
      await adyenAnswers(422, '130', declined(), { ...failed, code: 'adyen_130' });
      expect(await adyenGateway.capture('NOSUCHPSP0000000', 1999, 'USD', 'ups_x:capture')).toMatchObject({ ...failed, code: 'adyen_167' });
    },
  });

  it('a /payments/details Adyen refuses decides nothing: the step stays open', async () => {
    const challenged = await adyenGateway.authorize(adyenRequest(FAKE_ADYEN_METHODS.challenge));
    if (challenged.status !== 'requires_action') throw new Error('expected requires_action');
    const result: AuthorizeResult = await adyenGateway.completeAction(challenged.ref, 'ups_x:complete', { threeDSResult: 'not-base64-json' });
    expect(result).toMatchObject(unknown);
  });
});
