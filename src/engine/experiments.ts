/** Experiments: create, read, stop, promote (the queries are store/experiments'). Another shop's id is a 404. */
import { DomainError, notFound } from '../core/errors';
import { decimalFromJson } from '../core/money';
import type { EngineContext } from './context';
import { changeOffers } from './offers';
import { isUniqueViolation, type Db } from '../store/database';
import {
  experimentRow,
  experimentRows,
  insertExperiment,
  liveOfferIds,
  markExperimentCompleted,
  markExperimentStopped,
  type ExperimentRow,
} from '../store/experiments';
import { DEFAULT_EXPERIMENT_SETTINGS, HOLDOUT_ARM_ID, type ExperimentArm, type ExperimentSettings, type ExperimentStatus } from '../core/experiments';

export interface ExperimentInput {
  name?: string;
  offerId: string;
  arms: { id: string; name?: string; weight?: number; copy?: string; offerId?: string }[];
  /** Share of orders that see no offer, percent with at most 2 decimals (0–50). */
  holdoutPercent?: number;
  settings?: Partial<ExperimentSettings>;
}

export interface ExperimentView {
  id: string;
  name: string;
  offerId: string;
  status: ExperimentStatus;
  arms: ExperimentArm[];
  holdoutPercent: number;
  settings: ExperimentSettings;
  winnerArmId: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export function experimentView(row: ExperimentRow): ExperimentView {
  return {
    id: row.id,
    name: row.name,
    offerId: row.offer_id,
    status: row.status,
    arms: row.arms,
    holdoutPercent: row.holdout_basis_points / 100,
    settings: row.settings,
    winnerArmId: row.winner_arm_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
  };
}

function invalid(message: string): DomainError {
  return new DomainError('invalid_request', message);
}

function holdoutBasisPoints(percent: number | undefined): number {
  if (percent === undefined) return 0;
  const decimal = decimalFromJson(percent);
  if (!decimal || decimal.units < 0n || decimal.scale > 2) throw invalid('holdoutPercent is 0 to 50 with at most 2 decimals');
  const basisPoints = Number(decimal.units * 10n ** BigInt(2 - decimal.scale));
  if (basisPoints > 5000) throw invalid('holdoutPercent is 0 to 50 with at most 2 decimals');
  return basisPoints;
}

async function assertLiveOffers(db: Db, shopId: string, offerIds: readonly string[]): Promise<void> {
  const unique = [...new Set(offerIds)];
  const found = await liveOfferIds(db, shopId, unique);
  const missing = unique.filter((id) => !found.includes(id));
  if (missing.length > 0) throw new DomainError('offer_not_available', `Offer ${missing.join(', ')} is not an offer of this shop`);
}

export async function createExperiment(ctx: EngineContext, shopId: string, input: ExperimentInput): Promise<ExperimentView> {
  const holdout = holdoutBasisPoints(input.holdoutPercent);
  const arms: ExperimentArm[] = input.arms.map((arm) => ({
    id: arm.id,
    name: arm.name ?? arm.id,
    weight: arm.weight ?? 1,
    ...(arm.copy === undefined ? {} : { copy: arm.copy }),
    ...(arm.offerId === undefined ? {} : { offerId: arm.offerId }),
  }));
  if (new Set(arms.map((arm) => arm.id)).size !== arms.length) throw invalid('arm ids must be unique');
  if (arms.some((arm) => arm.id === HOLDOUT_ARM_ID)) throw invalid(`"${HOLDOUT_ARM_ID}" is reserved for the holdout`);
  if (arms.length < 2 && holdout === 0) throw invalid('an experiment needs two arms, or one arm and a holdout');
  const settings: ExperimentSettings = { ...DEFAULT_EXPERIMENT_SETTINGS, ...input.settings };
  if (settings.maxViewsPerArm !== null && settings.maxViewsPerArm < settings.minViewsPerArm) {
    throw invalid('settings.maxViewsPerArm is below settings.minViewsPerArm');
  }
  await assertLiveOffers(ctx.db, shopId, [input.offerId, ...arms.flatMap((arm) => (arm.offerId ? [arm.offerId] : []))]);
  const now = ctx.clock.now();
  try {
    const row = await changeOffers(ctx, shopId, (trx) =>
      insertExperiment(trx, {
        shop_id: shopId,
        id: ctx.ids.id('exp'),
        name: input.name ?? `Experiment on ${input.offerId}`,
        offer_id: input.offerId,
        status: 'running',
        arms: JSON.stringify(arms),
        holdout_basis_points: holdout,
        settings: JSON.stringify(settings),
        winner_arm_id: null,
        created_at: now,
        updated_at: now,
        ended_at: null,
      }),
    );
    return experimentView(row);
  } catch (error) {
    if (isUniqueViolation(error, 'experiments_one_live_per_offer')) {
      throw new DomainError('experiment_conflict', `Offer ${input.offerId} already has a running or promoted experiment; stop it first`);
    }
    throw error;
  }
}

export async function findExperiment(db: Db, shopId: string, experimentId: string): Promise<ExperimentRow> {
  const row = await experimentRow(db, shopId, experimentId);
  if (!row) throw notFound('Experiment');
  return row;
}

export async function listExperiments(db: Db, shopId: string, offerId?: string): Promise<ExperimentView[]> {
  return (await experimentRows(db, shopId, offerId)).map(experimentView);
}

/** Stops a running experiment (or ends a promotion): the offer is shown as if there were no experiment. */
export async function stopExperiment(ctx: EngineContext, shopId: string, experimentId: string): Promise<ExperimentView> {
  const current = await findExperiment(ctx.db, shopId, experimentId);
  if (current.status === 'stopped') return experimentView(current);
  const now = ctx.clock.now();
  const row = await changeOffers(ctx, shopId, (trx) => markExperimentStopped(trx, shopId, experimentId, now, current.ended_at ?? now));
  return experimentView(row);
}

/** Ends a running experiment and serves `armId` to every order from now on. */
export async function promoteArm(ctx: EngineContext, shopId: string, experimentId: string, armId: string): Promise<ExperimentView> {
  const current = await findExperiment(ctx.db, shopId, experimentId);
  if (!current.arms.some((arm) => arm.id === armId)) throw invalid(`Arm ${armId} is not an arm of this experiment`);
  if (current.status === 'completed' && current.winner_arm_id === armId) return experimentView(current);
  if (current.status !== 'running') throw new DomainError('experiment_not_running', `The experiment is ${current.status}`);
  const now = ctx.clock.now();
  const row = await changeOffers(ctx, shopId, (trx) => markExperimentCompleted(trx, shopId, experimentId, armId, now));
  if (!row) throw new DomainError('experiment_not_running', 'The experiment changed concurrently');
  return experimentView(row);
}
