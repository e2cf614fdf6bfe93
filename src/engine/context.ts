/**
 * What every use case receives: the database, the clock and the id generator. Passed in from the
 * composition root (`runtime.ts`); the clock and ids are `core/clock`'s.
 */
import type { Clock, IdGenerator } from '../core/clock';
import type { Db } from '../store/database';
import type { EngineCaches } from './caches';

export interface EngineContext {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The process's in-memory fast path (compiled offers, sessions, decisions); absent: read the database. */
  readonly caches?: EngineCaches;
}
