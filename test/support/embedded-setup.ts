/** Global setup: one embedded PostgreSQL in a temporary folder for the whole integration run. */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectDatabase, migrateToLatest } from '../../src/store/database';
import { startEmbeddedPostgres } from '../../src/store/embedded';

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'plusone-test-'));
  await chmod(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir, log: () => undefined, durable: false });
  const handle = connectDatabase(embedded.url);
  await migrateToLatest(handle.db);
  await handle.close();
  project.provide('databaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
