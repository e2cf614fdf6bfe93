/**
 * What every use case receives: the database, the clock and the id generator. Passed in from the
 * composition root (`runtime.ts`); the clock and ids are `core/clock`'s.
 */
import type { Clock, IdGenerator } from '../core/clock';
import type { OutboundTargets } from '../core/outbound-url';
import type { SecretBox } from '../core/secret-box';
import type { Gateways } from '../gateways/index';
import type { OrderSinks } from '../orders/builtin';
import type { Db } from '../store/database';
import type { EngineCaches } from './caches';

export interface EngineContext {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The process's in-memory fast path: compiled offers, shops and keys, sessions, decisions. */
  readonly caches: EngineCaches;
}

/** Crash points for fault-injection tests; a no-op in production. See `faultsFromEnv`. */
export type FaultPoint =
  'accept.after_authorize' | 'accept.after_order_change' | 'capture.after_claim' | 'capture.after_psp' | 'cancel.after_psp' | 'refund.after_psp';

export interface Faults {
  reach(point: FaultPoint): void;
}

export const noFaults: Faults = { reach: () => undefined };

/** `PLUSONE_CRASH_AT=accept.after_authorize` kills the process at that point, exactly like `kill -9`. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): Faults {
  const crashAt = env.PLUSONE_CRASH_AT;
  if (!crashAt) return noFaults;
  return {
    reach(point) {
      if (point === crashAt) process.kill(process.pid, 'SIGKILL');
    },
  };
}

/** What the accept, undo and capture use cases need beyond the basic engine context. */
export interface UpsellContext extends EngineContext {
  readonly gateways: Gateways;
  readonly orderSinks: OrderSinks;
  /** How long a PSP call may take before its outcome counts as unknown (default 8 s). */
  readonly gatewayTimeoutMs: number;
  readonly faults: Faults;
  /** Which hosts the server may call for a shop (webhooks), and how their names are resolved. */
  readonly outbound: OutboundTargets;
  /** Seals secrets at rest with `PLUSONE_SECRET_KEY`: PSP credentials, and the admin's sessions beside the engine. */
  readonly secretBox: SecretBox;
}
