/**
 * The merchant admin (`/admin`) through HTTP: sign in with the secret key, the session cookie, CSRF on
 * every post, sign out, expiry on an injected clock, the pages reading the API with the session's key.
 * The admin runs on a Fastify app of its own that calls the suite's API app in process, exactly as
 * `createService` wires it (the `api` option is an `injectClient` of the API).
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSessionOptions, type App } from '../../src/runtime';
import { injectClient } from '../../src/web/api-client';
import { adminRoutes } from '../../src/web/admin/routes';
import { assignArm } from '../../src/analytics/experiments/assignment';
import { buildTestApp, call, createOffer, createShop, FakeClock, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder, type OfferShop } from '../support/upsell';

let t: TestApp;
let admin: App;
let shop: OfferShop;
const apps: App[] = [];

async function adminApp(options: { now?: () => Date; sessionTtlMs?: number; trustProxy?: boolean } = {}): Promise<App> {
  const app = Fastify({ trustProxy: options.trustProxy ?? false });
  await app.register(adminRoutes, { api: injectClient(t.app), ...adminSessionOptions(t.ctx), ...options });
  await app.ready();
  apps.push(app);
  return app;
}

beforeAll(async () => {
  t = await buildTestApp();
  shop = await offerShop(t.app);
  admin = await adminApp();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await t?.close();
});

function attribute(html: string, pattern: RegExp): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`${pattern} not found`);
  return match[1];
}

const csrfOf = (html: string) => attribute(html, /name="csrf" value="([^"]+)"/);

function setCookies(response: { headers: Record<string, unknown> }): string[] {
  return [response.headers['set-cookie'] ?? []].flat().map(String);
}

function cookieValue(response: { headers: Record<string, unknown> }, name: string): string | null {
  const header = setCookies(response).find((value) => value.startsWith(`${name}=`));
  return header ? (header.split(';')[0] ?? null) : null;
}

function post(app: App, url: string, fields: Record<string, string>, cookie: string | null, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

function get(app: App, url: string, cookie: string | null) {
  return app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

/** The sign-in form as one browser got it: its pre-session cookie and the form token. */
async function signInForm(app: App) {
  const page = await get(app, '/admin', null);
  expect(page.statusCode).toBe(200);
  return { cookie: cookieValue(page, 'plusone_admin_signin') ?? '', csrf: csrfOf(page.body) };
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string, app: App = admin): Promise<Session> {
  const form = await signInForm(app);
  const response = await post(app, '/admin/sign-in', { csrf: form.csrf, secretKey: key }, form.cookie);
  expect(response.statusCode).toBe(303);
  const cookie = cookieValue(response, 'plusone_admin');
  if (!cookie) throw new Error('no session cookie');
  const offers = await get(app, '/admin/offers', cookie);
  return { cookie, csrf: csrfOf(offers.body) };
}

async function offerNames(key: string): Promise<string[]> {
  return (await call(t.app, 'GET', '/v1/offers', key)).json().offers.map((offer: { name: string }) => offer.name);
}

describe('admin › sign in', () => {
  it('asks for the secret key in a labelled field with a Sign in button', async () => {
    const page = await get(admin, '/admin', null);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+'; style-src 'nonce-/);
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.body).toContain('<label for="secret-key">Secret key</label>');
    expect(page.body).toMatch(/<input id="secret-key" name="secretKey" type="password"/);
    expect(page.body).toContain('<button type="submit" class="button">Sign in</button>');
    expect(page.body).toContain('<main id="main"');
    expect(page.body).not.toContain('aria-label="Admin"');
  });

  it('signs in with a good key: a session cookie that is HttpOnly, SameSite=Strict and scoped to /admin, holding only an id', async () => {
    const form = await signInForm(admin);
    const response = await post(admin, '/admin/sign-in', { csrf: form.csrf, secretKey: shop.shop.secretKey }, form.cookie);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin/overview');
    const header = setCookies(response).find((value) => value.startsWith('plusone_admin='));
    expect(header).toMatch(/^plusone_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Strict$/);
    expect(header).not.toContain(shop.shop.secretKey);
    const overview = await get(admin, '/admin/overview', cookieValue(response, 'plusone_admin'));
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('One-click shop');
    for (const name of ['Overview', 'Offers', 'Experiments', 'Orders', 'Settings']) expect(overview.body).toContain(`>${name}</a>`);
    expect(overview.body).toContain('<a href="/admin/overview" aria-current="page">Overview</a>');
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const proxied = await adminApp({ trustProxy: true });
    const page = await proxied.inject({ method: 'GET', url: '/admin', headers: { 'x-forwarded-proto': 'https' } });
    const cookie = cookieValue(page, 'plusone_admin_signin');
    const response = await post(proxied, '/admin/sign-in', { csrf: csrfOf(page.body), secretKey: shop.shop.secretKey }, cookie, {
      'x-forwarded-proto': 'https',
    });
    expect(response.statusCode).toBe(303);
    expect(setCookies(response).find((value) => value.startsWith('plusone_admin='))).toContain('; Secure');
  });

  it('refuses a bad key with one message that never says whether a shop exists', async () => {
    for (const key of ['sk_not-a-key', `sk_${'A'.repeat(43)}`, 'hello there']) {
      const form = await signInForm(admin);
      const response = await post(admin, '/admin/sign-in', { csrf: form.csrf, secretKey: key }, form.cookie);
      expect(response.statusCode).toBe(401);
      expect(response.body).toContain('That key is not valid.');
      expect(cookieValue(response, 'plusone_admin')).toBeNull();
    }
  });

  it('refuses a sign-in post without its form token', async () => {
    const form = await signInForm(admin);
    const missing = await post(admin, '/admin/sign-in', { secretKey: shop.shop.secretKey }, form.cookie);
    expect(missing.statusCode).toBe(403);
    expect(cookieValue(missing, 'plusone_admin')).toBeNull();
    const noCookie = await post(admin, '/admin/sign-in', { csrf: form.csrf, secretKey: shop.shop.secretKey }, null);
    expect(noCookie.statusCode).toBe(403);
  });

  it('limits failed sign-ins per address', async () => {
    const clock = new FakeClock();
    const limited = await adminApp({ now: () => clock.now() });
    const form = await signInForm(limited);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await post(limited, '/admin/sign-in', { csrf: form.csrf, secretKey: 'sk_wrong' }, form.cookie)).statusCode).toBe(401);
    }
    const blocked = await post(limited, '/admin/sign-in', { csrf: form.csrf, secretKey: shop.shop.secretKey }, form.cookie);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toContain('Too many failed sign-ins');
    clock.advance(15 * 60);
    expect((await post(limited, '/admin/sign-in', { csrf: form.csrf, secretKey: shop.shop.secretKey }, form.cookie)).statusCode).toBe(303);
  });
});

describe('admin › session', () => {
  it('sends a visitor without a session back to sign in', async () => {
    for (const page of ['/admin/overview', '/admin/offers', '/admin/orders', '/admin/settings']) {
      const response = await get(admin, page, 'plusone_admin=nope');
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/admin');
    }
  });

  it('ends the session on Sign out: the old cookie leads back to sign in', async () => {
    const session = await signIn(shop.shop.secretKey);
    const out = await post(admin, '/admin/sign-out', { csrf: session.csrf }, session.cookie);
    expect(out.statusCode).toBe(303);
    expect(setCookies(out).find((value) => value.startsWith('plusone_admin='))).toMatch(/^plusone_admin=;.*Expires=Thu, 01 Jan 1970/);
    const after = await get(admin, '/admin/offers', session.cookie);
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/admin');
  });

  it('ends the session when its key is revoked', async () => {
    const made = await call(t.app, 'POST', '/v1/api-keys', shop.shop.secretKey);
    expect(made.statusCode).toBe(201);
    const session = await signIn(made.json().secretKey);
    expect((await call(t.app, 'DELETE', `/v1/api-keys/${made.json().apiKey.id}`, shop.shop.secretKey)).statusCode).toBe(200);
    const page = await get(admin, '/admin/offers', session.cookie);
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('Your secret key no longer works');
    expect(page.body).toContain('<label for="secret-key">Secret key</label>');
    expect((await get(admin, '/admin/offers', session.cookie)).headers.location).toBe('/admin');
  });

  it('expires after its lifetime and after an idle hour, on the injected clock', async () => {
    const clock = new FakeClock();
    const timed = await adminApp({ now: () => clock.now(), sessionTtlMs: 2 * 60 * 60 * 1000 });
    const session = await signIn(shop.shop.secretKey, timed);
    clock.advance(50 * 60);
    expect((await get(timed, '/admin/overview', session.cookie)).statusCode).toBe(200);
    clock.advance(50 * 60);
    expect((await get(timed, '/admin/overview', session.cookie)).statusCode).toBe(200);
    clock.advance(21 * 60);
    // 2 h 1 min after sign-in, though it was used 21 minutes ago.
    expect((await get(timed, '/admin/overview', session.cookie)).headers.location).toBe('/admin');

    const idle = await signIn(shop.shop.secretKey, timed);
    clock.advance(61 * 60);
    expect((await get(timed, '/admin/overview', idle.cookie)).headers.location).toBe('/admin');
  });
});

describe('admin › CSRF', () => {
  it('refuses posts without the token, with a wrong one or with another session’s, and changes nothing', async () => {
    const own = await createShop(t.app, { name: 'CSRF shop' });
    await putProduct(t.app, own.secretKey, 'mug', { prices: { USD: 1200 } });
    const offer = await createOffer(t.app, own.secretKey, { name: 'Keep me', variantId: 'mug-v' });
    const session = await signIn(own.secretKey);
    const other = await signIn(shop.shop.secretKey);
    const offerFields = { name: 'Forged offer', variantId: 'mug-v', discount: '10', priority: '1' };
    for (const csrf of [undefined, 'wrong', other.csrf]) {
      const token: Record<string, string> = csrf ? { csrf } : {};
      const created = await post(admin, '/admin/offers', { ...offerFields, ...token }, session.cookie);
      expect(created.statusCode).toBe(403);
      expect(created.body).toContain('This form cannot be sent');
      expect((await post(admin, `/admin/offers/${offer.id}/active`, { active: 'false', ...token }, session.cookie)).statusCode).toBe(403);
      expect((await post(admin, `/admin/offers/${offer.id}/delete`, token, session.cookie)).statusCode).toBe(403);
      expect((await post(admin, '/admin/sign-out', token, session.cookie)).statusCode).toBe(403);
    }
    const cross = await post(admin, '/admin/offers', { ...offerFields, csrf: session.csrf }, session.cookie, { 'sec-fetch-site': 'cross-site' });
    expect(cross.statusCode).toBe(403);
    expect(await offerNames(own.secretKey)).toEqual(['Keep me']);
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, own.secretKey)).json().offer.active).toBe(true);
    // The session survived the forged sign-out.
    expect((await get(admin, '/admin/offers', session.cookie)).statusCode).toBe(200);
  });

  it('refuses a post after the session ended, and does nothing', async () => {
    const session = await signIn(shop.shop.secretKey);
    await post(admin, '/admin/sign-out', { csrf: session.csrf }, session.cookie);
    const response = await post(admin, '/admin/offers', { csrf: session.csrf, name: 'Late', variantId: 'addon-v' }, session.cookie);
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('Your session has ended');
    expect(await offerNames(shop.shop.secretKey)).not.toContain('Late');
  });
});

describe('admin › offers', () => {
  let own: Shop;
  let session: Session;

  beforeAll(async () => {
    own = await createShop(t.app, { name: 'Offer form shop' });
    await putProduct(t.app, own.secretKey, 'beans', { prices: { USD: 1800, EUR: 1700 }, title: 'House Blend', variantId: 'beans-500g' });
    await putProduct(t.app, own.secretKey, 'mug', { prices: { USD: 2200 }, title: 'Travel Mug', variantId: 'mug-black' });
    session = await signIn(own.secretKey);
  });

  it('offers every variant of the catalog in the Product variant list', async () => {
    const page = await get(admin, '/admin/offers/new', session.cookie);
    expect(page.statusCode).toBe(200);
    for (const label of ['Name', 'Product variant', 'Discount', 'Priority'])
      expect(page.body).toMatch(new RegExp(`<label for="offer-\\w+">${label}</label>`));
    expect(page.body).toContain('<select id="offer-variantId" name="variantId" required');
    expect(page.body).toContain('<option value="beans-500g">House Blend — Default (€17.00 · $18.00)</option>');
    expect(page.body).toContain('<option value="mug-black">Travel Mug — Default ($22.00)</option>');
    expect(page.body).toContain('<button type="submit" class="button" name="intent" value="save">Save offer</button>');
  });

  it('creates an offer through the form: it is in GET /v1/offers and listed by name', async () => {
    const response = await post(
      admin,
      '/admin/offers',
      { csrf: session.csrf, name: 'Mug for coffee buyers', variantId: 'mug-black', discount: '12.5', priority: '7' },
      session.cookie,
    );
    expect(response.statusCode).toBe(303);
    const offers = (await call(t.app, 'GET', '/v1/offers', own.secretKey)).json().offers;
    expect(offers).toMatchObject([
      { name: 'Mug for coffee buyers', variantId: 'mug-black', discount: { type: 'percentage', value: 12.5 }, priority: 7, active: true },
    ]);
    const list = await get(admin, String(response.headers.location), session.cookie);
    expect(list.body).toContain('“Mug for coffee buyers” was saved.');
    expect(list.body).toMatch(/<th scope="row"><a href="\/admin\/offers\/off_\w+">Mug for coffee buyers<\/a><\/th>/);
    expect(list.body).toContain('12.5% off');
  });

  it('shows the API’s refusal beside the field and keeps what was typed', async () => {
    const response = await post(
      admin,
      '/admin/offers',
      { csrf: session.csrf, name: 'Free <beans>', variantId: 'beans-500g', discount: '99.999', priority: '3' },
      session.cookie,
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('id="offer-discount-error"');
    expect(response.body).toContain('value="Free &lt;beans&gt;"');
    expect(response.body).toContain('<option value="beans-500g" selected>');
    expect(response.body).toContain('value="99.999"');

    const long = 'N'.repeat(201);
    const refused = await post(
      admin,
      '/admin/offers',
      { csrf: session.csrf, name: long, variantId: 'beans-500g', discount: '10', priority: '0' },
      session.cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('<p class="error" id="offer-name-error">Must not have more than 200 characters.</p>');
    expect(refused.body).toContain('aria-describedby="offer-name-hint offer-name-error"');
    expect(refused.body).not.toContain('body.name');
    expect(await offerNames(own.secretKey)).not.toContain(long);

    const unknown = await post(
      admin,
      '/admin/offers',
      { csrf: session.csrf, name: 'Ghost', variantId: 'no-such-variant', discount: '', priority: '0' },
      session.cookie,
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('id="offer-variantId-error">Variant no-such-variant is not in this shop');
  });

  it('pauses and activates an offer, and deletes it after a confirmation step', async () => {
    const offer = await createOffer(t.app, own.secretKey, { name: 'Short-lived', variantId: 'beans-500g' });
    const paused = await post(admin, `/admin/offers/${offer.id}/active`, { csrf: session.csrf, active: 'false' }, session.cookie);
    expect(paused.statusCode).toBe(303);
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, own.secretKey)).json().offer.active).toBe(false);
    const list = await get(admin, String(paused.headers.location), session.cookie);
    expect(list.body).toContain('“Short-lived” is paused');
    expect(list.body).toContain('Activate<span class="visually-hidden"> Short-lived</span>');
    await post(admin, `/admin/offers/${offer.id}/active`, { csrf: session.csrf, active: 'true' }, session.cookie);
    expect((await call(t.app, 'GET', `/v1/offers/${offer.id}`, own.secretKey)).json().offer.active).toBe(true);

    const confirm = await get(admin, `/admin/offers/${offer.id}/delete`, session.cookie);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Delete “Short-lived”?');
    expect(await offerNames(own.secretKey)).toContain('Short-lived');
    const deleted = await post(admin, `/admin/offers/${offer.id}/delete`, { csrf: session.csrf }, session.cookie);
    expect(deleted.statusCode).toBe(303);
    expect(await offerNames(own.secretKey)).not.toContain('Short-lived');
  });

  it('refuses a form carrying a card number before anything else, and stores nothing', async () => {
    const response = await post(
      admin,
      '/admin/offers',
      { csrf: session.csrf, name: 'Card 4111 1111 1111 1111', variantId: 'mug-black', discount: '', priority: '0' },
      session.cookie,
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Card details are not accepted here');
    expect(response.body).not.toContain('4111');
    expect((await offerNames(own.secretKey)).some((name) => name.startsWith('Card'))).toBe(false);
  });

  it('escapes what merchants typed', async () => {
    await createOffer(t.app, own.secretKey, { name: '<img src=x onerror=alert(1)>', variantId: 'beans-500g' });
    const list = await get(admin, '/admin/offers', session.cookie);
    expect(list.body).not.toContain('<img src=x');
    expect(list.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('admin › orders', () => {
  let session: Session;
  let acceptedId: string;

  beforeAll(async () => {
    session = await signIn(shop.shop.secretKey);
    const order = await paidOrder(t.app, shop);
    acceptedId = order.orderId;
    expect((await accept(t.app, order)).statusCode).toBe(200);
  });

  it('lists orders newest first by externalId, searches by prefix and pages by cursor', async () => {
    const prefix = `adm-${Date.now()}`;
    for (const suffix of ['a', 'b', 'c']) {
      await registerOrder(t.app, shop.shop.secretKey, { externalId: `${prefix}-${suffix}` });
      t.clock.advance(1);
    }
    const found = await get(admin, `/admin/orders?q=${prefix}`, session.cookie);
    expect(found.statusCode).toBe(200);
    const names = [...found.body.matchAll(/<th scope="row"><a href="\/admin\/orders\/ord_\w+">([^<]+)<\/a>/g)].map((match) => match[1]);
    expect(names).toEqual([`${prefix}-c`, `${prefix}-b`, `${prefix}-a`]);
    expect(found.body).toContain(`value="${prefix}"`);

    const all = await get(admin, '/admin/orders', session.cookie);
    expect(all.body.indexOf(`${prefix}-c`)).toBeLessThan(all.body.indexOf(`${prefix}-a`));
    const none = await get(admin, '/admin/orders?q=no-such-order', session.cookie);
    expect(none.body).toContain('No order number starts with “no-such-order”.');
  });

  it('links the next page when there is one', async () => {
    const prefix = `page-${Date.now()}`;
    for (let index = 0; index < 26; index += 1) {
      await registerOrder(t.app, shop.shop.secretKey, { externalId: `${prefix}-${String(index).padStart(2, '0')}` });
      t.clock.advance(1);
    }
    const first = await get(admin, `/admin/orders?q=${prefix}`, session.cookie);
    const next = attribute(first.body, /<a href="([^"]+)" rel="next">Next page<\/a>/).replaceAll('&amp;', '&');
    const second = await get(admin, next, session.cookie);
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain(`${prefix}-00`);
    expect(second.body).not.toContain(`${prefix}-25`);
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain('First page');
  });

  it('shows an order with its lines, why its offer was chosen, and the upsell’s timeline', async () => {
    const page = await get(admin, `/admin/orders/${acceptedId}`, session.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Main product');
    expect(page.body).toContain('Why this offer');
    expect(page.body).toContain('<span class="badge badge--good">Chosen</span>');
    expect(page.body).toContain('Upsell timeline');
    expect(page.body).toMatch(/<strong>pending<\/strong> — by buyer/);
    expect(page.body).toMatch(/<strong>authorized<\/strong>/);
  });

  it('explains why an order got no offer', async () => {
    const registered = await registerOrder(t.app, shop.shop.secretKey, {
      lines: [{ productId: 'addon', variantId: 'addon-v', title: 'Add-on', quantity: 1, unitPrice: 1999 }],
    });
    const page = await get(admin, `/admin/orders/${registered.order.id}`, session.cookie);
    expect(page.body).toContain('Why no offer');
    expect(page.body).toContain('Not eligible');
    expect(page.body).toContain('No upsell');
  });

  it('answers another shop’s order with a 404 page', async () => {
    const other = await offerShop(t.app);
    const theirs = await paidOrder(t.app, other);
    const page = await get(admin, `/admin/orders/${theirs.orderId}`, session.cookie);
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<h1>Not found</h1>');
    expect(page.body).not.toContain('Add-on');
  });
});

describe('admin › overview, experiments, settings', () => {
  it('shows the metrics per currency with a chart and its numbers, and the CSV of the same range', async () => {
    const session = await signIn(shop.shop.secretKey);
    const page = await get(admin, '/admin/overview?from=2026-11-01&to=2026-11-30', session.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<th scope="col" class="num">USD</th>');
    for (const label of ['Offer views', 'Take rate (kept ÷ views)', 'Net upsell revenue', 'Revenue per view']) expect(page.body).toContain(label);
    expect(page.body).toMatch(
      /<svg class="chart" id="revenue-chart" viewBox="[^"]+" role="img" aria-labelledby="revenue-chart-title revenue-chart-desc"/,
    );
    expect(page.body).toContain('Each day with activity, USD');
    expect(page.body).toContain('href="/admin/overview.csv?from=2026-11-01&amp;to=2026-11-30"');
    const csv = await get(admin, '/admin/overview.csv?from=2026-11-01&to=2026-11-30', session.cookie);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="plusone-metrics-2026-11-01-2026-11-30.csv"');
    expect(csv.body.split('\n')[0]).toContain('currency,orders,views');
  });

  it('says what is wrong with a date range instead of showing raw errors', async () => {
    const session = await signIn(shop.shop.secretKey);
    const bad = await get(admin, '/admin/overview?from=2026-13-01&to=2026-11-30', session.cookie);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).not.toContain('"error"');
    const long = await get(admin, '/admin/overview?from=2020-01-01&to=2026-11-30', session.cookie);
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('role="alert"');
  });

  it('shows the AOV lift against the holdout with its interval in words, and says how to measure it when nothing was held out', async () => {
    const setup = await offerShop(t.app);
    const key = setup.shop.secretKey;
    const session = await signIn(key);
    const overview = async () => (await get(admin, '/admin/overview?from=2026-11-01&to=2026-11-30', session.cookie)).body;
    await registerOrder(t.app, key);
    const before = await overview();
    expect(before).toContain('<a href="/admin/experiments/new">Start an experiment with a holdout</a> to measure the real lift.');
    expect(before).not.toContain('Held-out orders');
    expect(before).toContain('AOV lift, assumed (every upsell counted as extra)');

    const created = await call(t.app, 'POST', '/v1/experiments', key, {
      offerId: setup.offerId,
      arms: [{ id: 'a' }, { id: 'b' }],
      holdoutPercent: 50,
    });
    const experiment = { ...created.json().experiment, holdoutBasisPoints: 5000 };
    let serial = 0;
    /** An order of `total` that the experiment holds out or shows the offer, by its external id's hash. */
    const orderIn = async (group: 'holdout' | 'arm', total: number) => {
      let externalId = '';
      do externalId = `holdout-page-${setup.shop.id}-${(serial += 1)}`;
      while (assignArm(experiment, externalId).kind !== group);
      const registered = await registerOrder(t.app, key, { externalId, subtotal: total, shippingTotal: 0, taxTotal: 0, total });
      return { orderId: registered.order.id, token: registered.session.token, offerId: setup.offerId };
    };
    await orderIn('holdout', 5000);
    await orderIn('holdout', 7000);
    expect((await accept(t.app, await orderIn('arm', 6000))).statusCode).toBe(200); // + 19.47 kept
    await orderIn('arm', 6500);
    t.clock.advance(61);
    await t.worker.runOnce();

    const page = await overview();
    // A cell's text as a screen reader reads it (the lift is written on three lines).
    const row = (label: string) => new RegExp(`<th scope="row">${label}</th><td class="num">(.*?)</td>`).exec(page)?.[1]?.replaceAll(' <br>', ' ');
    expect(row('Held-out orders')).toBe('2');
    expect(row('AOV, held out')).toBe('$60.00');
    expect(row('AOV, shown offers')).toBe('$72.24'); // (6,000 + 19.47 + 6,500) ÷ 2, rounded half away from zero
    // 72.235 ÷ 60 − 1, with the delta method's interval on 2 orders a side.
    expect(row('AOV lift against the holdout')).toBe('+20.4\u00a0% (95\u00a0% interval \u221235.7\u00a0% to +76.5\u00a0%)');
    expect(page).toContain('so the lift is measured, not assumed');
    expect(page).not.toContain('Start an experiment with a holdout');
  });

  it('lists experiments with their verdict, and the settings without any secret', async () => {
    const session = await signIn(shop.shop.secretKey);
    const created = await call(t.app, 'POST', '/v1/experiments', shop.shop.secretKey, {
      name: 'Button copy',
      offerId: shop.offerId,
      arms: [{ id: 'control' }, { id: 'short', copy: 'Add it' }],
      holdoutPercent: 10,
    });
    expect(created.statusCode).toBe(201);
    const experiments = await get(admin, '/admin/experiments', session.cookie);
    expect(experiments.body).toContain(`<th scope="row"><a href="/admin/experiments/${created.json().experiment.id}">Button copy</a></th>`);
    expect(experiments.body).toContain('keep running (minimum sample)');
    const settings = await get(admin, '/admin/settings', session.cookie);
    expect(settings.body).toContain('Undo window (seconds)');
    expect(settings.body).toContain('One-click shop');
    expect(settings.body).toContain('Save settings');
    expect(settings.body).not.toContain(shop.shop.secretKey);
  });
});
