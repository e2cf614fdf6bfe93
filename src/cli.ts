/**
 * The `plusone` command: `start` (the default, what `npm start` runs), `worker`, `migrate`, `help`.
 * Prints for people on stdout; logs as JSON lines on stderr. An error an operator can fix (a setting, a
 * busy port, a locked data folder, an unreachable database) is one line on stderr and exit 1; usage
 * mistakes exit 2; only a bug prints a stack.
 *
 * SIGINT and SIGTERM stop the process in order — requests in flight are answered, the worker finishes its
 * round, the pool closes, the embedded PostgreSQL stops and the data folder's lock is removed — and it exits
 * 0. Ctrl-C reaches the whole foreground process group (and npm forwards it once more), so every signal
 * after the first joins the stop already under way. With several HTTP processes (PLUSONE_HTTP_PROCESSES)
 * the primary does the stopping: its HTTP processes first, then the worker and the database.
 */
import { readFileSync } from 'node:fs';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config';
import {
  createLogger,
  DatabaseUnreachableError,
  ensurePortFree,
  HttpProcessError,
  openDatabase,
  PortInUseError,
  serveHttpProcess,
  startHttpProcesses,
  startServer,
  startWorkerOnly,
  toPrimary,
  type Started,
} from './runtime';
import { DataDirError } from './store/embedded';

interface Command {
  readonly summary: string;
  readonly help: string;
  run(shutdown: Shutdown): Promise<void>;
}

const SETTINGS_NOTE = 'All settings: README.md "Configuration" (or /docs/README.md on a running server).';

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'run the API, the worker, the demo shop and the web pages (the default)',
    help: `usage: plusone start [-h]

Runs Plusone: the HTTP API, the buyer's widget and pages, the demo shop and the in-process worker
(capture after the undo window, reconciliation, webhooks). Without DATABASE_URL it starts an embedded
PostgreSQL with its data in PLUSONE_DATA_DIR; pending migrations are applied first.
Ctrl-C (SIGINT) or SIGTERM stops it cleanly: requests in flight are answered, then the worker, the
database and the data folder's lock are stopped and removed, and it exits 0.

environment:
  PORT                 HTTP port (3000); must be free, or Plusone stops before creating anything
  HOST                 interface to listen on (127.0.0.1; 0.0.0.0 for all)
  PLUSONE_DATA_DIR     embedded database and local state (./.plusone), one process per folder
  DATABASE_URL         use this PostgreSQL instead of the embedded one
  PLUSONE_ADMIN_TOKEN  operator token for POST /v1/shops (operator routes are off without it)
  PLUSONE_SECRET_KEY   seals stored PSP credentials (generated into the data folder when unset)
  PLUSONE_PUBLIC_URL   base URL printed and used in links
  PLUSONE_DEMO=0       do not create the demo shop
  PLUSONE_WORKER=0     run no worker in this process
  PLUSONE_HTTP_PROCESSES  HTTP processes sharing the port (1, no cluster); auto: the cores
  LOG_LEVEL            fatal … trace, silent (info); JSON lines on stderr

${SETTINGS_NOTE}`,
    run: start,
  },
  worker: {
    summary: 'run only the worker, on the configured database',
    help: `usage: plusone worker [-h]

Runs the worker alone: captures authorized upsells after their undo window, reconciles PSP calls whose
outcome is unknown, finalizes orders and delivers webhooks. Any number of workers and servers can share
one PostgreSQL (DATABASE_URL). SIGINT or SIGTERM lets the current round finish, then exits 0.

environment:
  DATABASE_URL         the PostgreSQL shared with the servers (else the embedded one in PLUSONE_DATA_DIR)
  PLUSONE_SECRET_KEY   the same key as the servers', to open the shops' PSP credentials
  LOG_LEVEL            fatal … trace, silent (info)

${SETTINGS_NOTE}`,
    run: worker,
  },
  migrate: {
    summary: 'apply pending database migrations and exit',
    help: `usage: plusone migrate [-h]

Applies the pending migrations to the configured database and exits (start does it too). Safe to run
while other nodes are up: migrations take a lock and run once.

environment:
  DATABASE_URL         the PostgreSQL to migrate (else the embedded one in PLUSONE_DATA_DIR)
  PLUSONE_DATA_DIR     the embedded database's folder (./.plusone)

${SETTINGS_NOTE}`,
    run: migrate,
  },
};

const HELP_FLAGS = new Set(['-h', '--help']);

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: plusone [command] [-h]

commands:
${lines.join('\n')}
  ${'help'.padEnd(width)}  show this, or \`plusone help <command>\`

options:
  -h, --help     show help (also after a command: plusone start --help)
  -v, --version  print the version

${SETTINGS_NOTE}`;
}

async function start(shutdown: Shutdown): Promise<void> {
  const config = loadConfig();
  // Before anything is created: a busy port is one line, not a new database and a stack.
  await ensurePortFree(config.host, config.port);
  const logger = createLogger(config);
  const running = config.httpProcesses > 1 ? await startHttpProcesses(config, logger) : await startServer(config, logger);
  printBanner(running, config, config.databaseUrl === null ? config.dataDir : 'DATABASE_URL');
  shutdown.ready(() => running.stop(), logger);
}

/**
 * `start` inside one of the HTTP processes of `PLUSONE_HTTP_PROCESSES` > 1 (a cluster worker, forked by
 * the primary above with the same command). The primary stops it, so the signals a terminal or a service
 * manager sends the whole group are not this process's to act on; a startup error goes to the primary.
 */
async function httpProcess(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
  try {
    const config = loadConfig();
    await serveHttpProcess(config, createLogger(config));
  } catch (error) {
    await toPrimary({ plusone: 'failed', message: error instanceof Error ? error.message : String(error), operator: isOperatorError(error) });
    if (!isOperatorError(error) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  }
}

async function worker(shutdown: Shutdown): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const running = await startWorkerOnly(config, logger);
  process.stdout.write(`Plusone worker running on ${config.databaseUrl === null ? config.dataDir : 'DATABASE_URL'}\n`);
  shutdown.ready(() => running.stop(), logger);
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const database = await openDatabase(config, logger);
  await database.close();
  process.stdout.write('migrations are up to date\n');
}

function printBanner(running: Started, config: Config, storage: string): void {
  const operatorRoutes = config.adminToken !== null;
  const lines = [
    '',
    `  Plusone is running at ${running.url}`,
    ...(running.demo ? [`  demo shop:      ${running.url}/demo`] : []),
    ...(running.demo?.shopify ? [`  on Shopify:     ${running.url}/demo/shopify  (the post-purchase extension, on a local fake of Shopify)`] : []),
    `  merchant admin: ${running.url}/admin  (sign in with a shop's secret key)`,
    `  docs:           ${running.url}/  (the README and docs/ at ${running.url}/docs/README.md)`,
    `  API reference:  ${running.url}/v1/openapi.json`,
    `  health:         ${running.url}/healthz`,
    `  storage:        ${storage}`,
    ...(config.httpProcesses > 1
      ? [
          `  processes:      ${config.httpProcesses} HTTP processes on port ${new URL(running.url).port || config.port}, the worker in the primary (PLUSONE_HTTP_PROCESSES)`,
        ]
      : []),
    `  operator routes ${operatorRoutes ? 'on (PLUSONE_ADMIN_TOKEN)' : 'off: set PLUSONE_ADMIN_TOKEN to create shops'}`,
  ];
  if (running.demo) {
    lines.push(
      '',
      `  Demo shop ${running.demo.shopId}${running.demo.created ? ' (just created, with a catalog and two offers)' : ''}`,
      `  secret key:     ${running.demo.secretKey}`,
      '',
      '  Try it: register a paid order and get its offer',
      `    curl -s ${running.url}/v1/orders -H "Authorization: Bearer ${running.demo.secretKey}" \\`,
      `      -H 'Content-Type: application/json' -d '{"externalId":"1001","currency":"USD",` +
        `"lines":[{"productId":"house-blend","variantId":"house-blend-500g","title":"House Blend","quantity":1,"unitPrice":1800}],` +
        `"subtotal":1800,"shippingTotal":500,"taxTotal":149,"total":2449,"taxRate":0.0825,"customer":{"country":"US"},` +
        `"payment":{"gateway":"sandbox","paymentMethodRef":"pm_sandbox_visa","brand":"visa","last4":"4242"}}'`,
    );
  }
  lines.push('', '  Ctrl-C stops it.');
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/** How long a stop may take before the process exits anyway (requests in flight, the worker's round). */
const STOP_DEADLINE_MS = 30_000;
/** Signals this close to the first are the same Ctrl-C (the terminal's and npm's forwarded copy). */
const SAME_SIGNAL_MS = 1_000;

/**
 * One stop per process, whichever signal asks first and however often. A signal during startup stops the
 * process as soon as startup is done, so nothing it started is left running.
 */
class Shutdown {
  private requested: { signal: string; at: number } | null = null;
  private stop: (() => Promise<void>) | null = null;
  private logger: ReturnType<typeof createLogger> | null = null;
  private told = false;

  listen(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.onSignal(signal));
  }

  ready(stop: () => Promise<void>, logger: ReturnType<typeof createLogger>): void {
    this.stop = stop;
    this.logger = logger;
    if (this.requested) this.run(this.requested.signal);
  }

  private onSignal(signal: string): void {
    if (this.requested) {
      if (!this.told && Date.now() - this.requested.at > SAME_SIGNAL_MS) {
        this.told = true;
        process.stdout.write(`  Still stopping (${signal} again): waiting for requests in flight, at most ${STOP_DEADLINE_MS / 1000} s in all.\n`);
      }
      return;
    }
    this.requested = { signal, at: Date.now() };
    if (this.stop) this.run(signal);
    else process.stdout.write(`\n  ${signal}: stopping once the current step is done.\n`);
  }

  private run(signal: string): void {
    const stop = this.stop;
    if (!stop) return;
    this.stop = null;
    process.stdout.write(`\n  Stopping Plusone (${signal}): answering requests in flight, then the worker and the database…\n`);
    this.logger?.info({ signal }, 'shutting down');
    setTimeout(() => {
      process.stderr.write(
        `plusone: did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway (an unfinished accept is reconciled on the next start)\n`,
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stop().then(
      () => {
        process.stdout.write('  Stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`plusone: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  }
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Only the commands themselves: `constructor` or `__proto__` is no command. */
function commandNamed(name: string): Command | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** Mistakes in how the command was called: the usage on stderr, exit 2. */
function misuse(message: string): never {
  process.stderr.write(`plusone: ${message}\n\n${usage()}\n`);
  process.exit(2);
}

async function main(args: readonly string[]): Promise<void> {
  if (cluster.isWorker) return httpProcess();
  const [first, ...rest] = args;
  if (first === undefined) return run('start', []);
  if (HELP_FLAGS.has(first)) return void process.stdout.write(`${usage()}\n`);
  if (first === '-v' || first === '--version') return void process.stdout.write(`plusone ${version()}\n`);
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return void process.stdout.write(`${usage()}\n`);
    const command = commandNamed(topic);
    if (!command) misuse(`no help for '${topic}': it is not a command`);
    return void process.stdout.write(`${command.help}\n`);
  }
  if (first.startsWith('-')) misuse(`unknown option '${first}'`);
  return run(first, rest);
}

async function run(name: string, args: readonly string[]): Promise<void> {
  const command = commandNamed(name);
  if (!command) misuse(`unknown command '${name}'`);
  if (args.some((arg) => HELP_FLAGS.has(arg))) return void process.stdout.write(`${command.help}\n`);
  if (args.length > 0) misuse(`'${name}' takes no argument '${args[0]}' (settings are environment variables)`);
  const shutdown = new Shutdown();
  shutdown.listen();
  await command.run(shutdown);
}

/** Errors an operator can act on from their message alone. */
function isOperatorError(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    error instanceof DataDirError ||
    error instanceof PortInUseError ||
    error instanceof DatabaseUnreachableError ||
    (error instanceof HttpProcessError && error.operator)
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`plusone: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!isOperatorError(error) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
