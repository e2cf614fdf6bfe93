/** Experiments on an offer: arms (button copy and/or a competing offer), traffic weights and a holdout. */

export const EXPERIMENT_STATUSES = ['running', 'stopped', 'completed'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** The arm id recorded for orders in the holdout (they see no offer). */
export const HOLDOUT_ARM_ID = 'holdout';

export interface ExperimentArm {
  readonly id: string;
  readonly name: string;
  /** Relative traffic weight, a positive integer (weights 1:1 and 50:50 are the same split). */
  readonly weight: number;
  /** Button copy for this arm; `{price}` becomes the formatted price. Absent: the offer's own copy. */
  readonly copy?: string;
  /** A competing offer shown instead of the experiment's offer. Absent: the experiment's offer. */
  readonly offerId?: string;
}

export interface ExperimentSettings {
  /** Overall false-winner rate the sequential test keeps, however often it is looked at (default 0.05). */
  readonly alpha: number;
  /** No verdict before every arm has this many views (default 100). */
  readonly minViewsPerArm: number;
  /** Differences in take rate smaller than this (absolute) count as "no difference" (default 0.01). */
  readonly equivalenceMargin: number;
  /** Once every arm has this many views without a winner, the verdict is "no difference" (default none). */
  readonly maxViewsPerArm: number | null;
  /** Promote the winner automatically when the verdict says so (default false). */
  readonly autoPromote: boolean;
}

export const DEFAULT_EXPERIMENT_SETTINGS: ExperimentSettings = {
  alpha: 0.05,
  minViewsPerArm: 100,
  equivalenceMargin: 0.01,
  maxViewsPerArm: null,
  autoPromote: false,
};

/** A running or promoted experiment, as the decision needs it. */
export interface LiveExperiment {
  readonly id: string;
  readonly offer_id: string;
  readonly status: 'running' | 'completed';
  readonly arms: readonly ExperimentArm[];
  readonly holdout_basis_points: number;
  readonly winner_arm_id: string | null;
}
