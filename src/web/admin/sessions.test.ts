import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../core/secret-box';
import { AdminSessions, type AdminSessionStore, type SessionOptions, type StoredAdminSession } from './sessions';

const shop = { id: 'shop_1', name: 'Shop' };
const box = new SecretBox('a-test-secret-key-of-at-least-32-characters');

/** The table as a map, counting the calls the admin makes to it. */
class MemoryStore implements AdminSessionStore {
  readonly rows = new Map<string, StoredAdminSession>();
  readonly calls = { find: 0, moveIdle: 0 };

  async create(session: StoredAdminSession): Promise<void> {
    this.rows.set(session.idHash, session);
  }

  async find(idHash: string): Promise<StoredAdminSession | undefined> {
    this.calls.find += 1;
    return this.rows.get(idHash);
  }

  async moveIdle(idHash: string, idleUntil: Date): Promise<boolean> {
    this.calls.moveIdle += 1;
    const row = this.rows.get(idHash);
    if (!row) return false;
    this.rows.set(idHash, { ...row, idleUntil: new Date(Math.max(row.idleUntil.getTime(), idleUntil.getTime())) });
    return true;
  }

  async end(idHash: string): Promise<void> {
    this.rows.delete(idHash);
  }

  async purge(): Promise<number> {
    return 0;
  }
}

function sessionsAt(clock: { now: number }, options: Partial<SessionOptions> = {}) {
  const store = new MemoryStore();
  const sessions = new AdminSessions({ store, box, now: () => new Date(clock.now), ttlMs: 8 * 60 * 60_000, ...options });
  return { store, sessions };
}

describe('admin sessions', () => {
  it('gives each session its own random id and form token', async () => {
    const { sessions } = sessionsAt({ now: 0 });
    const a = await sessions.create(shop, 'sk_1');
    const b = await sessions.create(shop, 'sk_1');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(a.csrfToken).not.toBe(a.id);
  });

  it('stores neither the id, the key nor the form token in clear', async () => {
    const { store, sessions } = sessionsAt({ now: 0 });
    const session = await sessions.create(shop, 'sk_live_secret');
    const stored = JSON.stringify([...store.rows.entries()]);
    for (const secret of [session.id, session.secretKey, session.csrfToken]) expect(stored).not.toContain(secret);
    expect([...store.rows.values()][0]).toMatchObject({ shopId: 'shop_1', shopName: 'Shop' });
  });

  it('reads a session another node created, with its key and form token', async () => {
    const clock = { now: 0 };
    const { store, sessions } = sessionsAt(clock);
    const session = await sessions.create(shop, 'sk_1');
    const other = new AdminSessions({ store, box, now: () => new Date(clock.now), ttlMs: 60 * 60_000 });
    expect(await other.find(session.id)).toMatchObject({ shopId: 'shop_1', secretKey: 'sk_1', csrfToken: session.csrfToken });
  });

  it('ends at its lifetime even when active, and after being idle', async () => {
    const clock = { now: 0 };
    const { sessions } = sessionsAt(clock, { ttlMs: 10 * 60_000, idleMs: 4 * 60_000 });
    const session = await sessions.create(shop, 'sk_1');
    for (clock.now = 3 * 60_000; clock.now < 10 * 60_000; clock.now += 3 * 60_000) expect(await sessions.find(session.id)).not.toBeNull();
    clock.now = 10 * 60_000;
    expect(await sessions.find(session.id)).toBeNull();
    const idle = await sessions.create(shop, 'sk_1');
    clock.now += 4 * 60_000;
    expect(await sessions.find(idle.id)).toBeNull();
  });
});

describe('admin sessions › reading the store', () => {
  it('moves the idle deadline in the store at most once a minute', async () => {
    const clock = { now: 0 };
    const { store, sessions } = sessionsAt(clock);
    const session = await sessions.create(shop, 'sk_1');
    for (clock.now = 0; clock.now < 5 * 60_000; clock.now += 1_000) expect(await sessions.find(session.id)).not.toBeNull();
    expect(store.calls.moveIdle).toBe(4);
    expect([...store.rows.values()][0]?.idleUntil.getTime()).toBe(4 * 60_000 + 60 * 60_000);
  });

  it('reads the store again after a few seconds, so a sign-out on another node ends it here', async () => {
    const clock = { now: 0 };
    const { store, sessions } = sessionsAt(clock, { cacheMs: 5_000 });
    const session = await sessions.create(shop, 'sk_1');
    const elsewhere = new AdminSessions({ store, box, now: () => new Date(clock.now), ttlMs: 60 * 60_000 });
    clock.now = 1_000;
    expect(await sessions.find(session.id)).not.toBeNull();
    expect(store.calls.find).toBe(0);
    await elsewhere.end(session.id);
    clock.now = 4_999;
    expect(await sessions.find(session.id)).not.toBeNull();
    clock.now = 5_000;
    expect(await sessions.find(session.id)).toBeNull();
  });

  it('ends a session sealed with another secret key', async () => {
    const clock = { now: 0 };
    const { store, sessions } = sessionsAt(clock);
    const session = await sessions.create(shop, 'sk_1');
    const rotated = new AdminSessions({
      store,
      box: new SecretBox('another-secret-key-of-at-least-32-chars'),
      now: () => new Date(0),
      ttlMs: 60_000,
    });
    expect(await rotated.find(session.id)).toBeNull();
    expect(store.rows.size).toBe(0);
  });

  it('ignores ids not shaped like one it issued, without reading the store', async () => {
    const { store, sessions } = sessionsAt({ now: 0 });
    expect(await sessions.find(undefined)).toBeNull();
    expect(await sessions.find('')).toBeNull();
    expect(await sessions.find('x'.repeat(1000))).toBeNull();
    expect(store.calls.find).toBe(0);
  });
});
