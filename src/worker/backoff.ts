/**
 * Backing off one upsell row after its work threw: the row's lease (which every sweep's claim respects)
 * runs for `failureBackoffMs(attempts)`, and `attempts` grows, so a row that always fails is tried less
 * and less often while every other row is served as usual.
 */
import { sql, type Transaction } from 'kysely';
import type { UpsellContext } from '../engine/context';
import type { Database, UpsellRow } from '../store/schema';
import { failureBackoffMs, type RowIds } from './observer';

export type Trx = Transaction<Database>;

export function upsellIds(row: Pick<UpsellRow, 'shop_id' | 'id'>): RowIds {
  return { shopId: row.shop_id, id: row.id };
}

export async function backOffUpsell(ctx: UpsellContext, row: Pick<UpsellRow, 'shop_id' | 'id' | 'attempts'>, trx?: Trx): Promise<void> {
  const attempts = row.attempts + 1;
  await (trx ?? ctx.db)
    .updateTable('upsells')
    .set({ attempts, lease_until: new Date(ctx.clock.now().getTime() + failureBackoffMs(attempts)) })
    .where('shop_id', '=', row.shop_id)
    .where('id', '=', row.id)
    .execute();
}

/** Runs `work` inside a savepoint of `trx`: when it throws, only its own writes are rolled back. */
export async function inSavepoint<T>(trx: Trx, work: () => Promise<T>): Promise<T> {
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
