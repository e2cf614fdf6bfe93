/**
 * Keyset pages of the merchant's lists (orders, upsells): newest first on `(created_at, id)`, the page
 * after a position being the rows strictly below it in that order. No OFFSET: a row inserted while a
 * merchant pages (always newer than the pages already read, or at worst beside them) never shifts the
 * later pages, so no row is shown twice or skipped.
 */
import { sql } from 'kysely';

/**
 * Where a page ends: the last row's `created_at` as exact UTC text (microseconds) and its id, and for a
 * list ranked before its time (the offers, highest priority first) the last row's rank.
 */
export interface PagePosition {
  readonly createdAt: string;
  readonly id: string;
  readonly rank?: number;
}

/** A page to read: at most `limit` rows after `after` (the first page without it). */
export interface PageQuery {
  readonly limit: number;
  readonly after: PagePosition | null;
}

/** `created_at` as `2026-11-22T12:00:00.123456Z`: PostgreSQL keeps microseconds, a JS Date would drop them. */
export function positionOf(createdAt: string) {
  return sql<string>`to_char(${sql.ref(createdAt)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The rows after `position` in the order `created_at DESC, id DESC`. */
export function after(createdAt: string, id: string, position: PagePosition) {
  return sql<boolean>`(${sql.ref(createdAt)}, ${sql.ref(id)}) < (${position.createdAt}::timestamptz, ${position.id}::text)`;
}

/** `text` as a LIKE prefix pattern: its own `%`, `_` and `\` match themselves. */
export function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
