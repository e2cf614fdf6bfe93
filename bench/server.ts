/**
 * Processes the harness starts and must stop: the database (embedded PostgreSQL in a temp folder unless
 * DATABASE_URL is set), Plusone itself (`node --import tsx src/cli.ts start`, the same process `npm start`
 * runs), the bare Fastify baseline, and the load generator. Every child is registered so that `stopAll`
 * (finally / SIGINT) ends each one by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/store/embedded';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

const children = new Set<ChildProcess>();

export interface Database {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export async function startDatabase(tempDir: string): Promise<Database> {
  const external = process.env.DATABASE_URL?.trim();
  if (external) return { url: external, embedded: false, stop: async () => undefined };
  const dataDir = path.join(tempDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  // Durable, like `npm start`: the numbers include fsync on commit.
  const database = await startEmbeddedPostgres({ dataDir, log: () => undefined });
  return { url: database.url, embedded: true, stop: () => database.stop() };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Child {
  readonly pid: number;
  readonly url: string;
  output(): string;
  /** False once the process has exited (on its own or stopped). */
  running(): boolean;
  stop(): Promise<void>;
}

function spawnNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  return { child, output: () => output, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(url: string, what: string, output: () => string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${what} exited before it was ready:\n${output()}`);
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} was not ready within 90 s:\n${output()}`);
}

export interface PlusoneOptions {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly sandboxLatencyMs: number;
  readonly worker: boolean;
  /** Extra flags for node, e.g. `--cpu-prof --cpu-prof-dir=…` (written when the process stops). */
  readonly nodeArgs?: readonly string[];
  /** More environment for the process (the soak's faults and windows), over the harness defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** `PLUSONE_HTTP_PROCESSES`: HTTP processes on the one port (default 1: one process, no cluster, as every scenario but the 1-vs-N one). */
  readonly processes?: number;
}

export async function startPlusone(options: PlusoneOptions): Promise<Child> {
  const port = await freePort();
  await mkdir(options.dataDir, { recursive: true });
  await chmod(options.dataDir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PLUSONE_DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl,
    PLUSONE_ADMIN_TOKEN: ADMIN_TOKEN,
    PLUSONE_DEMO: '0',
    PLUSONE_WORKER: options.worker ? '1' : '0',
    PLUSONE_SANDBOX_LATENCY_MS: String(options.sandboxLatencyMs),
    // The load generator is one address driving one shop far past any real shop's peak: per-address and
    // per-shop limits would measure the limiter. Per-session and failed-authentication limits stay on.
    PLUSONE_RATE_LIMIT_CHECKOUT_IP: 'off',
    PLUSONE_RATE_LIMIT_ORDERS_SHOP: 'off',
    PLUSONE_RATE_LIMIT_ORDERS_IP: 'off',
    LOG_LEVEL: 'warn',
    PLUSONE_HTTP_PROCESSES: String(options.processes ?? 1),
    ...options.env,
  };
  const { child, output, exited } = spawnNode(['src/cli.ts', 'start'], env, options.nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, 'Plusone', output, exited);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return { pid: child.pid ?? 0, url, output, running: () => isRunning(child), stop: () => stopChild(child, exited) };
}

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

export async function startBaseline(): Promise<Child> {
  const port = await freePort();
  const { child, output, exited } = spawnNode(['bench/baseline.ts'], { ...process.env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/json`, 'the baseline server', output, exited);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return { pid: child.pid ?? 0, url, output, running: () => isRunning(child), stop: () => stopChild(child, exited) };
}

/** Runs `bench/load.ts <scenarioFile>` and returns its stdout (autocannon's result JSON, one line). */
export async function runLoadProcess(scenarioFile: string): Promise<string> {
  const { child, output, exited } = spawnNode(['bench/load.ts', scenarioFile], { ...process.env });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  await exited;
  if (child.exitCode !== 0) throw new Error(`the load generator failed (exit ${child.exitCode}):\n${output()}`);
  return stdout;
}

/**
 * Samples a process's resident memory (VmRSS) every 100 ms; reports the peak in MB. With `nodeChildren`,
 * the sum over the process and its node children (a Plusone primary and its HTTP processes), taken at
 * the same instant; without, the one process (tsx's esbuild helper is never counted).
 */
export class RssSampler {
  private peakKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly nodeChildren = false,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    const pids = this.nodeChildren ? [this.pid, ...nodeChildrenOf(this.pid)] : [this.pid];
    const total = pids.reduce((sum, pid) => sum + rssKb(pid), 0);
    this.peakKb = Math.max(this.peakKb, total);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakKb / 1024;
  }
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}

/** The node processes `pid` started (the cluster's HTTP processes), from /proc. */
function nodeChildrenOf(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.filter((child) => {
      try {
        return readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'node';
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** Ends every child still running (SIGTERM, then SIGKILL after 5 s), by pid. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * Runs `body` with a new temp folder and answers its exit code. However it ends — returned, thrown, or
 * SIGINT/SIGTERM (exit 130) — every Plusone child is stopped, then what `body` registered with `onStop`
 * (its PostgreSQL), then the folder is removed.
 */
export async function inTempRun(
  prefix: string,
  log: (message: string) => void,
  body: (tempDir: string, onStop: (stop: () => Promise<void>) => void) => Promise<number>,
): Promise<number> {
  const tempDir = await mkdtemp(path.join(tmpdir(), `plusone-${prefix}-`));
  await chmod(tempDir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | null = null;
  const cleanup = () => {
    cleaning ??= (async () => {
      await stopAll();
      for (const stop of stops) await stop().catch((error: unknown) => log(`stopping failed: ${String(error)}`));
      await rm(tempDir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(tempDir, (stop) => stops.push(stop));
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await cleanup();
  }
}
