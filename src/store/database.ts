/**
 * The PostgreSQL connection: a `pg` pool under Kysely. `bigint` (money) and `numeric` columns come back as
 * exact values: int8 as a JS number (amounts are bounded well below 2^53 by the API), numeric as text.
 */
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type MigrationProvider,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index';
import type { Database } from './schema';

export type Db = Kysely<Database>;

const INT8_OID = 20;

const exactTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

export interface DatabaseHandle {
  /** The connection string, for connections outside the pool (the offer cache's LISTEN). */
  readonly url: string;
  readonly db: Db;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Pool size per process. Default 20; see docs/scaling.md for sizing with N nodes. */
  readonly maxConnections?: number;
  /**
   * Run repeated queries as named prepared statements (parsed and planned once per connection). Default
   * on; turn off behind a transaction-mode PgBouncer older than 1.21 (no prepared statement support).
   */
  readonly preparedStatements?: boolean;
  /**
   * Told when a pooled connection is lost (PostgreSQL restarted, a backend terminated), idle or held by a
   * transaction between two statements. The pool drops it and opens a new one on the next query (a held
   * one fails its transaction's next statement first); without these listeners pg's `error` events —
   * the pool's for idle clients, the client's own while it is checked out — would end the process.
   */
  readonly onConnectionLost?: (error: Error) => void;
}

export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 20,
    types: exactTypes,
    application_name: 'plusone',
  });
  // Idle clients: pg-pool listens and re-emits on the pool. Checked-out clients: pg-pool removes that
  // listener, so each client gets its own from birth; while idle both fire, and the pool's is the report.
  // After close() nothing is lost: pool.end() resolves before the sockets are shut, and a server stopped
  // right after (the embedded one) terminates them — expected, not reported.
  let closed = false;
  const lost = (error: Error) => {
    if (!closed) options.onConnectionLost?.(error);
  };
  pool.on('error', lost);
  // A lost connection errs twice (the server's FATAL, then the socket's end): reported once.
  pool.on('connect', (client) => {
    let reported = false;
    client.on('error', (error) => {
      if (reported || client.listenerCount('error') > 1) return;
      reported = true;
      lost(error);
    });
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : withPreparedStatements(pool) }),
  });
  return {
    url,
    db,
    pool,
    close: () => {
      closed = true;
      return db.destroy();
    },
  };
}

const PLANNED_PER_CALL_TEXT = '/* planned per call */';

/**
 * Put first in a statement whose best plan depends on its values (a report over a range of days, a list
 * of ids): it is sent unnamed, so PostgreSQL plans it for each call's values. A named statement settles on
 * a generic plan after five runs, and for the metrics of 50 offers over 30 days that plan took 56 ms where
 * the planned one took 14 (docs/benchmarks.md).
 */
export const PLANNED_PER_CALL = sql.raw(`${PLANNED_PER_CALL_TEXT} `);

/** Distinct statements prepared at most (per process; each connection prepares those it runs). */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Hands Kysely a pool whose clients send parameterized queries as named prepared statements, so
 * PostgreSQL parses and plans each statement once per connection instead of on every call (about 1.8×
 * the queries per second on the benchmark machine). Only statements with parameters and without `*`
 * are named: a multi-statement script cannot be prepared, and `SELECT *` / `RETURNING *` would fail
 * with "cached plan must not change result type" after a migration adds a column while the process runs.
 */
function withPreparedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameFor = (text: string, parameters: ReadonlyArray<unknown>): string | null => {
    if (parameters.length === 0 || text.includes('*') || text.startsWith(PLANNED_PER_CALL_TEXT)) return null;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `plusone_${names.size + 1}`;
      names.set(text, name);
    }
    return name ?? null;
  };
  return { connect: async () => new PreparingClient(await pool.connect(), nameFor), end: () => pool.end() };
}

class PreparingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly nameFor: (text: string, parameters: ReadonlyArray<unknown>) => string | null,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through a cursor only when the dialect is given a cursor class; this one is not.
    if (typeof sqlOrCursor !== 'string') throw new Error('Query streaming is not configured');
    return this.run<R>(sqlOrCursor, parameters);
  }

  release(): void {
    this.client.release();
  }

  private async run<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const name = this.nameFor(text, parameters);
    const result = await this.client.query(name ? { name, text, values: [...parameters] } : { text, values: [...parameters] });
    return { command: result.command as PostgresQueryResult<R>['command'], rowCount: result.rowCount ?? 0, rows: result.rows as R[] };
  }
}

/** One round trip: resolves when the database answers (the health check, the check at start). */
export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/** LISTENs on the channels, in one statement, on a connection of its own (a pooled one would be reused). */
export async function listen(client: pg.Client, channels: readonly string[]): Promise<void> {
  await client.query(channels.map((channel) => `LISTEN ${channel}`).join('; '));
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** True when `error` is PostgreSQL's unique violation (23505), optionally of the named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof Error) || !('code' in error) || error.code !== '23505') return false;
  return constraint === undefined || ('constraint' in error && error.constraint === constraint);
}
