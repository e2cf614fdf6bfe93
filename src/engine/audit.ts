/**
 * The audit log as the API shows it (`GET /v1/audit-log`): newest first, a page per query (engine/pages),
 * optionally for one target (an offer's id, a key's id) or one action. Entries are written by the HTTP
 * layer's audit hook (http/audit.ts).
 */
import { DomainError } from '../core/errors';
import type { Db } from '../store/database';
import { insertAuditEntry, listAuditRows, type AuditRow, type NewAuditEntry } from '../store/audit';
import type { EngineContext } from './context';
import { pageOf, pageQuery } from './pages';

export interface AuditListInput {
  limit?: string;
  cursor?: string;
  targetId?: string;
  action?: string;
}

export interface AuditEntryView {
  id: string;
  at: string;
  /** Who: the secret key (its id and last four characters), or the operator (`POST /v1/shops`). */
  actor: { type: 'api_key'; apiKeyId: string; last4: string } | { type: 'operator' };
  /** Through what: the API directly, or the merchant admin (which calls the API with the signed-in key). */
  via: 'api' | 'admin';
  action: string;
  target: { type: string; id: string };
  /** What the request changed, as sent (secrets masked as `•••`). */
  changes: Record<string, unknown>;
}

/** Records one change (the HTTP layer's audit hook calls it once the change is answered). */
export async function recordChange(ctx: EngineContext, entry: Omit<NewAuditEntry, 'id' | 'at'>): Promise<void> {
  await insertAuditEntry(ctx.db, { ...entry, id: ctx.ids.id('aud'), at: ctx.clock.now() });
}

const ACTION = /^[a-z_]{1,40}\.[a-z_]{1,40}$/;

function entryView(row: AuditRow & { entryId: string }): AuditEntryView {
  return {
    id: row.entryId,
    at: row.at.toISOString(),
    actor:
      row.actor_type === 'api_key' && row.api_key_id !== null
        ? { type: 'api_key', apiKeyId: row.api_key_id, last4: row.api_key_last4 ?? '' }
        : { type: 'operator' },
    via: row.via,
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    changes: row.changes,
  };
}

export async function listAuditLog(
  db: Db,
  shopId: string,
  input: AuditListInput,
): Promise<{ auditLog: AuditEntryView[]; nextCursor: string | null }> {
  const page = pageQuery('audit-log', shopId, input);
  // This list's positions are `seq` numbers (store/audit).
  if (page.after && !/^\d{1,18}$/.test(page.after.id))
    throw new DomainError('invalid_request', "cursor is not one this list gave out; pass the previous page's nextCursor unchanged");
  if (input.action !== undefined && !ACTION.test(input.action)) {
    throw new DomainError('invalid_request', 'action is an action name such as offer.updated (see docs/api.md "Audit log")');
  }
  const filter = {
    ...(input.targetId !== undefined ? { targetId: input.targetId } : {}),
    ...(input.action !== undefined ? { action: input.action } : {}),
  };
  const rows = await listAuditRows(db, shopId, filter, { limit: page.limit + 1, after: page.after });
  const shown = pageOf(
    'audit-log',
    shopId,
    rows.map((row) => ({ ...row, id: String(row.seq), entryId: row.id })),
    page.limit,
  );
  return { auditLog: shown.rows.map(entryView), nextCursor: shown.nextCursor };
}
