/**
 * Starting and stopping the whole process: the database (embedded unless DATABASE_URL), migrations, the
 * demo shop, the HTTP app. Shutdown runs in reverse order: stop taking requests, then close the pool,
 * then stop the embedded PostgreSQL. With `PLUSONE_HTTP_PROCESSES` > 1 the same parts are split between a
 * primary and its HTTP processes (`startHttpProcesses`, below; docs/processes.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
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
import { createMetrics, type Metrics } from './http/metrics';
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

/**
 * Opens the configured database and applies pending migrations (`migrate: false`: the HTTP processes of a
 * cluster, whose primary applied them before starting any).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databasePoolSize'>>,
  logger: Logger,
  options: { readonly migrate?: boolean } = {},
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
    const applied = options.migrate === false ? [] : await migrateToLatest(handle.db);
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
    const http = await serveHttp(config, logger, database, { processHeader: false });
    const demo = config.seedDemo ? await ensureDemoShop(http.ctx, config.dataDir, http.url) : null;
    http.showDemo(demo);
    const worker = config.runWorker ? startWorker(http.ctx, config, logger, http.metrics) : null;
    return {
      app: http.app,
      url: http.url,
      demo,
      database,
      worker,
      async stop() {
        await http.app.close();
        await worker?.stop();
        await http.ctx.caches.offers.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** One process's HTTP service, listening: its engine context (caches kept current by NOTIFY) and metrics. */
interface HttpPart {
  readonly app: App;
  readonly url: string;
  readonly ctx: UpsellContext;
  readonly metrics: Metrics;
  /** The demo shop for the `/demo` pages, once known (seeded here, or by the primary of a cluster). */
  showDemo(demo: DemoShop | null): void;
}

/**
 * Response header naming the process that answered (its pid), only when a node runs several HTTP
 * processes: operators and tests can see the spread, and which process to look at.
 */
export const PROCESS_HEADER = 'x-plusone-process';

async function serveHttp(config: Config, logger: Logger, database: Database, options: { readonly processHeader: boolean }): Promise<HttpPart> {
  const services = await serviceOptions(config, logger);
  // The demo's Shopify store lives in this process: its Admin API calls go to the fake, never the network.
  let fakeShopify: FakeShopify | null = null;
  let demo: DemoShop | null = null;
  const shopify = {
    ...services.shopify,
    fetchFor: (domain: string) => (fakeShopify && domain === DEMO_SHOPIFY_DOMAIN ? fakeShopify.fetch : undefined),
  };
  const { ctx, sandbox } = composeServices(database.handle.db, { ...services, shopify });
  // Other processes' and nodes' offer changes arrive by NOTIFY; without the listener the version re-check still bounds staleness.
  await ctx.caches.offers.listen(database.handle.url).catch((error: unknown) => logger.warn({ err: error }, 'offer cache listener not started'));
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
  if (options.processHeader) app.server.prependListener('request', (_request, response) => response.setHeader(PROCESS_HEADER, String(process.pid)));
  await app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
    throw portError(error, config.host, config.port);
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    url: config.port === port ? config.publicUrl : config.publicUrl.replace(/:\d+$/, `:${port}`),
    ctx,
    metrics,
    showDemo(shop) {
      demo = shop;
      fakeShopify = shop?.shopify ? demoFakeShopify(shop.shopify) : null;
    },
  };
}

function startWorker(ctx: UpsellContext, config: Config, logger: Logger, metrics: Metrics): Worker {
  const workerLogger = logger.child({ component: 'worker' });
  const worker = createWorker(ctx, {
    logger: workerLogger,
    observer: metrics.workerObserver(workerLogger),
    actionTimeoutMs: config.actionTimeoutSeconds * 1000,
  });
  worker.start();
  return worker;
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

/*
 * Several HTTP processes on one node (`PLUSONE_HTTP_PROCESSES` > 1, docs/processes.md), with node's
 * cluster module sharing the port. The primary owns everything there must be one of per node: the embedded
 * PostgreSQL, the migrations, the demo shop's seeding, the worker and the banner. Each HTTP process
 * connects by URL with its own pool, caches and offer listener (NOTIFY keeps its caches current, as it
 * does across nodes), its own in-process admin token and its own rate-limit counters.
 *
 * The primary and its HTTP processes talk over the cluster's IPC channel: a new process asks (`hello`)
 * and is told the demo shop (`start`); it answers `ready` once listening, or `failed` with the reason; the
 * primary asks it to `stop`. HTTP processes ignore SIGINT and SIGTERM (a terminal's Ctrl-C or a service
 * manager reaches the whole group): the primary stops them first, then the worker, then the database. A
 * process whose primary is gone exits (the cluster module's own rule).
 */

type PrimaryMessage = { readonly plusone: 'start'; readonly demo: DemoShop | null } | { readonly plusone: 'stop' };
type ChildMessage =
  | { readonly plusone: 'hello' }
  | { readonly plusone: 'ready' }
  | { readonly plusone: 'failed'; readonly message: string; readonly operator: boolean };

function messageKind(message: unknown): string | null {
  const kind: unknown = Reflect.get(Object(message), 'plusone');
  return typeof kind === 'string' ? kind : null;
}

/** An HTTP process of the cluster could not start (its own reason when it gave one). */
export class HttpProcessError extends Error {
  constructor(
    message: string,
    /** The reason is an operator's to fix (a setting, the port, the database), printed without a stack. */
    readonly operator: boolean,
  ) {
    super(message);
  }
}

export interface Started {
  readonly url: string;
  readonly demo: DemoShop | null;
  stop(): Promise<void>;
}

/**
 * The primary of a node with several HTTP processes: database and migrations, the demo shop, then the
 * HTTP processes (all listening before this returns), then the worker. Stops in reverse order.
 */
export async function startHttpProcesses(config: Config, logger: Logger): Promise<Started> {
  const port = config.port === 0 ? await anyFreePort(config.host) : config.port;
  const url = config.port === port ? config.publicUrl : config.publicUrl.replace(/:\d+$/, `:${port}`);
  const database = await openDatabase(config, logger);
  try {
    const services = await serviceOptions(config, logger);
    const { ctx } = composeServices(database.handle.db, services);
    await ctx.caches.offers.listen(database.handle.url).catch((error: unknown) => logger.warn({ err: error }, 'offer cache listener not started'));
    const demo = config.seedDemo ? await ensureDemoShop(ctx, config.dataDir, url) : null;
    // Settled here once for all: the port (0 means one chosen now), the links, and the database they share.
    const env = { PORT: String(port), PLUSONE_PUBLIC_URL: url, DATABASE_URL: database.handle.url };
    const group = new HttpProcessGroup(config.httpProcesses, env, demo, logger.child({ component: 'processes' }));
    try {
      await group.start();
    } catch (error) {
      await ctx.caches.offers.close();
      throw error;
    }
    const worker = config.runWorker ? startWorker(ctx, config, logger, createMetrics(ctx, { sandboxFaults: services.sandboxFaults ?? null })) : null;
    return {
      url,
      demo,
      async stop() {
        await group.stop();
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

function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(error, host, 0)));
    probe.listen({ port: 0, host }, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The first restart of a crashed HTTP process waits this long, doubling per crash in a row up to the most. */
const RESTART_FIRST_MS = 500;
const RESTART_MOST_MS = 30_000;
/** A process that ran this long before it crashed starts its count of crashes in a row afresh. */
const RESTART_STABLE_MS = 30_000;
/** How long an HTTP process may take to answer its requests in flight and close before it is killed. */
const CHILD_STOP_MS = 20_000;

/** The pause before the restart after `crashes` crashes in a row: 0.5 s, 1 s, 2 s … 30 s. */
export function restartDelayMs(crashes: number): number {
  return Math.min(RESTART_MOST_MS, RESTART_FIRST_MS * 2 ** Math.max(0, crashes - 1));
}

interface Slot {
  /** 1 … N, for the log lines. */
  readonly number: number;
  process: ClusterWorker | null;
  startedAt: number;
  crashes: number;
  restart: NodeJS.Timeout | null;
}

/** N HTTP processes kept running: each one that exits is replaced after a pause, until `stop`. */
class HttpProcessGroup {
  private readonly slots: Slot[];
  private running = false;
  private stopping = false;

  constructor(
    count: number,
    private readonly env: Readonly<Record<string, string>>,
    private readonly demo: DemoShop | null,
    private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: count }, (_, index) => ({ number: index + 1, process: null, startedAt: 0, crashes: 0, restart: null }));
  }

  /** All N listening, or the first one's failure (after the others are stopped). */
  async start(): Promise<void> {
    try {
      await Promise.all(this.slots.map((slot) => this.launch(slot)));
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.running = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) if (slot.restart) clearTimeout(slot.restart);
    await Promise.all(this.slots.map((slot) => (slot.process ? stopChild(slot.process) : Promise.resolve())));
  }

  private launch(slot: Slot): Promise<void> {
    const child = cluster.fork(this.env);
    slot.process = child;
    slot.startedAt = performance.now();
    return new Promise((resolve, reject) => {
      let ready = false;
      let failure: HttpProcessError | null = null;
      child.on('message', (message: unknown) => {
        const kind = messageKind(message);
        if (kind === 'hello') tell(child, this.stopping ? { plusone: 'stop' } : { plusone: 'start', demo: this.demo });
        else if (kind === 'ready') {
          ready = true;
          resolve();
        } else if (kind === 'failed') {
          const { message: reason, operator } = message as Extract<ChildMessage, { plusone: 'failed' }>;
          failure = new HttpProcessError(String(reason), operator === true);
        }
      });
      child.once('exit', (code, signal) => {
        if (slot.process === child) slot.process = null;
        if (!ready) reject(failure ?? new HttpProcessError(`an HTTP process exited before it was listening (${exitOf(code, signal)})`, false));
        this.exited(slot, child, exitOf(code, signal));
      });
    });
  }

  /** A process that exits while the group runs (crashed, killed, or failed to start again) is replaced after a pause. */
  private exited(slot: Slot, child: ClusterWorker, how: string): void {
    if (!this.running || this.stopping) return;
    const ranMs = performance.now() - slot.startedAt;
    slot.crashes = ranMs >= RESTART_STABLE_MS ? 1 : slot.crashes + 1;
    const restartInMs = restartDelayMs(slot.crashes);
    this.logger.error(
      { process: slot.number, processPid: child.process.pid, exit: how, crashesInARow: slot.crashes, restartInMs },
      'an HTTP process exited; starting another in its place',
    );
    slot.restart = setTimeout(() => {
      slot.restart = null;
      if (this.stopping) return;
      this.launch(slot).then(
        () => this.logger.info({ process: slot.number, processPid: slot.process?.process.pid }, 'HTTP process replaced'),
        // Its exit is logged and retried by `exited`.
        () => undefined,
      );
    }, restartInMs);
  }
}

function exitOf(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

function tell(child: ClusterWorker, message: PrimaryMessage): void {
  if (child.isConnected()) child.send(message);
}

/** Asks one HTTP process to stop; kills it if it has not exited after `CHILD_STOP_MS`. */
function stopChild(child: ClusterWorker): Promise<void> {
  if (child.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.process.kill('SIGKILL'), CHILD_STOP_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (child.isConnected()) child.send({ plusone: 'stop' } satisfies PrimaryMessage);
    else child.process.kill('SIGKILL');
  });
}

/**
 * One HTTP process of a cluster (the code `start` runs in a cluster worker): no migrations, no seeding, no
 * worker, no banner; it serves until the primary says stop. Startup errors go to the primary, which
 * reports them once.
 */
export async function serveHttpProcess(config: Config, logger: Logger): Promise<void> {
  let stop: (() => Promise<void>) | null = null;
  const started = new Promise<DemoShop | null>((resolve) =>
    process.on('message', (message: unknown) => {
      const kind = messageKind(message);
      if (kind === 'start') resolve((message as Extract<PrimaryMessage, { plusone: 'start' }>).demo);
      if (kind !== 'stop') return;
      // Told to stop before it is listening (another one failed, or a signal): nothing to answer yet.
      if (!stop) process.exit(0);
      const stopping = stop;
      stop = async () => undefined;
      stopping().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'an HTTP process did not stop cleanly');
          process.exit(1);
        },
      );
    }),
  );
  await toPrimary({ plusone: 'hello' });
  const demo = await started;
  const database = await openDatabase(config, logger, { migrate: false });
  let http: HttpPart;
  try {
    http = await serveHttp(config, logger, database, { processHeader: true });
  } catch (error) {
    await database.close();
    throw error;
  }
  http.showDemo(demo);
  stop = async () => {
    await http.app.close();
    await http.ctx.caches.offers.close();
    await database.close();
  };
  await toPrimary({ plusone: 'ready' });
}

/** What an HTTP process tells its primary; settles once sent (so a process may exit after it), or at once without one. */
export function toPrimary(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send && process.connected) process.send(message, undefined, undefined, () => resolve());
    else resolve();
  });
}
