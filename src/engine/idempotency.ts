/**
 * Idempotency records for merchant writes. The key is claimed inside the same transaction as the work it
 * protects: a concurrent request with the same key waits on the row lock and then replays the stored
 * answer; a rolled-back request leaves no record. The same key with a different body is refused.
 */
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { DomainError } from '../core/errors';
import type { Database } from '../store/schema';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** Claims `key` for this request; returns the stored response when the key was already used for it. */
export async function claimIdempotencyKey(
  trx: Transaction<Database>,
  claim: { shopId: string; scope: string; key: string; hash: string; now: Date },
): Promise<StoredResponse | null> {
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values({ shop_id: claim.shopId, scope: claim.scope, key: claim.key, request_hash: claim.hash, created_at: claim.now })
    .onConflict((oc) => oc.doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return null;
  const existing = await trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('shop_id', '=', claim.shopId)
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .executeTakeFirstOrThrow();
  if (existing.request_hash !== claim.hash) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
  }
  if (existing.status_code === null) {
    throw new DomainError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress');
  }
  return { statusCode: existing.status_code, body: existing.response };
}

export async function storeIdempotentResponse(
  trx: Transaction<Database>,
  claim: { shopId: string; scope: string; key: string },
  response: StoredResponse,
): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ status_code: response.statusCode, response: JSON.stringify(response.body) })
    .where('shop_id', '=', claim.shopId)
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .execute();
}
