/**
 * The idempotency keys' queries: a key is claimed (inserted) in the transaction of the work it protects,
 * and the finished answer stored under it. What a repeated key means is the engine's (engine/idempotency).
 */
import type { QueryCreator } from 'kysely';
import type { Db } from './database';
import type { Database } from './schema';

export interface KeyRef {
  readonly shopId: string;
  readonly scope: string;
  readonly key: string;
}

export interface KeyClaim extends KeyRef {
  readonly hash: string;
  readonly now: Date;
}

/** What a key holds: the request's hash, and once finished its answer. */
export interface KeyRecord {
  readonly request_hash: string;
  readonly status_code: number | null;
  readonly response: unknown;
  readonly created_at: Date;
}

/** The insert that claims a key (nothing when it is taken), for use as a statement or a CTE. */
export function claimKeyQuery(db: QueryCreator<Database>, claim: KeyClaim) {
  return db
    .insertInto('idempotency_keys')
    .values({ shop_id: claim.shopId, scope: claim.scope, key: claim.key, request_hash: claim.hash, created_at: claim.now })
    .onConflict((oc) => oc.doNothing())
    .returning('key');
}

/** Claims the key; false when it was claimed before. */
export async function claimKey(db: Db, claim: KeyClaim): Promise<boolean> {
  return (await claimKeyQuery(db, claim).executeTakeFirst()) !== undefined;
}

export async function keyRecord(db: Db, ref: KeyRef): Promise<KeyRecord> {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response', 'created_at'])
    .where('shop_id', '=', ref.shopId)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .executeTakeFirstOrThrow();
}

/** Stores the finished answer under the key. */
export async function storeAnswer(db: Db, ref: KeyRef, statusCode: number, body: unknown): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: statusCode, response: JSON.stringify(body) })
    .where('shop_id', '=', ref.shopId)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .execute();
}
