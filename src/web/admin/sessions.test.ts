import { describe, expect, it } from 'vitest';
import { AdminSessions } from './sessions';

const shop = { id: 'shop_1', name: 'Shop' };

describe('admin sessions', () => {
  it('keeps at most the configured number, evicting the oldest', () => {
    const sessions = new AdminSessions({ now: () => new Date(0), ttlMs: 60_000, maxSessions: 2 });
    const first = sessions.create(shop, 'sk_1');
    const second = sessions.create(shop, 'sk_2');
    const third = sessions.create(shop, 'sk_3');
    expect(sessions.size).toBe(2);
    expect(sessions.find(first.id)).toBeNull();
    expect(sessions.find(second.id)?.secretKey).toBe('sk_2');
    expect(sessions.find(third.id)?.secretKey).toBe('sk_3');
  });

  it('gives each session its own random id and form token', () => {
    const sessions = new AdminSessions({ now: () => new Date(0), ttlMs: 60_000 });
    const a = sessions.create(shop, 'sk_1');
    const b = sessions.create(shop, 'sk_1');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(a.csrfToken).not.toBe(a.id);
  });

  it('ends at its lifetime even when active, and after being idle', () => {
    let now = 0;
    const sessions = new AdminSessions({ now: () => new Date(now), ttlMs: 10_000, idleMs: 4_000 });
    const session = sessions.create(shop, 'sk_1');
    for (now = 3_000; now < 10_000; now += 3_000) expect(sessions.find(session.id)).not.toBeNull();
    now = 10_000;
    expect(sessions.find(session.id)).toBeNull();
    const idle = sessions.create(shop, 'sk_1');
    now += 4_000;
    expect(sessions.find(idle.id)).toBeNull();
  });

  it('ignores ids not shaped like one it issued', () => {
    const sessions = new AdminSessions({ now: () => new Date(0), ttlMs: 60_000 });
    expect(sessions.find(undefined)).toBeNull();
    expect(sessions.find('')).toBeNull();
    expect(sessions.find('x'.repeat(1000))).toBeNull();
  });
});
