/**
 * The load generator, run as its own process: `node --import tsx bench/load.ts <scenario.json>`.
 * Reads a LoadScenario, drives the target with autocannon and prints one JSON line: autocannon's result
 * plus exact (sub-millisecond) latency percentiles computed from every response time.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface RequestVariant {
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface LoadScenario {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly headers?: Record<string, string>;
  /** Rotated across requests (all connections share one counter). */
  readonly variants?: readonly RequestVariant[];
  /** Each variant is sent at most once: the run ends when they run out (or at the duration). */
  readonly once?: boolean;
  /** Body when the variant has none; in any body every `__SEQ__` becomes a number unique to this run. */
  readonly bodyTemplate?: string;
}

export interface LoadOutput {
  readonly result: autocannon.Result;
  readonly exact: { readonly p50: number; readonly p99: number; readonly p999: number; readonly count: number };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const SEQUENCE = '__SEQ__';

/**
 * Whether every request can be built once, before the run. autocannon turns a request without a
 * `setupRequest` into bytes once per connection and resends those; a `setupRequest` callback makes it
 * rebuild the request (headers merged, the HTTP text assembled) on every send. On this 2-core machine that
 * per-request work in the load generator alone cut a bare Fastify's measured rate by 30–45 %, so only the
 * scenarios that need it pay for it: a body with `__SEQ__` (unique per request), or `once` (one shared
 * counter across connections, each variant sent once).
 */
function isStatic(scenario: LoadScenario): boolean {
  if (scenario.once) return false;
  if (scenario.bodyTemplate?.includes(SEQUENCE)) return false;
  return !(scenario.variants ?? []).some((variant) => variant.body?.includes(SEQUENCE));
}

/**
 * The variants as prebuilt requests, one list per connection: connection `c` starts `c / connections` of the
 * way through it, so the connections spread over the variants (session tokens) instead of moving in step.
 */
function staticRequestsFor(scenario: LoadScenario, connection: number): autocannon.Request[] {
  const base: autocannon.Request = { method: scenario.method, path: scenario.path };
  const variants = scenario.variants ?? [];
  if (variants.length === 0) return [base];
  const offset = Math.floor((connection * variants.length) / scenario.connections);
  const rotated = [...variants.slice(offset), ...variants.slice(0, offset)];
  return rotated.map((variant) => ({
    ...base,
    ...(variant.headers ? { headers: variant.headers } : {}),
    ...((variant.body ?? scenario.bodyTemplate) === undefined ? {} : { body: variant.body ?? scenario.bodyTemplate }),
  }));
}

/** One `setupRequest` for every connection: variants rotated on a shared counter, `__SEQ__` made unique. */
function dynamicRequests(scenario: LoadScenario): autocannon.Request[] {
  const variants = scenario.variants ?? [];
  const runId = Date.now().toString(36);
  let sequence = 0;
  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    const n = sequence;
    sequence += 1;
    const variant = variants.length > 0 ? variants[n % variants.length] : undefined;
    const body = (variant?.body ?? scenario.bodyTemplate)?.replaceAll(SEQUENCE, `${runId}-${n}`);
    return { ...request, headers: { ...request.headers, ...variant?.headers }, ...(body === undefined ? {} : { body }) };
  };
  return [{ method: scenario.method, path: scenario.path, setupRequest }];
}

function main(file: string): void {
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as LoadScenario;
  const variants = scenario.variants ?? [];
  const prebuilt = isStatic(scenario);
  let connection = 0;

  const latencies: number[] = [];
  const instance = autocannon(
    {
      url: scenario.url,
      connections: scenario.connections,
      duration: scenario.durationSeconds,
      ...(scenario.once && variants.length > 0 ? { amount: variants.length } : {}),
      headers: { 'content-type': 'application/json', ...scenario.headers },
      requests: prebuilt ? staticRequestsFor(scenario, 0) : dynamicRequests(scenario),
      // Each connection's own rotation of the prebuilt requests (autocannon builds them once, here).
      ...(prebuilt && variants.length > 1
        ? {
            setupClient: (client: autocannon.Client) => {
              client.setRequests(staticRequestsFor(scenario, connection));
              connection += 1;
            },
          }
        : {}),
    },
    (error, result) => {
      clearTimeout(cap);
      if (error) {
        process.stderr.write(`autocannon: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      }
      latencies.sort((a, b) => a - b);
      const output: LoadOutput = {
        result,
        exact: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9), count: latencies.length },
      };
      process.stdout.write(`${JSON.stringify(output)}\n`);
    },
  );
  instance.on('response', (_client: unknown, _statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  // With `amount`, autocannon ignores the duration: cap it ourselves.
  const cap = setTimeout(() => instance.stop(), scenario.durationSeconds * 1000 + 500);
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx bench/load.ts <scenario.json>\n');
  process.exit(2);
}
main(file);
