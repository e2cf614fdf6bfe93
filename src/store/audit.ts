/**
 * The audit log's queries (`audit_log`, migration 014): an entry per change, and the shop's entries newest
 * first by keyset on `(at, seq)` — a page position's id is the last row's `seq` — optionally for one
 * target or one action.
 */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database';
import { positionOf, type PageQuery } from './pages';
import type { AuditLogTable } from './schema';

export type AuditRow = Selectable<AuditLogTable> & { position_at: string };

export interface NewAuditEntry {
  readonly shopId: string;
  readonly id: string;
  readonly at: Date;
  readonly actor: { readonly type: 'api_key'; readonly keyId: string; readonly last4: string } | { readonly type: 'operator' };
  readonly via: 'api' | 'admin';
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly changes: Record<string, unknown>;
}

export async function insertAuditEntry(db: Db, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      shop_id: entry.shopId,
      id: entry.id,
      at: entry.at,
      actor_type: entry.actor.type,
      api_key_id: entry.actor.type === 'api_key' ? entry.actor.keyId : null,
      api_key_last4: entry.actor.type === 'api_key' ? entry.actor.last4 : null,
      via: entry.via,
      action: entry.action,
      target_type: entry.target.type,
      target_id: entry.target.id,
      changes: JSON.stringify(entry.changes),
    })
    .execute();
}

export interface AuditFilter {
  readonly targetId?: string;
  readonly action?: string;
}

export async function listAuditRows(db: Db, shopId: string, filter: AuditFilter, page: PageQuery): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll().select(positionOf('at').as('position_at')).where('shop_id', '=', shopId);
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  // The position's id is a `seq` the engine checked to be digits.
  if (page.after) query = query.where(sql<boolean>`(at, seq) < (${page.after.createdAt}::timestamptz, ${page.after.id}::bigint)`);
  return query.orderBy('at', 'desc').orderBy('seq', 'desc').limit(page.limit).execute();
}
