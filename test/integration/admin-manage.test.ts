/**
 * The merchant admin's actions through HTTP: refunding a captured upsell (confirmation, one refund however
 * often the form is sent, pending and refused answers), editing an offer in every field and rule with the
 * buyer's widget previewed, duplicating it, and creating, stopping and promoting experiments — each post
 * refused without its form token, with nothing changed. The admin runs on its own Fastify app calling the
 * suite's API app in process, as `createService` wires it.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxFaults, type FaultedOperation, type FaultKind } from '../../src/gateways/sandbox/faults';
import { sandboxStats } from '../../src/gateways/sandbox/sandbox';
import { adminSessionOptions, type App } from '../../src/runtime';
import { injectClient } from '../../src/web/api-client';
import { adminRoutes } from '../../src/web/admin/routes';
import { buildTestApp, call, createOffer, createShop, putProduct, registerOrder, type Shop, type TestApp } from '../support/app';
import { accept, ADDON_TOTAL, offerShop, paidOrder, upsellOf, type OfferShop } from '../support/upsell';

/** Sandbox faults chosen by the test, one call at a time (none unless queued). */
class ScriptedFaults extends SandboxFaults {
  private readonly queued: { operation: FaultedOperation; kind: FaultKind }[] = [];

  constructor() {
    super({ rate: 0, seed: 1 });
  }

  next(operation: FaultedOperation, kind: FaultKind): void {
    this.queued.push({ operation, kind });
  }

  override draw(operation: FaultedOperation): FaultKind | null {
    const index = this.queued.findIndex((fault) => fault.operation === operation);
    if (index < 0) return null;
    return this.queued.splice(index, 1)[0]?.kind ?? null;
  }
}

const faults = new ScriptedFaults();
let t: TestApp;
let admin: App;

beforeAll(async () => {
  t = await buildTestApp({ sandboxFaults: faults });
  admin = Fastify();
  await admin.register(adminRoutes, { api: injectClient(t.app), ...adminSessionOptions(t.ctx), now: () => t.clock.now() });
  await admin.ready();
});

afterAll(async () => {
  await admin?.close();
  await t?.close();
});

function attribute(html: string, pattern: RegExp): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`${pattern} not found`);
  return match[1];
}

const csrfOf = (html: string) => attribute(html, /name="csrf" value="([^"]+)"/);

function cookieValue(response: { headers: Record<string, unknown> }, name: string): string | null {
  const header = [response.headers['set-cookie'] ?? []]
    .flat()
    .map(String)
    .find((value) => value.startsWith(`${name}=`));
  return header ? (header.split(';')[0] ?? null) : null;
}

function post(url: string, fields: Record<string, string | string[]>, cookie: string) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return admin.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, payload: body.toString() });
}

function get(url: string, cookie: string) {
  return admin.inject({ method: 'GET', url, headers: { cookie } });
}

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(key: string): Promise<Session> {
  const page = await admin.inject({ method: 'GET', url: '/admin' });
  const form = cookieValue(page, 'plusone_admin_signin') ?? '';
  const response = await post('/admin/sign-in', { csrf: csrfOf(page.body), secretKey: key }, form);
  expect(response.statusCode).toBe(303);
  const cookie = cookieValue(response, 'plusone_admin') ?? '';
  return { cookie, csrf: csrfOf((await get('/admin/offers', cookie)).body) };
}

/** The forged tokens every post must refuse: none, a wrong one, another session's. */
async function forgedTokens(): Promise<Array<Record<string, string>>> {
  const other = await signIn((await createShop(t.app, { name: 'Someone else' })).secretKey);
  return [{}, { csrf: 'wrong' }, { csrf: other.csrf }];
}

interface Captured {
  setup: OfferShop;
  orderId: string;
  upsellId: string;
  ref: string;
  session: Session;
}

/** An accepted upsell, captured by the worker once its undo window passed, and a session of its shop. */
async function capturedUpsell(): Promise<Captured> {
  const setup = await offerShop(t.app);
  const order = await paidOrder(t.app, setup);
  const upsellId: string = (await accept(t.app, order)).json().upsell.id;
  t.clock.advance(61);
  await t.worker.runOnce();
  const upsell = await upsellOf(t.app, setup.shop, upsellId);
  expect(upsell.state).toBe('captured');
  return { setup, orderId: order.orderId, upsellId, ref: upsell.paymentRef, session: await signIn(setup.shop.secretKey) };
}

/** The refund confirmation's form: its idempotency key. */
async function confirmation(captured: Captured): Promise<string> {
  const page = await get(`/admin/orders/${captured.orderId}/refund`, captured.session.cookie);
  expect(page.statusCode).toBe(200);
  return attribute(page.body, /name="idempotencyKey" value="([^"]+)"/);
}

describe('admin › refund', () => {
  it('offers Refund for a captured upsell, confirms with the amount and the card, and refunds it once confirmed', async () => {
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    expect((await accept(t.app, order)).statusCode).toBe(200);
    const session = await signIn(setup.shop.secretKey);
    // Still in its undo window: authorized, nothing to refund yet.
    expect((await get(`/admin/orders/${order.orderId}`, session.cookie)).body).not.toContain('>Refund</button>');
    expect((await get(`/admin/orders/${order.orderId}/refund`, session.cookie)).statusCode).toBe(409);
    t.clock.advance(61);
    await t.worker.runOnce();

    const page = await get(`/admin/orders/${order.orderId}`, session.cookie);
    expect(page.body).toContain(`<form method="get" action="/admin/orders/${order.orderId}/refund" class="actions">`);
    expect(page.body).toContain('<button type="submit" class="button button--danger">Refund</button>');
    const confirm = await get(`/admin/orders/${order.orderId}/refund`, session.cookie);
    expect(confirm.body).toContain('<h1>Refund $19.47?</h1>');
    expect(confirm.body).toContain('<strong>Visa ending 4242</strong>');
    expect(confirm.body).toContain('<button type="submit" class="button button--danger">Refund $19.47</button>');
    const upsellId = (await call(t.app, 'GET', `/v1/upsells?orderId=${order.orderId}`, setup.shop.secretKey)).json().upsells[0].id;
    expect((await upsellOf(t.app, setup.shop, upsellId)).state).toBe('captured');

    const key = attribute(confirm.body, /name="idempotencyKey" value="([^"]+)"/);
    const done = await post(
      `/admin/orders/${order.orderId}/refund`,
      { csrf: session.csrf, idempotencyKey: key, reason: 'Arrived damaged' },
      session.cookie,
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/admin/orders/${order.orderId}?refunded=1`);
    const upsell = await upsellOf(t.app, setup.shop, upsellId);
    expect(upsell.state).toBe('refunded');
    expect(upsell.events.at(-1)).toMatchObject({ type: 'refunded', actor: 'merchant', reason: 'Arrived damaged' });
    expect(await sandboxStats(t.database.db, upsell.paymentRef)).toMatchObject({ status: 'refunded', refunds: 1, refundedAmount: ADDON_TOTAL });
    const after = await get(String(done.headers.location), session.cookie);
    expect(after.body).toContain('Refunded: $19.47 goes back to the buyer’s Visa ending 4242.');
    expect(after.body).toContain('<span class="badge badge--off">refunded</span>');
    expect(after.body).not.toContain('>Refund</button>');
  });

  it('refunds once when the confirmation is sent twice, and a second confirmation after it refunds nothing more', async () => {
    const captured = await capturedUpsell();
    const key = await confirmation(captured);
    const fields = { csrf: captured.session.csrf, idempotencyKey: key, reason: '' };
    const [first, second] = await Promise.all([
      post(`/admin/orders/${captured.orderId}/refund`, fields, captured.session.cookie),
      post(`/admin/orders/${captured.orderId}/refund`, fields, captured.session.cookie),
    ]);
    // One of two simultaneous sends may find the first still at the PSP: it says so and refunds nothing.
    expect([first.statusCode, second.statusCode]).toContain(303);
    for (const answer of [first, second]) if (answer.statusCode !== 303) expect(answer.body).toContain('still being sent');
    expect((await post(`/admin/orders/${captured.orderId}/refund`, fields, captured.session.cookie)).statusCode).toBe(303);
    // Refunded: no new confirmation is offered, and one made before it refunds nothing more.
    expect((await get(`/admin/orders/${captured.orderId}/refund`, captured.session.cookie)).statusCode).toBe(409);
    const fresh = { ...fields, idempotencyKey: `refund-${'A'.repeat(43)}` };
    expect((await post(`/admin/orders/${captured.orderId}/refund`, fresh, captured.session.cookie)).statusCode).toBe(303);
    expect(await sandboxStats(t.database.db, captured.ref)).toMatchObject({ status: 'refunded', refunds: 1 });
    const events = (await upsellOf(t.app, captured.setup.shop, captured.upsellId)).events;
    expect(events.filter((event: { type: string }) => event.type === 'refunded')).toHaveLength(1);
  });

  it('refuses a refund without the form token, or with a key not of its confirmation, and refunds nothing', async () => {
    const captured = await capturedUpsell();
    const key = await confirmation(captured);
    for (const token of await forgedTokens()) {
      const response = await post(`/admin/orders/${captured.orderId}/refund`, { ...token, idempotencyKey: key }, captured.session.cookie);
      expect(response.statusCode).toBe(403);
    }
    const made = await post(
      `/admin/orders/${captured.orderId}/refund`,
      { csrf: captured.session.csrf, idempotencyKey: 'mine' },
      captured.session.cookie,
    );
    expect(made.statusCode).toBe(400);
    expect((await upsellOf(t.app, captured.setup.shop, captured.upsellId)).state).toBe('captured');
    expect(await sandboxStats(t.database.db, captured.ref)).toMatchObject({ refunds: 0 });
  });

  it('shows the PSP’s refusal in its words, the upsell still captured', async () => {
    const captured = await capturedUpsell();
    // Refunded in the PSP's dashboard first: nothing is left to refund.
    expect(await t.sandbox.refund(captured.ref, ADDON_TOTAL, 'USD', `dashboard-${captured.upsellId}`)).toEqual({ status: 'succeeded' });
    const key = await confirmation(captured);
    const response = await post(
      `/admin/orders/${captured.orderId}/refund`,
      { csrf: captured.session.csrf, idempotencyKey: key },
      captured.session.cookie,
    );
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('<h1>The payment provider refused the refund</h1>');
    expect(response.body).toContain('0 USD is refundable');
    expect(response.body).toContain('role="alert"');
    expect((await upsellOf(t.app, captured.setup.shop, captured.upsellId)).state).toBe('captured');
  });

  it('shows a refund the PSP has not answered as pending, and sends the same one again', async () => {
    const captured = await capturedUpsell();
    const key = await confirmation(captured);
    faults.next('refund', 'timeout');
    const fields = { csrf: captured.session.csrf, idempotencyKey: key, reason: 'Late parcel' };
    const pending = await post(`/admin/orders/${captured.orderId}/refund`, fields, captured.session.cookie);
    expect(pending.statusCode).toBe(202);
    expect(pending.body).toContain('<h1>Refund pending</h1>');
    expect(attribute(pending.body, /name="idempotencyKey" value="([^"]+)"/)).toBe(key);
    expect(pending.body).toContain('<input type="hidden" name="reason" value="Late parcel">');
    expect((await upsellOf(t.app, captured.setup.shop, captured.upsellId)).state).toBe('captured');
    const retried = await post(`/admin/orders/${captured.orderId}/refund`, fields, captured.session.cookie);
    expect(retried.statusCode).toBe(303);
    expect((await upsellOf(t.app, captured.setup.shop, captured.upsellId)).state).toBe('refunded');
    expect(await sandboxStats(t.database.db, captured.ref)).toMatchObject({ status: 'refunded', refunds: 1, refundedAmount: ADDON_TOTAL });
  });
});

interface EditorShop {
  shop: Shop;
  session: Session;
  offerId: string;
}

/** A shop with a catalog in USD and EUR and one offer to edit. */
async function editorShop(): Promise<EditorShop> {
  const shop = await createShop(t.app, { name: 'Editor shop' });
  await putProduct(t.app, shop.secretKey, 'beans', { prices: { USD: 1800, EUR: 1700 }, title: 'House Blend', variantId: 'beans-500g' });
  await putProduct(t.app, shop.secretKey, 'dripper', { prices: { USD: 2400, EUR: 2300 }, title: 'Dripper', variantId: 'dripper-white' });
  await putProduct(t.app, shop.secretKey, 'mug', { prices: { USD: 2200, EUR: 2100 }, title: 'Travel Mug', variantId: 'mug-black' });
  const offer = await createOffer(t.app, shop.secretKey, { name: 'Mug offer', variantId: 'mug-black', discount: { type: 'percentage', value: 15 } });
  // Its orders are in USD: the shop's main currency, which the subtotal rules are typed in.
  await registerOrder(t.app, shop.secretKey, {
    lines: [{ productId: 'beans', variantId: 'beans-500g', title: 'House Blend', quantity: 1, unitPrice: 1800 }],
  });
  return { shop, session: await signIn(shop.secretKey), offerId: offer.id };
}

const offerOf = async (shop: Shop, offerId: string) => (await call(t.app, 'GET', `/v1/offers/${offerId}`, shop.secretKey)).json().offer;

/** The editor's whole form, every field filled. */
function everyField(csrf: string): Record<string, string | string[]> {
  return {
    csrf,
    intent: 'save',
    name: 'Mug for pour-over buyers',
    variantId: 'mug-black',
    quantity: '2',
    priority: '7',
    activeShown: '1',
    discountType: 'fixed',
    discount: '',
    'fixed.USD': '4.50',
    'fixed.EUR': '4',
    fixedOther: '300',
    startsAt: '2026-11-27T09:00',
    endsAt: '2026-12-24T18:30',
    anyProductIds: ['beans', 'dripper'],
    excludeProductIds: 'mug',
    subtotalCurrency: 'USD',
    minSubtotal: '20',
    maxSubtotal: '150.05',
    countries: 'us, CA',
    customerTags: 'vip, coffee club',
    currencies: 'USD, EUR',
    firstOrderOnly: 'on',
    'copy.0.id': 'short',
    'copy.0.text': 'Add it for {price}',
    'copy.1.id': '',
    'copy.1.text': 'Yes please — {price}',
    'shipping.USD': '1.99',
    'shipping.EUR': '',
  };
}

describe('admin › offer editor', () => {
  it('lists each offer with its take rate and net revenue of the last 30 days', async () => {
    const captured = await capturedUpsell();
    const list = (await get('/admin/offers', captured.session.cookie)).body;
    const row = list.slice(list.indexOf(`href="/admin/offers/${captured.setup.offerId}"`));
    const cells = row.slice(0, row.indexOf('</tr>'));
    expect(list).toContain('take rate and net revenue of the last 30 days');
    expect(cells).toContain(`$${(ADDON_TOTAL / 100).toFixed(2)}`);
    expect(cells).toMatch(/<td class="num">(\d+(\.\d)?%|—)<\/td>/);
  });

  it('pages a long list 50 offers at a time, highest priority first, each page naming its own variants', async () => {
    const shop = await createShop(t.app, { name: 'Many offers' });
    for (let index = 0; index < 55; index += 1) {
      await putProduct(t.app, shop.secretKey, `p${index}`, { prices: { USD: 1000 + index }, title: `Product ${index}`, variantId: `v${index}` });
      await createOffer(t.app, shop.secretKey, { name: `Offer ${String(index).padStart(2, '0')}`, variantId: `v${index}`, priority: index % 3 });
    }
    const session = await signIn(shop.secretKey);
    const first = (await get('/admin/offers', session.cookie)).body;
    const rowsOf = (html: string) =>
      [...html.matchAll(/<th scope="row"><a href="\/admin\/offers\/[^"]+">(Offer \d+)<\/a>/g)].map((match) => match[1]);
    const firstRows = rowsOf(first);
    expect(firstRows).toHaveLength(50);
    expect(first).toContain('Product 2 — Default');
    const next = /<a href="\/admin\/offers\?cursor=([^"]+)" rel="next">Next page<\/a>/.exec(first)?.[1];
    expect(next).toBeTruthy();
    const second = (await get(`/admin/offers?cursor=${next}`, session.cookie)).body;
    const secondRows = rowsOf(second);
    expect(secondRows).toHaveLength(5);
    expect(second).toContain('<a href="/admin/offers">First page</a>');
    expect(second).not.toContain('rel="next"');
    // Every offer once, in the API's order (priority, highest first, then oldest first).
    const all = (await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers.map((offer: { name: string }) => offer.name);
    expect([...firstRows, ...secondRows]).toEqual(all);
    // The saved message names an offer that is not on the first page.
    const last = (await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers.at(-1);
    expect((await get(`/admin/offers?saved=${last.id}`, session.cookie)).body).toContain(`“${last.name}” was saved.`);
  });

  it('saves every field and every targeting rule, and shows them again as saved', async () => {
    const { shop, session, offerId } = await editorShop();
    const saved = await post(`/admin/offers/${offerId}`, everyField(session.csrf), session.cookie);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/admin/offers/${offerId}?saved=1`);
    expect(await offerOf(shop, offerId)).toMatchObject({
      name: 'Mug for pour-over buyers',
      quantity: 2,
      priority: 7,
      active: false,
      discount: {
        type: 'fixed',
        value: 300,
        amounts: [
          { currency: 'USD', amount: 450 },
          { currency: 'EUR', amount: 400 },
        ],
      },
      rules: {
        anyProductIds: ['beans', 'dripper'],
        excludeProductIds: ['mug'],
        minSubtotal: 2000,
        maxSubtotal: 15005,
        countries: ['US', 'CA'],
        customerTags: ['vip', 'coffee club'],
        firstOrderOnly: true,
        currencies: ['USD', 'EUR'],
      },
      buttonCopy: [
        { id: 'short', text: 'Add it for {price}' },
        { id: 'copy-1', text: 'Yes please — {price}' },
      ],
      shipping: [{ currency: 'USD', amount: 199 }],
      startsAt: '2026-11-27T09:00:00.000Z',
      endsAt: '2026-12-24T18:30:00.000Z',
    });

    const page = await get(String(saved.headers.location), session.cookie);
    expect(page.body).toContain('Saved. The preview shows the offer as saved.');
    for (const html of [
      '<h1>Edit “Mug for pour-over buyers”</h1>',
      'id="offer-quantity" name="quantity" aria-describedby="offer-quantity-hint" type="number"',
      'value="2"',
      '<input type="radio" name="discountType" value="fixed" checked>',
      'id="offer-fixed-USD" name="fixed.USD" type="text" value="4.50"',
      'id="offer-fixed-EUR" name="fixed.EUR" type="text" value="4.00"',
      'value="2026-11-27T09:00"',
      '<option value="beans" selected>House Blend</option><option value="dripper" selected>Dripper</option><option value="mug">Travel Mug</option>',
      'id="offer-minSubtotal" name="minSubtotal" type="text" value="20.00"',
      'value="150.05"',
      'value="US, CA"',
      'value="vip, coffee club"',
      'id="offer-firstOrderOnly" name="firstOrderOnly" type="checkbox" aria-describedby="offer-firstOrderOnly-hint" checked',
      'id="offer-copy-1-id" name="copy.1.id" type="text" value="copy-1"',
      'id="offer-shipping-USD" name="shipping.USD" type="text" value="1.99"',
    ])
      expect(page.body).toContain(html);
    expect(page.body).not.toMatch(/id="offer-active"[^>]*checked/);

    // The same form with the rules emptied takes them all away.
    const cleared = {
      ...everyField(session.csrf),
      anyProductIds: [],
      excludeProductIds: [],
      minSubtotal: '',
      maxSubtotal: '',
      countries: '',
      customerTags: '',
      currencies: '',
      startsAt: '',
      endsAt: '',
      discountType: 'percentage',
      discount: '10',
      active: 'on',
    };
    delete (cleared as Record<string, unknown>).firstOrderOnly;
    expect((await post(`/admin/offers/${offerId}`, cleared, session.cookie)).statusCode).toBe(303);
    expect(await offerOf(shop, offerId)).toMatchObject({
      rules: {},
      startsAt: null,
      endsAt: null,
      active: true,
      discount: { type: 'percentage', value: 10 },
    });
  });

  it('keeps what was typed with each problem beside its field, and saves nothing', async () => {
    const { shop, session, offerId } = await editorShop();
    const before = await offerOf(shop, offerId);
    const fields = { ...everyField(session.csrf), 'fixed.USD': '4.555', countries: 'USA', endsAt: '2026-11-01T00:00', 'copy.1.id': 'short' };
    const response = await post(`/admin/offers/${offerId}`, fields, session.cookie);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('<p class="error" id="offer-fixed-USD-error">Enter an amount in USD with at most 2 decimals, such as 25.00.</p>');
    expect(response.body).toContain('id="offer-countries-error">Not two-letter country codes: USA.');
    expect(response.body).toContain('id="offer-endsAt-error">The end comes before the start');
    expect(response.body).toContain('id="offer-copy-1-id-error">Another button copy has this id');
    expect(response.body).toContain('value="4.555"');
    expect(response.body).toContain('aria-invalid="true"');
    expect(await offerOf(shop, offerId)).toEqual(before);

    const free = await post(`/admin/offers/${offerId}`, { ...everyField(session.csrf), 'fixed.USD': '44.00' }, session.cookie);
    expect(free.statusCode).toBe(400);
    expect(free.body).toContain('id="offer-fixed-USD-error">The discount of 4400 leaves nothing to pay');
  });

  it('previews the buyer’s widget from the form without saving: the price, the button text and the sample card', async () => {
    const { shop, session, offerId } = await editorShop();
    const saved = await get(`/admin/offers/${offerId}`, session.cookie);
    expect(saved.body).toContain('<aside class="editor__preview panel" aria-labelledby="preview-title"><h2 id="preview-title">Preview</h2>');
    expect(saved.body).toContain('sample card (Visa ending 4242)');
    expect(saved.body).toContain('The offer as saved.');
    expect(saved.body).toContain('<del class="plusone-offer__compare">$22.00</del> <ins class="plusone-offer__net">$18.70</ins>');
    expect(saved.body).toContain('>Add for $18.70</button>');
    expect(saved.body).toContain('<p class="plusone-offer__card">Charged to your Visa ending 4242</p>');

    const fields = {
      ...everyField(session.csrf),
      intent: 'preview',
      quantity: '1',
      'shipping.USD': '',
      sampleCurrency: 'EUR',
      sampleTaxRate: '19',
      sampleLocale: 'de-DE',
    };
    const preview = await post(`/admin/offers/${offerId}`, fields, session.cookie);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('not saved yet');
    // 21.00 € − 4.00 € = 17.00 €, 19 % tax 3.23 €: the button says the exact charge, in German.
    expect(preview.body).toContain('<section class="plusone-offer" lang="de-DE"');
    // (Intl puts a no-break space before the euro sign.)
    expect(preview.body).toMatch(/>Add it for 20,23\s€<\/button>/);
    expect(preview.body).toContain('Wird von Ihrer Visa mit Endziffern 4242 abgebucht');
    expect(preview.body).toMatch(/Inklusive 3,23\s€ Steuern/);
    expect(preview.body).toContain('<option value="EUR" selected>EUR</option>');
    expect(preview.body).toContain('value="Mug for pour-over buyers"');
    expect((await offerOf(shop, offerId)).name).toBe('Mug offer');

    const broken = await post(`/admin/offers/${offerId}`, { ...fields, quantity: 'many' }, session.cookie);
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toContain('Fix the problems in the form to see its preview.');

    const fresh = await post(
      '/admin/offers',
      { csrf: session.csrf, intent: 'preview', name: 'New', variantId: 'beans-500g', discount: '' },
      session.cookie,
    );
    expect(fresh.body).toContain('<h1>New offer</h1>');
    expect(fresh.body).toContain('>Add for $18.00</button>');
    expect((await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers).toHaveLength(1);
  });

  it('adds and removes rows of button copy without saving', async () => {
    const { shop, session, offerId } = await editorShop();
    const base = { ...everyField(session.csrf), 'copy.1.text': '', 'copy.1.id': '' };
    const added = await post(`/admin/offers/${offerId}`, { ...base, intent: 'addCopy' }, session.cookie);
    expect(added.body).toContain('name="copy.2.text"');
    expect(added.body).not.toContain('name="copy.3.text"');
    expect(added.body).toContain('Remove<span class="visually-hidden"> button copy 1</span>');
    const removed = await post(`/admin/offers/${offerId}`, { ...everyField(session.csrf), intent: 'removeCopy-0' }, session.cookie);
    expect(removed.body).toContain('id="offer-copy-0-text" name="copy.0.text" type="text" value="Yes please — {price}"');
    expect(removed.body).not.toContain('Add it for {price}');
    expect((await offerOf(shop, offerId)).buttonCopy).toEqual([]);
  });

  it('duplicates an offer: a paused copy named “… (copy)” with the same rules', async () => {
    const { shop, session, offerId } = await editorShop();
    await post(`/admin/offers/${offerId}`, { ...everyField(session.csrf), active: 'on' }, session.cookie);
    const original = await offerOf(shop, offerId);
    const response = await post(`/admin/offers/${offerId}/duplicate`, { csrf: session.csrf }, session.cookie);
    expect(response.statusCode).toBe(303);
    const copyId = attribute(String(response.headers.location), /^\/admin\/offers\/(off_\w+)\?duplicated=1$/);
    const copy = await offerOf(shop, copyId);
    const same = (offer: Record<string, unknown>) => {
      const { id: _id, name: _name, active: _active, createdAt: _created, updatedAt: _updated, ...rest } = offer;
      return rest;
    };
    expect(copy).toMatchObject({ name: 'Mug for pour-over buyers (copy)', active: false });
    expect(same(copy)).toEqual(same(original));
    expect(original.active).toBe(true);
    const page = await get(String(response.headers.location), session.cookie);
    expect(page.body).toContain('This is the copy, paused');
  });

  it('refuses edits, previews and duplicates without the form token, and changes nothing', async () => {
    const { shop, session, offerId } = await editorShop();
    const before = await offerOf(shop, offerId);
    for (const token of await forgedTokens()) {
      const { csrf: _csrf, ...fields } = everyField(session.csrf);
      expect((await post(`/admin/offers/${offerId}`, { ...fields, ...token }, session.cookie)).statusCode).toBe(403);
      expect((await post(`/admin/offers/${offerId}`, { ...fields, intent: 'preview', ...token }, session.cookie)).statusCode).toBe(403);
      expect((await post(`/admin/offers/${offerId}/duplicate`, token, session.cookie)).statusCode).toBe(403);
    }
    expect(await offerOf(shop, offerId)).toEqual(before);
    expect((await call(t.app, 'GET', '/v1/offers', shop.secretKey)).json().offers).toHaveLength(1);
  });
});

interface ExperimentShop {
  shop: Shop;
  session: Session;
  offerId: string;
  rivalId: string;
}

async function experimentShop(): Promise<ExperimentShop> {
  const shop = await createShop(t.app, { name: 'Experiment shop' });
  await putProduct(t.app, shop.secretKey, 'mug', { prices: { USD: 2200 }, title: 'Travel Mug', variantId: 'mug-black' });
  await putProduct(t.app, shop.secretKey, 'filters', { prices: { USD: 650 }, title: 'Filters', variantId: 'filters-100' });
  const offer = await createOffer(t.app, shop.secretKey, { name: 'Mug offer', variantId: 'mug-black' });
  const rival = await createOffer(t.app, shop.secretKey, { name: 'Filters offer', variantId: 'filters-100' });
  return { shop, session: await signIn(shop.secretKey), offerId: offer.id, rivalId: rival.id };
}

function experimentFields(setup: ExperimentShop): Record<string, string> {
  return {
    csrf: setup.session.csrf,
    name: 'Mug: shorter button',
    offerId: setup.offerId,
    holdoutPercent: '10',
    'arm.0.id': 'control',
    'arm.0.name': 'Control',
    'arm.0.weight': '1',
    'arm.1.id': 'short',
    'arm.1.name': 'Short copy',
    'arm.1.weight': '1',
    'arm.1.copy': 'Add it: {price}',
    'arm.2.id': 'filters',
    'arm.2.name': 'Filters instead',
    'arm.2.weight': '2',
    'arm.2.offerId': setup.rivalId,
  };
}

const experimentsOf = async (shop: Shop) => (await call(t.app, 'GET', '/v1/experiments', shop.secretKey)).json().experiments;

/** An experiment started through the form (review, then start); its id. */
async function startExperiment(setup: ExperimentShop): Promise<string> {
  const started = await post('/admin/experiments', { ...experimentFields(setup), step: 'start' }, setup.session.cookie);
  expect(started.statusCode).toBe(303);
  return attribute(String(started.headers.location), /^\/admin\/experiments\/(exp_\w+)\?started=1$/);
}

describe('admin › experiments', () => {
  it('starts an experiment after a confirmation naming each arm’s share, and shows its verdict per arm', async () => {
    const setup = await experimentShop();
    const form = await get('/admin/experiments/new', setup.session.cookie);
    expect(form.body).toContain('<label for="experiment-offerId">Offer under test</label>');
    expect(form.body).toContain('<button type="submit" class="button">Review the experiment</button>');
    const review = await post('/admin/experiments', { ...experimentFields(setup), step: 'review' }, setup.session.cookie);
    expect(review.statusCode).toBe(200);
    expect(review.body).toContain('<h1>Start the experiment?</h1>');
    expect(review.body).toContain('<strong>Control</strong> (control): 22.5% of the orders see the offer as it is.');
    expect(review.body).toContain('<strong>Short copy</strong>: 22.5% of the orders see the button “Add it: {price}”.');
    expect(review.body).toContain('<strong>Filters instead</strong>: 45% of the orders see the offer “Filters offer”.');
    expect(review.body).toContain('<strong>Holdout</strong>: 10% of the orders see no offer.');
    expect(await experimentsOf(setup.shop)).toEqual([]);

    const id = await startExperiment(setup);
    expect(await experimentsOf(setup.shop)).toMatchObject([
      {
        id,
        name: 'Mug: shorter button',
        offerId: setup.offerId,
        status: 'running',
        holdoutPercent: 10,
        arms: [
          { id: 'control', name: 'Control', weight: 1 },
          { id: 'short', name: 'Short copy', weight: 1, copy: 'Add it: {price}' },
          { id: 'filters', name: 'Filters instead', weight: 2, offerId: setup.rivalId },
        ],
      },
    ]);
    const page = await get(`/admin/experiments/${id}?started=1`, setup.session.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The experiment is running');
    expect(page.body).toContain('<p class="verdict__headline"><strong>Keep running</strong></p>');
    expect(page.body).toContain('Not enough views yet');
    expect(page.body).toContain('always-valid at 95%');
    expect(page.body).toContain('<caption>Arms, with always-valid intervals</caption>');
    expect(page.body).toContain('<td>0% (0% – 100%)</td>');
    expect(page.body).toContain('0.0 points (no interval yet); p = 1.0');
    expect(page.body).toContain('<h2>Holdout</h2>');
    expect(page.body).toContain('Promote Short copy</button>');
    expect(page.body).toContain('Stop experiment</button>');
  });

  it('shows the form’s problems beside their fields, and the API’s refusal of a second experiment on the offer', async () => {
    const setup = await experimentShop();
    const bad = { ...experimentFields(setup), holdoutPercent: '60', 'arm.1.id': 'control', step: 'review' };
    const response = await post('/admin/experiments', bad, setup.session.cookie);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('id="experiment-holdoutPercent-error">Enter a share from 0 to 50');
    expect(response.body).toContain('id="experiment-arm-1-id-error">Another arm has this id');
    expect(response.body).toContain('value="Add it: {price}"');
    await startExperiment(setup);
    const second = await post('/admin/experiments', { ...experimentFields(setup), step: 'start' }, setup.session.cookie);
    expect(second.statusCode).toBe(400);
    expect(second.body).toContain('already has a running or promoted experiment');
    expect(await experimentsOf(setup.shop)).toHaveLength(1);
  });

  it('stops an experiment after a confirmation', async () => {
    const setup = await experimentShop();
    const id = await startExperiment(setup);
    const confirm = await get(`/admin/experiments/${id}/stop`, setup.session.cookie);
    expect(confirm.body).toContain('<h1>Stop “Mug: shorter button”?</h1>');
    expect((await experimentsOf(setup.shop))[0].status).toBe('running');
    const stopped = await post(`/admin/experiments/${id}/stop`, { csrf: setup.session.csrf }, setup.session.cookie);
    expect(stopped.statusCode).toBe(303);
    expect((await experimentsOf(setup.shop))[0].status).toBe('stopped');
    const page = await get(String(stopped.headers.location), setup.session.cookie);
    expect(page.body).toContain('The experiment is stopped');
    expect(page.body).not.toContain('Stop experiment</button>');
    expect(page.body).not.toContain('Promote ');
  });

  it('promotes an arm after a confirmation that says the verdict has not named it', async () => {
    const setup = await experimentShop();
    const id = await startExperiment(setup);
    const confirm = await get(`/admin/experiments/${id}/promote?armId=short`, setup.session.cookie);
    expect(confirm.body).toContain('<h1>Promote “Short copy”?</h1>');
    expect(confirm.body).toContain('The verdict does not name this arm the winner (keep running)');
    expect(confirm.body).toContain('sees the button “Add it: {price}”, and nobody is held out');
    const promoted = await post(`/admin/experiments/${id}/promote`, { csrf: setup.session.csrf, armId: 'short' }, setup.session.cookie);
    expect(promoted.statusCode).toBe(303);
    expect((await experimentsOf(setup.shop))[0]).toMatchObject({ status: 'completed', winnerArmId: 'short' });
    const page = await get(String(promoted.headers.location), setup.session.cookie);
    expect(page.body).toContain('The arm is promoted');
    expect(page.body).toContain('<span class="badge badge--good">promoted</span>');
  });

  it('refuses creating, stopping and promoting without the form token, and changes nothing', async () => {
    const setup = await experimentShop();
    const id = await startExperiment(setup);
    for (const token of await forgedTokens()) {
      const fields: Record<string, string> = { ...experimentFields(setup), offerId: setup.rivalId, 'arm.2.offerId': '' };
      delete fields.csrf;
      expect((await post('/admin/experiments', { ...fields, step: 'start', ...token }, setup.session.cookie)).statusCode).toBe(403);
      expect((await post(`/admin/experiments/${id}/stop`, token, setup.session.cookie)).statusCode).toBe(403);
      expect((await post(`/admin/experiments/${id}/promote`, { ...token, armId: 'short' }, setup.session.cookie)).statusCode).toBe(403);
    }
    expect(await experimentsOf(setup.shop)).toMatchObject([{ id, status: 'running', winnerArmId: null }]);
  });
});
