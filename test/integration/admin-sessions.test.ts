/**
 * The admin's sessions in PostgreSQL, through HTTP: two Plusone nodes (`createService`, as `npm start`
 * builds it) over one database and one `PLUSONE_SECRET_KEY`, on one injected clock. A session made on one
 * node works on the other and after a restart; a sign-out, an expiry, the per-shop cap and a revoked key
 * end it everywhere; the table holds neither the cookie's value nor the key in clear.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/clock';
import { adminSessionOptions, type App } from '../../src/runtime';
import { injectClient } from '../../src/web/api-client';
import { adminRoutes } from '../../src/web/admin/routes';
import { SESSION_CACHE_MS } from '../../src/web/admin/sessions';
import { buildTestApp, call, createShop, FakeClock, type Shop, type TestApp } from '../support/app';

const SECRET_KEY = 'admin-sessions-test-secret-key-0123456789';
const clock = new FakeClock();
const nodes: TestApp[] = [];
let a: TestApp;
let b: TestApp;
let shop: Shop;

async function node(): Promise<TestApp> {
  const built = await buildTestApp({ clock, secretKey: SECRET_KEY });
  nodes.push(built);
  return built;
}

beforeAll(async () => {
  a = await node();
  b = await node();
  shop = await createShop(a.app, { name: 'Session shop' });
});

async function stop(built: TestApp): Promise<void> {
  nodes.splice(nodes.indexOf(built), 1);
  await built.close();
}

afterAll(async () => {
  for (const built of nodes) await built.close();
});

function setCookie(response: { headers: Record<string, unknown> }, name: string): string | null {
  const header = [response.headers['set-cookie'] ?? []]
    .flat()
    .map(String)
    .find((value) => value.startsWith(`${name}=`));
  return header ? (header.split(';')[0] ?? null) : null;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

function get(app: App, url: string, cookie: string) {
  return app.inject({ method: 'GET', url, headers: { cookie } });
}

function post(app: App, url: string, fields: Record<string, string>, cookie: string) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams(fields).toString(),
  });
}

interface Session {
  /** `plusone_admin=<id>`, as the browser sends it back. */
  cookie: string;
  id: string;
  csrf: string;
}

async function signIn(app: App, key: string, previous?: Session): Promise<Session> {
  const form = await app.inject({ method: 'GET', url: '/admin' });
  const cookies = [setCookie(form, 'plusone_admin_signin'), previous?.cookie].filter(Boolean).join('; ');
  const response = await post(app, '/admin/sign-in', { csrf: csrfOf(form.body), secretKey: key }, cookies);
  expect(response.statusCode).toBe(303);
  const cookie = setCookie(response, 'plusone_admin');
  if (!cookie) throw new Error('no session cookie');
  const page = await get(app, '/admin/offers', cookie);
  expect(page.statusCode).toBe(200);
  return { cookie, id: cookie.slice('plusone_admin='.length), csrf: csrfOf(page.body) };
}

/** Whether the session opens a shop page on this node (a redirect to sign-in means it has ended). */
async function opens(app: App, session: Session): Promise<boolean> {
  const page = await get(app, '/admin/offers', session.cookie);
  if (page.statusCode === 303 && page.headers.location === '/admin') return false;
  expect(page.statusCode).toBe(200);
  return true;
}

function rowOf(t: TestApp, session: Session) {
  return t.database.db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', hashSecret(session.id)).executeTakeFirst();
}

describe('admin sessions › shared by every node', () => {
  it('works on another node, and after a restart on the same database', async () => {
    const session = await signIn(a.app, shop.secretKey);
    const page = await get(b.app, '/admin/offers', session.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Session shop');
    expect(csrfOf(page.body)).toBe(session.csrf);

    // A restart: the node that made the session stops, a new process starts on the same database.
    const first = await node();
    const made = await signIn(first.app, shop.secretKey);
    await stop(first);
    const again = await node();
    expect(await opens(again.app, made)).toBe(true);
    expect(await opens(again.app, session)).toBe(true);
    // Its form token works there too: a post is accepted, not refused as forged.
    const out = await post(again.app, '/admin/sign-out', { csrf: session.csrf }, session.cookie);
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/admin?signedOut=1');
    expect(await rowOf(a, session)).toBeUndefined();
  });

  it('ends on every node at Sign out on one, within a few seconds', async () => {
    const session = await signIn(a.app, shop.secretKey);
    expect(await opens(b.app, session)).toBe(true);
    expect((await post(a.app, '/admin/sign-out', { csrf: session.csrf }, session.cookie)).statusCode).toBe(303);
    expect(await opens(a.app, session)).toBe(false);
    clock.advance(SESSION_CACHE_MS / 1000);
    expect(await opens(b.app, session)).toBe(false);
    const late = await post(b.app, '/admin/offers', { csrf: session.csrf, name: 'Late' }, session.cookie);
    expect(late.statusCode).toBe(403);
    expect(late.body).toContain('Your session has ended');
  });

  it('ends the browser’s previous session when it signs in again, on any node', async () => {
    const first = await signIn(a.app, shop.secretKey);
    const second = await signIn(b.app, shop.secretKey, first);
    expect(second.id).not.toBe(first.id);
    expect(await rowOf(a, first)).toBeUndefined();
    clock.advance(SESSION_CACHE_MS / 1000);
    expect(await opens(a.app, first)).toBe(false);
    expect(await opens(a.app, second)).toBe(true);
  });

  it('ends on every node when its key is revoked', async () => {
    const made = (await call(a.app, 'POST', '/v1/api-keys', shop.secretKey)).json();
    const session = await signIn(a.app, made.secretKey);
    expect(await opens(b.app, session)).toBe(true);
    // Revoked through node A's API, which refuses the key at once (other nodes' API within a second: docs/api.md).
    expect((await call(a.app, 'DELETE', `/v1/api-keys/${made.apiKey.id}`, shop.secretKey)).statusCode).toBe(200);
    const page = await get(a.app, '/admin/offers', session.cookie);
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('Your secret key no longer works');
    expect(await rowOf(a, session)).toBeUndefined();
    clock.advance(SESSION_CACHE_MS / 1000);
    expect(await opens(b.app, session)).toBe(false);
  });
});

describe('admin sessions › deadlines on the injected clock', () => {
  it('lasts 8 hours however active across nodes, then ends', async () => {
    const session = await signIn(a.app, shop.secretKey);
    for (let minutes = 50; minutes < 8 * 60; minutes += 50) {
      clock.advance(50 * 60);
      expect(await opens(minutes % 100 === 0 ? a.app : b.app, session)).toBe(true);
    }
    clock.advance(31 * 60);
    expect(await opens(b.app, session)).toBe(false);
    expect(await opens(a.app, session)).toBe(false);
  });

  it('ends after an idle hour, the idle deadline moved by whichever node served the last page', async () => {
    const session = await signIn(a.app, shop.secretKey);
    clock.advance(40 * 60);
    expect(await opens(b.app, session)).toBe(true);
    clock.advance(40 * 60);
    // 80 minutes after sign-in, 40 after the last page (served by the other node).
    expect(await opens(a.app, session)).toBe(true);
    clock.advance(61 * 60);
    expect(await opens(b.app, session)).toBe(false);
    expect(await opens(a.app, session)).toBe(false);
  });

  it('writes the idle deadline at most once a minute however many pages are served', async () => {
    const session = await signIn(a.app, shop.secretKey);
    const before = (await rowOf(a, session))?.idle_until.getTime();
    for (let page = 0; page < 5; page += 1) {
      clock.advance(10);
      expect(await opens(page % 2 ? a.app : b.app, session)).toBe(true);
    }
    expect((await rowOf(a, session))?.idle_until.getTime()).toBe(before);
    clock.advance(20);
    expect(await opens(b.app, session)).toBe(true);
    expect((await rowOf(a, session))?.idle_until.getTime()).toBe(clock.now().getTime() + 60 * 60 * 1000);
  });

  it('purges dead sessions at the next sign-in', async () => {
    const session = await signIn(a.app, shop.secretKey);
    clock.advance(61 * 60);
    expect(await rowOf(a, session)).toBeDefined();
    await signIn(b.app, shop.secretKey);
    expect(await rowOf(a, session)).toBeUndefined();
  });
});

describe('admin sessions › the table', () => {
  it('holds the hash of the cookie’s value, and the key and form token only sealed', async () => {
    const session = await signIn(a.app, shop.secretKey);
    const row = await rowOf(a, session);
    expect(row).toMatchObject({ shop_id: shop.id, shop_name: 'Session shop', id_hash: hashSecret(session.id) });
    const everything = JSON.stringify(await a.database.db.selectFrom('admin_sessions').selectAll().execute());
    expect(everything).not.toContain(session.id);
    expect(everything).not.toContain(shop.secretKey);
    expect(everything).not.toContain(session.csrf);
    expect(row?.secret_key_sealed).toMatch(/^v1\./);
    expect(row?.csrf_token_sealed).toMatch(/^v1\./);
  });

  it('keeps at most the cap of live sessions per shop, ending that shop’s oldest only', async () => {
    const capped = Fastify();
    await capped.register(adminRoutes, { api: injectClient(a.app), ...adminSessionOptions(a.ctx), now: () => clock.now(), maxSessionsPerShop: 3 });
    await capped.ready();
    try {
      const own = await createShop(a.app, { name: 'Capped shop' });
      const neighbour = await createShop(a.app, { name: 'Neighbour shop' });
      const theirs = await signIn(capped, neighbour.secretKey);
      const sessions: Session[] = [];
      for (let count = 0; count < 4; count += 1) sessions.push(await signIn(capped, own.secretKey));
      const live = await a.database.db.selectFrom('admin_sessions').select('id_hash').where('shop_id', '=', own.id).execute();
      expect(live.map((row) => row.id_hash).sort()).toEqual(
        sessions
          .slice(1)
          .map((session) => hashSecret(session.id))
          .sort(),
      );
      clock.advance(SESSION_CACHE_MS / 1000);
      expect(await opens(capped, sessions[0] as Session)).toBe(false);
      for (const session of sessions.slice(1)) expect(await opens(capped, session)).toBe(true);
      expect(await opens(capped, theirs)).toBe(true);
    } finally {
      await capped.close();
    }
  });
});
