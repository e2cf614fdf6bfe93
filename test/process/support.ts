/**
 * Running the real `plusone` command in a child process, as an operator does: through node and tsx like
 * bin/plusone.js, or through `npm start` itself. Output (stdout and stderr) is collected in one string.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  stdout(): string;
  stderr(): string;
  /** The exit code, or null when a signal ended the process. */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  readonly env?: Record<string, string>;
  /** Run `npm start` instead of `node src/cli.ts <args>` (args are ignored). */
  readonly viaNpm?: boolean;
  /** Its own process group, so a signal can go to the whole group as a terminal's Ctrl-C does. */
  readonly ownGroup?: boolean;
}

const running = new Map<ChildProcess, boolean>();

/** Kills whatever a test left running (a failing test must not leave servers behind). */
export function killAll(): void {
  for (const [child, ownGroup] of running) {
    try {
      if (ownGroup && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** `plusone <args>` on the embedded database in `dataDir` (DATABASE_URL cleared unless `env` sets it). */
export function spawnPlusone(args: readonly string[], dataDir: string, options: SpawnOptions = {}): Spawned {
  const [command, commandArgs] = options.viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PLUSONE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  running.set(child, options.ownGroup ?? false);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => stdout + stderr, stdout: () => stdout, stderr: () => stderr, exited };
}

/** `plusone start` on `port`, the way the other process tests run it. */
export function startPlusone(dataDir: string, port: number, env: Record<string, string> = {}, options: Omit<SpawnOptions, 'env'> = {}): Spawned {
  return spawnPlusone(['start'], dataDir, { ...options, env: { PORT: String(port), ...env } });
}

/** Polls `probe` until it answers something other than null (a throw counts as null). */
export async function until<T>(probe: () => T | null | Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const ready = (port: number) => () =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    (response) => (response.ok ? true : null),
    () => null,
  );

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A new data folder the `postgres` OS user can pass through (as root the server runs as that user). */
export async function newDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `plusone-${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}
