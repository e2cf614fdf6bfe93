import { describe, expect, it } from 'vitest';
import { DomainError } from '../core/errors';
import { createdRange, decodeCursor, encodeCursor, pageOf, pageQuery, parseInstant } from './pages';

const position = { createdAt: '2026-11-22T12:00:00.123456Z', id: 'ord_abc' };

describe('cursor', () => {
  it('reads back the position it was made from, for the same list and shop', () => {
    const cursor = encodeCursor('orders', 'shop_a', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('orders', 'shop_a', cursor)).toEqual(position);
  });

  it("refuses another shop's, another list's and malformed cursors as invalid_request", () => {
    const cursor = encodeCursor('orders', 'shop_a', position);
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const [list, shop, text] of [
      ['orders', 'shop_b', cursor],
      ['upsells', 'shop_a', cursor],
      ['orders', 'shop_a', 'garbage'],
      ['orders', 'shop_a', forged(null)],
      ['orders', 'shop_a', forged({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString()), t: '2026-11-22T12:00:00Z' })],
    ] as const) {
      expect(() => decodeCursor(list, shop, text)).toThrow(DomainError);
    }
  });
});

describe('pageQuery and pageOf', () => {
  it('takes 25 by default and 1–100 whole numbers only', () => {
    expect(pageQuery('orders', 'shop_a', {})).toEqual({ limit: 25, after: null });
    expect(pageQuery('orders', 'shop_a', { limit: '100' }).limit).toBe(100);
    for (const limit of ['0', '101', '', '1e2', '-3', '007x']) expect(() => pageQuery('orders', 'shop_a', { limit })).toThrow(DomainError);
  });

  it('gives a next cursor only when the store found a row beyond the page', () => {
    const rows = ['a', 'b', 'c'].map((id) => ({ id, position_at: position.createdAt }));
    expect(pageOf('orders', 'shop_a', rows, 3)).toEqual({ rows, nextCursor: null });
    const page = pageOf('orders', 'shop_a', rows, 2);
    expect(page.rows.map((row) => row.id)).toEqual(['a', 'b']);
    expect(decodeCursor('orders', 'shop_a', page.nextCursor ?? '')).toEqual({ createdAt: position.createdAt, id: 'b' });
  });
});

describe('parseInstant', () => {
  it('reads UTC days and date-times with Z or an offset', () => {
    expect(parseInstant('2026-11-01', 'x').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseInstant('2026-11-01T09:30:00+01:00', 'x').toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(parseInstant('2026-11-01T09:30Z', 'x').toISOString()).toBe('2026-11-01T09:30:00.000Z');
    expect(parseInstant('2026-11-01T09:30:00.123456Z', 'x').toISOString()).toBe('2026-11-01T09:30:00.123Z');
  });

  it('refuses days that do not exist, times without a zone, and years before 1970', () => {
    for (const text of ['2026-02-30', '2026-13-01', '2026-11-01T24:00:00Z', '2026-11-01T09:30:00', '1969-12-31', 'now', '2026-11-01T09:60Z']) {
      expect(() => parseInstant(text, 'createdFrom'), text).toThrow(DomainError);
    }
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => createdRange({ createdFrom: '2026-11-02', createdTo: '2026-11-01' })).toThrow(DomainError);
    expect(createdRange({ createdFrom: '2026-11-01' })).toEqual({ createdFrom: new Date('2026-11-01T00:00:00Z') });
  });
});
