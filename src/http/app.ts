/**
 * The HTTP API: `createApp(options, deps)` builds the Fastify app of `/v1` (and health, metrics, the
 * OpenAPI document) from explicit dependencies (database, clock, ids), so tests run it against a real
 * PostgreSQL with a fake clock. The web parts (widget, demo shop, sandbox PSP pages, landing page) are
 * registered beside it by the composition root (`createService` in runtime.ts).
 */
import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { UpsellContext } from '../engine/context';
import { shopifyRoutes } from './routes/shopify';
import { pspWebhookRoutes } from './routes/psp-webhooks';
import { allAllowedOrigins } from '../engine/shops';
import { registerSecurityHeaders } from './security-headers';
import { registerJsonParser } from './body';
import { DEFAULT_RATE_LIMITS, registerRateLimits, type RateLimits } from './rate-limit';
import { registerRequestScreen } from './screen';
import { createMetrics, type Metrics } from './metrics';
import { createCheckoutCors } from './cors';
import { errorBody, handleError, handleFrameworkError } from './errors';
import { ViewRecorder } from '../engine/analytics';
import type { OfferView } from '../core/analytics';
import { analyticsRoutes } from './routes/analytics';
import { checkoutRoutes } from './routes/checkout';
import { healthRoutes } from './routes/health';
import { merchantRoutes } from './routes/merchant';
import { registerAudit } from './audit';
import { operatorRoutes } from './routes/operator';

export interface AppOptions {
  readonly adminToken: string | null;
  /** A pino logger; none in tests. */
  readonly logger?: FastifyBaseLogger;
  readonly version?: string;
  /** Record `offer_viewed` events (default true). Off only to benchmark the checkout read without them. */
  readonly recordViews?: boolean;
  /** Per-IP, per-session, per-shop and failed-authentication limits (default `DEFAULT_RATE_LIMITS`). */
  readonly rateLimits?: RateLimits;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address that per-IP limits count
   * (`PLUSONE_TRUST_PROXY`): addresses/CIDRs, or true for any. Default: none, the socket's peer.
   */
  readonly trustProxy?: boolean | readonly string[];
}

export interface AppDeps {
  readonly ctx: UpsellContext;
  /** Resolves when the database answers (for `/readyz`). */
  readonly databaseReady: () => Promise<void>;
  /** The registry `/metrics` serves, shared with the worker of this process (one is made when absent). */
  readonly metrics?: Metrics;
}

export type App = FastifyInstance;

const ORIGIN_CACHE_MS = 5_000;

export async function createApp(options: AppOptions, deps: AppDeps): Promise<App> {
  const trustProxy: boolean | string[] = typeof options.trustProxy === 'object' ? [...options.trustProxy] : (options.trustProxy ?? false);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Request lines are logged by our own hook with the route, never the body or the Authorization header.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy,
    frameworkErrors: handleFrameworkError,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
  registerJsonParser(app);
  registerSecurityHeaders(app);
  // Card data and undecodable values in the URL and stored headers are refused before anything else runs.
  registerRequestScreen(app);
  await registerRateLimits(app, options.rateLimits ?? DEFAULT_RATE_LIMITS, () => deps.ctx.clock.now().getTime());

  // Once the app is closing, a connection whose request in flight was answered closes as it goes idle
  // (Node reads the keep-alive timeout when a response finishes): a keep-alive client must not hold the
  // stop open for 72 s. Nothing is added to the path of each request.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });

  const metrics = deps.metrics ?? createMetrics(deps.ctx);
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  await registerOpenApi(app, options.version);

  const { knownOrigins, forgetOrigins } = originCache(deps.ctx);

  await app.register(healthRoutes, { databaseReady: deps.databaseReady });
  // Every route's change named in its `config.audit` is recorded once it answered 2xx.
  registerAudit(app, deps.ctx);
  await app.register(operatorRoutes, { ctx: deps.ctx, adminToken: options.adminToken, onShopCreated: forgetOrigins });
  await app.register(merchantRoutes, { ctx: deps.ctx, onSettingsChanged: forgetOrigins });
  // Offer views are batched in memory and written every 250 ms; closing the app writes the rest.
  const views = new ViewRecorder(deps.ctx.db, { onError: (error) => app.log.warn({ err: error }, 'offer views not stored yet; retrying') });
  app.addHook('onClose', () => views.close());
  // One view per (order, offer), from the buyer's page or Shopify's post-purchase page.
  const recordView: (view: Omit<OfferView, 'at'>) => void =
    options.recordViews === false ? () => undefined : (view) => views.record({ ...view, at: deps.ctx.clock.now() });
  const viewOf = (shopId: string, orderId: string, offer: { id: string; total: number; currency: string }) =>
    recordView({ shopId, orderId, offerId: offer.id, amount: offer.total, currency: offer.currency });
  await app.register(checkoutRoutes, {
    ctx: deps.ctx,
    cors: createCheckoutCors(knownOrigins),
    onAccept: (outcome) => metrics.countAccept(outcome),
    onOfferShown: (session, offer) => viewOf(session.shopId, session.orderId, offer),
  });
  await app.register(shopifyRoutes, { ctx: deps.ctx, onOfferShown: (offer, orderId, shopId) => viewOf(shopId, orderId, offer) });
  await app.register(analyticsRoutes, { ctx: deps.ctx, views });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await app.register(pspWebhookRoutes, { ctx: deps.ctx, observer: metrics.workerObserver(options.logger) });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** Every shop's allowed origins (for CORS preflights, which carry no token), cached 5 s and dropped on any change. */
function originCache(ctx: UpsellContext) {
  let cached: { at: number; origins: Promise<Set<string>> } | null = null;
  const knownOrigins = () => {
    const now = Date.now();
    if (!cached || now - cached.at > ORIGIN_CACHE_MS) cached = { at: now, origins: allAllowedOrigins(ctx) };
    return cached.origins;
  };
  const forgetOrigins = () => {
    cached = null;
  };
  return { knownOrigins, forgetOrigins };
}

/** The OpenAPI document (`/v1/openapi.json`), built from the routes' TypeBox schemas. */
async function registerOpenApi(app: App, version: string | undefined): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Plusone API',
        version: version ?? '1',
        description: 'One-click post-purchase upsells. Amounts are integer minor units of the ISO 4217 currency beside them.',
      },
      components: {
        securitySchemes: {
          operatorToken: { type: 'http', scheme: 'bearer', description: 'PLUSONE_ADMIN_TOKEN' },
          secretKey: { type: 'http', scheme: 'bearer', description: 'Shop secret key sk_…' },
          sessionToken: { type: 'http', scheme: 'bearer', description: 'Post-purchase session token ps_…' },
        },
      },
    },
  });
}
