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

function main(file: string): void {
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as LoadScenario;
  const variants = scenario.variants ?? [];
  const runId = Date.now().toString(36);
  let sequence = 0;

  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    const n = sequence;
    sequence += 1;
    const variant = variants.length > 0 ? variants[n % variants.length] : undefined;
    const body = (variant?.body ?? scenario.bodyTemplate)?.replaceAll('__SEQ__', `${runId}-${n}`);
    return { ...request, headers: { ...request.headers, ...variant?.headers }, ...(body === undefined ? {} : { body }) };
  };

  const latencies: number[] = [];
  const instance = autocannon(
    {
      url: scenario.url,
      connections: scenario.connections,
      duration: scenario.durationSeconds,
      ...(scenario.once && variants.length > 0 ? { amount: variants.length } : {}),
      headers: { 'content-type': 'application/json', ...scenario.headers },
      requests: [{ method: scenario.method, path: scenario.path, setupRequest }],
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
