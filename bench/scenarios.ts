/**
 * The measured scenarios. HTTP ones write a LoadScenario to a file, run the load generator in its own
 * process while sampling the server's RSS, and turn autocannon's answer into a ScenarioResult.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { orderInput, random } from './fixtures';
import type { LoadOutput, LoadScenario, RequestVariant } from './load';
import { RSS_TARGET_MB, type Check, type ScenarioResult } from './report';
import { api, inParallel, type RegisteredOrder, type Shop } from './seed';
import { RssSampler, runLoadProcess, type Child } from './server';

export interface Measured {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly rssMb: number | null;
  readonly notes: string[];
}

let scenarioCount = 0;

export async function measure(tempDir: string, scenario: LoadScenario, serverPid: number | null): Promise<Measured> {
  scenarioCount += 1;
  const file = path.join(tempDir, `scenario-${scenarioCount}.json`);
  await writeFile(file, JSON.stringify(scenario));
  const sampler = serverPid === null ? null : new RssSampler(serverPid);
  let stdout: string;
  try {
    stdout = await runLoadProcess(file);
  } finally {
    sampler?.stop();
  }
  const rssMb = sampler?.stop() ?? null;
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  const { result, exact } = JSON.parse(lastLine) as LoadOutput;
  const completed = result.requests.total;
  const notes = [`${scenario.connections} connections, ${result.duration.toFixed(1)} s, ${completed} requests`];
  if (result.non2xx > 0) notes.push(`${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats ?? {})})`);
  if (result.errors > 0 || result.timeouts > 0) notes.push(`${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: completed / result.duration, p50Ms: exact.p50, p99Ms: exact.p99, p999Ms: exact.p999, rssMb, notes };
}

const rssCheck = (rssMb: number | null): Check[] => (rssMb === null ? [] : [{ label: `RSS ≤ ${RSS_TARGET_MB} MB`, pass: rssMb <= RSS_TARGET_MB }]);

export function httpResult(
  id: string,
  name: string,
  measured: Measured,
  baselineRps: number,
  checks: Check[],
  extraNotes: string[] = [],
): ScenarioResult {
  return {
    id,
    name,
    rps: measured.rps,
    p50Ms: measured.p50Ms,
    p99Ms: measured.p99Ms,
    p999Ms: measured.p999Ms,
    rssMb: measured.rssMb,
    ratio: baselineRps > 0 ? measured.rps / baselineRps : null,
    checks: [...checks, ...rssCheck(measured.rssMb)],
    notes: [...measured.notes, ...extraNotes],
  };
}

export function checkoutOfferScenario(server: Child, orders: readonly RegisteredOrder[], connections: number, seconds: number): LoadScenario {
  return {
    url: server.url,
    method: 'GET',
    path: '/v1/checkout/offer',
    connections,
    durationSeconds: seconds,
    variants: orders.map((order) => ({ headers: { authorization: `Bearer ${order.token}` } })),
  };
}

export function registerOrderScenario(server: Child, shop: Shop, connections: number, seconds: number): LoadScenario {
  const rand = random(1234);
  // 200 different carts; every `__SEQ__` (the externalId and e-mail) is unique per request.
  const variants: RequestVariant[] = Array.from({ length: 200 }, () => ({ body: JSON.stringify(orderInput('__SEQ__', rand)) }));
  return {
    url: server.url,
    method: 'POST',
    path: '/v1/orders',
    connections,
    durationSeconds: seconds,
    headers: { authorization: `Bearer ${shop.secretKey}` },
    variants,
  };
}

/** One request per fresh order: its session token, its offer, a unique Idempotency-Key. */
export function acceptScenario(server: Child, orders: readonly RegisteredOrder[], connections: number, seconds: number, label: string): LoadScenario {
  return {
    url: server.url,
    method: 'POST',
    path: '/v1/checkout/accept',
    connections,
    durationSeconds: seconds,
    once: true,
    variants: orders
      .filter((order) => order.offerId !== null)
      .map((order, index) => ({
        headers: { authorization: `Bearer ${order.token}`, 'idempotency-key': `bench-${label}-${index}-${order.orderId}` },
        body: JSON.stringify({ offerId: order.offerId }),
      })),
  };
}

interface Accepted {
  readonly id: string;
  readonly undoUntil: number;
}

const toNumber = (value: number | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Accepts one upsell per order as fast as 50 concurrent clicks allow (the shop's undo window is 5 s), then
 * watches PostgreSQL until the worker has captured all of them.
 */
export async function finalizerScenario(server: Child, databaseUrl: string, shop: Shop, orders: readonly RegisteredOrder[]): Promise<ScenarioResult> {
  const withOffer = orders.filter((order) => order.offerId !== null);
  const sampler = new RssSampler(server.pid);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const accepted = await inParallel(
      withOffer.length,
      async (index): Promise<Accepted> => {
        const order = withOffer[index];
        if (!order) throw new Error('order index out of range');
        const answer = await api<{ upsell: { id: string; undoUntil: string } }>(
          server.url,
          'POST',
          '/v1/checkout/accept',
          order.token,
          { offerId: order.offerId },
          { 'idempotency-key': `bench-final-${order.orderId}` },
        );
        return { id: answer.upsell.id, undoUntil: Date.parse(answer.upsell.undoUntil) };
      },
      50,
    );
    const ids = accepted.map((upsell) => upsell.id);
    const firstClose = Math.min(...accepted.map((upsell) => upsell.undoUntil));
    const lastClose = Math.max(...accepted.map((upsell) => upsell.undoUntil));
    const deadline = lastClose + 120_000;
    let captured = 0;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ captured: string }>(
        "SELECT count(*) FILTER (WHERE state = 'captured') AS captured FROM upsells WHERE shop_id = $1 AND id = ANY($2)",
        [shop.id, ids],
      );
      captured = Number(rows[0]?.captured ?? 0);
      if (captured >= ids.length) break;
      await sleep(50);
    }
    const done = Date.now();
    const rssMb = sampler.stop();
    const { rows } = await client.query<{ p50: number | null; p99: number | null; p999: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99,
              percentile_cont(0.999) WITHIN GROUP (ORDER BY lag) AS p999
         FROM (SELECT extract(epoch FROM e.at - u.undo_until) * 1000 AS lag
                 FROM upsells u JOIN upsell_events e ON e.shop_id = u.shop_id AND e.upsell_id = u.id AND e.type = 'captured'
                WHERE u.shop_id = $1 AND u.id = ANY($2)) lags`,
      [shop.id, ids],
    );
    const lags = rows[0];
    const complete = captured >= ids.length;
    return {
      id: 'finalizer',
      name: 'Finalizer (captures/s)',
      rps: captured / ((done - firstClose) / 1000),
      p50Ms: toNumber(lags?.p50),
      p99Ms: toNumber(lags?.p99),
      p999Ms: toNumber(lags?.p999),
      rssMb,
      ratio: null,
      checks: [{ label: 'all captured', pass: complete }, ...rssCheck(rssMb)],
      notes: [
        `${captured}/${ids.length} upsells captured; windows closed over ${((lastClose - firstClose) / 1000).toFixed(1)} s; ` +
          `all captured ${((done - lastClose) / 1000).toFixed(1)} s after the last window closed ` +
          `(${((done - firstClose) / 1000).toFixed(1)} s after the first); latencies = capture time − undoUntil (worker polls every 1 s)`,
      ],
    };
  } finally {
    sampler.stop();
    await client.end();
  }
}
