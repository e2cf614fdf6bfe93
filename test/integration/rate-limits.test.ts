import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../src/http/rate-limit';
import { ADMIN_TOKEN, buildTestApp, orderBody, type TestApp } from '../support/app';
import { offerShop, paidOrder, type PaidOrder } from '../support/upsell';

const open: TestApp[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function node(rateLimits: Partial<RateLimits>, onQuery?: (kind: string) => void): Promise<TestApp> {
  const app = await buildTestApp({ rateLimits, ...(onQuery ? { onQuery } : {}) });
  open.push(app);
  return app;
}

/** A request from a given client address. */
function from(
  t: TestApp,
  address: string,
  method: 'GET' | 'POST',
  url: string,
  token: string | null,
  payload?: object,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method,
    url,
    remoteAddress: address,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
}

const acceptFrom = (t: TestApp, address: string, order: PaidOrder) =>
  from(t, address, 'POST', '/v1/checkout/accept', order.token, { offerId: order.offerId }, { 'idempotency-key': randomUUID() });

function expectLimited(response: { statusCode: number; headers: Record<string, unknown>; json(): { error: { code: string } } }, retryAfter: string) {
  expect(response.statusCode).toBe(429);
  expect(response.json().error.code).toBe('rate_limited');
  expect(response.headers['retry-after']).toBe(retryAfter);
}

const forgedToken = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

describe('rate limits › checkout writes', () => {
  it('limits accept, decline and cancel per session, and lets the session go on after the window', async () => {
    const t = await node({ checkoutPerSession: { max: 3, windowMs: 60_000 } });
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    for (let click = 0; click < 3; click += 1) expect((await acceptFrom(t, '203.0.113.7', order)).statusCode).toBe(200);
    expectLimited(await acceptFrom(t, '203.0.113.7', order), '60');
    expectLimited(await from(t, '203.0.113.7', 'POST', '/v1/checkout/cancel', order.token, { upsellId: 'ups_x' }), '60');
    // Another buyer behind the same address is not affected.
    const other = await paidOrder(t.app, setup);
    expect((await acceptFrom(t, '203.0.113.7', other)).statusCode).toBe(200);

    t.clock.advance(45);
    expectLimited(await acceptFrom(t, '203.0.113.7', order), '15');
    t.clock.advance(15);
    expect((await acceptFrom(t, '203.0.113.7', order)).statusCode).toBe(200);
  });

  it('limits checkout writes per address across sessions, before authentication', async () => {
    const t = await node({ checkoutPerIp: { max: 2, windowMs: 60_000 } });
    const setup = await offerShop(t.app);
    const orders = [await paidOrder(t.app, setup), await paidOrder(t.app, setup), await paidOrder(t.app, setup)];
    expect((await acceptFrom(t, '198.51.100.1', orders[0] as PaidOrder)).statusCode).toBe(200);
    expect((await acceptFrom(t, '198.51.100.1', orders[1] as PaidOrder)).statusCode).toBe(200);
    expectLimited(await acceptFrom(t, '198.51.100.1', orders[2] as PaidOrder), '60');
    expectLimited(await from(t, '198.51.100.1', 'POST', '/v1/checkout/decline', 'ps_unknown', { offerId: 'off_x' }), '60');
    expect((await acceptFrom(t, '198.51.100.2', orders[2] as PaidOrder)).statusCode).toBe(200);
    // Reads are not limited.
    expect((await from(t, '198.51.100.1', 'GET', '/v1/checkout/offer', (orders[0] as PaidOrder).token)).statusCode).toBe(200);
  });
});

describe('rate limits › registration', () => {
  it('limits order registration per shop and per address', async () => {
    const t = await node({ ordersPerShop: { max: 2, windowMs: 1_000 }, ordersPerIp: { max: 2, windowMs: 1_000 } });
    const first = (await offerShop(t.app)).shop;
    const second = (await offerShop(t.app)).shop;
    const register = (key: string, address: string) => from(t, address, 'POST', '/v1/orders', key, orderBody());
    expect((await register(first.secretKey, '192.0.2.1')).statusCode).toBe(201);
    expect((await register(first.secretKey, '192.0.2.2')).statusCode).toBe(201);
    expectLimited(await register(first.secretKey, '192.0.2.3'), '1');
    expect((await register(second.secretKey, '192.0.2.1')).statusCode).toBe(201);
    // 192.0.2.1 has sent two: the third is refused whatever the shop.
    expectLimited(await register(second.secretKey, '192.0.2.1'), '1');
    t.clock.advance(1);
    expect((await register(first.secretKey, '192.0.2.1')).statusCode).toBe(201);
    const stored = await t.database.db.selectFrom('orders').select('id').where('shop_id', 'in', [first.id, second.id]).execute();
    expect(stored).toHaveLength(4);
  });
});

describe('rate limits › failed authentication', () => {
  it('answers 429 to an address after too many bad keys, while other addresses keep working', async () => {
    const t = await node({ authFailuresPerIp: { max: 5, windowMs: 60_000 } });
    const { shop } = await offerShop(t.app);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await from(t, '203.0.113.50', 'GET', '/v1/shop', forgedToken('sk'))).statusCode).toBe(401);
    }
    expectLimited(await from(t, '203.0.113.50', 'GET', '/v1/shop', forgedToken('sk')), '60');
    expectLimited(await from(t, '203.0.113.50', 'GET', '/v1/checkout/offer', 'not-a-token'), '60');
    expect((await from(t, '203.0.113.51', 'GET', '/v1/shop', forgedToken('sk'))).statusCode).toBe(401);
    expect((await from(t, '203.0.113.51', 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(200);
    // A key this node already knows still works from the limited address (NAT: one bad neighbour).
    expect((await from(t, '203.0.113.50', 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(200);
    t.clock.advance(60);
    expect((await from(t, '203.0.113.50', 'GET', '/v1/shop', forgedToken('sk'))).statusCode).toBe(401);
  });

  it('refuses even the right operator token from an address that guessed too often', async () => {
    const t = await node({ authFailuresPerIp: { max: 3, windowMs: 60_000 } });
    const createShop = (token: string) => from(t, '203.0.113.60', 'POST', '/v1/shops', token, { name: 'Guessed' });
    for (let guess = 0; guess < 3; guess += 1) expect((await createShop(`guess-${guess}-0123456789abcdef`)).statusCode).toBe(401);
    expectLimited(await createShop(ADMIN_TOKEN), '60');
    t.clock.advance(60);
    expect((await createShop(ADMIN_TOKEN)).statusCode).toBe(201);
  });
});

describe('negative cache', () => {
  it('answers a flood of unknown and malformed tokens without querying PostgreSQL, and a real session still works', async () => {
    let queries = 0;
    const t = await node({ authFailuresPerIp: { max: 50, windowMs: 60_000 } }, () => {
      queries += 1;
    });
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    const unknownSession = forgedToken('ps');
    const unknownKey = forgedToken('sk');
    const junk = ['ps_short', 'ps_' + 'x'.repeat(500), 'ps_has spaces in it but is long enough to pass', 'sk_' + '%'.repeat(40), 'Basic abc'];

    queries = 0;
    for (let round = 0; round < 200; round += 1) {
      const address = `10.9.${Math.floor(round / 100)}.${round % 100}`;
      await from(t, address, 'GET', '/v1/checkout/offer', unknownSession);
      await from(t, address, 'POST', '/v1/checkout/accept', unknownSession, { offerId: order.offerId }, { 'idempotency-key': `k${round}` });
      await from(t, address, 'GET', '/v1/offers', unknownKey);
      await from(t, address, 'GET', '/v1/shop', junk[round % junk.length] ?? '');
    }
    // One lookup per distinct well-formed token, then "unknown" from memory for the rest of the flood.
    expect(queries).toBe(2);

    // From one address, distinct forged tokens reach the database at most `max` times per window, one
    // after another or all at once (lookups in progress count, so a burst cannot pass the check together).
    queries = 0;
    const statuses = new Set<number>();
    for (let attempt = 0; attempt < 100; attempt += 1)
      statuses.add((await from(t, '10.8.0.1', 'GET', '/v1/checkout/offer', forgedToken('ps'))).statusCode);
    expect(queries).toBe(50);
    expect([...statuses].sort()).toEqual([401, 429]);
    queries = 0;
    const burst = await Promise.all(Array.from({ length: 300 }, () => from(t, '10.8.0.2', 'GET', '/v1/checkout/offer', forgedToken('ps'))));
    expect(queries).toBeLessThanOrEqual(50);
    expect(burst.filter((response) => response.statusCode === 429).length).toBeGreaterThanOrEqual(250);

    // A burst of one forged token and one forged key, all at once from many addresses: one query each.
    queries = 0;
    const [burstSession, burstKey] = [forgedToken('ps'), forgedToken('sk')];
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        from(t, `10.5.${index % 50}.1`, 'GET', index % 2 ? '/v1/checkout/offer' : '/v1/shop', index % 2 ? burstSession : burstKey),
      ),
    );
    expect(queries).toBe(2);

    const legit = await from(t, '10.7.0.1', 'GET', '/v1/checkout/offer', order.token);
    expect(legit.statusCode).toBe(200);
    expect(legit.json().offer.id).toBe(order.offerId);
  });

  it('a newly created key works at once: "unknown" is never cached for it', async () => {
    const t = await node({});
    const { shop } = await offerShop(t.app);
    const created = await from(t, '10.6.0.1', 'POST', '/v1/api-keys', shop.secretKey);
    expect(created.statusCode).toBe(201);
    expect((await from(t, '10.6.0.1', 'GET', '/v1/shop', created.json().secretKey)).statusCode).toBe(200);
  });
});

describe('rate limits › OpenAPI', () => {
  it('documents the 429 answer on every limited route', async () => {
    const t = await node({});
    const spec = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    for (const [path, method] of [
      ['/v1/checkout/accept', 'post'],
      ['/v1/checkout/decline', 'post'],
      ['/v1/checkout/cancel', 'post'],
      ['/v1/checkout/upsells/{id}/complete', 'post'],
      ['/v1/orders', 'post'],
    ] as const) {
      expect(spec.paths[path][method].responses['429'].description, path).toContain('rate limit');
    }
    expect(spec.paths['/v1/checkout/offer'].get.responses['429']).toBeUndefined();
  });
});
