/** Configuration, read and checked once at start from the environment (API.md "Running"). */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { REAL_GATEWAYS, type RealGatewayName } from './core/gateways';
import type { SandboxFaultSettings } from './gateways/sandbox/faults';
import { DEFAULT_RATE_LIMITS, parseRateLimit, RATE_LIMIT_VARIABLES, type RateLimits } from './http/rate-limit';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Operator token for `POST /v1/shops`; null turns the operator routes off. */
  readonly adminToken: string | null;
  readonly dataDir: string;
  /** Use this PostgreSQL instead of the embedded one. */
  readonly databaseUrl: string | null;
  /** Encrypts stored PSP credentials (gateways issue). */
  readonly secretKey: string | null;
  readonly logLevel: string;
  /** Public base URL printed for people and used in links; defaults to http://host:port. */
  readonly publicUrl: string;
  /** Create and seed a demo shop when the database has no shop (default on). */
  readonly seedDemo: boolean;
  /** Run the worker (capture, reconciliation, webhooks) inside `npm start` (default on). */
  readonly runWorker: boolean;
  /** How long a PSP call may take before its outcome counts as unknown (then reconciled). */
  readonly gatewayTimeoutMs: number;
  /** Added to every sandbox PSP call, to benchmark with a PSP-like round trip. */
  readonly sandboxLatencyMs: number;
  /** `PLUSONE_SANDBOX_FAULTS` / `PLUSONE_SANDBOX_FAULT_SEED`: sandbox PSP writes that fail on purpose (soak); null: none. */
  readonly sandboxFaults: SandboxFaultSettings | null;
  /** `PLUSONE_3DS_TIMEOUT_SECONDS`: a 3-D Secure step the buyer has not finished by then is abandoned (default 900). */
  readonly actionTimeoutSeconds: number;
  /**
   * `PLUSONE_HTTP_PROCESSES`: HTTP processes `start` runs on this node, sharing its port (default 1, a
   * single process with no cluster; `auto`: the available cores); docs/processes.md.
   */
  readonly httpProcesses: number;
  /** PostgreSQL connections per process (`PLUSONE_DB_POOL_SIZE`); each HTTP process and the worker's has its own (docs/processes.md). */
  readonly databasePoolSize: number;
  /** PSP API base URLs replacing the SDKs' own hosts (`PLUSONE_STRIPE_API_BASE`, …): mocks and fakes. */
  readonly gatewayEndpoints: Partial<Record<RealGatewayName, string>>;
  /** `PLUSONE_STRIPE_JS_URL`: Stripe.js for the buyer's page (a fake's, in tests); null: Stripe's own. */
  readonly stripeJsUrl: string | null;
  /** `PLUSONE_SHOPIFY_API_BASE`: Shopify's Admin API at this base instead of `https://<shop>.myshopify.com` (a fake); null: Shopify's. */
  readonly shopifyApiBase: string | null;
  /** `PLUSONE_ALLOW_PRIVATE_WEBHOOKS=1`: webhooks may go to loopback and private addresses (development, tests). */
  readonly allowPrivateWebhooks: boolean;
  /** `PLUSONE_RATE_LIMIT_*`: each limit as `<max>/<window>` or `off` (docs/api.md "Rate limits"). */
  readonly rateLimits: RateLimits;
  /** `PLUSONE_TRUST_PROXY`: whose `X-Forwarded-For` names the client (per-IP limits); default nobody. */
  readonly trustProxy: boolean | readonly string[];
}

export class ConfigError extends Error {}

/** Connections per process by default: enough to overlap PSP waits, few enough not to thrash 2 cores. */
export const DEFAULT_POOL_SIZE = 20;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${env.PORT}`);
  const host = env.HOST ?? '127.0.0.1';
  const adminToken = env.PLUSONE_ADMIN_TOKEN?.trim() || null;
  if (adminToken !== null && adminToken.length < 16) throw new ConfigError('PLUSONE_ADMIN_TOKEN must be at least 16 characters');
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const gatewayTimeoutMs = Number(env.PLUSONE_GATEWAY_TIMEOUT_MS ?? '8000');
  if (!Number.isInteger(gatewayTimeoutMs) || gatewayTimeoutMs < 100) throw new ConfigError('PLUSONE_GATEWAY_TIMEOUT_MS must be an integer ≥ 100');
  const sandboxLatencyMs = Number(env.PLUSONE_SANDBOX_LATENCY_MS ?? '0');
  if (!Number.isInteger(sandboxLatencyMs) || sandboxLatencyMs < 0) throw new ConfigError('PLUSONE_SANDBOX_LATENCY_MS must be an integer ≥ 0');
  const sandboxFaults = sandboxFaultSettings(env);
  const actionTimeoutSeconds = Number(env.PLUSONE_3DS_TIMEOUT_SECONDS ?? '900');
  if (!Number.isInteger(actionTimeoutSeconds) || actionTimeoutSeconds < 1)
    throw new ConfigError('PLUSONE_3DS_TIMEOUT_SECONDS must be an integer ≥ 1');
  const databasePoolSize = Number(env.PLUSONE_DB_POOL_SIZE ?? String(DEFAULT_POOL_SIZE));
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 2 || databasePoolSize > 500)
    throw new ConfigError('PLUSONE_DB_POOL_SIZE must be an integer from 2 to 500');
  const httpProcesses = httpProcessCount(env.PLUSONE_HTTP_PROCESSES);
  const secretKey = env.PLUSONE_SECRET_KEY?.trim() || null;
  if (secretKey !== null && secretKey.length < 32)
    throw new ConfigError('PLUSONE_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  const gatewayEndpoints: Config['gatewayEndpoints'] = {};
  for (const name of REAL_GATEWAYS) {
    const value = env[`PLUSONE_${name.toUpperCase()}_API_BASE`]?.trim();
    if (!value) continue;
    if (!URL.canParse(value)) throw new ConfigError(`PLUSONE_${name.toUpperCase()}_API_BASE must be a URL`);
    gatewayEndpoints[name] = value;
  }
  const stripeJsUrl = env.PLUSONE_STRIPE_JS_URL?.trim() || null;
  if (stripeJsUrl !== null && !(URL.canParse(stripeJsUrl) && /^https?:$/.test(new URL(stripeJsUrl).protocol))) {
    throw new ConfigError('PLUSONE_STRIPE_JS_URL must be an http(s) URL, e.g. https://js.stripe.com/v3/');
  }
  const shopifyApiBase = env.PLUSONE_SHOPIFY_API_BASE?.trim() || null;
  if (shopifyApiBase !== null && !(URL.canParse(shopifyApiBase) && /^https?:$/.test(new URL(shopifyApiBase).protocol))) {
    throw new ConfigError('PLUSONE_SHOPIFY_API_BASE must be an http(s) URL, e.g. http://127.0.0.1:4010');
  }
  const allowPrivateWebhooks = flag(env, 'PLUSONE_ALLOW_PRIVATE_WEBHOOKS', false);
  const rateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const [name, variable] of Object.entries(RATE_LIMIT_VARIABLES) as [keyof RateLimits, string][]) {
    const text = env[variable]?.trim();
    if (!text) continue;
    const limit = parseRateLimit(text);
    if (limit === undefined) throw new ConfigError(`${variable} must be <max>/<window> such as 20/1m or 1000/1s, or off`);
    rateLimits[name] = limit;
  }
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port,
    host,
    adminToken,
    dataDir: path.resolve(env.PLUSONE_DATA_DIR ?? '.plusone'),
    databaseUrl,
    secretKey,
    logLevel,
    publicUrl: (env.PLUSONE_PUBLIC_URL ?? `http://${displayHost}:${port}`).replace(/\/$/, ''),
    seedDemo: env.PLUSONE_DEMO !== '0',
    runWorker: env.PLUSONE_WORKER !== '0',
    gatewayTimeoutMs,
    sandboxLatencyMs,
    sandboxFaults,
    actionTimeoutSeconds,
    httpProcesses,
    databasePoolSize,
    gatewayEndpoints,
    stripeJsUrl,
    shopifyApiBase,
    allowPrivateWebhooks,
    rateLimits,
    trustProxy: trustProxy(env.PLUSONE_TRUST_PROXY?.trim() ?? ''),
  };
}

/** Most HTTP processes a node may run: far past any core count, low enough that a typo is caught. */
export const MAX_HTTP_PROCESSES = 256;

/**
 * `PLUSONE_HTTP_PROCESSES`: a whole number from 1 to 256, or `auto` for the cores node may use; unset or
 * empty, 1. Not the cores by default: what is kept per process (rate limits, `/metrics`, the buyer's page
 * seeing another process's accept only within 1 s) would change answers a client sees from one
 * `npm start` (docs/processes.md).
 */
function httpProcessCount(text: string | undefined): number {
  const value = text?.trim();
  if (!value) return 1;
  if (value === 'auto') return availableParallelism();
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_HTTP_PROCESSES)
    throw new ConfigError(
      `PLUSONE_HTTP_PROCESSES must be a whole number from 1 to ${MAX_HTTP_PROCESSES} or auto (the cores; 1: one process, no cluster), got ${value}`,
    );
  return count;
}

/** Off unless `PLUSONE_SANDBOX_FAULTS` is a rate above 0 (at most 1); the seed defaults to 1. */
function sandboxFaultSettings(env: NodeJS.ProcessEnv): SandboxFaultSettings | null {
  const rate = Number(env.PLUSONE_SANDBOX_FAULTS?.trim() || '0');
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new ConfigError('PLUSONE_SANDBOX_FAULTS must be a rate from 0 to 1, e.g. 0.05');
  const seed = Number(env.PLUSONE_SANDBOX_FAULT_SEED?.trim() || '1');
  if (!Number.isSafeInteger(seed)) throw new ConfigError('PLUSONE_SANDBOX_FAULT_SEED must be an integer');
  return rate === 0 ? null : { rate, seed };
}

/** `true` (any proxy), or a comma-separated list of proxy addresses/CIDRs; empty, `0` or `false`: none. */
function trustProxy(value: string): boolean | readonly string[] {
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === 'true') return true;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** `1`/`true` or `0`/`false` (unset: `fallback`); anything else is a mistake worth stopping for. */
function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0`);
}
