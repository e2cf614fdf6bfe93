/**
 * The pool survives PostgreSQL dropping its idle connections (a restart, a terminated backend): before,
 * pg's pool re-emitted the idle client's error as an `error` event nobody listened to, which ended every
 * Plusone process the moment its database restarted. Found by the soak (bench/soak.ts).
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/store/database';

const open: DatabaseHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((handle) => handle.close()));
});

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('database pool', () => {
  it('keeps the process alive when an idle connection is terminated, reports it, and reconnects on the next query', async () => {
    const lost: unknown[] = [];
    const handle = connectDatabase(inject('databaseUrl'), { maxConnections: 2, onConnectionLost: (error) => lost.push(Reflect.get(error, 'code')) });
    open.push(handle);
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db);
    const pid = rows[0]?.pid ?? 0;

    await terminate(pid);
    for (let waited = 0; lost.length === 0 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));

    // 57P01: "terminating connection due to administrator command", as at a PostgreSQL shutdown.
    expect(lost).toEqual(['57P01']);
    const after = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db);
    expect(after.rows[0]?.pid).not.toBe(pid);
  });

  it('keeps the process alive when a checked-out connection is terminated between two statements of a transaction', async () => {
    const lost: unknown[] = [];
    const handle = connectDatabase(inject('databaseUrl'), { maxConnections: 2, onConnectionLost: (error) => lost.push(Reflect.get(error, 'code')) });
    open.push(handle);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      // As when a PSP call is awaited inside a transaction and PostgreSQL restarts meanwhile: the
      // connection is held by the transaction, not idle in the pool, so the pool's listener is not on it.
      const transaction = handle.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        await terminate(rows[0]?.pid ?? 0);
        for (let waited = 0; lost.length === 0 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        await sql`SELECT 1`.execute(trx);
      });
      await expect(transaction).rejects.toThrow();
      expect(uncaught).toEqual([]);
      expect(lost).toEqual(['57P01']);
      const after = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      expect(after.rows[0]?.one).toBe(1);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });
});
