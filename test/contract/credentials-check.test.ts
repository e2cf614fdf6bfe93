/**
 * `verifyCredentials`, the check every real adapter makes of new credentials before Plusone saves them,
 * against each PSP's in-process fake: one shared suite (valid, refused, unreachable, the exact read-only
 * requests on the wire, nothing changed at the PSP, no secret in a message), then what each PSP refuses
 * of its own (a restricted Stripe key's permissions, Braintree's merchant id and merchant accounts,
 * Adyen's merchant account), and the one mapping from error classes to the check's outcome.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterOptions, CredentialsCheck } from '../../src/gateways/adapter';
import { adyenAdapter } from '../../src/gateways/adyen';
import { braintreeAdapter } from '../../src/gateways/braintree/braintree';
import { credentialsFailure, type PspErrorClass } from '../../src/gateways/errors';
import { stripeAdapter } from '../../src/gateways/stripe/adapter';
import { startFakeAdyen, type FakeAdyen } from '../fakes/adyen';
import { startFakeBraintree, type FakeBraintree } from '../fakes/braintree';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import type { RecordedRequest } from './gateway-contract';

// Generous, so that a loaded machine never turns an answer into a timeout; the black hole gets a short one.
const TIMEOUT_MS = 5_000;
const SHORT_TIMEOUT_MS = 300;
const STRIPE_KEY = 'sk_test_51PlusoneCheckKey00000000004242';
const STRIPE_INPUT = { secretKey: STRIPE_KEY, publishableKey: 'pk_test_51PlusoneCheckKey00000000009999' };
const ADYEN_INPUT = {
  apiKey: 'AQEyhmfxLI3MaBFLw0m_check_test_api_key_5555',
  merchantAccount: 'PlusoneCheckECOM',
  environment: 'test',
  clientKey: 'test_PLUSONECHECKCLIENTKEY5555',
};
const ADYEN_HMAC = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';

/** A server that takes connections and never answers: a PSP that does not answer in time. */
async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A base URL where nothing listens any more. */
async function closedPort(): Promise<string> {
  const hole = await blackHole();
  await hole.close();
  return hole.url;
}

interface CheckHarness {
  /** The credentials input of the fake's account, and the same with a secret the PSP does not know. */
  readonly valid: Record<string, unknown>;
  readonly wrongSecret: Record<string, unknown>;
  /** The secret of `wrongSecret`, which no message may echo. */
  readonly secret: string;
  readonly baseUrl: string;
  verify(input: Record<string, unknown>, options: AdapterOptions): Promise<CredentialsCheck>;
  requests(): readonly RecordedRequest[];
  /** The next request answers this 5xx. */
  failNext(status: number): void;
  /** The requests a check of `valid` makes: read-only, no idempotency key. */
  expectCheckRequests(sent: readonly RecordedRequest[]): void;
  /** Payments (or transactions) held at the PSP: the check creates none. */
  paymentCount(): number;
}

let stripe: FakeStripe;
let braintree: FakeBraintree;
let adyen: FakeAdyen;

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKeys: [STRIPE_KEY] });
  braintree = await startFakeBraintree();
  adyen = await startFakeAdyen({ apiKey: ADYEN_INPUT.apiKey, merchantAccount: ADYEN_INPUT.merchantAccount, hmacKey: ADYEN_HMAC });
});
afterAll(async () => {
  await Promise.all([stripe?.close(), braintree?.close(), adyen?.close()]);
});

const braintreeInput = () => ({
  environment: 'sandbox',
  merchantId: braintree.merchantId,
  publicKey: braintree.publicKey,
  privateKey: braintree.privateKey,
  merchantAccountId: 'plusone_usd',
  merchantAccountIds: { USD: 'plusone_usd', JPY: 'plusone_jpy' },
});

/** Built once the fakes run (their URLs and keys are known only then). */
const HARNESSES: { readonly name: string; readonly make: () => CheckHarness }[] = [
  {
    name: 'stripe',
    make: () => ({
      valid: STRIPE_INPUT,
      wrongSecret: { ...STRIPE_INPUT, secretKey: 'sk_test_51RolledKeyThatStripeForgot0007' },
      secret: 'sk_test_51RolledKeyThatStripeForgot0007',
      baseUrl: stripe.baseUrl,
      verify: (input, options) => stripeAdapter.verifyCredentials(stripeAdapter.parseCredentials(input), options),
      requests: () => stripe.requests,
      failNext: (status) => stripe.injectFault(status),
      expectCheckRequests(sent) {
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ method: 'GET', path: '/v1/payment_intents', body: { limit: '1' } });
        expect(sent[0]?.headers.authorization).toBe(`Bearer ${STRIPE_KEY}`);
        expect(sent[0]?.headers['idempotency-key']).toBeUndefined();
      },
      paymentCount: () => stripe.intentCount(),
    }),
  },
  {
    name: 'braintree',
    make: () => ({
      valid: braintreeInput(),
      wrongSecret: { ...braintreeInput(), privateKey: 'rolledprivatekey0000000000000000' },
      secret: 'rolledprivatekey0000000000000000',
      baseUrl: braintree.url,
      verify: (input, options) => braintreeAdapter.verifyCredentials(braintreeAdapter.parseCredentials(input), options),
      requests: () => braintree.requests,
      failNext: (status) => braintree.failNext(status),
      expectCheckRequests(sent) {
        const prefix = `/merchants/${braintree.merchantId}`;
        expect(sent[0]).toMatchObject({
          method: 'POST',
          path: `${prefix}/transactions/advanced_search_ids`,
          body: { search: { order_id: { is: 'plusone:credentials-check' } } },
        });
        // One client token per merchant account named (plusone_usd twice is asked once), and nothing else.
        const tokens = sent.slice(1);
        expect(tokens.map((recorded) => `${recorded.method} ${recorded.path}`)).toEqual([
          `POST ${prefix}/client_token`,
          `POST ${prefix}/client_token`,
        ]);
        const accounts = tokens.map(
          (recorded) => (recorded.body as { client_token: { merchant_account_id: string } }).client_token.merchant_account_id,
        );
        expect(accounts.sort()).toEqual(['plusone_jpy', 'plusone_usd']);
      },
      paymentCount: () => braintree.transactions.size,
    }),
  },
  {
    name: 'adyen',
    make: () => ({
      valid: ADYEN_INPUT,
      wrongSecret: { ...ADYEN_INPUT, apiKey: 'AQEyhmfxRolled_api_key_Adyen_forgot_0007' },
      secret: 'AQEyhmfxRolled_api_key_Adyen_forgot_0007',
      baseUrl: adyen.url,
      verify: (input, options) => adyenAdapter.verifyCredentials(adyenAdapter.parseCredentials(input), options),
      requests: () => adyen.requests,
      failNext: (status) => adyen.failNext(status),
      expectCheckRequests(sent) {
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ method: 'POST', path: '/v72/paymentMethods', body: { merchantAccount: ADYEN_INPUT.merchantAccount } });
        expect(Object.keys(sent[0]?.body as object)).toEqual(['merchantAccount']);
        expect(sent[0]?.headers['x-api-key']).toBe(ADYEN_INPUT.apiKey);
        expect(sent[0]?.headers['idempotency-key']).toBeUndefined();
      },
      paymentCount: () => adyen.paymentCount(),
    }),
  },
];

describe.each(HARNESSES)('$name › verifyCredentials', ({ make }) => {
  let harness: CheckHarness;
  const options = (baseUrl: string, timeoutMs = TIMEOUT_MS): AdapterOptions => ({ apiBaseUrl: baseUrl, timeoutMs });

  beforeAll(() => {
    harness = make();
  });

  it('takes the credentials of the account with read-only requests that change nothing at the PSP', async () => {
    const mark = harness.requests().length;
    const payments = harness.paymentCount();
    expect(await harness.verify(harness.valid, options(harness.baseUrl))).toEqual({ status: 'valid' });
    harness.expectCheckRequests(harness.requests().slice(mark));
    expect(harness.paymentCount()).toBe(payments);
  });

  it('reports a secret the PSP does not know as refused, saying what the PSP said and never the secret', async () => {
    const check = await harness.verify(harness.wrongSecret, options(harness.baseUrl));
    expect(check).toMatchObject({ status: 'refused', message: expect.stringMatching(/401/) });
    expect(JSON.stringify(check)).not.toContain(harness.secret);
    expect(JSON.stringify(check)).not.toContain(harness.secret.slice(-4));
  });

  it('reports a 5xx as unreachable: nothing is known of the credentials', async () => {
    harness.failNext(503);
    expect(await harness.verify(harness.valid, options(harness.baseUrl))).toMatchObject({ status: 'unreachable', message: expect.any(String) });
  });

  it('reports a PSP that refuses connections as unreachable', async () => {
    expect(await harness.verify(harness.valid, options(await closedPort()))).toMatchObject({ status: 'unreachable' });
  });

  it('reports a PSP that does not answer within the adapter timeout as unreachable, once that timeout passed', async () => {
    const hole = await blackHole();
    try {
      const started = performance.now();
      expect(await harness.verify(harness.valid, options(hole.url, SHORT_TIMEOUT_MS))).toMatchObject({ status: 'unreachable' });
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(TIMEOUT_MS);
    } finally {
      await hole.close();
    }
  });
});

describe('stripe › what the check refuses', () => {
  it('a restricted key without PaymentIntents read access (403 permission_error), pointing at the permissions it needs', async () => {
    stripe.injectFault(403, {
      type: 'invalid_request_error',
      message: "The provided key 'rk_test_***4242' does not have the required permissions for this endpoint on account 'acct_1Fake'.",
    });
    const check = await stripeAdapter.verifyCredentials(stripeAdapter.parseCredentials(STRIPE_INPUT), {
      apiBaseUrl: stripe.baseUrl,
      timeoutMs: TIMEOUT_MS,
    });
    expect(check).toEqual({ status: 'refused', message: expect.stringContaining('403 permission_error') });
    expect(JSON.stringify(check)).not.toContain('rk_test_');
  });

  it('the fake answers an unknown key with the body Stripe sends, the key masked', async () => {
    const response = await fetch(`${stripe.baseUrl}/v1/payment_intents?limit=1`, {
      headers: { authorization: 'Bearer sk_test_51Unknown000000000009876' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { type: 'invalid_request_error', message: `Invalid API Key provided: sk_test_${'*'.repeat(20)}9876` },
    });
  });
});

describe('braintree › what the check refuses', () => {
  const verify = (overrides: Record<string, unknown>) =>
    braintreeAdapter.verifyCredentials(braintreeAdapter.parseCredentials({ ...braintreeInput(), ...overrides }), {
      apiBaseUrl: braintree.url,
      timeoutMs: TIMEOUT_MS,
    });

  it('a merchant id that is not the keys’ merchant (404 notFoundError), naming it', async () => {
    const check = await verify({ merchantId: 'othermerchant001' });
    expect(check).toEqual({ status: 'refused', message: expect.stringContaining('no merchant othermerchant001') });
  });

  it('a merchant account that is not one of the merchant’s (92807), naming it; one per currency is asked too', async () => {
    expect(await verify({ merchantAccountId: 'plusone_gbp' })).toEqual({
      status: 'refused',
      message: expect.stringMatching(/merchant account plusone_gbp \(92807\)/),
    });
    expect(await verify({ merchantAccountId: null, merchantAccountIds: { EUR: 'plusone_eur' } })).toMatchObject({
      status: 'refused',
      message: expect.stringContaining('plusone_eur'),
    });
  });

  it('wrong keys are asked once: no client token is requested after the search is refused', async () => {
    const mark = braintree.requests.length;
    expect(await verify({ privateKey: 'rolledprivatekey0000000000000000' })).toMatchObject({ status: 'refused' });
    expect(braintree.requests.slice(mark)).toHaveLength(1);
  });

  it("a role that may not search transactions (403 authorizationError), pointing at what the key's role needs", async () => {
    braintree.failNext(403);
    expect(await verify({})).toEqual({ status: 'refused', message: expect.stringContaining('may not search transactions') });
  });

  it('without merchant accounts, the search alone decides', async () => {
    const mark = braintree.requests.length;
    expect(await verify({ merchantAccountId: null, merchantAccountIds: {} })).toEqual({ status: 'valid' });
    expect(braintree.requests.slice(mark)).toHaveLength(1);
  });
});

describe('adyen › what the check refuses', () => {
  it('a merchant account the API key may not use (403 errorCode 901), naming it', async () => {
    const check = await adyenAdapter.verifyCredentials(adyenAdapter.parseCredentials({ ...ADYEN_INPUT, merchantAccount: 'SomeoneElsesECOM' }), {
      apiBaseUrl: adyen.url,
      timeoutMs: TIMEOUT_MS,
    });
    expect(check).toEqual({ status: 'refused', message: expect.stringContaining('403 errorCode 901') });
    expect(check.status === 'refused' && check.message).toContain('SomeoneElsesECOM');
  });

  it('on the live environment, a PSP that cannot be reached hints at liveEndpointUrlPrefix', async () => {
    const live = adyenAdapter.parseCredentials({
      ...ADYEN_INPUT,
      environment: 'live',
      liveEndpointUrlPrefix: '1797a841fbb37ca7-PlusoneCheck',
      clientKey: 'live_PLUSONECHECKCLIENTKEY5555',
    });
    const check = await adyenAdapter.verifyCredentials(live, { apiBaseUrl: await closedPort(), timeoutMs: TIMEOUT_MS });
    expect(check).toEqual({ status: 'unreachable', message: expect.stringContaining('liveEndpointUrlPrefix') });
  });
});

describe('credentialsFailure › the error classes', () => {
  const sorted = (errorClass: PspErrorClass) => ({
    class: errorClass,
    rule: 'a rule',
    decline: 'processing_error' as const,
    message: 'what the PSP said',
    code: 'x',
    ref: null,
  });

  it.each([
    ['retryable', 'unreachable'],
    ['unknown', 'unreachable'],
    ['final', 'refused'],
    ['configuration', 'refused'],
  ] as const)('%s → %s', (errorClass, status) => {
    expect(credentialsFailure(sorted(errorClass), 'the merchant’s words')).toMatchObject({ status });
  });

  it("a refusal says the adapter's words, else the PSP's message and the rule", () => {
    expect(credentialsFailure(sorted('configuration'), 'the key is revoked')).toEqual({ status: 'refused', message: 'the key is revoked' });
    expect(credentialsFailure(sorted('final'))).toEqual({ status: 'refused', message: 'what the PSP said (a rule)' });
    expect(credentialsFailure(sorted('retryable'), 'ignored')).toEqual({ status: 'unreachable', message: 'a rule: what the PSP said' });
  });
});
