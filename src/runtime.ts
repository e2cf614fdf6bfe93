/**
 * Starting and stopping the whole process: the database (embedded unless DATABASE_URL), migrations, the
 * demo shop, the HTTP app. Shutdown runs in reverse order: stop taking requests, then close the pool,
 * then stop the embedded PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { createEngineCaches } from './engine/caches';
import { randomIds, systemClock, type Clock, type IdGenerator } from './core/clock';
import { faultsFromEnv, noFaults, type Faults, type UpsellContext } from './engine/context';
import type { ResolveHost } from './core/outbound-url';
import { SecretBox } from './core/secret-box';
import { createGateways, type GatewayOptions } from './gateways/index';
import { SandboxFaults, withFaults } from './gateways/sandbox/faults';
import { SandboxGateway, type SandboxOptions } from './gateways/sandbox/sandbox';
import { builtinOrderSinks } from './orders/builtin';
import { createWorker, type Worker } from './worker/index';
import { systemResolver } from './engine/webhook-sender';
import { createApp, type App, type AppDeps, type AppOptions } from './http/app';

export type { App };
import { createMetrics } from './http/metrics';
import { adminSessionStore } from './store/admin-sessions';
import { connectDatabase, migrateToLatest, ping, type DatabaseHandle } from './store/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './store/embedded';
import { ensureDemoShop, type DemoShop } from './demo-seed';
import { shopRow } from './engine/shops';
import { injectClient } from './web/api-client';
import { demoRoutes } from './web/demo/routes';
import { adminRoutes, type AdminRouteOptions } from './web/admin/routes';
import { FakeShopify } from './web/demo/shopify/fake-shopify';
import { shopifyDemoRoutes } from './web/demo/shopify/routes';
import { buildExtension } from '../extensions/post-purchase/build';
import { DEMO_SHOPIFY_CURRENCY, DEMO_SHOPIFY_DOMAIN, DEMO_SHOPIFY_PRODUCTS } from './core/demo';
import { landingRoutes } from './web/landing';
import { sandboxChallengeRoutes } from './web/sandbox/challenge';
import { widgetRoutes } from './web/widget/routes';

export interface Database {
  readonly handle: DatabaseHandle;
  readonly embedded: EmbeddedDatabase | null;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.secretKey',
          '*.token',
          '*.gatewayCredentials',
          '*.privateKey',
          '*.apiKey',
          '*.hmacKey',
          '*.webhookSecret',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

/** The HTTP port cannot be had: in use, or not ours to bind. One line for the operator. */
export class PortInUseError extends Error {}

/** DATABASE_URL names a server Plusone cannot use (down, unknown host, refused credentials, no such database). */
export class DatabaseUnreachableError extends Error {}

/**
 * Fails with a PortInUseError unless `host:port` can be bound now. Run before anything is created, so a busy
 * port costs nothing; the real listen maps the same errors, for the rare race with another process.
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(error, host, port)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function portError(error: unknown, host: string, port: number): Error {
  const code: unknown = Reflect.get(Object(error), 'code');
  if (code === 'EADDRINUSE')
    return new PortInUseError(`port ${port} on ${host} is already in use; stop what is using it or choose another port (PORT=${port + 1} npm start)`);
  if (code === 'EACCES')
    return new PortInUseError(`port ${port} on ${host} may not be bound by this user; choose a port above 1023 (PORT=3000 npm start)`);
  if (code === 'EADDRNOTAVAIL')
    return new PortInUseError(`HOST ${host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its addresses`);
  return error instanceof Error ? error : new Error(`could not listen on ${host}:${port}`, { cause: error });
}

/** Opens the configured database and applies pending migrations. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databasePoolSize'>>,
  logger: Logger,
): Promise<Database> {
  const embedded = config.databaseUrl
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, log: (message) => logger.debug({ component: 'postgres' }, message) });
  try {
    const handle = connectDatabase(embedded?.url ?? config.databaseUrl ?? '', {
      ...(config.databasePoolSize ? { maxConnections: config.databasePoolSize } : {}),
      // The error's code only: a database error's message can quote row values.
      onConnectionLost: (error) =>
        logger.warn({ code: Reflect.get(error, 'code') }, 'a pooled database connection was lost; the next query opens a new one'),
    });
    if (config.databaseUrl) await reachable(handle, config.databaseUrl);
    const applied = await migrateToLatest(handle.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    return {
      handle,
      embedded,
      async close() {
        await handle.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

async function reachable(handle: DatabaseHandle, databaseUrl: string): Promise<void> {
  try {
    await ping(handle.db);
  } catch (error) {
    await handle.close();
    const where = URL.canParse(databaseUrl) ? new URL(databaseUrl).host || 'its socket' : 'it';
    // The driver's message names the cause (refused, unknown host, password, database); never the URL's password.
    throw new DatabaseUnreachableError(
      `cannot use the PostgreSQL of DATABASE_URL (${where}): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface ServiceOptions {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** How long a PSP call may take before its outcome counts as unknown. Default 8 s. */
  readonly gatewayTimeoutMs?: number;
  readonly sandbox?: SandboxOptions;
  /** Faults injected into the sandbox PSP's writes (`PLUSONE_SANDBOX_FAULTS`). Default none. */
  readonly sandboxFaults?: SandboxFaults | null;
  readonly faults?: Faults;
  /** Seals PSP credentials at rest. Default: a random key for this process (tests). */
  readonly secretKey?: string;
  /** PSP API base URLs instead of the SDKs' hosts (fakes in tests, stripe-mock locally). */
  readonly gatewayEndpoints?: GatewayOptions['endpoints'];
  /** Stripe.js for the buyer's page instead of Stripe's (`PLUSONE_STRIPE_JS_URL`). */
  readonly stripeJsUrl?: string | null;
  /** Shopify's Admin API: another base (`PLUSONE_SHOPIFY_API_BASE`), or a fetch per store domain (the demo's fake Shopify). */
  readonly shopify?: GatewayOptions['shopify'];
  /** `PLUSONE_PUBLIC_URL`: the return address of PSP redirects (Adyen's required `returnUrl`). */
  readonly publicUrl?: string;
  /** Let webhooks reach loopback and private addresses (`PLUSONE_ALLOW_PRIVATE_WEBHOOKS`). Default off. */
  readonly allowPrivateWebhooks?: boolean;
  /** Resolves webhook host names (tests inject answers). Default: the system resolver. */
  readonly resolveHost?: ResolveHost;
}

/** The composition root of the engine: database, clock, ids, gateways, order sinks, fault points. */
export function composeServices(db: DatabaseHandle['db'], options: ServiceOptions = {}): { ctx: UpsellContext; sandbox: SandboxGateway } {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const sandbox = new SandboxGateway(db, { clock, ids, ...options.sandbox });
  const gatewayTimeoutMs = options.gatewayTimeoutMs ?? 8_000;
  const secretBox = new SecretBox(options.secretKey ?? randomBytes(32).toString('hex'));
  const ctx: UpsellContext = {
    db,
    clock,
    ids,
    gateways: createGateways(db, {
      // A timeout fault answers a second after the engine stopped waiting.
      sandbox: withFaults(sandbox, options.sandboxFaults ?? null, gatewayTimeoutMs + 1_000),
      secretBox,
      timeoutMs: gatewayTimeoutMs,
      ...(options.gatewayEndpoints ? { endpoints: options.gatewayEndpoints } : {}),
      ...(options.stripeJsUrl ? { stripeJsUrl: options.stripeJsUrl } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.shopify ? { shopify: options.shopify } : {}),
    }),
    orderSinks: builtinOrderSinks(ids),
    gatewayTimeoutMs,
    faults: options.faults ?? noFaults,
    caches: createEngineCaches(),
    outbound: { allowPrivate: options.allowPrivateWebhooks ?? false, resolve: options.resolveHost ?? systemResolver },
    secretBox,
  };
  return { ctx, sandbox };
}

async function serviceOptions(config: Config, logger: Logger): Promise<ServiceOptions> {
  return {
    faults: faultsFromEnv(process.env),
    gatewayTimeoutMs: config.gatewayTimeoutMs,
    sandbox: { latencyMs: config.sandboxLatencyMs },
    sandboxFaults: config.sandboxFaults ? new SandboxFaults(config.sandboxFaults) : null,
    secretKey: config.secretKey ?? (await localSecretKey(config.dataDir, logger)),
    gatewayEndpoints: config.gatewayEndpoints,
    stripeJsUrl: config.stripeJsUrl,
    ...(config.shopifyApiBase ? { shopify: { apiBase: config.shopifyApiBase } } : {}),
    publicUrl: config.publicUrl,
    allowPrivateWebhooks: config.allowPrivateWebhooks,
  };
}

/**
 * Without PLUSONE_SECRET_KEY, a key generated once into the data folder (mode 600), so `npm start` works
 * with no setup. Several nodes must share one key: set PLUSONE_SECRET_KEY for them.
 */
async function localSecretKey(dataDir: string, logger: Logger): Promise<string> {
  const file = path.join(dataDir, 'secret.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    logger.info({ file }, 'PLUSONE_SECRET_KEY is not set: PSP credentials are sealed with a key generated in the data folder');
    return key;
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
}

export interface HttpServiceOptions extends AppOptions {
  /** The demo shop, once seeded, for the `/demo` pages. */
  readonly demoShop?: () => DemoShop | null;
  /** The fake Shopify of the demo's Shopify store (`/demo/shopify`), once seeded. */
  readonly fakeShopify?: () => FakeShopify | null;
}

export interface HttpServiceDeps extends AppDeps {
  /** The sandbox PSP, whose 3-D Secure challenge pages are served here. */
  readonly sandbox: SandboxGateway;
}

/**
 * The whole HTTP service: the API (`createApp`) and beside it the web parts — the sandbox PSP's pages
 * (card field, 3-D Secure challenge), the widget's script, the demo shop (which calls the API in
 * process, as a merchant's server would over the network) and the landing page.
 */
export async function createService(options: HttpServiceOptions, deps: HttpServiceDeps): Promise<App> {
  const app = await createApp(options, deps);
  await app.register(sandboxChallengeRoutes, {
    issuer: deps.sandbox,
    merchant: async (shopId: string) => {
      const shop = await shopRow(deps.ctx, deps.ctx.db, shopId);
      return shop ? { name: shop.name, framers: shop.settings.allowedOrigins ?? [] } : null;
    },
  });
  await app.register(widgetRoutes);
  await app.register(demoRoutes, { api: injectClient(app), demoShop: options.demoShop ?? (() => null) });
  await app.register(shopifyDemoRoutes, {
    demoShop: options.demoShop ?? (() => null),
    fakeShopify: options.fakeShopify ?? (() => null),
    // The extension as Shopify CLI would bundle it, calling this origin's /v1/shopify routes.
    extensionBundle: async () => (await buildExtension({ apiBase: '' })).code,
  });
  // The merchant admin (`/admin`): calls the API like any client, with the signed-in merchant's key; its sessions are in PostgreSQL.
  await app.register(adminRoutes, { api: injectClient(app), ...adminSessionOptions(deps.ctx), now: () => deps.ctx.clock.now() });
  await app.register(landingRoutes);
  return app;
}

/** Where the admin keeps its sessions: the engine's database and secret box, so every node shares them. */
export function adminSessionOptions(ctx: UpsellContext): Pick<AdminRouteOptions, 'sessionStore' | 'secretBox'> {
  return { sessionStore: adminSessionStore(ctx.db), secretBox: ctx.secretBox };
}

export interface Running {
  readonly app: App;
  readonly url: string;
  readonly demo: DemoShop | null;
  readonly database: Database;
  readonly worker: Worker | null;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<Running> {
  const database = await openDatabase(config, logger);
  try {
    const services = await serviceOptions(config, logger);
    // The demo's Shopify store lives in this process: its Admin API calls go to the fake, never the network.
    let fakeShopify: FakeShopify | null = null;
    const shopify = {
      ...services.shopify,
      fetchFor: (domain: string) => (fakeShopify && domain === DEMO_SHOPIFY_DOMAIN ? fakeShopify.fetch : undefined),
    };
    const { ctx, sandbox } = composeServices(database.handle.db, { ...services, shopify });
    // Other nodes' offer changes arrive by NOTIFY; without the listener the version re-check still bounds staleness.
    await ctx.caches.offers.listen(database.handle.url).catch((error: unknown) => logger.warn({ err: error }, 'offer cache listener not started'));
    let demo: DemoShop | null = null;
    const metrics = createMetrics(ctx, { sandboxFaults: services.sandboxFaults ?? null });
    const app = await createService(
      {
        adminToken: config.adminToken,
        logger: logger.child({ component: 'http' }),
        demoShop: () => demo,
        fakeShopify: () => fakeShopify,
        rateLimits: config.rateLimits,
        trustProxy: config.trustProxy,
      },
      { ctx, sandbox, metrics, databaseReady: () => ping(ctx.db) },
    );
    await app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
      throw portError(error, config.host, config.port);
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = config.port === port ? config.publicUrl : config.publicUrl.replace(/:\d+$/, `:${port}`);
    demo = config.seedDemo ? await ensureDemoShop(ctx, config.dataDir, url) : null;
    fakeShopify = demo?.shopify ? demoFakeShopify(demo.shopify) : null;
    const workerLogger = logger.child({ component: 'worker' });
    const worker = config.runWorker
      ? createWorker(ctx, {
          logger: workerLogger,
          observer: metrics.workerObserver(workerLogger),
          actionTimeoutMs: config.actionTimeoutSeconds * 1000,
        })
      : null;
    worker?.start();
    return {
      app,
      url,
      demo,
      database,
      worker,
      async stop() {
        await app.close();
        await worker?.stop();
        await ctx.caches.offers.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The demo's fake Shopify, signing with the demo store's app credentials (docs/shopify.md "The demo"). */
function demoFakeShopify(shop: NonNullable<DemoShop['shopify']>): FakeShopify {
  return new FakeShopify({
    shopDomain: shop.shopDomain,
    apiKey: shop.apiKey,
    apiSecret: shop.apiSecret,
    adminAccessToken: shop.adminAccessToken,
    currency: DEMO_SHOPIFY_CURRENCY,
    products: DEMO_SHOPIFY_PRODUCTS,
    taxRate: '0.08',
  });
}

/** `plusone worker`: the worker alone, on the configured database, until stopped. */
export async function startWorkerOnly(config: Config, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const database = await openDatabase(config, logger);
  const { ctx } = composeServices(database.handle.db, await serviceOptions(config, logger));
  const worker = createWorker(ctx, { logger: logger.child({ component: 'worker' }), actionTimeoutMs: config.actionTimeoutSeconds * 1000 });
  worker.start();
  return {
    async stop() {
      await worker.stop();
      await database.close();
    },
  };
}
