/**
 * Experiments in the decision: after the decision engine chose an offer, a live experiment on that offer
 * may replace it (a competing offer), reword its button (copy arm), or hide it (holdout). The arm is a
 * pure function of the experiment and the order, and is stored with the decision, so it is sticky.
 */
import { decide, type Candidate, type Decision, type OrderFacts } from '../../core/offers';
import { armIdOf, assignArm } from './assignment';
import type { ExperimentArm, LiveExperiment } from '../../core/experiments';

/** The live experiments, read (store/experiments) and cached (engine/offer-cache) with the compiled offers. */
export { liveExperiments } from '../../store/experiments';
export type { LiveExperiment } from '../../core/experiments';

/** The experiment and arm an order was assigned to, stored on its decision (`decisions.experiment_id`, `arm_id`). */
export interface ExperimentAssignment {
  readonly experimentId: string;
  readonly armId: string;
}

export interface ExperimentalDecision {
  readonly chosen: Decision['chosen'];
  readonly assignment: ExperimentAssignment | null;
}

/**
 * Applies the live experiment (if any) on the chosen offer. `orderKey` is the merchant's order id
 * (`externalId`): known before the order row exists and the same on every retry of the registration.
 *
 * An order enters a running experiment only when every arm's offer is eligible for it — decided before
 * the arm is drawn, so each arm sees the same kind of orders. A completed experiment serves its promoted
 * arm to everyone and records no assignment.
 */
export function applyExperiment(
  experiments: ReadonlyMap<string, LiveExperiment>,
  chosen: Decision['chosen'],
  order: { readonly candidates: readonly Candidate[]; readonly facts: OrderFacts; readonly orderKey: string; readonly now: Date },
): ExperimentalDecision {
  if (!chosen) return { chosen, assignment: null };
  const experiment = experiments.get(chosen.candidate.offer.id);
  if (!experiment) return { chosen, assignment: null };

  const priced = (arm: ExperimentArm): Decision['chosen'] => {
    const base =
      arm.offerId && arm.offerId !== chosen.candidate.offer.id
        ? priceAlone(
            order.candidates.find((candidate) => candidate.offer.id === arm.offerId),
            order.facts,
            order.now,
          )
        : chosen;
    return base && arm.copy ? withCopy(base, arm) : base;
  };

  if (experiment.status === 'completed') {
    const winner = experiment.arms.find((arm) => arm.id === experiment.winner_arm_id);
    return { chosen: (winner && priced(winner)) ?? chosen, assignment: null };
  }
  const arms = experiment.arms.map((arm) => ({ arm, chosen: priced(arm) }));
  if (arms.some((entry) => entry.chosen === null)) return { chosen, assignment: null };
  const assignment = assignArm({ id: experiment.id, arms: experiment.arms, holdoutBasisPoints: experiment.holdout_basis_points }, order.orderKey);
  const shown = assignment.kind === 'holdout' ? null : (arms.find((entry) => entry.arm.id === assignment.arm.id)?.chosen ?? null);
  return { chosen: shown, assignment: { experimentId: experiment.id, armId: armIdOf(assignment) } };
}

/** The price of one offer for this order, or null when it is not eligible. */
function priceAlone(candidate: Candidate | undefined, facts: OrderFacts, now: Date): Decision['chosen'] {
  return candidate ? decide([candidate], facts, now).chosen : null;
}

/** The arm's copy replaces the offer's button copy; its id is the arm's, so `buttonCopyId` names the arm. */
function withCopy(chosen: NonNullable<Decision['chosen']>, arm: ExperimentArm): Decision['chosen'] {
  const copy = arm.copy ?? '';
  return { ...chosen, candidate: { ...chosen.candidate, offer: { ...chosen.candidate.offer, buttonCopy: [{ id: arm.id, text: copy }] } } };
}

/** The analytics columns of the decision row: the experiment and arm of the order. */
export function analyticsColumns(assignment: ExperimentAssignment | null) {
  return { experiment_id: assignment?.experimentId ?? null, arm_id: assignment?.armId ?? null };
}
