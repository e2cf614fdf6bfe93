/**
 * The merchant admin's sessions (`admin_sessions`, migration 016): a row per session by its id's hash,
 * the shop's oldest ended beyond a cap, dead rows purged in batches. The admin seals and hashes what it
 * stores (web/admin/sessions.ts); these queries only move rows.
 */
import type { Db } from './database';

/** A session's row: the id's hash, never the id; the key and the form token sealed. */
export interface AdminSessionRecord {
  readonly idHash: string;
  readonly shopId: string;
  readonly shopName: string;
  readonly sealedSecretKey: string;
  readonly sealedCsrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly idleUntil: Date;
}

/** Dead rows one purge deletes at most, so a sign-in after a long quiet spell stays quick. */
export const PURGE_BATCH = 1_000;

/** Stores a session, then ends the shop's oldest beyond its `maxPerShop` newest (one transaction). */
export async function insertAdminSession(db: Db, record: AdminSessionRecord, maxPerShop: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('admin_sessions')
      .values({
        id_hash: record.idHash,
        shop_id: record.shopId,
        shop_name: record.shopName,
        secret_key_sealed: record.sealedSecretKey,
        csrf_token_sealed: record.sealedCsrfToken,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        idle_until: record.idleUntil,
      })
      .execute();
    await trx
      .deleteFrom('admin_sessions')
      .where('id_hash', 'in', (query) =>
        query.selectFrom('admin_sessions').select('id_hash').where('shop_id', '=', record.shopId).orderBy('seq', 'desc').offset(maxPerShop),
      )
      .execute();
  });
}

/** The row of this id hash, live or dead; undefined when there is none. */
export async function adminSessionByIdHash(db: Db, idHash: string): Promise<AdminSessionRecord | undefined> {
  const row = await db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  return (
    row && {
      idHash: row.id_hash,
      shopId: row.shop_id,
      shopName: row.shop_name,
      sealedSecretKey: row.secret_key_sealed,
      sealedCsrfToken: row.csrf_token_sealed,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      idleUntil: row.idle_until,
    }
  );
}

/**
 * Moves the idle deadline to `idleUntil`, never back (two nodes may move it at once) and never past the
 * expiry; false when the row is gone (signed out, or capped, on another node).
 */
export async function moveAdminSessionIdle(db: Db, idHash: string, idleUntil: Date): Promise<boolean> {
  const result = await db
    .updateTable('admin_sessions')
    .set((eb) => ({ idle_until: eb.fn('least', [eb.ref('expires_at'), eb.fn('greatest', [eb.ref('idle_until'), eb.val(idleUntil)])]) }))
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteAdminSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
}

/** Deletes up to `PURGE_BATCH` sessions dead at `now` (the idle deadline never passes the expiry); how many it deleted. */
export async function purgeAdminSessions(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('admin_sessions')
    .where('id_hash', 'in', (query) => query.selectFrom('admin_sessions').select('id_hash').where('idle_until', '<=', now).limit(PURGE_BATCH))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** These queries as the admin's `AdminSessionStore` (web/admin/sessions.ts) over one database. */
export function adminSessionStore(db: Db) {
  return {
    create: (record: AdminSessionRecord, maxPerShop: number) => insertAdminSession(db, record, maxPerShop),
    find: (idHash: string) => adminSessionByIdHash(db, idHash),
    moveIdle: (idHash: string, idleUntil: Date) => moveAdminSessionIdle(db, idHash, idleUntil),
    end: (idHash: string) => deleteAdminSession(db, idHash),
    purge: (now: Date) => purgeAdminSessions(db, now),
  };
}
