/**
 * Fault injection for the sandbox PSP, off by default (`PLUSONE_SANDBOX_FAULTS=<rate>`,
 * `PLUSONE_SANDBOX_FAULT_SEED=<integer>`; the soak, bench/soak.ts, turns it on). A share `rate` of the
 * sandbox's writes — authorize, 3-D Secure completion, capture, void, refund — fails the two ways a real
 * PSP fails, half of each:
 * - `unavailable`: a 5xx before the PSP records anything. The answer is `unknown` (what every adapter
 *   reports for a 5xx) and nothing was written, so the engine's retry with the same key does the work.
 * - `timeout`: the PSP records the write, but its answer arrives only after `hangMs` (set past the gateway
 *   timeout), so the engine sees `unknown` although the money moved; a retry with the same key replays
 *   the recorded answer.
 * Lookups are never faulted: reconciliation reads through them. Faults are drawn from a seeded generator,
 * so the same seed draws the same sequence; each injected fault is counted (`/metrics`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from '../../core/random';
import type { PaymentGateway } from '../contract';

export const FAULTED_OPERATIONS = ['authorize', 'complete_action', 'capture', 'void', 'refund'] as const;
export type FaultedOperation = (typeof FAULTED_OPERATIONS)[number];

export const FAULT_KINDS = ['unavailable', 'timeout'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SandboxFaultSettings {
  /** Share of writes that fail, from 0 (never) to 1 (always). */
  readonly rate: number;
  readonly seed: number;
}

export interface InjectedFaults {
  readonly operation: FaultedOperation;
  readonly kind: FaultKind;
  readonly count: number;
}

export class SandboxFaults {
  private readonly random: () => number;
  private readonly counts = new Map<`${FaultedOperation}:${FaultKind}`, number>();

  constructor(private readonly settings: SandboxFaultSettings) {
    this.random = mulberry32(settings.seed);
  }

  /** The fault for this call of `operation`, or null; an injected fault is counted. */
  draw(operation: FaultedOperation): FaultKind | null {
    const draw = this.random();
    if (draw >= this.settings.rate) return null;
    const kind: FaultKind = draw < this.settings.rate / 2 ? 'unavailable' : 'timeout';
    const key = `${operation}:${kind}` as const;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return kind;
  }

  /** Every fault injected so far, by operation and kind. */
  injected(): InjectedFaults[] {
    return FAULTED_OPERATIONS.flatMap((operation) =>
      FAULT_KINDS.map((kind) => ({ operation, kind, count: this.counts.get(`${operation}:${kind}`) ?? 0 })),
    );
  }
}

const UNAVAILABLE = { status: 'unknown', reason: 'sandbox fault: 503 before the payment was recorded' } as const;

/**
 * The gateway with faults injected into its writes; the gateway itself when `faults` is null. `hangMs` is
 * how long a `timeout` fault holds the recorded answer back.
 */
export function withFaults(gateway: PaymentGateway, faults: SandboxFaults | null, hangMs: number): PaymentGateway {
  if (!faults) return gateway;
  const faulted = async <T>(operation: FaultedOperation, call: () => Promise<T>, unavailable: T): Promise<T> => {
    const fault = faults.draw(operation);
    if (fault === 'unavailable') return unavailable;
    const answer = await call();
    if (fault === 'timeout') await sleep(hangMs);
    return answer;
  };
  return {
    name: gateway.name,
    authorize: (request) => faulted('authorize', () => gateway.authorize(request), UNAVAILABLE),
    completeAction: (ref, key, details) => faulted('complete_action', () => gateway.completeAction(ref, key, details), UNAVAILABLE),
    capture: (ref, amount, currency, key) => faulted('capture', () => gateway.capture(ref, amount, currency, key), UNAVAILABLE),
    void: (ref, key) => faulted('void', () => gateway.void(ref, key), UNAVAILABLE),
    refund: (ref, amount, currency, key, options) => faulted('refund', () => gateway.refund(ref, amount, currency, key, options), UNAVAILABLE),
    lookup: (query) => gateway.lookup(query),
  };
}
