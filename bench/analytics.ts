/**
 * Analytics benchmark: seeds 1,000,000 events for one shop with one INSERT … SELECT generate_series (90
 * days, 20 offers, 3 arms, 3 currencies, the real mix of event types: `seedAnalyticsEvents` of seed.ts) — the rollup trigger folds them into
 * the daily table as it would in production — then times the metrics queries a dashboard makes. Target:
 * each under 1 s. Call from bench/run.ts:
 *
 *   const analytics = await runAnalyticsBenchmark({ databaseUrl: database.url });
 *   results.push(analytics);
 *
 * Standalone: `npx tsx bench/analytics.ts <postgres-url>` prints the result as JSON.
 */
import { sql } from 'kysely';
import { computeMetrics, type MetricsQuery } from '../src/analytics/metrics';
import { experimentStatistics } from '../src/engine/experiment-report';
import { findExperiment } from '../src/engine/experiments';
import { connectDatabase, migrateToLatest } from '../src/store/database';
import type { ScenarioResult } from './report';
import { seedAnalyticsEvents } from './seed';

export interface AnalyticsBenchOptions {
  readonly databaseUrl: string;
  /** Events to seed (default 1,000,000). */
  readonly events?: number;
  /** Timed runs per query after one warm-up (default 5). */
  readonly runs?: number;
  readonly log?: (message: string) => void;
}

const TARGET_MS = 1000;
const DAY_MS = 86_400_000;

export async function runAnalyticsBenchmark(options: AnalyticsBenchOptions): Promise<ScenarioResult> {
  const events = options.events ?? 1_000_000;
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const database = connectDatabase(options.databaseUrl, { maxConnections: 4 });
  const { db } = database;
  try {
    await migrateToLatest(db);
    const shopId = `shop_analytics_bench_${Date.now()}`;
    const end = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    const start = new Date(end.getTime() - 90 * DAY_MS);
    const seedStart = Date.now();
    await seedEvents(db, options.databaseUrl, shopId, events, start);
    log(`analytics: seeded ${events} events in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    const day = (time: number) => new Date(time).toISOString().slice(0, 10);
    const range = { from: day(start.getTime()), to: day(end.getTime()) };
    const queries: { label: string; run: () => Promise<unknown> }[] = [
      { label: 'totals per currency', run: () => computeMetrics(db, shopId, { ...range, groupBy: [] }) },
      { label: 'per day, offer, arm', run: () => computeMetrics(db, shopId, { ...range, groupBy: ['day', 'offer', 'arm'] } satisfies MetricsQuery) },
      {
        label: 'last 7 days per day',
        run: () => computeMetrics(db, shopId, { from: day(end.getTime() - 6 * DAY_MS), to: range.to, groupBy: ['day'] }),
      },
      { label: 'experiment verdict', run: async () => experimentStatistics(db, await findExperiment(db, shopId, `${shopId}_exp`)) },
    ];
    const timings: { label: string; medianMs: number; maxMs: number }[] = [];
    for (const query of queries) {
      await query.run();
      const samples: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const began = performance.now();
        await query.run();
        samples.push(performance.now() - began);
      }
      samples.sort((a, b) => a - b);
      timings.push({ label: query.label, medianMs: samples[Math.floor(samples.length / 2)] ?? 0, maxMs: samples[samples.length - 1] ?? 0 });
      log(`analytics: ${query.label}: median ${timings.at(-1)?.medianMs.toFixed(0)} ms`);
    }
    await sql`DELETE FROM shops WHERE id = ${shopId}`.execute(db);
    const worst = Math.max(...timings.map((timing) => timing.maxMs));
    return {
      id: 'analytics',
      name: `Metrics over ${events.toLocaleString('en-US')} events (one shop)`,
      rps: null,
      p50Ms: Math.max(...timings.map((timing) => timing.medianMs)),
      p99Ms: worst,
      p999Ms: null,
      rssMb: null,
      ratio: null,
      checks: timings.map((timing) => ({
        label: `${timing.label} < ${TARGET_MS} ms (${timing.maxMs.toFixed(0)} ms)`,
        pass: timing.maxMs < TARGET_MS,
      })),
      notes: timings.map((timing) => `${timing.label}: median ${timing.medianMs.toFixed(0)} ms, max ${timing.maxMs.toFixed(0)} ms over ${runs} runs`),
    };
  } finally {
    await database.close();
  }
}

/** The shop and its experiment, then the events (`seedAnalyticsEvents` of seed.ts): 20 offers, 3 arms, 3 currencies, one writer. */
async function seedEvents(
  db: ReturnType<typeof connectDatabase>['db'],
  databaseUrl: string,
  shopId: string,
  count: number,
  start: Date,
): Promise<void> {
  const now = new Date();
  await sql`INSERT INTO shops (id, name, settings, webhook_secret, created_at, updated_at)
            VALUES (${shopId}, 'Analytics bench', '{}'::jsonb, 'whsec_bench', ${now}, ${now})`.execute(db);
  await sql`INSERT INTO experiments (shop_id, id, name, offer_id, status, arms, holdout_basis_points, settings, created_at, updated_at)
            VALUES (${shopId}, ${`${shopId}_exp`}, 'Bench', 'off_0', 'running',
              '[{"id":"a","name":"a","weight":1},{"id":"b","name":"b","weight":1},{"id":"c","name":"c","weight":1}]'::jsonb, 0,
              '{"alpha":0.05,"minViewsPerArm":100,"equivalenceMargin":0.01,"maxViewsPerArm":null,"autoPromote":false}'::jsonb,
              ${now}, ${now})`.execute(db);
  await seedAnalyticsEvents(databaseUrl, {
    shopId,
    count,
    start,
    days: 90,
    offerIds: Array.from({ length: 20 }, (_, index) => `off_${index}`),
    currencies: ['USD', 'EUR', 'JPY'],
    experiment: { id: `${shopId}_exp`, armIds: ['a', 'b', 'c'] },
    writers: 1,
    orders: false,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url) throw new Error('usage: tsx bench/analytics.ts <postgres-url>');
  void runAnalyticsBenchmark({ databaseUrl: url, log: (message) => process.stderr.write(`${message}\n`) }).then((result) =>
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
  );
}
