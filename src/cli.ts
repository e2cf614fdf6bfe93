/**
 * `plusone start` (the default, what `npm start` runs), `plusone migrate`. Prints for people on stdout;
 * logs as JSON lines on stderr.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger, openDatabase, startServer, startWorkerOnly, type Running } from './runtime';
import { DataDirLockedError } from './store/embedded';

const USAGE = 'usage: plusone [start|worker|migrate]';

async function start(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const running = await startServer(config, logger);
  printBanner(running, config.adminToken !== null, config.databaseUrl === null ? config.dataDir : 'DATABASE_URL');

  stopOnSignals(logger, () => running.stop());
}

/** SIGINT/SIGTERM: stop in order (HTTP, worker, database), then exit. */
function stopOnSignals(logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function printBanner(running: Running, operatorRoutes: boolean, storage: string): void {
  const lines = [
    '',
    `  Plusone is running at ${running.url}`,
    `  storage:        ${storage}`,
    `  health:         ${running.url}/healthz`,
    `  API reference:  ${running.url}/v1/openapi.json`,
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
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function worker(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const running = await startWorkerOnly(config, logger);
  process.stdout.write(`Plusone worker running on ${config.databaseUrl === null ? config.dataDir : 'DATABASE_URL'}\n`);
  stopOnSignals(logger, () => running.stop());
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const database = await openDatabase(config, logger);
  await database.close();
  process.stdout.write('migrations are up to date\n');
}

async function main(command: string | undefined): Promise<void> {
  switch (command ?? 'start') {
    case 'start':
      return start();
    case 'worker':
      return worker();
    case 'migrate':
      return migrate();
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof DataDirLockedError;
  process.stderr.write(`plusone: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
