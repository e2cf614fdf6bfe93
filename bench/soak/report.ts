/**
 * The soak's report: what was sent and answered, what was injected and survived, and what the ledger
 * and the expectations found — printed, and written as markdown (docs/soak-report.md by default).
 */
import { writeFile } from 'node:fs/promises';
import type { Check, Machine } from '../report';
import type { Status, Tally } from './client';
import type { LedgerReport } from './ledger';
import type { Mismatch } from './outcomes';
import type { Outage } from './postgres';

export interface SoakSettings {
  readonly minutes: number;
  readonly concurrency: number;
  readonly faultRate: number;
  readonly seed: number;
  readonly outageSeconds: number;
  readonly undoWindowSeconds: number;
  readonly gatewayTimeoutMs: number;
  readonly actionTimeoutSeconds: number;
}

export interface RestartResult extends Outage {
  /** Both nodes were still running and answered /readyz 200 within the deadline after the start. */
  readonly survived: boolean;
  /** Seconds from the start until both nodes were ready again. */
  readonly readyAfterSeconds: number | null;
}

export interface SoakResult {
  readonly machine: Machine;
  readonly settings: SoakSettings;
  readonly trafficSeconds: number;
  readonly drainSeconds: number;
  readonly tally: Tally;
  readonly journeys: ReadonlyMap<string, number>;
  readonly restarts: readonly RestartResult[];
  /** Sandbox faults injected, summed over the nodes, by `operation kind`. */
  readonly faults: ReadonlyMap<string, number>;
  /** Worker rows that threw (backed off and retried), summed over the nodes, by sweep. */
  readonly rowFailures: ReadonlyMap<string, number>;
  readonly nodesRunning: boolean;
  readonly ledger: LedgerReport;
  readonly expectations: number;
  readonly mismatches: readonly Mismatch[];
  readonly contradictions: readonly string[];
  /** 5xx and network errors while PostgreSQL was down (or reconnecting), and at any other time. */
  readonly failuresInOutage: number;
  readonly failuresOutside: number;
}

export function checks(result: SoakResult): Check[] {
  return [
    { label: 'every upsell final, PSP and Plusone agree to the minor unit (ledger: 0 breaches)', pass: result.ledger.breaches.length === 0 },
    { label: 'nothing lost: every answer the traffic got is what the database holds', pass: result.mismatches.length === 0 },
    { label: 'no contradicting answers (double clicks, accept against decline)', pass: result.contradictions.length === 0 },
    { label: 'no hold left at the PSP for an upsell that will never be captured', pass: Object.keys(result.ledger.heldAuthorizations).length === 0 },
    {
      label: `both nodes survived ${result.restarts.length} PostgreSQL restarts`,
      pass: result.nodesRunning && result.restarts.every((restart) => restart.survived),
    },
    { label: 'no 5xx or network error outside the PostgreSQL outages', pass: result.failuresOutside === 0 },
  ];
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

function requestRows(tally: Tally): string[] {
  const statuses = new Set<Status>();
  for (const byStatus of tally.counts.values()) for (const status of byStatus.keys()) statuses.add(status);
  const columns = [...statuses].sort((a, b) => String(a).localeCompare(String(b)));
  const header = `| Request | ${columns.join(' | ')} | total |`;
  const rows = [...tally.counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, byStatus]) => `| ${kind} | ${columns.map((status) => byStatus.get(status) ?? 0).join(' | ')} | ${sum(byStatus.values())} |`);
  return [header, `|${' --- |'.repeat(columns.length + 2)}`, ...rows];
}

export function markdown(result: SoakResult): string {
  const { machine, settings, ledger } = result;
  const lost = result.mismatches.length;
  const faults = sum(result.faults.values());
  const lines = [
    `Run of ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.cores} CPUs, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.postgres.split(',')[0]}.`,
    '',
    `- Traffic: ${(result.trafficSeconds / 60).toFixed(1)} min, ${settings.concurrency} buyers at once, seed ${settings.seed}; drain ${result.drainSeconds.toFixed(0)} s.`,
    `- Settings: sandbox faults ${settings.faultRate} of PSP writes, undo window ${settings.undoWindowSeconds} s, gateway timeout ${settings.gatewayTimeoutMs} ms, 3-D Secure timeout ${settings.actionTimeoutSeconds} s, PostgreSQL down ${settings.outageSeconds} s per restart.`,
    `- Requests: ${result.tally.total} (${result.tally.retries} retries with the same request, ${result.tally.gaveUp} given up after 60 s); orders checked: ${result.expectations}.`,
    `- PostgreSQL restarts survived: ${result.restarts.filter((restart) => restart.survived).length} of ${result.restarts.length}` +
      (result.restarts.length
        ? ` (${result.restarts.map((restart) => `down ${((restart.startedAt - restart.stoppedAt) / 1000).toFixed(1)} s, nodes ready ${restart.readyAfterSeconds?.toFixed(1) ?? '—'} s later`).join('; ')})`
        : '') +
      '.',
    `- 5xx or network errors: ${result.failuresInOutage} during the outages, ${result.failuresOutside} outside them.`,
    `- Sandbox faults injected: ${faults} (${
      [...result.faults]
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ') || 'none'
    }).`,
    `- Worker rows that threw and were retried: ${sum(result.rowFailures.values())} (${
      [...result.rowFailures]
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ') || 'none'
    }).`,
    `- **Lost: ${lost}**; ledger breaches: ${ledger.breaches.length}; contradicting answers: ${result.contradictions.length}; authorizations still held for finished upsells: ${heldText(ledger.heldAuthorizations)}.`,
    '',
    '| Check | Result |',
    '| --- | --- |',
    ...checks(result).map((check) => `| ${check.label} | ${check.pass ? 'PASS' : '**FAIL**'} |`),
    '',
    '**Requests by kind and status**',
    '',
    ...requestRows(result.tally),
    '',
    '**Upsells at the end, by state**',
    '',
    '| State | Upsells |',
    '| --- | --- |',
    ...Object.entries(ledger.upsellsByState)
      .filter(([, count]) => count > 0)
      .map(([state, count]) => `| ${state} | ${count} |`),
    '',
    '**Captured money, per currency (minor units)**',
    '',
    '| Currency | PSP (sandbox tables) | Plusone (captured upsells) |',
    '| --- | --- | --- |',
    ...ledger.totals.map((total) => `| ${total.currency} | ${total.psp} | ${total.plusone} |`),
    '',
    '**Journeys**',
    '',
    '| Journey | Orders |',
    '| --- | --- |',
    ...[...result.journeys].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `| ${name} | ${count} |`),
  ];
  const problems = [
    ...ledger.breaches.slice(0, 20).map((breach) => `- ledger ${breach.kind}: ${breach.subject} — ${breach.detail}`),
    ...result.mismatches
      .slice(0, 20)
      .map((mismatch) => `- lost: order ${mismatch.orderId} (${mismatch.journey}) expected ${mismatch.expected}, found ${mismatch.found}`),
    ...result.contradictions.slice(0, 20).map((text) => `- contradiction: ${text}`),
  ];
  if (problems.length) lines.push('', '**Problems (first 20 of each)**', '', ...problems);
  return `${lines.join('\n')}\n`;
}

export async function writeReport(file: string, result: SoakResult): Promise<void> {
  await writeFile(file, `# Soak report\n\nWritten by \`npm run soak\` (bench/soak.ts); see docs/reliability.md "Soak".\n\n${markdown(result)}`);
}

function heldText(held: LedgerReport['heldAuthorizations']): string {
  const entries = Object.entries(held);
  const total = entries.reduce((sum, [, count]) => sum + (count ?? 0), 0);
  return total === 0 ? '0' : `${total} (${entries.map(([state, count]) => `${state} ${count}`).join(', ')})`;
}
