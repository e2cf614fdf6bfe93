/** Global setup: a fresh database on the PostgreSQL server of DATABASE_URL, dropped after the run. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connectDatabase, migrateToLatest } from '../../src/store/database';
import { ensureDatabase } from '../../src/store/embedded';

export default async function setup(project: TestProject) {
  const serverUrl = new URL(process.env.DATABASE_URL ?? '');
  const name = `plusone_test_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(serverUrl.toString(), name);
  const testUrl = new URL(serverUrl);
  testUrl.pathname = `/${name}`;
  const handle = connectDatabase(testUrl.toString());
  await migrateToLatest(handle.db);
  await handle.close();
  project.provide('databaseUrl', testUrl.toString());
  return async () => {
    const admin = new pg.Client({ connectionString: serverUrl.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  };
}
