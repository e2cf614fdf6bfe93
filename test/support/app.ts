/**
 * An app on the suite's real PostgreSQL with a fake clock, plus helpers that talk to it only through HTTP
 * (Fastify inject), as a merchant's backend or a buyer's page would.
 */
import { sql, type KyselyPlugin } from 'kysely';
import { inject } from 'vitest';
import type { ResolveHost } from '../../src/core/outbound-url';
import type { Clock } from '../../src/core/clock';
import type { Faults, UpsellContext } from '../../src/engine/context';
import type { PaymentGateway } from '../../src/gateways/contract';
import type { Gateways } from '../../src/gateways/index';
import type { SandboxGateway } from '../../src/gateways/sandbox/sandbox';
import { createMetrics } from '../../src/http/metrics';
import type { RateLimits } from '../../src/http/rate-limit';
import type { Logger } from 'pino';
import { type App, composeServices, createService, type ServiceOptions } from '../../src/runtime';
import { connectDatabase, type DatabaseHandle } from '../../src/store/database';
import { createWorker, type Worker } from '../../src/worker/index';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export class FakeClock implements Clock {
  private current: number;

  constructor(start = '2026-11-22T12:00:00.000Z') {
    this.current = Date.parse(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

export interface TestApp {
  app: App;
  clock: FakeClock;
  ctx: UpsellContext;
  sandbox: SandboxGateway;
  /** The worker on the same database and clock; tests call `worker.runOnce()` after moving the clock. */
  worker: Worker;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** PSP calls time out after this in tests (the timeout card hangs longer), so no test waits 8 s; long enough that a loaded CI machine never times out a real answer. */
export const TEST_GATEWAY_TIMEOUT_MS = 1000;

/** The suite clicks 20 times at once and floods bad tokens from one address: limits only where a test sets them. */
export const TEST_RATE_LIMITS: RateLimits = {
  checkoutPerSession: { max: 1_000_000, windowMs: 60_000 },
  checkoutPerIp: { max: 1_000_000, windowMs: 60_000 },
  ordersPerShop: { max: 1_000_000, windowMs: 60_000 },
  ordersPerIp: { max: 1_000_000, windowMs: 60_000 },
  authFailuresPerIp: { max: 1_000_000, windowMs: 60_000 },
};

function queryObserver(onQuery: (kind: string) => void): KyselyPlugin {
  return {
    transformQuery: (args) => {
      onQuery(args.node.kind);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
}

export async function buildTestApp(
  options: {
    adminToken?: string | null;
    clock?: FakeClock;
    faults?: Faults;
    /** PSP API base URLs: the in-process fakes of test/fakes. */
    gatewayEndpoints?: ServiceOptions['gatewayEndpoints'];
    stripeJsUrl?: string;
    gatewayTimeoutMs?: number;
    logger?: Logger;
    /** Let webhooks reach loopback sinks (`PLUSONE_ALLOW_PRIVATE_WEBHOOKS=1`); off by default, as in production. */
    allowPrivateWebhooks?: boolean;
    /** Answers for webhook host names instead of the system resolver. */
    resolveHost?: ResolveHost;
    /** Limits to test; the others stay at `TEST_RATE_LIMITS` (far above what any other test sends). */
    rateLimits?: Partial<RateLimits>;
    /** Told the kind (`SelectQueryNode`, …) of every query the app and worker run, to count them. */
    onQuery?: (kind: string) => void;
    /** Shopify's Admin API: a fake's fetch per store domain, or another base URL. */
    shopify?: ServiceOptions['shopify'];
    /** Faults injected into the sandbox PSP's writes (`PLUSONE_SANDBOX_FAULTS`; a subclass may choose them per call). */
    sandboxFaults?: ServiceOptions['sandboxFaults'];
    /** `PLUSONE_SECRET_KEY`: two apps given the same one are two nodes of one deployment (admin sessions). */
    secretKey?: string;
  } = {},
): Promise<TestApp> {
  const database = connectDatabase(inject('databaseUrl'), { maxConnections: 10 });
  const clock = options.clock ?? new FakeClock();
  const db = options.onQuery ? database.db.withPlugin(queryObserver(options.onQuery)) : database.db;
  const { ctx, sandbox } = composeServices(db, {
    clock,
    gatewayTimeoutMs: options.gatewayTimeoutMs ?? TEST_GATEWAY_TIMEOUT_MS,
    sandbox: { hangMs: TEST_GATEWAY_TIMEOUT_MS * 3 },
    // As PLUSONE_PUBLIC_URL does for npm start: the return address PSP redirects need (Adyen's returnUrl).
    publicUrl: 'https://plusone.test',
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.gatewayEndpoints ? { gatewayEndpoints: options.gatewayEndpoints } : {}),
    ...(options.stripeJsUrl ? { stripeJsUrl: options.stripeJsUrl } : {}),
    ...(options.allowPrivateWebhooks ? { allowPrivateWebhooks: true } : {}),
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    ...(options.shopify ? { shopify: options.shopify } : {}),
    ...(options.sandboxFaults ? { sandboxFaults: options.sandboxFaults } : {}),
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
  });
  const metrics = createMetrics(ctx);
  const app = await createService(
    {
      adminToken: options.adminToken === undefined ? ADMIN_TOKEN : options.adminToken,
      rateLimits: { ...TEST_RATE_LIMITS, ...options.rateLimits },
      ...(options.logger ? { logger: options.logger } : {}),
    },
    { ctx, sandbox, metrics, databaseReady: async () => void (await sql`SELECT 1`.execute(database.db)) },
  );
  await app.ready();
  return {
    app,
    clock,
    ctx,
    sandbox,
    worker: createWorker(ctx, { observer: metrics.workerObserver(options.logger) }),
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export interface Shop {
  id: string;
  secretKey: string;
  webhookSecret: string;
}

export async function createShop(app: App, body: Record<string, unknown> = { name: 'Test shop' }): Promise<Shop> {
  const response = await app.inject({ method: 'POST', url: '/v1/shops', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: body });
  if (response.statusCode !== 201) throw new Error(`createShop: ${response.statusCode} ${response.body}`);
  return response.json();
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A request with a bearer token; `payload` objects are sent as JSON. */
export function call(app: App, method: Method, url: string, token: string | null, payload?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** A product with one variant priced in the given currencies. */
export async function putProduct(
  app: App,
  key: string,
  id: string,
  options: { prices?: Record<string, number>; stock?: number | null; variantId?: string; title?: string } = {},
) {
  const prices = Object.entries(options.prices ?? { USD: 2000 }).map(([currency, amount]) => ({ currency, amount }));
  const response = await call(app, 'PUT', `/v1/products/${id}`, key, {
    title: options.title ?? `Product ${id}`,
    imageUrl: `https://cdn.example.com/${id}.png`,
    variants: [{ id: options.variantId ?? `${id}-v`, title: 'Default', prices, ...(options.stock === undefined ? {} : { stock: options.stock }) }],
  });
  if (response.statusCode !== 200) throw new Error(`putProduct: ${response.statusCode} ${response.body}`);
  return response.json().product;
}

export async function createOffer(app: App, key: string, body: Record<string, unknown>) {
  const response = await call(app, 'POST', '/v1/offers', key, { name: 'Offer', ...body });
  if (response.statusCode !== 201) throw new Error(`createOffer: ${response.statusCode} ${response.body}`);
  return response.json().offer;
}

let orderCounter = 0;

/** A valid order body; `overrides` replace top-level fields. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  orderCounter += 1;
  return {
    externalId: `order-${Date.now()}-${orderCounter}`,
    currency: 'USD',
    lines: [{ productId: 'main', variantId: 'main-v', title: 'Main product', quantity: 1, unitPrice: 5000 }],
    subtotal: 5000,
    shippingTotal: 500,
    taxTotal: 413,
    total: 5913,
    taxRate: 0.0825,
    customer: { id: `cus_${orderCounter}_${Date.now()}`, email: 'buyer@example.com', country: 'US', tags: ['vip'] },
    payment: { gateway: 'sandbox', customerRef: 'cus_sandbox_1', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
    ...overrides,
  };
}

export async function registerOrder(app: App, key: string, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await call(app, 'POST', '/v1/orders', key, orderBody(overrides), headers);
  if (response.statusCode !== 201) throw new Error(`registerOrder: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** The context with some calls of every shop's gateway answered by `overrides` (a PSP that stops answering them). */
export function withGateway(ctx: UpsellContext, overrides: Partial<PaymentGateway>): UpsellContext {
  const override = <T extends object>(target: T, replaced: Partial<T>): T =>
    new Proxy(target, {
      get: (object, property) => {
        if (property in replaced) return Reflect.get(replaced, property);
        const value: unknown = Reflect.get(object, property, object);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
  const forShop: Gateways['forShop'] = async (...args) => override(await ctx.gateways.forShop(...args), overrides);
  return { ...ctx, gateways: override(ctx.gateways, { forShop }) };
}
