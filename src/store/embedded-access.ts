/**
 * Who may connect to the embedded PostgreSQL: nobody over TCP, and through its Unix socket (in a 0700
 * folder of the data folder) only the superuser with the random password kept in a 0600 file of the data
 * folder, checked by SCRAM. A data folder made by an older Plusone (TCP on 127.0.0.1, the fixed password
 * `plusone-embedded`) is converted on start: the new password replaces the fixed one, data kept.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import pg from 'pg';

/** The superuser password of data folders made before the password file existed (public, in old code). */
export const LEGACY_PASSWORD = 'plusone-embedded';

/** pg_hba.conf, rewritten on every start: no TCP entries at all, SCRAM on the socket. */
export const HBA_CONF =
  '# Written by Plusone on every start (src/store/embedded-access.ts): the Unix socket only, SCRAM passwords.\nlocal all all scram-sha-256\n';

const INVALID_PASSWORD = '28P01';
const SCRAM_ITERATIONS = 4096;

/** The password in `file`, or a new random one written there first (mode 0600, atomically). */
export async function readOrCreatePassword(file: string): Promise<string> {
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing !== '') {
    await chmod(file, 0o600);
    return existing;
  }
  const password = randomBytes(32).toString('hex');
  await writeFile(`${file}.new`, `${password}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
  return password;
}

/**
 * Makes `password` the superuser's. When the server refuses it, the folder still has the legacy password
 * (an old folder, or a start that stopped between writing the file and this step): log in with that one
 * and replace it. The new password goes to the server as a SCRAM verifier, never as text a log could hold.
 */
export async function ensureSuperuserPassword(urlFor: (password: string) => string, password: string, log: (message: string) => void): Promise<void> {
  const current = await connect(urlFor(password)).catch((error: unknown) => {
    if (isInvalidPassword(error)) return null;
    throw error;
  });
  if (current) return void (await current.end());
  const legacy = await connect(urlFor(LEGACY_PASSWORD)).catch((error: unknown) => {
    if (!isInvalidPassword(error)) throw error;
    throw new Error('the embedded PostgreSQL refuses the password in its password file; restore that file or start with a new data folder');
  });
  try {
    await legacy.query(`ALTER ROLE CURRENT_USER PASSWORD ${legacy.escapeLiteral(scramVerifier(password))}`);
  } finally {
    await legacy.end();
  }
  log('replaced the fixed superuser password of an older data folder with a random one');
}

/** The verifier PostgreSQL stores for `password` under SCRAM-SHA-256 (RFC 5802, RFC 7677). */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

function isInvalidPassword(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === INVALID_PASSWORD;
}
