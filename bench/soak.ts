/**
 * `npm run soak [-- --minutes 10 --concurrency 8 --fault-rate 0.05 --seed 1 --outage-seconds 5 --report file]`:
 * mixed traffic (bench/soak/traffic.ts) on two Plusone nodes (API + worker, `src/cli.ts start`, each with
 * its own pool) sharing one embedded PostgreSQL, restarted twice during the run, with the sandbox PSP
 * injecting 5xx and timeouts (PLUSONE_SANDBOX_FAULTS). Then the drain (short undo window and 3-D Secure
 * timeout, so the workers finish everything within minutes), the ledger check straight from the database
 * and the expectations of every answer the traffic got. Prints the report, writes it as markdown
 * (docs/soak-report.md), exits 1 when any check fails. SOAK_MINUTES sets the duration too.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { UpsellState } from '../src/core/upsell-state';
import { describeMachine } from './report';
import { api } from './seed';
import { ADMIN_TOKEN, inTempRun, ROOT, startPlusone, type Child } from './server';
import { sleep, Tally } from './soak/client';
import { checkLedger, readLedger } from './soak/ledger';
import { checkExpectations } from './soak/outcomes';
import { startSoakDatabase, type Outage, type SoakDatabase } from './soak/postgres';
import { checks, markdown, writeReport, type RestartResult, type SoakSettings } from './soak/report';
import { Traffic, type SoakShop } from './soak/traffic';

const UNDO_WINDOW_SECONDS = 5;
const GATEWAY_TIMEOUT_MS = 1_500;
const ACTION_TIMEOUT_SECONDS = 20;
const DRAIN_DEADLINE_MS = 10 * 60_000;
const READY_DEADLINE_MS = 60_000;
/** After PostgreSQL is back, the pools reconnect and requests in flight finish: still the outage. */
const OUTAGE_GRACE_MS = 5_000;

const log = (message: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function settingsFromArgs(): SoakSettings & { report: string } {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '10' },
      concurrency: { type: 'string', default: '8' },
      'fault-rate': { type: 'string', default: '0.05' },
      seed: { type: 'string', default: '1' },
      'outage-seconds': { type: 'string', default: '5' },
      report: { type: 'string', default: path.join(ROOT, 'docs', 'soak-report.md') },
    },
  });
  const number = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${text}`);
    return value;
  };
  return {
    minutes: number('minutes', values.minutes, 0.1),
    concurrency: Math.floor(number('concurrency', values.concurrency, 1)),
    faultRate: number('fault-rate', values['fault-rate'], 0),
    seed: Math.floor(number('seed', values.seed, 0)),
    outageSeconds: number('outage-seconds', values['outage-seconds'], 0),
    undoWindowSeconds: UNDO_WINDOW_SECONDS,
    gatewayTimeoutMs: GATEWAY_TIMEOUT_MS,
    actionTimeoutSeconds: ACTION_TIMEOUT_SECONDS,
    report: path.resolve(values.report),
  };
}

/** Three shops: USD and JPY (no minor unit) adding to the order, EUR in linked orders; JPY captures at once. */
const SHOPS = [
  { name: 'Soak USD', currency: 'USD', unitPrice: 4000, addon: 1250, settings: { captureMode: 'after_window', orderStrategy: 'update_original' } },
  { name: 'Soak EUR', currency: 'EUR', unitPrice: 3500, addon: 990, settings: { captureMode: 'after_window', orderStrategy: 'linked_order' } },
  { name: 'Soak JPY', currency: 'JPY', unitPrice: 4800, addon: 1300, settings: { captureMode: 'immediate', orderStrategy: 'update_original' } },
] as const;

async function seedShops(node: Child): Promise<SoakShop[]> {
  return Promise.all(
    SHOPS.map(async (spec) => {
      const shop = await api<{ id: string; secretKey: string }>(node.url, 'POST', '/v1/shops', ADMIN_TOKEN, {
        name: spec.name,
        settings: { undoWindowSeconds: UNDO_WINDOW_SECONDS, ...spec.settings },
      });
      const product = (id: string, amount: number) =>
        api(node.url, 'PUT', `/v1/products/${id}`, shop.secretKey, {
          title: `Soak ${id}`,
          variants: [{ id: `${id}-v`, title: 'Default', prices: [{ currency: spec.currency, amount }] }],
        });
      await product('main', spec.unitPrice);
      for (const [index, discount] of [10, 15, 0].entries()) {
        await product(`addon-${index}`, spec.addon + index * 111);
        await api(node.url, 'POST', '/v1/offers', shop.secretKey, {
          name: `Soak add-on ${index}`,
          variantId: `addon-${index}-v`,
          quantity: 1,
          priority: 3 - index,
          ...(discount ? { discount: { type: 'percentage', value: discount } } : {}),
        });
      }
      return { id: shop.id, secretKey: shop.secretKey, currency: spec.currency, captureMode: spec.settings.captureMode, unitPrice: spec.unitPrice };
    }),
  );
}

async function bothReady(nodes: readonly Child[]): Promise<boolean> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (nodes.some((node) => !node.running())) return false;
    const ready = await Promise.all(
      nodes.map((node) =>
        fetch(`${node.url}/readyz`).then(
          (response) => response.ok,
          () => false,
        ),
      ),
    );
    if (ready.every(Boolean)) return true;
    await sleep(200);
  }
  return false;
}

/** PostgreSQL restarted at each of `at` (epoch ms), while the traffic runs. */
async function restartsAt(database: SoakDatabase, nodes: readonly Child[], at: readonly number[], downMs: number): Promise<RestartResult[]> {
  const results: RestartResult[] = [];
  for (const when of at) {
    await sleep(Math.max(0, when - Date.now()));
    const outage = await database.restart(downMs);
    const survived = await bothReady(nodes);
    const readyAfterSeconds = survived ? (Date.now() - outage.startedAt) / 1000 : null;
    log(
      `restart ${results.length + 1}: ${survived ? `both nodes ready ${readyAfterSeconds?.toFixed(1)} s after the start` : 'a node did not come back'}`,
    );
    results.push({ ...outage, survived, readyAfterSeconds });
  }
  return results;
}

async function drain(client: pg.Client, nodes: readonly Child[]): Promise<number> {
  const started = Date.now();
  let lastLog = 0;
  while (Date.now() - started < DRAIN_DEADLINE_MS && nodes.every((node) => node.running())) {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM upsells WHERE state IN ('pending', 'requires_action', 'authorized', 'capturing')`,
    );
    const open = Number(rows[0]?.n ?? 0);
    if (open === 0) break;
    if (Date.now() - lastLog > 15_000) {
      log(`draining: ${open} upsells not final yet`);
      lastLog = Date.now();
    }
    await sleep(1_000);
  }
  return (Date.now() - started) / 1000;
}

/** Sums one labelled counter of both nodes' /metrics by its labels' values. */
async function scrape(nodes: readonly Child[], metric: string): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const node of nodes) {
    const text = await fetch(`${node.url}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    for (const line of text.split('\n')) {
      const match = new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`).exec(line);
      if (!match?.[1] || !match[2]) continue;
      const name = [...match[1].matchAll(/="([^"]*)"/g)].map((label) => label[1]).join(' ');
      totals.set(name, (totals.get(name) ?? 0) + Number(match[2]));
    }
  }
  return totals;
}

function inOutage(at: number, outages: readonly Outage[]): boolean {
  return outages.some((outage) => at >= outage.stoppedAt && at <= outage.startedAt + OUTAGE_GRACE_MS);
}

async function statesByOrder(client: pg.Client): Promise<{ orders: Set<string>; states: Map<string, UpsellState[]> }> {
  const orders = new Set((await client.query<{ id: string }>('SELECT id FROM orders WHERE parent_order_id IS NULL')).rows.map((row) => row.id));
  const states = new Map<string, UpsellState[]>();
  for (const row of (await client.query<{ order_id: string; state: UpsellState }>('SELECT order_id, state FROM upsells')).rows) {
    states.set(row.order_id, [...(states.get(row.order_id) ?? []), row.state]);
  }
  return { orders, states };
}

async function soak(tempDir: string, settings: SoakSettings & { report: string }, onStop: (stop: () => Promise<void>) => void): Promise<boolean> {
  const database = await startSoakDatabase(path.join(tempDir, 'postgres'), log);
  onStop(() => database.stop());
  const secretKey = randomBytes(32).toString('hex');
  const startNode = (index: number) =>
    startPlusone({
      databaseUrl: database.url,
      dataDir: path.join(tempDir, `node-${index}`),
      sandboxLatencyMs: 0,
      worker: true,
      env: {
        PLUSONE_SECRET_KEY: secretKey,
        PLUSONE_SANDBOX_FAULTS: String(settings.faultRate),
        PLUSONE_SANDBOX_FAULT_SEED: String(settings.seed * 2 + index),
        PLUSONE_GATEWAY_TIMEOUT_MS: String(settings.gatewayTimeoutMs),
        PLUSONE_3DS_TIMEOUT_SECONDS: String(settings.actionTimeoutSeconds),
      },
    });
  // One after the other: the first applies the migrations.
  const first = await startNode(1);
  const nodes = [first, await startNode(2)] as const;
  log(`two nodes up: ${nodes.map((node) => node.url).join(', ')}; PostgreSQL through ${new URL(database.url).host}`);
  const shops = await seedShops(first);

  const tally = new Tally();
  const traffic = new Traffic({
    nodes: [
      { name: 'node 1', url: nodes[0].url },
      { name: 'node 2', url: nodes[1].url },
    ],
    shops,
    tally,
    seed: settings.seed,
    log,
  });
  const started = Date.now();
  const durationMs = settings.minutes * 60_000;
  log(`traffic for ${settings.minutes} min with ${settings.concurrency} buyers; PostgreSQL restarts at 1/3 and 2/3`);
  const progress = setInterval(() => log(`${tally.total} requests, ${traffic.expectations.length} orders settled`), 30_000);
  let restarts: RestartResult[];
  try {
    [restarts] = await Promise.all([
      restartsAt(database, nodes, [started + durationMs / 3, started + (2 * durationMs) / 3], settings.outageSeconds * 1000),
      traffic.run(settings.concurrency, started + durationMs),
    ]);
  } finally {
    clearInterval(progress);
  }
  const trafficSeconds = (Date.now() - started) / 1000;
  log(`traffic done: ${tally.total} requests in ${trafficSeconds.toFixed(0)} s; draining`);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const drainSeconds = await drain(client, nodes);
    const ledger = checkLedger(await readLedger(client));
    const { orders, states } = await statesByOrder(client);
    const mismatches = checkExpectations(traffic.expectations, orders, states);
    const failuresInOutage = tally.failures.filter((failure) => inOutage(failure.at, database.outages)).length;
    const result = {
      machine: describeMachine(
        (await client.query<{ version: string }>('SELECT version()')).rows[0]?.version ?? 'unknown',
        'embedded PostgreSQL (temp folder, durable), restarted',
      ),
      settings,
      trafficSeconds,
      drainSeconds,
      tally,
      journeys: traffic.journeys,
      restarts,
      faults: await scrape(nodes, 'plusone_sandbox_faults_injected_total'),
      rowFailures: await scrape(nodes, 'plusone_worker_row_failures_total'),
      nodesRunning: nodes.every((node) => node.running()),
      ledger,
      expectations: traffic.expectations.length,
      mismatches,
      contradictions: traffic.contradictions,
      failuresInOutage,
      failuresOutside: tally.failures.length - failuresInOutage,
    };
    process.stdout.write(`\n${markdown(result)}\n`);
    await writeReport(settings.report, result);
    log(`wrote ${path.relative(process.cwd(), settings.report)}`);
    for (const node of nodes) if (!node.running()) log(`a node exited; its last output:\n${node.output().slice(-3000)}`);
    return checks(result).every((check) => check.pass);
  } finally {
    await client.end();
  }
}

async function run(): Promise<number> {
  const settings = settingsFromArgs();
  return inTempRun('soak', log, async (tempDir, onStop) => {
    const passed = await soak(tempDir, settings, onStop);
    log(passed ? 'all checks passed' : 'CHECKS FAILED');
    return passed ? 0 : 1;
  });
}

process.exitCode = await run();
