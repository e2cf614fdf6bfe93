/**
 * The Stripe adapter (official `stripe` SDK) against an in-process fake of Stripe's HTTP API: the shared
 * contract suite, then what is Stripe's own — the exact requests on the wire, error mapping, credentials
 * and webhook signatures.
 */
import { randomUUID } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { WebhookVerificationError } from '../../src/gateways/adapter';
import type { AuthorizeRequest, AuthorizeResult, PaymentGateway } from '../../src/gateways/contract';
import { stripeAdapter, type StripeCredentials } from '../../src/gateways/stripe/adapter';
import { stripeClient, toStripeAmount } from '../../src/gateways/stripe/stripe';
import { signedStripeEvent, startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { describeGatewayContract } from './gateway-contract';

const TIMEOUT_MS = 300;
const CREDENTIALS: StripeCredentials = {
  secretKey: 'sk_test_51PlusoneContractKey0000004242',
  publishableKey: 'pk_test_51PlusoneContractKey0000009999',
  webhookSecret: 'whsec_PlusoneContractSigningSecret1234',
};
const VISA = { brand: 'visa', last4: '4242' };

function fakeStatus(status: string): string {
  return status === 'canceled' ? 'voided' : status;
}

describeGatewayContract('stripe', async () => {
  const fake = await startFakeStripe({ slowResponseMs: TIMEOUT_MS * 4 });
  const gateway = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
  const method = (paymentMethodRef: string) => ({ paymentMethodRef, customerRef: 'cus_contract', card: VISA });
  return {
    gateway,
    merchantRef: 'acct_contract',
    methods: {
      success: method('pm_card_visa'),
      declined: { ...method('pm_card_chargeDeclined'), code: 'card_declined' },
      insufficientFunds: { ...method('pm_card_chargeDeclinedInsufficientFunds'), code: 'insufficient_funds' },
      expired: { ...method('pm_card_chargeDeclinedExpiredCard'), code: 'expired_card' },
      requiresAction: method('pm_card_authenticationRequired'),
      timeout: method('pm_card_fake_slow'),
    },
    // As the fake Stripe.js does in the page: the client secret and publishable key from the action.
    async finishAction(_ref, action, outcome) {
      const response = await fetch(`${fake.baseUrl}/_fake/3ds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_secret: action.clientSecret, publishable_key: action.data?.publishableKey, outcome }),
      });
      expect(response.status).toBe(200);
      return undefined;
    },
    async paymentAtPsp(ref) {
      const intent = fake.intent(ref);
      if (!intent) throw new Error(`no fake PaymentIntent ${ref}`);
      return {
        amount: intent.amount,
        currency: intent.currency.toUpperCase(),
        captured: intent.captured,
        refunded: intent.refunded,
        status: fakeStatus(intent.status),
      };
    },
    paymentCount: async () => fake.intentCount(),
    requests: () => fake.requests,
    settle: async () => undefined,
    timeoutMs: TIMEOUT_MS,
    close: () => fake.close(),
  };
});

/** Just enough DOM for the fake Stripe.js (no Chromium in the contract project): elements, clicks, focus. */
interface StubElement {
  tagName: string;
  attributes: Record<string, string>;
  children: StubElement[];
  textContent: string;
  listeners: Array<() => void>;
  parent: StubElement | null;
  [property: string]: unknown;
}

type StripeJs = (publishableKey: string) => { handleNextAction(options: { clientSecret?: string }): Promise<unknown> };

function isStripeJs(value: unknown): value is StripeJs {
  return typeof value === 'function';
}

function fakePage() {
  let focused: StubElement | null = null;
  const make = (tagName: string): StubElement => {
    const node: StubElement = {
      tagName,
      attributes: {},
      children: [],
      textContent: '',
      listeners: [],
      parent: null,
      style: {},
      setAttribute: (name: string, value: string) => {
        node.attributes[name] = value;
      },
      appendChild: (child: StubElement) => {
        child.parent = node;
        node.children.push(child);
      },
      addEventListener: (_type: string, listener: () => void) => node.listeners.push(listener),
      remove: () => {
        node.parent?.children.splice(node.parent.children.indexOf(node), 1);
        node.parent = null;
      },
      focus: () => {
        focused = node;
      },
      querySelector: (tag: string) => all(node).find((child) => child.tagName === tag.toUpperCase()) ?? null,
    };
    return node;
  };
  const all = (node: StubElement): StubElement[] => node.children.flatMap((child) => [child, ...all(child)]);
  const body = make('BODY');
  const context: Record<string, unknown> = {
    document: { body, createElement: (tag: string) => make(tag.toUpperCase()) },
    fetch,
    Promise,
    JSON,
    String,
  };
  context.window = context;
  return {
    context,
    Stripe(publishableKey: string) {
      const factory = context.Stripe;
      if (!isStripeJs(factory)) throw new Error('the script did not define window.Stripe');
      return factory(publishableKey);
    },
    dialog: () => all(body).find((node) => node.attributes.role === 'dialog'),
    focused: () => focused?.textContent,
    click: (label: string) =>
      all(body)
        .find((node) => node.tagName === 'BUTTON' && node.textContent === label)
        ?.listeners.forEach((listener) => listener()),
  };
}

describe('stripe › adapter', () => {
  let fake: FakeStripe;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    fake = await startFakeStripe({ slowResponseMs: TIMEOUT_MS * 3 });
    gateway = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const key = (operation: string) => `ups_${randomUUID().replaceAll('-', '').slice(0, 20)}:${operation}`;

  function request(paymentMethodRef: string, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
    return {
      paymentMethodRef,
      customerRef: 'cus_buyer1',
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

  function refOf(result: AuthorizeResult): string {
    if (result.status !== 'authorized' && result.status !== 'requires_action') throw new Error(`expected a payment, got ${JSON.stringify(result)}`);
    return result.ref;
  }

  function requestsSince(start: number) {
    return fake.requests.slice(start);
  }

  describe('requests on the wire', () => {
    it('authorize creates and confirms a buyer-present, manual-capture PaymentIntent under our key', async () => {
      const start = fake.requests.length;
      const authorize = request('pm_card_visa');
      const result = await gateway.authorize(authorize);
      expect(result).toEqual({ status: 'authorized', ref: expect.stringMatching(/^pi_/), card: VISA, captured: false });
      const [sent, ...others] = requestsSince(start);
      expect(others).toEqual([]);
      expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents' });
      expect(sent?.body).toEqual({
        amount: '1999',
        currency: 'usd',
        customer: 'cus_buyer1',
        payment_method: 'pm_card_visa',
        automatic_payment_methods: { enabled: 'true', allow_redirects: 'never' },
        confirm: 'true',
        off_session: 'false',
        capture_method: 'manual',
        metadata: { upsell_id: 'ups_1', order_id: 'ord_1', shop_id: 'shop_1', plusone_idempotency_key: authorize.idempotencyKey },
        expand: ['payment_method'],
      });
      expect(sent?.headers['idempotency-key']).toBe(authorize.idempotencyKey);
      expect(sent?.headers['stripe-version']).toBe('2026-10-28.endive');
      expect(sent?.headers.authorization).toBe(`Bearer ${CREDENTIALS.secretKey}`);
      expect(sent?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    });

    it('immediate capture asks for capture_method automatic and reports the money captured', async () => {
      const start = fake.requests.length;
      const result = await gateway.authorize(request('pm_card_mastercard', { capture: 'immediate', customerRef: null }));
      expect(result).toEqual({ status: 'authorized', ref: expect.any(String), card: { brand: 'mastercard', last4: '4444' }, captured: true });
      const body = requestsSince(start)[0]?.body as Record<string, unknown>;
      expect(body.capture_method).toBe('automatic');
      expect(body).not.toHaveProperty('customer');
    });

    it('capture, cancel and refund send their own paths and bodies, each under our idempotency key', async () => {
      const start = fake.requests.length;
      const captured = refOf(await gateway.authorize(request('pm_card_visa')));
      const voided = refOf(await gateway.authorize(request('pm_card_visa')));
      const keys = { capture: key('capture'), void: key('void'), refund: key('refund') };
      expect(await gateway.capture(captured, 1500, 'USD', keys.capture)).toEqual({ status: 'succeeded' });
      expect(await gateway.refund(captured, 500, 'USD', keys.refund)).toEqual({ status: 'succeeded' });
      expect(await gateway.void(voided, keys.void)).toEqual({ status: 'succeeded' });

      const writes = requestsSince(start).filter((sent) => sent.method === 'POST');
      expect(writes.map((sent) => [sent.path, sent.body])).toEqual([
        ['/v1/payment_intents', expect.anything()],
        ['/v1/payment_intents', expect.anything()],
        [`/v1/payment_intents/${captured}/capture`, { amount_to_capture: '1500' }],
        ['/v1/refunds', { payment_intent: captured, amount: '500' }],
        [`/v1/payment_intents/${voided}/cancel`, { cancellation_reason: 'requested_by_customer' }],
      ]);
      expect(writes.slice(2).map((sent) => sent.headers['idempotency-key'])).toEqual([keys.capture, keys.refund, keys.void]);
      expect(fake.intent(captured)).toMatchObject({ status: 'succeeded', captured: 1500, refunded: 500 });
    });

    it('never lets stripe-node pick a random idempotency key for a write', async () => {
      await gateway.authorize(request('pm_card_chargeDeclined'));
      await gateway.authorize(request('pm_card_authenticationRequired'));
      const writes = fake.requests.filter((sent) => sent.method === 'POST' && sent.path.startsWith('/v1/'));
      expect(writes.length).toBeGreaterThan(4);
      for (const sent of writes) expect(sent.headers['idempotency-key']).toMatch(/^ups_[0-9a-f]{20}:(authorize|capture|void|refund)$/);
    });

    it('looks a key up with a metadata search, and a ref with a retrieve', async () => {
      const authorize = request('pm_card_visa');
      const ref = refOf(await gateway.authorize(authorize));
      const start = fake.requests.length;
      expect(await gateway.lookup({ idempotencyKey: authorize.idempotencyKey })).toMatchObject({ status: 'authorized', ref, card: VISA });
      expect(await gateway.lookup({ ref })).toMatchObject({ status: 'authorized', ref, card: VISA });
      expect(await gateway.lookup({ ref: 'pi_missing' })).toEqual({ status: 'not_found' });
      const [search, retrieve] = requestsSince(start);
      expect(search).toMatchObject({
        method: 'GET',
        path: '/v1/payment_intents/search',
        body: { query: `metadata['plusone_idempotency_key']:'${authorize.idempotencyKey}'`, expand: ['data.payment_method'], limit: '1' },
      });
      expect(retrieve).toMatchObject({ method: 'GET', path: `/v1/payment_intents/${ref}`, body: { expand: ['payment_method'] } });
    });
  });

  describe('outcomes', () => {
    it.each([
      ['pm_card_chargeDeclined', 'card_declined'],
      ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
    ])('maps the 402 card error of %s to %s, keeping the PaymentIntent as ref', async (paymentMethodRef, code) => {
      const result = await gateway.authorize(request(paymentMethodRef));
      expect(result).toEqual({ status: 'declined', code, message: expect.any(String), ref: expect.stringMatching(/^pi_/) });
      if (result.status === 'declined' && result.ref) expect(fake.intent(result.ref)?.status).toBe('requires_payment_method');
    });

    it('declines a stored card Stripe no longer knows, with no ref', async () => {
      expect(await gateway.authorize(request('pm_deleted'))).toEqual({
        status: 'declined',
        code: 'card_declined',
        message: expect.stringContaining('pm_deleted'),
        ref: null,
      });
    });

    it("hands the page the Stripe.js of PLUSONE_STRIPE_JS_URL when one is set (a fake's, in tests)", async () => {
      const own = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS, stripeJsUrl: `${fake.baseUrl}/v3/stripe.js` });
      const result = await own.authorize(request('pm_card_authenticationRequired'));
      expect(result).toMatchObject({
        status: 'requires_action',
        action: { data: { publishableKey: CREDENTIALS.publishableKey, stripeJsUrl: `${fake.baseUrl}/v3/stripe.js` } },
      });
    });

    it('hands the page what Stripe.js needs for 3-D Secure, and reads the outcome back from Stripe', async () => {
      const result = await gateway.authorize(request('pm_card_authenticationRequired'));
      expect(result).toEqual({
        status: 'requires_action',
        ref: expect.stringMatching(/^pi_/),
        action: {
          type: 'three_d_secure',
          clientSecret: expect.stringMatching(/^pi_\w+_secret_\w+$/),
          // Pointed at a mock of the API, the page still loads Stripe's own Stripe.js (a mock serves none).
          data: { publishableKey: CREDENTIALS.publishableKey },
        },
      });
      const ref = refOf(result);
      expect(await gateway.completeAction(ref, key('complete'))).toMatchObject({ status: 'requires_action', ref });
      fake.finishAction(ref, 'succeeded');
      expect(await gateway.completeAction(ref, key('complete'))).toEqual({
        status: 'authorized',
        ref,
        card: { brand: 'visa', last4: '3184' },
        captured: false,
      });
    });

    it.each([500, 503, 429] as const)('answers unknown when Stripe answers %i', async (status) => {
      fake.injectFault(status);
      expect(await gateway.authorize(request('pm_card_visa'))).toMatchObject({ status: 'unknown' });
      const ref = refOf(await gateway.authorize(request('pm_card_visa')));
      fake.injectFault(status);
      expect(await gateway.capture(ref, 1999, 'USD', key('capture'))).toMatchObject({ status: 'unknown' });
      fake.injectFault(status);
      expect(await gateway.lookup({ ref })).toMatchObject({ status: 'unknown' });
    });

    it('answers unknown on a timeout, and a retry under the same key gets the PaymentIntent Stripe made', async () => {
      const before = fake.intentCount();
      const slow = request('pm_card_fake_slow');
      expect(await gateway.authorize(slow)).toEqual({
        status: 'unknown',
        reason: expect.stringMatching(/^connection error or timeout: .*timed? ?out/i),
      });
      const retried = await gateway.authorize({ ...slow });
      expect(retried).toMatchObject({ status: 'authorized' });
      expect(fake.intentCount()).toBe(before + 1);
    });

    it('when search lags behind, lookup says not_found and the retry is answered from the idempotency cache', async () => {
      const lagging = await startFakeStripe({ searchLagMs: 60_000 });
      try {
        const stripe = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: lagging.baseUrl, timeoutMs: TIMEOUT_MS });
        const authorize = request('pm_card_visa');
        const first = await stripe.authorize(authorize);
        expect(await stripe.lookup({ idempotencyKey: authorize.idempotencyKey })).toEqual({ status: 'not_found' });
        expect(await stripe.authorize({ ...authorize })).toEqual(first);
        expect(lagging.intentCount()).toBe(1);
      } finally {
        await lagging.close();
      }
    });

    it('answers unknown when our key is reused with other parameters, never calling it a success', async () => {
      const authorize = request('pm_card_visa');
      await gateway.authorize(authorize);
      const reused = await gateway.authorize({ ...authorize, amount: 2999 });
      expect(reused).toEqual({ status: 'unknown', reason: expect.stringContaining('idempotency_error') });
    });

    it('treats already captured and already canceled as done, and refuses to void captured money', async () => {
      const captured = refOf(await gateway.authorize(request('pm_card_visa')));
      expect(await gateway.capture(captured, 1999, 'USD', key('capture'))).toEqual({ status: 'succeeded' });
      expect(await gateway.capture(captured, 1999, 'USD', key('capture'))).toEqual({ status: 'succeeded' });
      expect(await gateway.void(captured, key('void'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
      const voided = refOf(await gateway.authorize(request('pm_card_visa')));
      expect(await gateway.void(voided, key('void'))).toEqual({ status: 'succeeded' });
      expect(await gateway.void(voided, key('void'))).toEqual({ status: 'succeeded' });
      expect(await gateway.capture(voided, 1999, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
      expect(await gateway.lookup({ ref: voided })).toMatchObject({ status: 'authorized', captured: false });
    });

    it('reads an abandoned 3-D Secure PaymentIntent as declined once cancelled, and a repeat refund as done', async () => {
      const abandoned = refOf(await gateway.authorize(request('pm_card_authenticationRequired')));
      expect(await gateway.void(abandoned, key('void'))).toEqual({ status: 'succeeded' });
      expect(await gateway.lookup({ ref: abandoned })).toMatchObject({ status: 'declined', code: 'authentication_failed', ref: abandoned });
      const failed = refOf(await gateway.authorize(request('pm_card_authenticationRequired')));
      fake.finishAction(failed, 'failed');
      expect(await gateway.completeAction(failed, key('complete'))).toMatchObject({ status: 'declined', code: 'authentication_failed', ref: failed });
      const refunded = refOf(await gateway.authorize(request('pm_card_visa', { capture: 'immediate' })));
      expect(await gateway.refund(refunded, 1999, 'USD', key('refund'))).toEqual({ status: 'succeeded' });
      expect(await gateway.refund(refunded, 1999, 'USD', key('refund'))).toEqual({ status: 'succeeded' });
      expect(fake.intent(refunded)).toMatchObject({ captured: 1999, refunded: 1999 });
    });

    it('declines, without the key in any word, when Stripe refuses the secret key', async () => {
      const badKey = { ...CREDENTIALS, secretKey: 'xk_test_wrongKind123456789' };
      const stripe = stripeAdapter.create(badKey, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
      const result = await stripe.authorize(request('pm_card_visa'));
      expect(result).toMatchObject({ status: 'declined', code: 'processing_error', ref: null });
      expect(JSON.stringify(result)).not.toContain('wrongKind');
    });

    it('converts to Stripe units where Stripe departs from ISO 4217', () => {
      expect(toStripeAmount(1999, 'USD')).toBe(1999);
      expect(toStripeAmount(1999, 'JPY')).toBe(1999);
      expect(toStripeAmount(19_990, 'KWD')).toBe(19_990);
      expect(toStripeAmount(500, 'ISK')).toBe(50_000);
      expect(toStripeAmount(12_300, 'MGA')).toBe(123);
      expect(() => toStripeAmount(12_345, 'MGA')).toThrow(DomainError);
    });
  });

  describe('fake Stripe.js', () => {
    it('is served with CORS headers and defines Stripe().handleNextAction', async () => {
      const response = await fetch(`${fake.baseUrl}/v3/stripe.js`);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('content-type')).toContain('javascript');
      const code = await response.text();
      expect(code).toContain('window.Stripe');
      expect(code).toContain('handleNextAction');
      expect(code).toContain('Complete authentication');
      expect(code).toContain('Fail authentication');
      const preflight = await fetch(`${fake.baseUrl}/_fake/3ds`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    });

    it.each([
      ['Complete authentication', { paymentIntent: { id: expect.any(String), status: 'requires_capture' } }, 'authorized'],
      ['Fail authentication', { error: expect.objectContaining({ code: 'payment_intent_authentication_failure' }) }, 'declined'],
    ])('handleNextAction: "%s" resolves like Stripe.js and Stripe then reports it', async (button, resolved, outcome) => {
      const result = await gateway.authorize(request('pm_card_authenticationRequired'));
      if (result.status !== 'requires_action') throw new Error(result.status);
      const page = fakePage();
      runInNewContext(await (await fetch(`${fake.baseUrl}/v3/stripe.js`)).text(), page.context);
      const handled = page.Stripe(CREDENTIALS.publishableKey).handleNextAction({ clientSecret: result.action.clientSecret });
      expect(page.dialog()).toMatchObject({ attributes: { role: 'dialog', 'aria-modal': 'true' } });
      expect(page.focused()).toBe('Complete authentication');
      page.click(button);
      expect(await handled).toEqual(resolved);
      expect(page.dialog()).toBeUndefined();
      expect(await gateway.completeAction(result.ref, key('complete'))).toMatchObject({ status: outcome });
    });
  });
});

describe('stripe › the fake refuses what Stripe refuses', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await startFakeStripe();
    stripe = stripeClient(CREDENTIALS.secretKey, { apiBaseUrl: fake.baseUrl, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const key = () => `ups_${randomUUID()}:authorize`;
  /** A create the adapter could send; each test breaks one thing in it. */
  const VALID = {
    amount: 1999,
    currency: 'usd',
    customer: 'cus_buyer1',
    payment_method: 'pm_card_visa',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    confirm: true,
    off_session: false,
    capture_method: 'manual',
    metadata: { upsell_id: 'ups_1' },
  };

  interface Refused {
    readonly status: number | undefined;
    readonly type: string | undefined;
    readonly code: string | undefined;
    readonly param: string | undefined;
    readonly message: string;
  }

  /** What the SDK reports of the error Stripe (here the fake) answered. */
  async function refused(call: Promise<unknown>): Promise<Refused> {
    try {
      await call;
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      return { status: error.statusCode, type: error.rawType, code: error.code, param: error.param, message: error.message };
    }
    throw new Error('expected the request to be refused');
  }

  /** A create sent as the SDK sends it, whatever its parameters (`rawRequest` takes any). */
  const create = (params: Record<string, unknown>, idempotencyKey = key()): Promise<unknown> =>
    stripe.rawRequest('POST', '/v1/payment_intents', params, { idempotencyKey });

  async function held(): Promise<string> {
    const intent = await stripe.paymentIntents.create(
      { ...VALID, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } },
      { idempotencyKey: key() },
    );
    expect(intent.status).toBe('requires_capture');
    return intent.id;
  }

  it("accepts any parameter of the SDK's PaymentIntentCreateParams, not only those Plusone sends", async () => {
    const intent = await create({
      ...VALID,
      description: 'Upsell: gift wrap',
      receipt_email: 'buyer@example.com',
      statement_descriptor_suffix: 'GIFT WRAP',
      payment_method_options: { card: { request_three_d_secure: 'any' } },
      expand: ['payment_method', 'latest_charge'],
    });
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'requires_capture' });
  });

  it.each([
    ['a top-level parameter', { ...VALID, amount_decimal: '19.99' }, 'amount_decimal'],
    ['a nested parameter', { ...VALID, payment_method_options: { card: { request_3ds: 'any' } } }, 'payment_method_options[card][request_3ds]'],
    [
      'a parameter under a hash with its own fields',
      { ...VALID, automatic_payment_methods: { enabled: true, allow_redirects: 'never', types: ['card'] } },
      'automatic_payment_methods[types]',
    ],
  ])('refuses %s it does not know with parameter_unknown', async (_case, params, param) => {
    expect(await refused(create(params))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param,
      message: `Received unknown parameter: ${param}`,
    });
  });

  it('refuses the create parameter `amount` on a capture, which takes amount_to_capture', async () => {
    const ref = await held();
    const capture: Promise<unknown> = stripe.rawRequest('POST', `/v1/payment_intents/${ref}/capture`, { amount: 1500 }, { idempotencyKey: key() });
    expect(await refused(capture)).toMatchObject({ status: 400, code: 'parameter_unknown', param: 'amount' });
    expect(fake.intent(ref)).toMatchObject({ status: 'requires_capture', captured: 0 });
  });

  it.each([
    ['amount', (({ amount: _amount, ...rest }) => rest)(VALID)],
    ['currency', (({ currency: _currency, ...rest }) => rest)(VALID)],
    ['automatic_payment_methods[enabled]', { ...VALID, automatic_payment_methods: { allow_redirects: 'never' } }],
  ])('refuses a create without the required %s with parameter_missing', async (param, params) => {
    expect(await refused(create(params))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_missing',
      param,
      message: `Missing required param: ${param}.`,
    });
  });

  it('refuses a search without its query', async () => {
    const search: Promise<unknown> = stripe.rawRequest('GET', '/v1/payment_intents/search?limit=1');
    expect(await refused(search)).toMatchObject({ status: 400, code: 'parameter_missing', param: 'query' });
  });

  it.each([
    ['capture_method', { ...VALID, capture_method: 'later' }, 'automatic, automatic_async, or manual'],
    ['confirmation_method', { ...VALID, confirmation_method: 'sometimes' }, 'automatic or manual'],
    ['off_session', { ...VALID, off_session: 'maybe' }, 'true, false, one_off, or recurring'],
    ['setup_future_usage', { ...VALID, setup_future_usage: 'always' }, 'off_session or on_session'],
    [
      'payment_method_options[card][request_three_d_secure]',
      { ...VALID, payment_method_options: { card: { request_three_d_secure: 'sometimes' } } },
      'any, automatic, or challenge',
    ],
  ])('refuses a create with a %s outside its enum, naming the values (no code, as Stripe)', async (param, params, values) => {
    expect(await refused(create(params))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: undefined,
      param,
      message: `Invalid ${param}: must be one of ${values}`,
    });
  });

  it('refuses a cancellation_reason and a refund reason outside their enums', async () => {
    const ref = await held();
    expect(await refused(stripe.paymentIntents.cancel(ref, { cancellation_reason: 'changed_mind' }, { idempotencyKey: key() }))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: undefined,
      param: 'cancellation_reason',
      message: 'Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, or requested_by_customer',
    });
    await stripe.paymentIntents.capture(ref, {}, { idempotencyKey: key() });
    expect(await refused(stripe.refunds.create({ payment_intent: ref, reason: 'changed_mind' }, { idempotencyKey: key() }))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: undefined,
      param: 'reason',
      message: 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
    });
    expect(fake.intent(ref)).toMatchObject({ status: 'succeeded', refunded: 0 });
  });

  it('refuses a boolean that is not true or false, and an empty string for a parameter that cannot be unset', async () => {
    expect(await refused(create({ ...VALID, confirm: 'yes' }))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: undefined,
      param: 'confirm',
      message: 'Invalid boolean: yes',
    });
    expect(await refused(create({ ...VALID, customer: '' }))).toMatchObject({ status: 400, code: 'parameter_invalid_empty', param: 'customer' });
  });

  it.each([
    [12.5, 'Invalid integer: 12.5'],
    ['ten', 'Invalid integer: ten'],
    [0, 'This value must be greater than or equal to 1.'],
    [-100, 'This value must be greater than or equal to 1.'],
  ])('refuses an amount of %s with parameter_invalid_integer', async (amount, message) => {
    expect(await refused(create({ ...VALID, amount }))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      param: 'amount',
      message,
    });
  });

  it('refuses a capture or a refund of no money with parameter_invalid_integer', async () => {
    const ref = await held();
    expect(await refused(stripe.paymentIntents.capture(ref, { amount_to_capture: 0 }, { idempotencyKey: key() }))).toMatchObject({
      status: 400,
      code: 'parameter_invalid_integer',
      param: 'amount_to_capture',
    });
    await stripe.paymentIntents.capture(ref, {}, { idempotencyKey: key() });
    expect(await refused(stripe.refunds.create({ payment_intent: ref, amount: 0 }, { idempotencyKey: key() }))).toMatchObject({
      status: 400,
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
  });

  it.each([
    ['usd', 49, 'Amount must be at least $0.50 usd'],
    ['eur', 49, 'Amount must be at least €0.50 eur'],
    ['gbp', 29, 'Amount must be at least £0.30 gbp'],
    ['jpy', 49, 'Amount must be at least ¥50 jpy'],
  ])("refuses a %s charge of %i, below Stripe's minimum, with amount_too_small", async (currency, amount, message) => {
    expect(await refused(create({ ...VALID, currency, amount }))).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'amount_too_small',
      param: 'amount',
      message,
    });
    expect(await create({ ...VALID, currency, amount: amount + 1 })).toMatchObject({ status: 'requires_capture' });
  });

  it('refuses a charge over eight digits with amount_too_large', async () => {
    expect(await refused(create({ ...VALID, amount: 100_000_000 }))).toMatchObject({ status: 400, code: 'amount_too_large', param: 'amount' });
    expect(await create({ ...VALID, amount: 99_999_999 })).toMatchObject({ status: 'requires_capture' });
  });

  it('refuses a three-decimal amount not ending in 0; the adapter answers it as a final decline', async () => {
    expect(await refused(create({ ...VALID, currency: 'kwd', amount: 19_999 }))).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'amount',
    });
    expect(await create({ ...VALID, currency: 'kwd', amount: 19_990 })).toMatchObject({ status: 'requires_capture' });
    const gateway = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
    const result = await gateway.authorize({
      paymentMethodRef: 'pm_card_visa',
      customerRef: 'cus_buyer1',
      amount: 19_999,
      currency: 'KWD',
      idempotencyKey: key(),
      customerPresent: true,
      capture: 'manual',
      metadata: { upsell_id: 'ups_kwd' },
      merchantRef: 'shop_1',
    });
    expect(result).toMatchObject({ status: 'declined', code: 'processing_error' });
  });

  it('refuses fractional krónur, and the adapter sends ISK in whole krónur', async () => {
    expect(await refused(create({ ...VALID, currency: 'isk', amount: 12_345 }))).toMatchObject({
      status: 400,
      code: 'invalid_charge_amount_no_decimal_compatible',
      param: 'amount',
    });
    const gateway = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
    const result = await gateway.authorize({
      paymentMethodRef: 'pm_card_visa',
      customerRef: 'cus_buyer1',
      amount: 123,
      currency: 'ISK',
      idempotencyKey: key(),
      customerPresent: true,
      capture: 'manual',
      metadata: { upsell_id: 'ups_isk' },
      merchantRef: 'shop_1',
    });
    expect(result).toMatchObject({ status: 'authorized' });
    if (result.status === 'authorized') expect(fake.intent(result.ref)).toMatchObject({ amount: 12_300, currency: 'isk' });
  });

  const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`key_${index}`, 'value']));
  it.each([
    ['51 keys', keys(51), "Metadata can have up to 50 keys, but you've set 51."],
    ['a key of 41 characters', { ['k'.repeat(41)]: 'value' }, `Invalid key: ${'k'.repeat(41)} must be a string under 40 characters`],
    ['a value of 501 characters', { note: 'v'.repeat(501) }, 'must be a string under 500 characters'],
  ])('refuses metadata with %s, naming metadata', async (_case, metadata, message) => {
    const answer = await refused(create({ ...VALID, metadata }));
    expect(answer).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'metadata' });
    expect(answer.message).toContain(message);
  });

  it('takes metadata at the limits: 50 keys, keys of 40 characters, values of 500', async () => {
    const metadata = { ...keys(48), ['k'.repeat(40)]: 'value', note: 'v'.repeat(500) };
    expect(await create({ ...VALID, metadata })).toMatchObject({ status: 'requires_capture' });
  });

  it('refuses an expand of a field that is not an object, and a search expand without data.', async () => {
    expect(await refused(create({ ...VALID, expand: ['client_secret'] }))).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: 'This property cannot be expanded (client_secret).',
    });
    expect(await refused(stripe.paymentIntents.search({ query: "status:'succeeded'", expand: ['payment_method'] }))).toMatchObject({
      status: 400,
      message: "This property cannot be expanded (payment_method). You may want to try expanding 'data.payment_method' instead.",
    });
  });

  it('refuses confirm=true with redirect-based methods allowed and no return_url', async () => {
    const answer = await refused(create({ ...VALID, automatic_payment_methods: { enabled: true } }));
    expect(answer).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(answer.message).toContain('A `return_url` must be specified');
    expect(await create({ ...VALID, automatic_payment_methods: { enabled: true }, return_url: 'https://shop.example/thanks' })).toMatchObject({
      status: 'requires_capture',
    });
  });

  it('refuses an Idempotency-Key over 255 characters, and takes one of 255', async () => {
    const answer = await refused(create(VALID, 'k'.repeat(256)));
    expect(answer).toMatchObject({ status: 400, type: 'invalid_request_error', code: undefined });
    expect(answer.message).toContain(
      'Idempotent key length is 256, which is outside accepted lengths. Idempotent Keys must be 1-255 characters long.',
    );
    expect(await create(VALID, 'k'.repeat(255))).toMatchObject({ status: 'requires_capture' });
  });

  it('refuses a key reused with other parameters with idempotency_error, and keeps no refusal under a key', async () => {
    const reused = key();
    await create(VALID, reused);
    const answer = await refused(create({ ...VALID, amount: 2999 }, reused));
    expect(answer).toMatchObject({ status: 400, type: 'idempotency_error' });
    expect(answer.message).toContain('can only be used with the same parameters');
    // A request refused before the endpoint ran is not saved: the corrected one runs under the same key.
    const corrected = key();
    expect(await refused(create({ ...VALID, capture_method: 'later' }, corrected))).toMatchObject({ status: 400, param: 'capture_method' });
    expect(await create(VALID, corrected)).toMatchObject({ status: 'requires_capture' });
  });
});

describe('stripe › credentials', () => {
  const valid = {
    secretKey: 'sk_live_51SecretValueAbcdef9876',
    publishableKey: 'pk_live_51PublicValueAbcdef1111',
    webhookSecret: 'whsec_SigningValueAbcdef5555',
  };

  function refusal(input: unknown): DomainError {
    try {
      stripeAdapter.parseCredentials(input);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('expected the credentials to be refused');
  }

  it('accepts secret, restricted and publishable keys of one mode, trimmed, the webhook secret optional', () => {
    expect(stripeAdapter.parseCredentials({ ...valid, secretKey: ` ${valid.secretKey}\n` })).toEqual(valid);
    expect(stripeAdapter.parseCredentials({ ...valid, secretKey: 'rk_live_51RestrictedAbcdef777' })).toMatchObject({
      secretKey: 'rk_live_51RestrictedAbcdef777',
    });
    expect(stripeAdapter.parseCredentials({ secretKey: valid.secretKey, publishableKey: valid.publishableKey })).toMatchObject({
      webhookSecret: null,
    });
  });

  it.each([
    ['a non-object', 'sk_live_x', /expected an object/],
    ['a missing secret key', { publishableKey: valid.publishableKey }, /secretKey is required/],
    ['a publishable key as secret key', { ...valid, secretKey: 'pk_live_51SecretValueAbcdef9876' }, /secretKey is a publishable key/],
    ['a malformed secret key', { ...valid, secretKey: 'sk_prod_51SecretValueAbcdef9876' }, /secretKey must look like/],
    ['a malformed publishable key', { ...valid, publishableKey: 'pub_51PublicValueAbcdef1111' }, /publishableKey must look like/],
    [
      'keys of different modes',
      { ...valid, publishableKey: 'pk_test_51PublicValueAbcdef1111' },
      /publishableKey is a test key but secretKey is a live key/,
    ],
    ['a malformed webhook secret', { ...valid, webhookSecret: 'sec_SigningValueAbcdef5555' }, /webhookSecret must look like whsec_/],
    ['a non-string field', { ...valid, secretKey: 42 }, /secretKey must be a string/],
    ['an unknown field', { ...valid, apiKey: 'sk_live_x' }, /unknown field "apiKey"/],
  ])('refuses %s with invalid_credentials naming the field, never the value', (_case, input, message) => {
    const error = refusal(input);
    expect(error.code).toBe('invalid_credentials');
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/SecretValue|PublicValue|SigningValue/);
  });

  it('describes stored credentials with the secrets masked', () => {
    const credentials = stripeAdapter.parseCredentials(valid);
    expect(stripeAdapter.describeCredentials(credentials)).toEqual({
      mode: 'live',
      secretKey: 'sk_live_…9876',
      publishableKey: valid.publishableKey,
      webhookSecret: 'whsec_…5555',
    });
    expect(stripeAdapter.describeCredentials({ ...credentials, webhookSecret: null }).webhookSecret).toBe('not set');
    expect(stripeAdapter.clientConfig(credentials)).toEqual({ publishableKey: valid.publishableKey });
  });
});

describe('stripe › webhooks', () => {
  const secret = CREDENTIALS.webhookSecret ?? '';
  const intent = (metadata: Record<string, string> = { upsell_id: 'ups_42' }) => ({ id: 'pi_123', object: 'payment_intent', metadata });

  function event(type: string, object: unknown, timestamp?: number) {
    return signedStripeEvent({ id: `evt_${type.replaceAll('.', '_')}`, type, object }, secret, timestamp);
  }

  it.each([
    ['payment_intent.amount_capturable_updated', 'authorized'],
    ['payment_intent.succeeded', 'captured'],
    ['payment_intent.payment_failed', 'authorization_failed'],
    ['payment_intent.canceled', 'voided'],
  ])('reads a verified %s as %s, with our upsell id from the metadata', (type, kind) => {
    const { payload, headers } = event(type, intent());
    expect(stripeAdapter.parseWebhook(payload, headers, CREDENTIALS)).toEqual([
      { eventId: `evt_${type.replaceAll('.', '_')}`, ref: 'pi_123', upsellId: 'ups_42', kind, pspType: type },
    ]);
  });

  it('reads charge.refunded by its PaymentIntent, and ignores other events', () => {
    const refunded = event('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_123', metadata: { upsell_id: 'ups_42' } });
    expect(stripeAdapter.parseWebhook(refunded.payload, refunded.headers, CREDENTIALS)).toEqual([
      { eventId: 'evt_charge_refunded', ref: 'pi_123', upsellId: 'ups_42', kind: 'refunded', pspType: 'charge.refunded' },
    ]);
    const other = event('customer.created', { id: 'cus_1', object: 'customer', metadata: {} });
    expect(stripeAdapter.parseWebhook(other.payload, other.headers, CREDENTIALS)).toMatchObject([
      { kind: 'ignored', upsellId: null, pspType: 'customer.created' },
    ]);
  });

  it('refuses a body that does not match its signature', () => {
    const { payload, headers } = event('payment_intent.succeeded', intent());
    expect(() => stripeAdapter.parseWebhook(payload.replace('pi_123', 'pi_999'), headers, CREDENTIALS)).toThrow(WebhookVerificationError);
    const forged = signedStripeEvent({ id: 'evt_forged', type: 'payment_intent.succeeded', object: intent() }, 'whsec_SomeoneElsesSecret000');
    expect(() => stripeAdapter.parseWebhook(forged.payload, forged.headers, CREDENTIALS)).toThrow(/No signatures found matching/);
  });

  it('refuses a signature older than five minutes', () => {
    const stale = event('payment_intent.succeeded', intent(), Math.floor(Date.now() / 1000) - 301);
    expect(() => stripeAdapter.parseWebhook(stale.payload, stale.headers, CREDENTIALS)).toThrow(/tolerance/);
  });

  it("refuses when the header or the shop's signing secret is missing, without echoing the secret", () => {
    const { payload, headers } = event('payment_intent.succeeded', intent());
    expect(() => stripeAdapter.parseWebhook(payload, {}, CREDENTIALS)).toThrow(WebhookVerificationError);
    expect(() => stripeAdapter.parseWebhook(payload, headers, { ...CREDENTIALS, webhookSecret: null })).toThrow(/No Stripe webhook signing secret/);
    try {
      stripeAdapter.parseWebhook(payload, { 'stripe-signature': 't=1,v1=00' }, CREDENTIALS);
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });

  it('reads events the fake builds from its own PaymentIntents', async () => {
    const fake = await startFakeStripe();
    try {
      const gateway = stripeAdapter.create(CREDENTIALS, { apiBaseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS });
      const result = await gateway.authorize({
        paymentMethodRef: 'pm_card_visa',
        customerRef: null,
        amount: 500,
        currency: 'EUR',
        idempotencyKey: `ups_${randomUUID()}:authorize`,
        customerPresent: true,
        capture: 'manual',
        metadata: { upsell_id: 'ups_from_fake' },
        merchantRef: 'shop_1',
      });
      if (result.status !== 'authorized') throw new Error(result.status);
      const { payload, headers } = fake.signedEvent('payment_intent.amount_capturable_updated', result.ref, secret);
      expect(stripeAdapter.parseWebhook(payload, headers, CREDENTIALS)).toMatchObject([
        { kind: 'authorized', ref: result.ref, upsellId: 'ups_from_fake' },
      ]);
      expect(Stripe.webhooks.constructEvent(payload, headers['stripe-signature'] ?? '', secret).type).toBe(
        'payment_intent.amount_capturable_updated',
      );
    } finally {
      await fake.close();
    }
  });
});
