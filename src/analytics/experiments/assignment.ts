/**
 * Deterministic, sticky assignment: SHA-256 of `${experimentId}:${orderKey}` gives a uniform 64-bit number;
 * its value modulo 10,000 decides the holdout (basis points), the rest picks an arm by cumulative
 * weights. The same order always lands in the same arm, on every node, with no stored state needed.
 */
import { createHash } from 'node:crypto';
import { HOLDOUT_ARM_ID, type ExperimentArm } from '../../core/experiments';

const BASIS_POINTS = 10_000n;

export type Assignment = { readonly kind: 'holdout' } | { readonly kind: 'arm'; readonly arm: ExperimentArm };

export function uniformHash(experimentId: string, orderKey: string): bigint {
  return createHash('sha256').update(`${experimentId}:${orderKey}`).digest().readBigUInt64BE(0);
}

export function assignArm(
  experiment: { readonly id: string; readonly arms: readonly ExperimentArm[]; readonly holdoutBasisPoints: number },
  orderKey: string,
): Assignment {
  const hash = uniformHash(experiment.id, orderKey);
  if (hash % BASIS_POINTS < BigInt(experiment.holdoutBasisPoints)) return { kind: 'holdout' };
  const total = experiment.arms.reduce((sum, arm) => sum + BigInt(arm.weight), 0n);
  let point = (hash / BASIS_POINTS) % total;
  for (const arm of experiment.arms) {
    if (point < BigInt(arm.weight)) return { kind: 'arm', arm };
    point -= BigInt(arm.weight);
  }
  throw new Error('unreachable: the point lies below the total weight');
}

export function armIdOf(assignment: Assignment): string {
  return assignment.kind === 'holdout' ? HOLDOUT_ARM_ID : assignment.arm.id;
}
