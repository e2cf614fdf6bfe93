/**
 * Results, targets and their presentation: the console table, docs/benchmarks.md and the `--json` line.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const RSS_TARGET_MB = 300;

export interface Check {
  readonly label: string;
  readonly pass: boolean;
}

export interface ScenarioResult {
  readonly id: string;
  readonly name: string;
  /** Requests (or, for the finalizer, captures) per second. */
  readonly rps: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  /** Peak resident memory of the Plusone process during the load. */
  readonly rssMb: number | null;
  /** rps ÷ baseline rps (HTTP scenarios). */
  readonly ratio: number | null;
  readonly checks: readonly Check[];
  /** Load shape and anything worth knowing (non-2xx answers, errors, derived numbers). */
  readonly notes: readonly string[];
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly postgres: string;
  readonly database: string;
  readonly date: string;
}

export function describeMachine(postgres: string, database: string): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    database,
    date: new Date().toISOString(),
  };
}

export const passed = (result: ScenarioResult): boolean => result.checks.every((check) => check.pass);

const num = (value: number | null, digits = 1): string => (value === null || Number.isNaN(value) ? '—' : value.toFixed(digits));
const verdict = (result: ScenarioResult): string =>
  result.checks.length === 0 ? '—' : result.checks.map((check) => `${check.pass ? 'PASS' : 'MISS'} ${check.label}`).join('; ');

const HEADERS = ['Scenario', 'rps', 'p50 ms', 'p99 ms', 'p99.9 ms', 'RSS MB', 'vs baseline', 'Result (target)'];

function rows(results: readonly ScenarioResult[]): string[][] {
  return results.map((result) => [
    result.name,
    num(result.rps, 0),
    num(result.p50Ms, 2),
    num(result.p99Ms, 2),
    num(result.p999Ms, 2),
    num(result.rssMb, 0),
    result.ratio === null ? '—' : `${(result.ratio * 100).toFixed(1)} %`,
    verdict(result),
  ]);
}

export function consoleTable(results: readonly ScenarioResult[]): string {
  const body = rows(results);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...body.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  const notes = results.flatMap((result) => result.notes.map((note) => `  ${result.name}: ${note}`));
  return [line(HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line), '', ...notes].join('\n');
}

export function markdownTable(results: readonly ScenarioResult[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, column) => (column === 0 || column === HEADERS.length - 1 ? '---' : '---:')).join('|')}|`,
    ...rows(results).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export async function writeMarkdown(file: string, machine: Machine, results: readonly ScenarioResult[]): Promise<void> {
  const misses = results.filter((result) => !passed(result)).map((result) => result.name);
  const notes = results.flatMap((result) => result.notes.map((note) => `- **${result.name}**: ${note}`));
  const text = `# Benchmarks

Produced by \`npm run bench\` (bench/run.ts) on ${machine.date.slice(0, 10)}. Re-run it to regenerate this file.

## Machine

| | |
|---|---|
| CPU | ${machine.cpu} |
| Cores | ${machine.cores} |
| Memory | ${machine.memoryGb} GB |
| Node.js | ${machine.node} |
| PostgreSQL | ${machine.postgres} |
| Database | ${machine.database} |
| Date | ${machine.date} |

The load generator (autocannon, in its own process), Plusone and PostgreSQL share this machine.

## How to run

\`\`\`sh
npm run bench              # ~3–4 minutes: table on stdout, rewrites docs/benchmarks.md
npm run bench -- --json    # the same, plus one JSON summary line at the end
npm run bench -- --scale-out   # two Plusone nodes on one PostgreSQL: docs/benchmarks-scale-out.md
DATABASE_URL=postgres://… npm run bench   # against your PostgreSQL instead of a temporary embedded one
\`\`\`

The harness starts a PostgreSQL (embedded, in a temp folder, durable settings as in \`npm start\`) unless
\`DATABASE_URL\` is set, then Plusone three times as \`node --import tsx src/cli.ts start\` (\`LOG_LEVEL=warn\`,
\`PLUSONE_DEMO=0\`): sandbox PSP at 0 ms without worker, at 150 ms without worker, at 0 ms with the worker.
It seeds two shops through the API, each with 1,000 products (one USD variant) and 1,000 offers (priorities
0–9; a quarter targeted by product, a quarter by country, a quarter by minimum subtotal, a quarter open;
percentage, fixed or no discount), and registers paid orders of 1–3 lines.

## Results

${markdownTable(results)}

${notes.join('\n')}

${misses.length === 0 ? 'Every target was met.' : `**Missed targets:** ${misses.join(', ')}.`}

## What the numbers mean

- **rps** is completed requests per second over the timed run (for the finalizer: captures per second from
  the first undo window closing until every upsell is \`captured\`). **p50/p99/p99.9** are exact response
  times measured by the load generator (for the finalizer: how long after its own window closed each upsell
  was captured). **RSS** is the peak resident memory of the Plusone process, sampled every 100 ms from
  \`/proc/<pid>/status\`; PostgreSQL's memory is not included.
- **vs baseline** divides by a bare Fastify JSON route in its own process under the same load: the ceiling
  of this machine for Node HTTP with the load generator competing for the same two cores. Plusone's numbers
  include real PostgreSQL round trips (with fsync on commit for writes).
- Targets (2-core machine): checkout offer ≥ 40 % of baseline rps and p99 ≤ 5 ms at 50 connections;
  register order ≥ 2,000/s and p99 ≤ 15 ms; accept (0 ms PSP) ≥ 500/s and p99 ≤ 25 ms; with a 150 ms PSP
  the server's own p99 overhead (p99 − 150 ms) ≤ 10 ms; \`decide\` over 1,000 offers ≤ 50 µs p99; RSS under
  load ≤ ${RSS_TARGET_MB} MB. MISS means the measured number is on the wrong side of the target in this run.
- Accept scenarios spend one fresh pre-registered order per request (one upsell per offer per order), so a
  run ends early when the pool is used up; the rate is still requests ÷ elapsed time.
- Register order decides over the shop's 1,000 offers compiled in memory (ranked, stopping after the first
  priority level with an eligible offer); the per-offer explanation is computed only when
  \`GET /v1/orders/{id}/decision\` asks for it (its cost is in the decision row's notes).

## Why the write paths miss, and what would close it

Profiles of the server under load show Node mostly idle or writing to sockets and PostgreSQL waiting on
client round trips, not on locks. The cost is the number of statements per request, each a round trip of
roughly 1 ms when the load generator, Node and PostgreSQL share two cores. Traced with a 0 ms sandbox PSP:

- **accept** runs about 27 statements in three short transactions: claim the key and create the upsell
  with its checks (10), the sandbox PSP's own bookkeeping (5: it stores payments like a PSP would), the
  order change, upsell update, event, analytics event and outbox (10), then store the answer (1). About
  30 ms per accept end to end, which caps 20 connections near the measured rate. Closing it: fold the
  key/upsell checks into one statement, answer the idempotency record inside the settle transaction, a
  single-statement sandbox, and cache shop settings read by the outbox. None of these changes the
  transaction boundaries that make an accept crash-safe.
- **register order** is one statement after the in-memory decision, plus the key lookups; at 50
  connections the run is bound by commits (fsync on), CPU shared with the load generator, and the
  analytics rollup trigger on the decision row. Closing it: group commits (\`synchronous_commit\` off is a
  durability trade the merchant should choose, not us), a merchant key → shop cache with invalidation on
  revocation.
- **PSP at 150 ms**: the server's overhead is the accept's own 27 round trips under a load 20 connections
  deep, not time spent around the PSP call: no transaction or connection is held while the PSP answers.
- **finalizer**: captures run 8 at a time per worker; the lag is dominated by the one-second poll and by
  accept traffic sharing the same database in this scenario.
`;
  await writeFile(file, text);
}

export const SCALE_OUT_DOC_FILE = path.resolve(import.meta.dirname, '..', 'docs', 'benchmarks-scale-out.md');

export async function writeScaleOutMarkdown(file: string, machine: Machine, results: readonly ScenarioResult[]): Promise<void> {
  const notes = results.flatMap((result) => result.notes.map((note) => `- **${result.name}**: ${note}`));
  const failed = results.filter((result) => !passed(result)).map((result) => result.name);
  const text = `# Scale-out benchmark

Produced by \`npm run bench -- --scale-out\` (bench/scale-out.ts) on ${machine.date.slice(0, 10)}: ${machine.cores} cores
(${machine.cpu}), ${machine.node}, ${machine.postgres.split(',')[0]}, ${machine.database}. See docs/scaling.md.

Two Plusone processes (\`src/cli.ts start\`, worker on in both) share one PostgreSQL and this machine with
the two load generators (one per node). Each node serves session tokens registered on the other node. After
the accept run, every order of a further batch is accepted on both nodes at the same moment (two
Idempotency-Keys), and once the undo windows close both workers race to capture: the checks count, in
PostgreSQL, upsells per order, authorizations per double-clicked order, \`captured\` events per upsell and
captures per payment in the sandbox PSP's own tables.

${markdownTable(results)}

${notes.join('\n')}

${failed.length === 0 ? 'Every check passed.' : `**Failed:** ${failed.join(', ')}.`}

rps adds both nodes' load generators; p50/p99 are the worse node's. On two shared cores the second node
competes with the first for the same CPU, so the combined number shows correctness and the absence of
cross-node contention, not linear scaling.
`;
  await writeFile(file, text);
}

export function jsonSummary(machine: Machine, results: readonly ScenarioResult[]): string {
  return JSON.stringify({
    machine,
    pass: results.every(passed),
    results: results.map((result) => ({ ...result, pass: passed(result) })),
  });
}

export const DOC_FILE = path.resolve(import.meta.dirname, '..', 'docs', 'benchmarks.md');
