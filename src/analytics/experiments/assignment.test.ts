import { describe, expect, it } from 'vitest';
import { assignArm, armIdOf } from './assignment';

const experiment = {
  id: 'exp_test',
  arms: [
    { id: 'control', name: 'Add to order', weight: 50 },
    { id: 'get-this', name: 'Get this too', weight: 30, copy: 'Get this too' },
    { id: 'price', name: 'Add for {price}', weight: 20, copy: 'Add for {price}' },
  ],
  holdoutBasisPoints: 1000,
};

describe('assignment', () => {
  it('puts the same order in the same arm every time, and differs between experiments', () => {
    for (let order = 0; order < 200; order += 1) {
      expect(armIdOf(assignArm(experiment, `order-${order}`))).toBe(armIdOf(assignArm(experiment, `order-${order}`)));
    }
    const moved = Array.from({ length: 200 }, (_, order) => `order-${order}`).filter(
      (key) => armIdOf(assignArm(experiment, key)) !== armIdOf(assignArm({ ...experiment, id: 'exp_other' }, key)),
    );
    expect(moved.length).toBeGreaterThan(50);
  });

  it('respects the holdout and the weights within 1 point over 100,000 orders', () => {
    const counts = new Map<string, number>();
    const orders = 100_000;
    for (let order = 0; order < orders; order += 1) {
      const arm = armIdOf(assignArm(experiment, `ord_${order}`));
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    const share = (arm: string) => (counts.get(arm) ?? 0) / orders;
    expect(share('holdout')).toBeCloseTo(0.1, 1);
    expect(Math.abs(share('holdout') - 0.1)).toBeLessThan(0.01);
    // The remaining 90 % split 50 : 30 : 20.
    expect(Math.abs(share('control') - 0.45)).toBeLessThan(0.01);
    expect(Math.abs(share('get-this') - 0.27)).toBeLessThan(0.01);
    expect(Math.abs(share('price') - 0.18)).toBeLessThan(0.01);
  });

  it('never assigns the holdout when there is none', () => {
    for (let order = 0; order < 5000; order += 1) {
      expect(assignArm({ ...experiment, holdoutBasisPoints: 0 }, `o${order}`).kind).toBe('arm');
    }
  });
});
