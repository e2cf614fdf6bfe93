/**
 * The sandbox PSP on the suite's real PostgreSQL: its test cards, idempotency, modifications, the 3-D
 * Secure challenge through its Fastify routes, the timeout card and lookups.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuthorizeRequest, AuthorizeResult, LookupResult } from '../../src/gateways/contract';
import { sandboxChallengeRoutes } from '../../src/web/sandbox/challenge';
import { SandboxGateway, SandboxRequestError, sandboxStats } from '../../src/gateways/sandbox/sandbox';
import type { SandboxDatabase } from '../../src/gateways/sandbox/tables';
import { registerSecurityHeaders } from '../../src/http/security-headers';
import { registerJsonParser } from '../../src/http/body';
import { handleError } from '../../src/http/errors';
import { connectDatabase, type DatabaseHandle } from '../../src/store/database';

const BASE_URL = 'https://plusone.example.com';
const clock = { now: () => new Date('2026-11-22T12:00:00.000Z') };

let database: DatabaseHandle;
let gateway: SandboxGateway;
let app: FastifyInstance;

beforeAll(async () => {
  database = connectDatabase(inject('databaseUrl'), { maxConnections: 12 });
  gateway = new SandboxGateway(database.db, { challengeBaseUrl: BASE_URL, clock, hangMs: 200 });
  app = Fastify();
  registerJsonParser(app);
  registerSecurityHeaders(app);
  app.setErrorHandler(handleError);
  await app.register(sandboxChallengeRoutes, {
    issuer: gateway,
    merchant: async () => ({ name: 'Northwind <Coffee>', framers: ['https://shop.example.com'] }),
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await database.close();
});

const run = randomBytes(4).toString('hex');
let counter = 0;

/** A key no other test (or earlier run on the same database) uses. */
function key(label: string): string {
  counter += 1;
  return `ups_${run}_${counter}:${label}`;
}

function request(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    paymentMethodRef: 'pm_sandbox_visa',
    customerRef: 'cus_sandbox_1',
    amount: 1999,
    currency: 'USD',
    idempotencyKey: key('authorize'),
    customerPresent: true,
    capture: 'manual',
    metadata: { upsell_id: 'ups_1', order_id: 'ord_1', shop_id: 'shop_1' },
    merchantRef: `shop_${run}`,
    ...overrides,
  };
}

function refOf(result: AuthorizeResult): string {
  if (result.status === 'unknown' || result.ref === null) throw new Error(`no ref in ${JSON.stringify(result)}`);
  return result.ref;
}

async function authorized(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
  const result = await gateway.authorize(request(overrides));
  expect(result.status).toBe('authorized');
  return refOf(result);
}

async function paymentsForKey(idempotencyKey: string): Promise<number> {
  const row = await database.db
    .withTables<SandboxDatabase>()
    .selectFrom('sandbox_payments')
    .innerJoin('sandbox_requests', 'sandbox_requests.payment_ref', 'sandbox_payments.ref')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('sandbox_requests.idempotency_key', '=', idempotencyKey)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function storedPayment(ref: string) {
  return database.db.withTables<SandboxDatabase>().selectFrom('sandbox_payments').selectAll().where('ref', '=', ref).executeTakeFirstOrThrow();
}

describe('sandbox › authorize', () => {
  it.each([
    ['pm_sandbox_visa', 'visa', '4242'],
    ['pm_sandbox_mastercard', 'mastercard', '4444'],
    ['pm_sandbox_capture_fails', 'visa', '0341'],
    // Each test card reports its own number's last four, as the hosted card field hands them to the page.
    ['pm_sandbox_timeout', 'visa', '0259'],
  ])('authorizes %s and reports its card', async (paymentMethodRef, brand, last4) => {
    const result = await gateway.authorize(request({ paymentMethodRef }));
    expect(result).toEqual({ status: 'authorized', ref: expect.stringMatching(/^sbx_/), card: { brand, last4 }, captured: false });
    expect(await sandboxStats(database.db, refOf(result))).toMatchObject({ status: 'authorized', captures: 0 });
  });

  it.each([
    ['pm_sandbox_declined', 'card_declined'],
    ['pm_sandbox_insufficient_funds', 'insufficient_funds'],
    ['pm_sandbox_expired', 'expired_card'],
  ])('declines %s with %s', async (paymentMethodRef, code) => {
    const result = await gateway.authorize(request({ paymentMethodRef }));
    expect(result).toEqual({ status: 'declined', code, message: expect.any(String), ref: expect.stringMatching(/^sbx_/) });
  });

  it('declines a reference unknown to the sandbox, saying so, without creating a payment', async () => {
    const idempotencyKey = key('authorize');
    const result = await gateway.authorize(request({ paymentMethodRef: 'pm_live_123', idempotencyKey }));
    expect(result).toEqual({ status: 'declined', code: 'card_declined', message: expect.stringContaining('No such payment method'), ref: null });
    expect(await paymentsForKey(idempotencyKey)).toBe(0);
  });

  it('captures at once in immediate capture mode', async () => {
    const result = await gateway.authorize(request({ capture: 'immediate', amount: 4200 }));
    expect(result).toMatchObject({ status: 'authorized', captured: true });
    expect(await sandboxStats(database.db, refOf(result))).toEqual({
      status: 'captured',
      captures: 1,
      voids: 0,
      refunds: 0,
      capturedAmount: 4200,
      refundedAmount: 0,
    });
  });

  it('answers a repeated key with the first answer and creates no second payment', async () => {
    const first = request();
    const again = await gateway.authorize(first);
    expect(await gateway.authorize({ ...first })).toEqual(again);
    expect(await paymentsForKey(first.idempotencyKey)).toBe(1);
  });

  it('treats the same metadata in another key order as the same request', async () => {
    const first = request({ metadata: { a: '1', b: '2' } });
    const result = await gateway.authorize(first);
    expect(await gateway.authorize({ ...first, metadata: { b: '2', a: '1' } })).toEqual(result);
  });

  it('throws when a key is reused with other parameters', async () => {
    const first = request();
    await gateway.authorize(first);
    const reused = gateway.authorize({ ...first, amount: first.amount + 1 });
    await expect(reused).rejects.toBeInstanceOf(SandboxRequestError);
    await expect(gateway.authorize({ ...first, paymentMethodRef: 'pm_sandbox_mastercard' })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });

  it('throws when a key of another operation is reused for an authorize', async () => {
    const ref = await authorized();
    const captureKey = key('capture');
    await gateway.capture(ref, 1999, 'USD', captureKey);
    await expect(gateway.authorize(request({ idempotencyKey: captureKey }))).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('creates one payment when the same key is sent concurrently', async () => {
    const same = request();
    const results = await Promise.all(Array.from({ length: 8 }, () => gateway.authorize(same)));
    expect(new Set(results.map(refOf)).size).toBe(1);
    expect(await paymentsForKey(same.idempotencyKey)).toBe(1);
  });

  it.each([
    ['JPY', 2000],
    ['KWD', 6005],
  ])('keeps %s minor units unchanged through authorize, capture and refund', async (currency, amount) => {
    const ref = await authorized({ currency, amount });
    expect(await storedPayment(ref)).toMatchObject({ amount, currency });
    expect(await gateway.capture(ref, amount, currency, key('capture'))).toEqual({ status: 'succeeded' });
    expect(await gateway.refund(ref, amount - 1, currency, key('refund'))).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ capturedAmount: amount, refundedAmount: amount - 1 });
  });

  it('refuses amounts that are not positive integers of minor units, and unknown currencies', async () => {
    await expect(gateway.authorize(request({ amount: 19.99 }))).rejects.toMatchObject({ code: 'invalid_amount' });
    await expect(gateway.authorize(request({ amount: 0 }))).rejects.toMatchObject({ code: 'invalid_amount' });
    await expect(gateway.authorize(request({ currency: 'XYZ' }))).rejects.toMatchObject({ code: 'invalid_currency' });
  });

  it('still finds an authorization from a new gateway instance, as after a restart', async () => {
    const ref = await authorized();
    const restarted = connectDatabase(inject('databaseUrl'), { maxConnections: 1 });
    try {
      const result = await new SandboxGateway(restarted.db).lookup({ ref });
      expect(result).toMatchObject({ status: 'authorized', ref });
    } finally {
      await restarted.close();
    }
  });
});

describe('sandbox › capture', () => {
  it('captures an authorized payment once, however often it is asked', async () => {
    const ref = await authorized();
    const captureKey = key('capture');
    expect(await gateway.capture(ref, 1999, 'USD', captureKey)).toEqual({ status: 'succeeded' });
    expect(await gateway.capture(ref, 1999, 'USD', captureKey)).toEqual({ status: 'succeeded' });
    expect(await gateway.capture(ref, 1999, 'USD', key('capture'))).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'captured', captures: 1, capturedAmount: 1999 });
  });

  it('captures once when captures with different keys race', async () => {
    const ref = await authorized();
    const results = await Promise.all(Array.from({ length: 6 }, () => gateway.capture(ref, 1999, 'USD', key('capture'))));
    expect(results.every((result) => result.status === 'succeeded')).toBe(true);
    expect(await sandboxStats(database.db, ref)).toMatchObject({ captures: 1 });
  });

  it('captures less than authorized, then refunds no more than was captured', async () => {
    const ref = await authorized({ amount: 5000 });
    expect(await gateway.capture(ref, 3000, 'USD', key('capture'))).toEqual({ status: 'succeeded' });
    expect(await gateway.refund(ref, 3001, 'USD', key('refund'))).toMatchObject({ status: 'failed', code: 'invalid_amount' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ capturedAmount: 3000, refunds: 0 });
  });

  it('fails with invalid_amount above the authorized amount or in another currency', async () => {
    const ref = await authorized();
    expect(await gateway.capture(ref, 2000, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'invalid_amount' });
    expect(await gateway.capture(ref, 1999, 'EUR', key('capture'))).toMatchObject({ status: 'failed', code: 'invalid_amount' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'authorized', captures: 0 });
  });

  it('fails with invalid_state on a voided or declined payment', async () => {
    const voided = await authorized();
    await gateway.void(voided, key('void'));
    expect(await gateway.capture(voided, 1999, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
    const declined = refOf(await gateway.authorize(request({ paymentMethodRef: 'pm_sandbox_declined' })));
    expect(await gateway.capture(declined, 1999, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
  });

  it('fails with capture_declined for the capture_fails card, leaving the hold to be voided', async () => {
    const ref = await authorized({ paymentMethodRef: 'pm_sandbox_capture_fails' });
    expect(await gateway.capture(ref, 1999, 'USD', key('capture'))).toEqual({
      status: 'failed',
      code: 'capture_declined',
      message: expect.any(String),
    });
    expect(await gateway.void(ref, key('void'))).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'voided', captures: 0, voids: 1 });
  });

  it('fails with not_found for a reference the sandbox never issued', async () => {
    expect(await gateway.capture('sbx_missing', 100, 'USD', key('capture'))).toMatchObject({ status: 'failed', code: 'not_found' });
    expect(await gateway.void('sbx_missing', key('void'))).toMatchObject({ status: 'failed', code: 'not_found' });
    expect(await gateway.refund('sbx_missing', 100, 'USD', key('refund'))).toMatchObject({ status: 'failed', code: 'not_found' });
  });
});

describe('sandbox › void', () => {
  it('releases an authorized payment, and succeeds again without a second release', async () => {
    const ref = await authorized();
    expect(await gateway.void(ref, key('void'))).toEqual({ status: 'succeeded' });
    expect(await gateway.void(ref, key('void'))).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'voided', voids: 1 });
  });

  it('fails with invalid_state on a captured payment', async () => {
    const ref = await authorized({ capture: 'immediate' });
    expect(await gateway.void(ref, key('void'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
  });

  it('replays a stored failure for its key even after the payment changed', async () => {
    const ref = await authorized({ paymentMethodRef: 'pm_sandbox_capture_fails' });
    const captureKey = key('capture');
    const failure = await gateway.capture(ref, 1999, 'USD', captureKey);
    await gateway.void(ref, key('void'));
    expect(await gateway.capture(ref, 1999, 'USD', captureKey)).toEqual(failure);
  });
});

describe('sandbox › refund', () => {
  it('refunds captured money in parts until all of it is refunded', async () => {
    const ref = await authorized({ capture: 'immediate', amount: 3000 });
    expect(await gateway.refund(ref, 1000, 'USD', key('refund'))).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'captured', refunds: 1, refundedAmount: 1000 });
    expect(await gateway.refund(ref, 2000, 'USD', key('refund'))).toEqual({ status: 'succeeded' });
    expect(await gateway.refund(ref, 1, 'USD', key('refund'))).toMatchObject({ status: 'failed', code: 'invalid_amount' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'refunded', refunds: 2, refundedAmount: 3000 });
  });

  it('refunds once when the same key is repeated', async () => {
    const ref = await authorized({ capture: 'immediate' });
    const refundKey = key('refund');
    await gateway.refund(ref, 500, 'USD', refundKey);
    expect(await gateway.refund(ref, 500, 'USD', refundKey)).toEqual({ status: 'succeeded' });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ refunds: 1, refundedAmount: 500 });
  });

  it('fails with invalid_state before the money is captured', async () => {
    const ref = await authorized();
    expect(await gateway.refund(ref, 100, 'USD', key('refund'))).toMatchObject({ status: 'failed', code: 'invalid_state' });
  });
});

describe('sandbox › 3-D Secure', () => {
  async function challenged(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
    const result = await gateway.authorize(request({ paymentMethodRef: 'pm_sandbox_3ds_required', ...overrides }));
    const ref = refOf(result);
    expect(result).toEqual({ status: 'requires_action', ref, action: { type: 'three_d_secure', url: `${BASE_URL}/sandbox/3ds/${ref}` } });
    return ref;
  }

  const postForm = (ref: string, payload: string) =>
    app.inject({ method: 'POST', url: `/sandbox/3ds/${ref}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });

  it('waits for the challenge, then authorizes the payment when the buyer completes it', async () => {
    const ref = await challenged();
    const completeKey = key('complete');
    expect(await gateway.completeAction(ref, completeKey)).toMatchObject({ status: 'requires_action', ref });

    const challenge = await app.inject({ method: 'GET', url: `/sandbox/3ds/${ref}` });
    expect(challenge.statusCode).toBe(200);
    expect(challenge.headers['content-type']).toContain('text/html');
    expect(challenge.body).toContain('$19.99');
    expect(challenge.body).toContain('<button type="submit" name="result" value="success">Complete authentication</button>');
    expect(challenge.body).toContain('Fail authentication');
    // The shop's name (escaped) and the card of the token, not a made-up Visa 4242.
    expect(challenge.body).toContain('<dd>Northwind &lt;Coffee&gt;</dd>');
    expect(challenge.body).toContain('<dd>Visa ending 3184</dd>');
    // Framed only by this origin and the shop's own pages (the widget's dialog there).
    expect(challenge.headers['content-security-policy']).toContain("frame-ancestors 'self' https://shop.example.com");
    expect(challenge.headers['x-content-type-options']).toBe('nosniff');

    const answered = await postForm(ref, 'result=success');
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toContain('Authentication complete — you can close this window');
    expect(answered.body).toContain(`window.parent.postMessage(message, '*')`);
    expect(answered.body).toContain(JSON.stringify({ type: 'plusone:3ds-complete', ref, result: 'success' }));

    expect(await gateway.completeAction(ref, completeKey)).toEqual({
      status: 'authorized',
      ref,
      card: { brand: 'visa', last4: '3184' },
      captured: false,
    });
  });

  it('declines with authentication_failed when the buyer fails the challenge', async () => {
    const ref = await challenged();
    const answered = await postForm(ref, 'result=failure');
    expect(answered.body).toContain('Authentication failed');
    expect(await gateway.completeAction(ref, key('complete'))).toEqual({
      status: 'declined',
      code: 'authentication_failed',
      message: expect.any(String),
      ref,
    });
  });

  it('keeps the first answer when the challenge is answered twice', async () => {
    const ref = await challenged();
    await postForm(ref, 'result=success');
    const second = await app.inject({ method: 'POST', url: `/sandbox/3ds/${ref}`, payload: { result: 'failure' } });
    expect(second.body).toContain('Authentication complete');
    expect(await gateway.lookup({ ref })).toMatchObject({ status: 'authorized' });
  });

  it('captures on completion in immediate capture mode', async () => {
    const ref = await challenged({ capture: 'immediate' });
    await app.inject({ method: 'POST', url: `/sandbox/3ds/${ref}`, payload: { result: 'success' } });
    expect(await gateway.completeAction(ref, key('complete'))).toMatchObject({ status: 'authorized', captured: true });
    expect(await sandboxStats(database.db, ref)).toMatchObject({ captures: 1, capturedAmount: 1999 });
  });

  it('answers a 404 page for a payment without a challenge', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/sandbox/3ds/sbx_missing' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('text/html');
    const plain = await authorized();
    expect((await postForm(plain, 'result=success')).statusCode).toBe(404);
  });

  it('refuses a form body carrying a card number, and an answer that is neither success nor failure', async () => {
    const ref = await challenged();
    const card = await postForm(ref, 'result=success&note=4242+4242+4242+4242');
    expect(card.statusCode).toBe(400);
    expect(card.json().error.code).toBe('card_data_rejected');
    expect((await postForm(ref, 'result=maybe')).statusCode).toBe(400);
    expect(await gateway.lookup({ ref })).toMatchObject({ status: 'requires_action' });
  });

  it('tells the buyer a challenge is gone once the payment was voided', async () => {
    const ref = await challenged();
    expect(await gateway.void(ref, key('void'))).toEqual({ status: 'succeeded' });
    expect((await app.inject({ method: 'GET', url: `/sandbox/3ds/${ref}` })).statusCode).toBe(410);
    expect(await sandboxStats(database.db, ref)).toMatchObject({ status: 'voided', voids: 0 });
  });
});

describe('sandbox › timeout card', () => {
  it('records the authorization at once but answers only after hangMs; a retry answers at once', async () => {
    const slow = request({ paymentMethodRef: 'pm_sandbox_timeout' });
    const started = performance.now();
    let answered = false;
    const pending = gateway.authorize(slow).finally(() => {
      answered = true;
    });

    let seen: LookupResult = { status: 'not_found' };
    while (seen.status === 'not_found') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = await gateway.lookup({ idempotencyKey: slow.idempotencyKey });
    }
    expect(seen).toMatchObject({ status: 'authorized', card: { brand: 'visa', last4: '0259' } });
    expect(answered).toBe(false);

    const retry = await gateway.authorize(slow);
    expect(retry).toEqual(seen);
    const first = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(first).toEqual(seen);
  });
});

describe('sandbox › lookup', () => {
  it('finds the payment of an authorize by its key and by its ref, with its current state', async () => {
    const idempotencyKey = key('authorize');
    const ref = await authorized({ idempotencyKey });
    expect(await gateway.lookup({ idempotencyKey })).toMatchObject({ status: 'authorized', ref, captured: false });
    await gateway.capture(ref, 1999, 'USD', key('capture'));
    expect(await gateway.lookup({ ref })).toMatchObject({ status: 'authorized', ref, captured: true });
    expect(await gateway.lookup({ idempotencyKey })).toMatchObject({ status: 'authorized', ref, captured: true });
  });

  it('answers the stored decline for a key whose reference was unknown', async () => {
    const idempotencyKey = key('authorize');
    await gateway.authorize(request({ paymentMethodRef: 'pm_unknown', idempotencyKey }));
    expect(await gateway.lookup({ idempotencyKey })).toMatchObject({ status: 'declined', code: 'card_declined', ref: null });
  });

  it('answers not_found for a key never sent, a key of another operation, and an unknown ref', async () => {
    expect(await gateway.lookup({ idempotencyKey: key('authorize') })).toEqual({ status: 'not_found' });
    const ref = await authorized();
    const voidKey = key('void');
    await gateway.void(ref, voidKey);
    expect(await gateway.lookup({ idempotencyKey: voidKey })).toEqual({ status: 'not_found' });
    expect(await gateway.lookup({ ref: 'sbx_missing' })).toEqual({ status: 'not_found' });
  });
});

describe('sandbox › stats', () => {
  it('counts the captures, voids and refunds that moved money, and is null for an unknown ref', async () => {
    const ref = await authorized({ capture: 'immediate', amount: 1000 });
    await gateway.refund(ref, 400, 'USD', key('refund'));
    await gateway.refund(ref, 600, 'USD', key('refund'));
    expect(await sandboxStats(database.db, ref)).toEqual({
      status: 'refunded',
      captures: 1,
      voids: 0,
      refunds: 2,
      capturedAmount: 1000,
      refundedAmount: 1000,
    });
    expect(await sandboxStats(database.db, 'sbx_missing')).toBeNull();
  });
});
