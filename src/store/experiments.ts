/**
 * The experiments' queries: the live experiments the decision reads with the compiled offers, an
 * experiment's row by id or a shop's list, its creation and its guarded status changes (stop, promote),
 * and the worker's cross-shop list of running experiments that promote themselves. Writes take the
 * transaction that bumps the offers version (engine/offers `changeOffers`); every statement but the
 * worker's list filters by `shop_id`. The per-arm sums of the report are the rollup's (store/analytics).
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { LiveExperiment } from '../core/experiments';
import type { Db } from './database';
import type { ExperimentsTable } from './schema';

export type ExperimentRow = Selectable<ExperimentsTable>;

/**
 * The shop's running and promoted experiments (at most one per offer), loaded with its compiled offers:
 * every experiment change bumps the offers version, so the offer cache keeps them current on every node.
 */
export async function liveExperiments(db: Db, shopId: string): Promise<LiveExperiment[]> {
  const rows = await db
    .selectFrom('experiments')
    .select(['id', 'offer_id', 'status', 'arms', 'holdout_basis_points', 'winner_arm_id'])
    .where('shop_id', '=', shopId)
    .where('status', 'in', ['running', 'completed'])
    .execute();
  return rows.map((row) => ({ ...row, status: row.status === 'completed' ? 'completed' : 'running' }));
}

export async function experimentRow(db: Db, shopId: string, experimentId: string): Promise<ExperimentRow | undefined> {
  return db.selectFrom('experiments').selectAll().where('shop_id', '=', shopId).where('id', '=', experimentId).executeTakeFirst();
}

/** The shop's experiments (on one offer when `offerId` is given), newest first. */
export async function experimentRows(db: Db, shopId: string, offerId?: string): Promise<ExperimentRow[]> {
  let query = db.selectFrom('experiments').selectAll().where('shop_id', '=', shopId);
  if (offerId) query = query.where('offer_id', '=', offerId);
  return query.orderBy('created_at', 'desc').orderBy('id').execute();
}

/** Throws the unique violation `experiments_one_live_per_offer` when the offer already has a live one. */
export async function insertExperiment(trx: Db, values: Insertable<ExperimentsTable>): Promise<ExperimentRow> {
  return trx.insertInto('experiments').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function markExperimentStopped(trx: Db, shopId: string, experimentId: string, now: Date, endedAt: Date): Promise<ExperimentRow> {
  return trx
    .updateTable('experiments')
    .set({ status: 'stopped', updated_at: now, ended_at: endedAt })
    .where('shop_id', '=', shopId)
    .where('id', '=', experimentId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Completes the experiment with its winner, only while it is running; undefined when it no longer was. */
export async function markExperimentCompleted(
  trx: Db,
  shopId: string,
  experimentId: string,
  winnerArmId: string,
  now: Date,
): Promise<ExperimentRow | undefined> {
  return trx
    .updateTable('experiments')
    .set({ status: 'completed', winner_arm_id: winnerArmId, updated_at: now, ended_at: now })
    .where('shop_id', '=', shopId)
    .where('id', '=', experimentId)
    .where('status', '=', 'running')
    .returningAll()
    .executeTakeFirst();
}

/** Every running experiment, of every shop, whose settings ask to promote the winner automatically. */
export async function autoPromotingExperiments(db: Db): Promise<ExperimentRow[]> {
  return db
    .selectFrom('experiments')
    .selectAll()
    .where('status', '=', 'running')
    .where(sql<boolean>`(settings->>'autoPromote')::boolean IS TRUE`)
    .execute();
}

/** Which of `offerIds` are live (not deleted) offers of the shop: the offers an experiment may use. */
export async function liveOfferIds(db: Db, shopId: string, offerIds: readonly string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('offers')
    .select('id')
    .where('shop_id', '=', shopId)
    .where('id', 'in', offerIds)
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((row) => row.id);
}
