/** Savepoints: a part of a transaction that can fail alone (the worker's rows in one claim). */
import { sql } from 'kysely';
import type { Db } from './database';

/** Runs `work` inside a savepoint of `trx`: when it throws, only its own writes are rolled back. */
export async function inSavepoint<T>(trx: Db, work: () => Promise<T>): Promise<T> {
  await sql`SAVEPOINT row_work`.execute(trx);
  try {
    const result = await work();
    await sql`RELEASE SAVEPOINT row_work`.execute(trx);
    return result;
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT row_work`.execute(trx);
    throw error;
  }
}
