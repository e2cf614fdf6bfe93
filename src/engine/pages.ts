/**
 * The merchant's paged lists (`GET /v1/orders`, `GET /v1/upsells`, `GET /v1/offers` with a `limit`, …): the page size, the opaque cursor and
 * the time filters, checked here so a bad value is a `400 invalid_request` before any query runs.
 *
 * A cursor is the position of a page's last row (store/pages), with the list's name and a tag of the
 * shop, base64url-encoded JSON. It is opaque to clients but not secret: a merchant who forges one only
 * moves through their own shop's rows. Another list's or another shop's cursor is refused rather than
 * read as a position somewhere else.
 */
import { hashSecret } from '../core/clock';
import { DomainError } from '../core/errors';
import type { PagePosition, PageQuery } from '../store/pages';

export type ListName = 'orders' | 'upsells' | 'audit-log' | 'webhook-events' | 'offers';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** A position's time as `positionOf` writes it, to the microsecond. */
const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface CursorBody {
  readonly l: ListName;
  /** A tag of the shop (not its id): a cursor read by another shop's key is refused. */
  readonly s: string;
  readonly t: string;
  readonly i: string;
  /** The rank of a list ordered by rank first (the offers' priority). */
  readonly r?: number;
}

const shopTag = (shopId: string) => hashSecret(`cursor:${shopId}`).slice(0, 16);

export function encodeCursor(list: ListName, shopId: string, position: PagePosition): string {
  const body: CursorBody = {
    l: list,
    s: shopTag(shopId),
    t: position.createdAt,
    i: position.id,
    ...(position.rank !== undefined ? { r: position.rank } : {}),
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function invalidCursor(): DomainError {
  return new DomainError('invalid_request', "cursor is not one this list gave out; pass the previous page's nextCursor unchanged");
}

function isCursorBody(value: unknown): value is CursorBody {
  if (typeof value !== 'object' || value === null) return false;
  const { l, s, t, i, r } = value as Record<string, unknown>;
  return (
    typeof l === 'string' && typeof s === 'string' && typeof t === 'string' && typeof i === 'string' && (r === undefined || Number.isSafeInteger(r))
  );
}

export function decodeCursor(list: ListName, shopId: string, cursor: string): PagePosition {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!isCursorBody(body) || body.l !== list || body.s !== shopTag(shopId)) throw invalidCursor();
  if (!POSITION_TIME.test(body.t) || Number.isNaN(Date.parse(body.t)) || body.i.length === 0 || body.i.length > 200) throw invalidCursor();
  return { createdAt: body.t, id: body.i, ...(body.r !== undefined ? { rank: body.r } : {}) };
}

/** `?limit` (1–100, default 25) and `?cursor`, as a page to read. */
export function pageQuery(list: ListName, shopId: string, query: { limit?: string; cursor?: string }): PageQuery {
  const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new DomainError('invalid_request', `limit is a whole number from 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`);
  }
  return { limit, after: query.cursor === undefined ? null : decodeCursor(list, shopId, query.cursor) };
}

/**
 * The page's rows and the cursor of the next page. The store was asked for one row more than `limit`:
 * when it came, there is a next page, which starts after the last row shown.
 */
export function pageOf<T extends { id: string; position_at: string; position_rank?: number }>(
  list: ListName,
  shopId: string,
  rows: readonly T[],
  limit: number,
): { rows: readonly T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const position = last && { createdAt: last.position_at, id: last.id, ...(last.position_rank !== undefined ? { rank: last.position_rank } : {}) };
  return { rows: shown, nextCursor: position ? encodeCursor(list, shopId, position) : null };
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO 8601 UTC day (`2026-11-01`, its midnight UTC) or date-time with `Z` or an offset
 * (`2026-11-01T09:30:00+01:00`): a real calendar day and time, from 1970 on.
 */
export function parseInstant(text: string, name: string): Date {
  const match = INSTANT.exec(text);
  const refuse = () => new DomainError('invalid_request', `${name} is an ISO 8601 day or date-time with Z or an offset, e.g. 2026-11-01T00:00:00Z`);
  if (!match) throw refuse();
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const realDay = calendar.toISOString().slice(0, 10) === `${year}-${month}-${day}`;
  if (!realDay || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 || Number(year) < 1970) throw refuse();
  const time = Date.parse(match[4] === undefined ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) throw refuse();
  return new Date(time);
}

/** `?createdFrom` (inclusive) and `?createdTo` (exclusive); the range may not end before it starts. */
export function createdRange(query: { createdFrom?: string; createdTo?: string }): { createdFrom?: Date; createdTo?: Date } {
  const createdFrom = query.createdFrom === undefined ? undefined : parseInstant(query.createdFrom, 'createdFrom');
  const createdTo = query.createdTo === undefined ? undefined : parseInstant(query.createdTo, 'createdTo');
  if (createdFrom && createdTo && createdFrom > createdTo) throw new DomainError('invalid_request', 'createdFrom is after createdTo');
  return { ...(createdFrom ? { createdFrom } : {}), ...(createdTo ? { createdTo } : {}) };
}
