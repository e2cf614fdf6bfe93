/**
 * Backing off one upsell row after its work threw: the row's lease (which every sweep's claim respects)
 * runs for `failureBackoffMs(attempts)`, and `attempts` grows, so a row that always fails is tried less
 * and less often while every other row is served as usual.
 */
import type { Transaction } from 'kysely';
import type { UpsellContext } from '../engine/context';
import { inSavepoint } from '../store/savepoint';
import type { Database, UpsellRow } from '../store/schema';
import { backOff } from '../store/upsells';
import { failureBackoffMs, type RowIds } from '../engine/observer';

export type Trx = Transaction<Database>;

export function upsellIds(row: Pick<UpsellRow, 'shop_id' | 'id'>): RowIds {
  return { shopId: row.shop_id, id: row.id };
}

export async function backOffUpsell(ctx: UpsellContext, row: Pick<UpsellRow, 'shop_id' | 'id' | 'attempts'>, trx?: Trx): Promise<void> {
  const attempts = row.attempts + 1;
  await backOff(trx ?? ctx.db, row, attempts, new Date(ctx.clock.now().getTime() + failureBackoffMs(attempts)));
}

export { inSavepoint };
