/**
 * Results, targets and their presentation: the console table, docs/benchmarks.md and the `--json` line.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Issue #16: resident memory per process under load. */
export const RSS_TARGET_MB = 250;

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
  /** The merchant admin scenario's page by page figures (bench/admin.ts). */
  readonly adminPages?: AdminPagesReport;
}

/** One admin page's server time over its measured requests, sent one after another on loopback. */
export interface PageTiming {
  /** The page's address, ids written as `{id}`. */
  readonly page: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** The size of the answer's body. */
  readonly kb: number;
  readonly pass: boolean;
}

export interface AdminPagesReport {
  readonly targetMs: number;
  readonly warmup: number;
  readonly runs: number;
  /** What the shop held while its pages were timed, one item per kind of data. */
  readonly data: readonly string[];
  readonly pages: readonly PageTiming[];
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
  const pages = results.flatMap((result) => (result.adminPages ? ['', adminConsoleTable(result.adminPages)] : []));
  return [line(HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line), '', ...notes, ...pages].join('\n');
}

const PAGE_HEADERS = ['Admin page', 'p50 ms', 'p95 ms', 'max ms', 'KB', 'Result (target)'];

function pageRows(report: AdminPagesReport): string[][] {
  return report.pages.map((page) => [
    page.page,
    num(page.p50Ms),
    num(page.p95Ms),
    num(page.maxMs),
    num(page.kb, 0),
    `${page.pass ? 'PASS' : 'MISS'} p95 ≤ ${report.targetMs} ms`,
  ]);
}

function adminConsoleTable(report: AdminPagesReport): string {
  const body = pageRows(report);
  const widths = PAGE_HEADERS.map((header, column) => Math.max(header.length, ...body.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(PAGE_HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

const ADMIN_HEADING = '## Merchant admin pages';

/** Where the admin pages' time went, found on 2026-12-03 with EXPLAIN and CPU profiles against the seeded shop. */
const ADMIN_ANALYSIS = `What bounded the slow pages and what changed (EXPLAIN ANALYZE, CPU profiles and the server's request log against the seeded shop, 2026-12-03 and 2026-12-04):

- **Overview and its CSV** (590 and 250 ms p95 before) read \`GET /v1/analytics/metrics\`, whose sums ran
  over every rollup row of the range: 1,000 offers × 30 days × the 6 of 8 writers' slots each day and offer
  fills, about 184,000 rows, 150–200 ms in PostgreSQL whatever the index. The worker now folds each closed
  day (\`fold_rollup\`, src/worker/rollup.ts, migration 018): one row per key instead of a row per slot, and
  the same sums without the offer in \`analytics_shop_daily\`. A query that neither groups nor filters by
  offer (the Overview's totals and days) reads that table plus today's unfolded rows: 5–15 ms. The
  benchmark folds the seeded days itself, as the worker would have by the time a shop has run a day, and
  the \`analytics_daily\` row count above is after that.
- **Offers** (400 ms p95 before) drew all 1,000 offers on one 844 KB page, and read all 1,000 offers, the
  whole catalog and 1,000 offers' metrics to do it. The list now shows 50 offers a page
  (\`GET /v1/offers?limit=50\`, keyset cursor), asks for the products of those offers' variants only
  (\`GET /v1/products?variantId=…\`) and for those offers' metrics only (\`offerId\` repeated), which an index
  by offer (\`analytics_daily_offer\`) finds without reading the range. Two more causes were found on the way:
  the named prepared statements the pool uses settled, after five runs, on a generic plan for the metrics
  sums that took 56 ms where the plan for the call's values took 14 (metrics queries are now planned per
  call: \`PLANNED_PER_CALL\` in src/store/database.ts), and \`findProducts\` filtered every variant and price
  list once per product (1,000 × 2,000 comparisons; now grouped once). The admin's answers are checked
  with compiled TypeBox validators instead of the interpreting \`Value.Check\`.
- **An order's page** took about 280 ms: naming offers in the decision's 1,000 reasons ran two
  \`replaceAll\` per offer on every reason, a million per page. One pass per reason (\`withNames\` in
  src/web/admin/pages/orders.ts) brought it to 40–60 ms; the page still draws all 1,000 evaluations.`;

/** The "Merchant admin pages" section of docs/benchmarks.md: the data, a row per page, which pages pass. */
export function adminMarkdown(report: AdminPagesReport, date: string): string {
  const misses = report.pages.filter((page) => !page.pass).map((page) => `\`${page.page}\``);
  return `${ADMIN_HEADING}

Measured by \`npm run bench\` (alone: \`npm run bench -- --admin\`, bench/admin.ts) on ${date.slice(0, 10)}. One Plusone
process (\`src/cli.ts start\`, worker on) and one shop holding:

${report.data.map((item) => `- ${item}`).join('\n')}

The harness signs in as a browser does (the sign-in form's token and cookie, then the secret key) and
requests each page one request at a time over loopback: ${report.warmup} warm-up requests, then ${report.runs} timed
(from sending the request to the last byte of the page). The server time includes the page's own API
calls, which the admin makes in process; PostgreSQL runs on the same machine. Target (issue #15): p95 ≤
${report.targetMs} ms for every page, on this machine (2 cores shared with the database and the harness, and
with other work when it ran: the figures are noisy).

| ${PAGE_HEADERS.join(' | ')} |
|---|---:|---:|---:|---:|---|
${pageRows(report)
  .map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`)
  .join('\n')}

${misses.length === 0 ? `Every page met the target.` : `**Over the target:** ${misses.join(', ')}.`}

${ADMIN_ANALYSIS}
`;
}

/**
 * \`--admin\` alone: puts this run's "Merchant admin pages" section into the existing file (replacing the
 * one there, else before "What the numbers mean") and leaves every other section as the full run wrote it.
 */
export async function writeAdminSection(file: string, report: AdminPagesReport, date: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const section = adminMarkdown(report, date);
  const start = text.indexOf(`${ADMIN_HEADING}\n`);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + ADMIN_HEADING.length);
    await writeFile(file, `${text.slice(0, start)}${section}${next >= 0 ? text.slice(next) : ''}`);
    return;
  }
  const before = text.indexOf('## What the numbers mean');
  await writeFile(file, before >= 0 ? `${text.slice(0, before)}${section}\n${text.slice(before)}` : `${text.trimEnd()}\n\n${section}`);
}

const PROCESSES_HEADING = '## One node, 1 vs 2 HTTP processes';

/** `processes_<n>_<scenario>` rows of the 1-vs-N run (bench/scenarios.ts `processesResults`), by n. */
function processRows(results: readonly ScenarioResult[]): { processes: number; checkout?: ScenarioResult; register?: ScenarioResult }[] {
  const byCount = new Map<number, { processes: number; checkout?: ScenarioResult; register?: ScenarioResult }>();
  for (const result of results) {
    const match = /^processes_(\d+)_(checkout_offer|register_order)$/.exec(result.id);
    if (!match) continue;
    const processes = Number(match[1]);
    const row = byCount.get(processes) ?? { processes };
    if (match[2] === 'checkout_offer') row.checkout = result;
    else row.register = result;
    byCount.set(processes, row);
  }
  return [...byCount.values()].sort((a, b) => a.processes - b.processes);
}

/**
 * The section on `PLUSONE_HTTP_PROCESSES`: the same node with 1 and 2 HTTP processes, checkout offer and
 * register order at 50 connections, and each rate against the single process's. Empty without those runs.
 */
export function processesMarkdown(results: readonly ScenarioResult[]): string {
  const runs = processRows(results);
  if (runs.length === 0) return '';
  const one = runs.find((run) => run.processes === 1);
  const times = (result: ScenarioResult | undefined, base: ScenarioResult | undefined) =>
    result?.rps && base?.rps ? `${(result.rps / base.rps).toFixed(2)}×` : '—';
  const lines = runs.map(
    (run) =>
      `| ${run.processes} | ${num(run.checkout?.rps ?? null, 0)} | ${num(run.checkout?.p99Ms ?? null, 2)} | ${times(run.checkout, one?.checkout)} | ` +
      `${num(run.register?.rps ?? null, 0)} | ${num(run.register?.p99Ms ?? null, 2)} | ${times(run.register, one?.register)} | ${num(run.register?.rssMb ?? null, 0)} |`,
  );
  return `${PROCESSES_HEADING}

The same Plusone node started with \`PLUSONE_HTTP_PROCESSES=1\` (one process, no cluster) and then \`=2\`
(two HTTP processes sharing the port, the primary holding the worker — off here — and nothing else; see
docs/processes.md), on shop A's 1,000 offers and the session tokens of the runs above, each warmed for 2 s
per route before 6 s measured at 50 connections. RSS is the primary and its HTTP processes together.

| HTTP processes | checkout offer rps | p99 ms | vs 1 | register order rps | p99 ms | vs 1 | RSS MB |
|---:|---:|---:|---:|---:|---:|---:|---:|
${lines.join('\n')}

What it shows depends on the cores to spare. On a 2-core machine the load generator (one process) and
PostgreSQL share the cores with the HTTP processes: checkout offer, which does no database work, is bound
by the CPU the load generator and the server split, so a second server process mostly takes CPU from the
load generator and can measure slower than one; register order, which waits on PostgreSQL for most of its
time, gains from a second process filling those waits. On a machine whose cores are not all taken, each
process adds about a core's worth until PostgreSQL, or \`max_connections\` (processes ×
\`PLUSONE_DB_POOL_SIZE\`, docs/processes.md), is the limit.

`;
}

const SCALE_HEADING = '## With 1,000,000 orders and 10,000 shops stored';

/**
 * The section on stored data at scale (bench/scale-data.ts): each route's rate and p99 without and with
 * the data, measured back to back on the same server. Empty without those runs.
 */
export function scaleMarkdown(results: readonly ScenarioResult[]): string {
  const runs = results.filter((result) => result.id.startsWith('scale_'));
  if (runs.length === 0) return '';
  const lines = runs.map((result) => {
    const within = result.checks.find((check) => check.label.startsWith('rps within'));
    const against = result.notes.find((note) => note.includes('of the rate without the data')) ?? '';
    return `| ${result.name.replace(/, with 1,000,000 orders stored$/, '')} | ${num(result.rps, 0)} | ${num(result.p99Ms, 2)} | ${against} | ${within ? (within.pass ? 'PASS' : 'MISS') : '—'} |`;
  });
  return `${SCALE_HEADING}

Issue #16's target: the checkout read and registration within 10 % of their figures without the data, with
1,000,000 orders and 10,000 shops already stored. The harness inserts them straight into PostgreSQL with
generate_series (bench/scale-data.ts: 10,000 shops, 1,000,000 orders of one line each, their 1,000,000 decision
rows, and the rollup rows the decision trigger would have written), on the 0 ms server of the runs above,
then measures each route for 6 s at 50 connections, and removes the rows again. The figures without the data
are measured right before the seed, so that the ratio compares two runs a minute apart, not several
minutes of a shared machine's drift. Stored: ${runs[0]?.notes.find((note) => note.includes('seeded in')) ?? ''}.

| Route | rps with the data | p99 ms | against the run without | within 10 % |
|---|---:|---:|---|---|
${lines.join('\n')}

`;
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
  const admin = results.flatMap((result) => (result.adminPages ? [`${adminMarkdown(result.adminPages, machine.date)}\n`] : []));
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
npm run bench              # ~9 minutes: table on stdout, rewrites docs/benchmarks.md
npm run bench -- --json    # the same, plus one JSON summary line at the end
npm run bench -- --scale-out   # two Plusone nodes on one PostgreSQL: docs/benchmarks-scale-out.md
npm run bench -- --admin   # only the merchant admin's pages (~2 minutes): rewrites that section here
DATABASE_URL=postgres://… npm run bench   # against your PostgreSQL instead of a temporary embedded one
\`\`\`

The harness starts a PostgreSQL (embedded, in a temp folder, durable settings as in \`npm start\`) unless
\`DATABASE_URL\` is set, then Plusone three times as \`node --import tsx src/cli.ts start\` (\`LOG_LEVEL=warn\`,
\`PLUSONE_DEMO=0\`): sandbox PSP at 0 ms without worker, at 150 ms without worker, at 0 ms with the worker
(and a fourth time, worker on, for the merchant admin's pages, with a shop of their own: see below). It
seeds two shops through the API, each with 1,000 products (one USD variant) and 1,000 offers (priorities
0–9; a quarter targeted by product, a quarter by country, a quarter by minimum subtotal, a quarter open;
percentage, fixed or no discount), and a third shop, as issue #16 measures it, of 1,000 products whose
variants track stock and 300 offers on them, with 500 live sessions each decided for one of those offers;
it registers paid orders of 1–3 lines. With the same server it then stores 10,000 more shops and
1,000,000 orders straight into PostgreSQL and measures the checkout read and registration again.

## Results

${markdownTable(results)}

${notes.join('\n')}

${misses.length === 0 ? 'Every target was met.' : `**Missed targets:** ${misses.join(', ')}.`}

${processesMarkdown(results)}${scaleMarkdown(results)}${admin.join('')}## What the numbers mean

- **rps** is completed requests per second over the timed run (for the finalizer: captures per second from
  the first undo window closing until every upsell is \`captured\`). **p50/p99/p99.9** are exact response
  times measured by the load generator (for the finalizer: how long after its own window closed each upsell
  was captured). **RSS** is the peak resident memory of the Plusone process, sampled every 100 ms from
  \`/proc/<pid>/status\`; PostgreSQL's memory is not included.
- **vs baseline** divides by a bare Fastify JSON route in its own process under the same load, warmed for
  2 s before its 6 s: the ceiling of this machine for Node HTTP with the load generator competing for the
  same two cores. Plusone's numbers include real PostgreSQL round trips (with fsync on commit for writes).
- The load generator sends prebuilt requests wherever it can: each connection cycles through the scenario's
  requests (the session tokens), built into bytes once, as a bare \`autocannon\` run does. Only requests that
  must differ every time (register order's unique external id, accept's one use per order) are built per
  request; that work in the load generator, which shares the two cores, used to be done for every scenario
  and the baseline too, and cost the baseline 30–45 % of its rate (38k against 56k measured alone).
- Targets (2-core machine): checkout offer, on 1,000 offers and on 300 offers of stock-tracked variants,
  ≥ 50 % of baseline rps and p99 ≤ max(5 ms, 3 × baseline p99) at 50 connections; with 1,000,000 orders
  and 10,000 shops stored, checkout offer and register order within 10 % of their rates without;
  register order ≥ 2,500/s and p99 ≤ 25 ms (1,000 offers in the shop); accept (0 ms PSP) ≥ 800/s and p99 ≤ 40 ms; with a 150 ms PSP
  the server's own p99 overhead (p99 − 150 ms) ≤ 10 ms; \`decide\` over 1,000 offers ≤ 50 µs p99; RSS under
  load ≤ ${RSS_TARGET_MB} MB; every merchant admin page p95 ≤ 100 ms (one request at a time). MISS means the measured
  number is on the wrong side of the target in this run.
- Accept scenarios spend one fresh pre-registered order per request (one upsell per offer per order), so a
  run ends early when the pool is used up; the rate is still requests ÷ elapsed time.
- Register order decides over the shop's 1,000 offers compiled in memory (ranked, stopping after the first
  priority level with an eligible offer); the per-offer explanation is computed only when
  \`GET /v1/orders/{id}/decision\` asks for it (its cost is in the decision row's notes).

## Issue #16's targets: where each path stands, and what bounds it

Met in this run: the checkout read with 1,000,000 orders and 10,000 shops stored and registration with them
(within 10 % of the runs without), \`decide\` over 1,000 offers, views recorded at no cost to the tail, the
finalizer, the metrics and the merchant admin's pages. The checkout read makes **no database round trip**
in steady state, stock-tracked variants included (\`test/integration/checkout-reads.test.ts\` counts the
statements at the driver over 100 reads: none but the batched view insert; docs/scaling.md "Caches").
Missed, with what bounds each (the baseline is now the real ceiling of this machine, about 50,000 requests
per second, so the ratios read lower than the earlier runs' 35–56 % did against a baseline the load
generator itself held down):

- **Checkout offer (both shops): about 18–22 % of the baseline, p99 13–16 ms against 8.8 ms.** No
  database work, but about 100 µs of Node CPU per request against the bare route's 20. A CPU profile under
  this load (2026-12-04) puts the largest share in the socket writes of the responses, then in work the
  bare route does not do: the session token's SHA-256 on every request, Fastify's per-request child
  logger (pino, with redaction, even at \`LOG_LEVEL=warn\`), the request-duration histogram
  (prom-client), the card-data screen of the URL and headers, CORS and the security headers, and the view
  record. Those are the next cuts (a token → session map in memory, no per-request logger below
  \`info\`, a cheaper histogram, precomputed headers). Two HTTP processes give 1.4× on this machine (31 % of
  the baseline), the load generator taking the rest of the two cores.
- **Register order: 700–1,500/s, p99 60–140 ms (≥ 2,500/s and ≤ 25 ms wanted).** Node CPU per registration
  fell from about 700 to 500 µs today (a ranking per currency built once per offers version, the
  statement compiled once per shape and prepared, the answer built from the values written:
  docs/benchmarks-cpu.md has the budget per stage). What is left is mostly node's HTTP and the socket
  write to PostgreSQL (about 430 µs) and Fastify's hooks (about 60 µs); one Node process on a core shared
  with PostgreSQL and the load generator tops out near 1,500/s, and a second process adds little here
  (1.03×) because there is no free core for it. The registration stays one round trip.
- **Accept (PSP 0 ms): about 210/s, p99 170 ms (≥ 800/s and ≤ 40 ms wanted); with a 150 ms PSP the
  server's own p99 overhead is about 100 ms (≤ 10 ms wanted).** Unchanged this round: 12 round trips
  (the first transaction 4, the settle 7, with BEGIN and COMMIT), about 4.5 ms of Node CPU and three
  fsynced commits per accept, which cap one process near 220/s on this machine. Closing it means fewer
  round trips (each of the accept's transactions as one statement or function call, moving saga logic
  into SQL: a trade not made yet), group commit (\`commit_delay\`) at high concurrency, and more cores per
  node (\`PLUSONE_HTTP_PROCESSES\`, docs/processes.md). The crash-safety tests are unchanged and green.
- **Memory: 200–270 MB per process under load (≤ 250 MB wanted).** The registration runs of a process
  holding two shops of 1,000 offers each reach 265–270 MB; a node with 2 HTTP processes holds about
  600 MB in all, the primary (embedded PostgreSQL's manager, the worker) about 150 MB of it.

The server is not waiting on locks or on the pool: sampling \`pg_stat_activity\` during the accept run finds
one or two statements active at a time, mostly commits. It is bound by CPU, and on this machine (a virtual
machine whose system calls and cross-core wake-ups are slow) every database round trip is expensive: a
round trip costs Node about 0.3 ms of CPU, most of it the kernel's socket write that wakes PostgreSQL on
the other core, several times a bare-metal machine.

Done on 2026-11-27 (accept 70 → 102–160/s, register 278 → 515–636/s, all captured 42 s → 3–6 s after the
last window): shops and keys cached per process with NOTIFY invalidation, experiments compiled with the
offers, the offers version moved off the hot \`shops\` row, one joined read for the accept's checks, the
order line in one statement, the answer stored in the transaction that records the outcome, a
single-statement sandbox authorization, the upsell with its first event and a transition's event with its
analytics events in one statement each, sessions cached for their lifetime, the earlier-orders lookup only
for shops with first-order offers, and PSP SDKs loaded on first use. On 2026-12-04: the stock and order
progress caches (zero round trips per checkout read), the load generator's fix (the real baseline), the
registration's CPU cuts, and \`PLUSONE_HTTP_PROCESSES\`. The transaction boundaries that make accept
crash-safe did not change.
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
