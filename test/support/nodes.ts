/**
 * Plusone nodes for the tests of what one node's caches see of another's writes: each built as
 * `startServer` builds one, with its own pool, caches and (when asked) NOTIFY listener, on the suite's
 * database and a monotonic clock of the test's.
 */
import { sql, type KyselyPlugin } from 'kysely';
import { inject } from 'vitest';
import { createEngineCaches, type EngineCaches } from '../../src/engine/caches';
import { type App, composeServices, createService } from '../../src/runtime';
import { connectDatabase, type DatabaseHandle } from '../../src/store/database';
import { ADMIN_TOKEN } from './app';

export interface TestNode {
  app: App;
  caches: EngineCaches;
  database: DatabaseHandle;
}

export interface TestNodeOptions {
  readonly listen: boolean;
  readonly recheckMs: number;
  /** The shop cache's bound (default: the engine's). */
  readonly shopTtlMs?: number;
  readonly monotonicNow?: () => number;
  /** Sees every query the engine builds (to count them). */
  readonly plugin?: KyselyPlugin;
  /** Called with the pool before any connection is made (to watch what reaches the driver). */
  readonly onDatabase?: (database: DatabaseHandle) => void;
}

export async function startNode(options: TestNodeOptions): Promise<TestNode> {
  const database = connectDatabase(inject('databaseUrl'), { maxConnections: 5 });
  options.onDatabase?.(database);
  const { ctx: base, sandbox } = composeServices(options.plugin ? database.db.withPlugin(options.plugin) : database.db);
  const caches = createEngineCaches({
    recheckMs: options.recheckMs,
    ...(options.shopTtlMs ? { shopTtlMs: options.shopTtlMs } : {}),
    ...(options.monotonicNow ? { monotonicNow: options.monotonicNow } : {}),
  });
  const ctx = { ...base, caches };
  if (options.listen) await caches.offers.listen(database.url);
  const app = await createService(
    { adminToken: ADMIN_TOKEN },
    { ctx, sandbox, databaseReady: async () => void (await sql`SELECT 1`.execute(database.db)) },
  );
  await app.ready();
  return { app, caches, database };
}

export async function stopNode(node: TestNode): Promise<void> {
  await node.app.close();
  await node.caches.offers.close();
  await node.database.close();
}
