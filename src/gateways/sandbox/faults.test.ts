import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import type { AuthorizeRequest, PaymentGateway } from '../contract';
import { SandboxFaults, withFaults, type FaultedOperation, type FaultKind } from './faults';

const draws = (faults: SandboxFaults, count: number, operation: FaultedOperation = 'capture'): (FaultKind | null)[] =>
  Array.from({ length: count }, () => faults.draw(operation));

const total = (faults: SandboxFaults) => faults.injected().reduce((sum, entry) => sum + entry.count, 0);

/** A gateway that records which calls reached it. */
function recordingGateway(calls: string[]): PaymentGateway {
  return {
    name: 'sandbox',
    authorize: async (request) => {
      calls.push(`authorize ${request.idempotencyKey}`);
      return { status: 'authorized', ref: 'sbx_1', card: { brand: 'visa', last4: '4242' }, captured: false };
    },
    completeAction: async (ref) => {
      calls.push(`complete ${ref}`);
      return { status: 'authorized', ref, card: { brand: 'visa', last4: '4242' }, captured: false };
    },
    capture: async (ref) => {
      calls.push(`capture ${ref}`);
      return { status: 'succeeded' };
    },
    void: async (ref) => {
      calls.push(`void ${ref}`);
      return { status: 'succeeded' };
    },
    refund: async (ref) => {
      calls.push(`refund ${ref}`);
      return { status: 'succeeded' };
    },
    lookup: async () => {
      calls.push('lookup');
      return { status: 'not_found' };
    },
  };
}

const request: AuthorizeRequest = {
  paymentMethodRef: 'pm_sandbox_visa',
  customerRef: null,
  amount: 500,
  currency: 'USD',
  idempotencyKey: 'ups_1:authorize',
  customerPresent: true,
  capture: 'manual',
  metadata: {},
  merchantRef: 'shop_1',
};

describe('sandbox fault injection', () => {
  it('is off by default: no setting, or a rate of 0, injects nothing', () => {
    expect(loadConfig({}).sandboxFaults).toBeNull();
    expect(loadConfig({ PLUSONE_SANDBOX_FAULTS: '0' }).sandboxFaults).toBeNull();
    const gateway = recordingGateway([]);
    expect(withFaults(gateway, null, 10)).toBe(gateway);
    const never = new SandboxFaults({ rate: 0, seed: 1 });
    expect(draws(never, 1000).every((fault) => fault === null)).toBe(true);
    expect(total(never)).toBe(0);
  });

  it('reads the rate and the seed, and refuses values it cannot use', () => {
    expect(loadConfig({ PLUSONE_SANDBOX_FAULTS: '0.05', PLUSONE_SANDBOX_FAULT_SEED: '7' }).sandboxFaults).toEqual({ rate: 0.05, seed: 7 });
    expect(loadConfig({ PLUSONE_SANDBOX_FAULTS: '0.05' }).sandboxFaults).toEqual({ rate: 0.05, seed: 1 });
    for (const rate of ['-0.1', '1.5', 'often']) expect(() => loadConfig({ PLUSONE_SANDBOX_FAULTS: rate })).toThrow(ConfigError);
    expect(() => loadConfig({ PLUSONE_SANDBOX_FAULTS: '0.1', PLUSONE_SANDBOX_FAULT_SEED: 'x' })).toThrow(ConfigError);
  });

  it('draws the same faults from the same seed, other faults from another seed', () => {
    const first = draws(new SandboxFaults({ rate: 0.2, seed: 42 }), 500);
    expect(draws(new SandboxFaults({ rate: 0.2, seed: 42 }), 500)).toEqual(first);
    expect(draws(new SandboxFaults({ rate: 0.2, seed: 43 }), 500)).not.toEqual(first);
  });

  it('injects about `rate` of the calls, half 5xx and half timeouts, and counts them by operation and kind', () => {
    const faults = new SandboxFaults({ rate: 0.2, seed: 3 });
    const drawn = draws(faults, 10_000, 'authorize');
    const unavailable = drawn.filter((fault) => fault === 'unavailable').length;
    const timeouts = drawn.filter((fault) => fault === 'timeout').length;
    expect(unavailable + timeouts).toBeGreaterThan(1800);
    expect(unavailable + timeouts).toBeLessThan(2200);
    expect(Math.abs(unavailable - timeouts)).toBeLessThan(250);
    expect(faults.injected()).toContainEqual({ operation: 'authorize', kind: 'unavailable', count: unavailable });
    expect(faults.injected()).toContainEqual({ operation: 'authorize', kind: 'timeout', count: timeouts });
    expect(faults.injected()).toContainEqual({ operation: 'capture', kind: 'timeout', count: 0 });
  });

  it('answers a 5xx as unknown without reaching the PSP, and a timeout late after the PSP recorded the write', async () => {
    const calls: string[] = [];
    const always = withFaults(recordingGateway(calls), new SandboxFaults({ rate: 1, seed: 1 }), 30);
    const results: { status: string; ms: number }[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const started = performance.now();
      const result = await always.capture(`sbx_${attempt}`, 500, 'USD', `ups_${attempt}:capture`);
      results.push({ status: result.status, ms: performance.now() - started });
    }
    const reached = new Set(calls);
    for (const [attempt, result] of results.entries()) {
      if (result.status === 'unknown') expect(reached.has(`capture sbx_${attempt}`)).toBe(false);
      else {
        expect(result.status).toBe('succeeded');
        expect(reached.has(`capture sbx_${attempt}`)).toBe(true);
        expect(result.ms).toBeGreaterThanOrEqual(25);
      }
    }
    expect(results.some((result) => result.status === 'unknown')).toBe(true);
    expect(results.some((result) => result.status === 'succeeded')).toBe(true);
  });

  it('faults every write and never a lookup', async () => {
    const calls: string[] = [];
    const faults = new SandboxFaults({ rate: 1, seed: 5 });
    const gateway = withFaults(recordingGateway(calls), faults, 1);
    await gateway.authorize(request);
    await gateway.completeAction('sbx_1', 'ups_1:complete');
    await gateway.capture('sbx_1', 500, 'USD', 'ups_1:capture');
    await gateway.void('sbx_1', 'ups_1:void');
    await gateway.refund('sbx_1', 500, 'USD', 'ups_1:refund');
    expect(await gateway.lookup({ idempotencyKey: 'ups_1:authorize' })).toEqual({ status: 'not_found' });
    expect(total(faults)).toBe(5);
    expect(calls).toContain('lookup');
  });
});
