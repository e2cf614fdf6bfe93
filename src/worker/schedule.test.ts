import { describe, expect, it } from 'vitest';
import { CAPTURE_BATCH } from './finalizer';
import { nextRoundDelay } from './index';

describe('worker rounds', () => {
  it('goes again at once after a full capture batch, and waits the interval otherwise', () => {
    expect(nextRoundDelay({ captured: CAPTURE_BATCH }, 1_000)).toBe(0);
    expect(nextRoundDelay({ captured: CAPTURE_BATCH - 1 }, 1_000)).toBe(1_000);
    expect(nextRoundDelay({ captured: 0 }, 1_000)).toBe(1_000);
  });
});
