/**
 * Idempotency-Key: what a repeated key means, for every write that takes one (order registration, accept).
 * The key is claimed inside the same transaction as the work it protects (store/idempotency): a
 * concurrent request with the same key waits on the row lock and then replays the stored answer; a
 * rolled-back request leaves no record. The same key with another request is refused.
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../core/errors';
import type { Db } from '../store/database';
import { claimKey, keyRecord, storeAnswer, type KeyClaim, type KeyRecord, type KeyRef } from '../store/idempotency';

export type { KeyClaim, KeyRef };

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function keyRequired(): DomainError {
  return new DomainError('idempotency_key_required', 'Send an Idempotency-Key header with this request');
}

export function stillInProgress(): DomainError {
  return new DomainError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress');
}

/** The record of a key seen before, read in the claiming transaction; refused when it was another request. */
export async function repeatedKey(db: Db, claim: KeyClaim): Promise<KeyRecord> {
  const record = await keyRecord(db, claim);
  if (record.request_hash !== claim.hash) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used for a different request');
  }
  return record;
}

/** Claims `key` for this request; returns the stored response when the key was already used for it. */
export async function claimIdempotencyKey(db: Db, claim: KeyClaim): Promise<StoredResponse | null> {
  if (await claimKey(db, claim)) return null;
  const record = await repeatedKey(db, claim);
  if (record.status_code === null) throw stillInProgress();
  return { statusCode: record.status_code, body: record.response };
}

export async function storeIdempotentResponse(db: Db, ref: KeyRef, response: StoredResponse): Promise<void> {
  await storeAnswer(db, ref, response.statusCode, response.body);
}
