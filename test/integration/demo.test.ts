import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type App } from '../../src/runtime';
import type { DemoShop } from '../../src/demo-seed';
import { buildTestApp, call, createOffer, createShop, type TestApp } from '../support/app';

/** The seeded demo catalog (src/demo-seed.ts), set up through the API on a shop of this test's own. */
const CATALOG = [
  { id: 'house-blend', title: 'House Blend Coffee', variant: { id: 'house-blend-500g', title: '500 g, whole bean', usd: 1800, stock: 250 } },
  { id: 'pour-over', title: 'Ceramic Pour-Over Dripper', variant: { id: 'pour-over-white', title: 'White', usd: 2400, stock: 40 } },
  { id: 'filters', title: 'Paper Filters', variant: { id: 'filters-100', title: 'Pack of 100', usd: 650, stock: 500 } },
  { id: 'travel-mug', title: 'Insulated Travel Mug', variant: { id: 'travel-mug-black', title: 'Black, 350 ml', usd: 2200, stock: 60 } },
];

let t: TestApp;
let demo: DemoShop;
let app: App;

async function demoApp(shop: DemoShop | null): Promise<App> {
  const built = await createService(
    { adminToken: null, demoShop: () => shop },
    { ctx: t.ctx, sandbox: t.sandbox, databaseReady: async () => undefined },
  );
  await built.ready();
  return built;
}

beforeAll(async () => {
  t = await buildTestApp();
  const shop = await createShop(t.app, { name: 'Northwind Coffee (demo test)' });
  for (const product of CATALOG) {
    const response = await call(t.app, 'PUT', `/v1/products/${product.id}`, shop.secretKey, {
      title: product.title,
      imageUrl: `/demo/images/${product.id}.svg`,
      variants: [
        {
          id: product.variant.id,
          title: product.variant.title,
          stock: product.variant.stock,
          prices: [{ currency: 'USD', amount: product.variant.usd }],
        },
      ],
    });
    expect(response.statusCode).toBe(200);
  }
  await createOffer(t.app, shop.secretKey, {
    name: 'Filters for coffee buyers',
    variantId: 'filters-100',
    discount: { type: 'percentage', value: 20 },
    priority: 10,
    rules: { anyProductIds: ['house-blend', 'pour-over'] },
  });
  await createOffer(t.app, shop.secretKey, {
    name: 'Travel mug, 15% off',
    variantId: 'travel-mug-black',
    discount: { type: 'percentage', value: 15 },
  });
  demo = { shopId: shop.id, secretKey: shop.secretKey, created: true, shopify: null };
  app = await demoApp(demo);
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

function attribute(html: string, pattern: RegExp): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`${pattern} not found`);
  return match[1];
}

/** A checkout form as one browser got it: its nonce, its CSRF token and the buyer cookie it was given. */
interface CheckoutForm {
  nonce: string;
  csrf: string;
  cookie: string;
}

function buyerCookie(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? []].flat().find((value) => value.startsWith('plusone_demo_buyer='));
  if (!header) throw new Error('no plusone_demo_buyer cookie');
  return header.split(';')[0] ?? '';
}

async function checkoutForm(query = 'qty.house-blend=1', cookie?: string): Promise<CheckoutForm> {
  const page = await app.inject({ method: 'GET', url: `/demo/checkout?${query}`, headers: cookie ? { cookie } : {} });
  expect(page.statusCode).toBe(200);
  return {
    nonce: attribute(page.body, /name="nonce" value="([^"]+)"/),
    csrf: attribute(page.body, /name="csrf" value="([^"]+)"/),
    cookie: cookie ?? buyerCookie(page.headers['set-cookie']),
  };
}

function submit(fields: Record<string, string>, cookie: string | null, target: App = app, headers: Record<string, string> = {}) {
  return target.inject({
    method: 'POST',
    url: '/demo/checkout',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

function checkoutFields(form: CheckoutForm, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'qty.house-blend': '1',
    'qty.pour-over': '0',
    nonce: form.nonce,
    csrf: form.csrf,
    email: 'ada@example.com',
    country: 'US',
    locale: 'en-US',
    token: 'pm_sandbox_visa',
    brand: 'visa',
    last4: '4242',
    ...overrides,
  };
}

/** Places an order in one browser; its cookie opens the confirmation page with e-mail and token. */
async function placeOrderIn(overrides: Record<string, string> = {}): Promise<{ orderId: string; cookie: string }> {
  const form = await checkoutForm();
  const response = await submit(checkoutFields(form, overrides), form.cookie);
  expect(response.statusCode).toBe(303);
  return { orderId: attribute(String(response.headers.location), /^\/demo\/orders\/([^/]+)\/confirmation$/), cookie: form.cookie };
}

async function placeOrder(overrides: Record<string, string> = {}): Promise<string> {
  return (await placeOrderIn(overrides)).orderId;
}

async function ordersWithExternalId(externalId: string): Promise<number> {
  const rows = await t.database.db
    .selectFrom('orders')
    .select('id')
    .where('shop_id', '=', demo.shopId)
    .where('external_id', '=', externalId)
    .execute();
  return rows.length;
}

describe('demo › store front', () => {
  it('lists the products with images, variants and prices in an accessible page', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo' });
    expect(response.statusCode).toBe(200);
    const html = response.body;
    expect(html).toContain('<html lang="en-US">');
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    for (const landmark of ['<header', '<main', '<footer']) expect(html).toContain(landmark);
    expect(html).toContain('Northwind Coffee');
    for (const [title, price] of [
      ['House Blend Coffee', '$18.00'],
      ['Ceramic Pour-Over Dripper', '$24.00'],
      ['Paper Filters', '$6.50'],
      ['Insulated Travel Mug', '$22.00'],
    ]) {
      expect(html).toContain(title);
      expect(html).toContain(price);
    }
    expect(html).toContain('src="/demo/images/house-blend.svg"');
    expect(html).toMatch(/<label for="qty-pour-over">Quantity/);
    expect(html).toContain('name="qty.pour-over"');
    expect(html).toContain('<form class="shop" method="get" action="/demo/checkout">');
  });

  it('says the demo is off when no demo shop was seeded', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/demo' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('The demo shop is off');
    expect(response.body).toContain('PLUSONE_DEMO=0');
  });

  it('asks for at least one product before checkout', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/checkout?qty.house-blend=0' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Choose at least one product.');
  });
});

describe('demo › checkout', () => {
  it('prices the cart with flat shipping and tax rounded half away from zero', async () => {
    const html = (await app.inject({ method: 'GET', url: '/demo/checkout?qty.house-blend=1' })).body;
    // 1800 × 0.0825 = 148.5 → 149
    expect(html).toContain('$18.00');
    expect(html).toContain('$5.00');
    expect(html).toContain('$1.49');
    expect(html).toContain('Pay $24.49');
  });

  it('frames the sandbox card field and has no card-number input of its own', async () => {
    const html = (await app.inject({ method: 'GET', url: '/demo/checkout?qty.house-blend=2&qty.filters=1' })).body;
    expect(html).toContain('<iframe id="card-field" src="/sandbox/card-field" title="Card details (sandbox)">');
    expect(html).toContain('<form class="panel" id="checkout-form" method="post" action="/demo/checkout">');
    expect(html).not.toContain('cc-number');
    expect(html).not.toMatch(/name="(card|number|pan|cvc|cvv)/i);
    expect(html).toContain('<input type="hidden" name="token" id="card-token">');
    expect(html).toContain('<noscript>');
    expect(html).toMatch(/<select id="token-fallback" name="token">.*pm_sandbox_3ds_required/);
    expect(html).toContain('event.origin !== location.origin');
    expect(html).toContain('<label for="email">E-mail</label>');
    expect(html).toContain('<option value="de-DE" lang="de-DE">Deutsch</option>');
  });

  it('registers the order and redirects to the confirmation; a double submit registers once', async () => {
    const form = await checkoutForm();
    const { nonce } = form;
    const first = await submit(checkoutFields(form), form.cookie);
    const second = await submit(checkoutFields(form), form.cookie);
    expect(first.statusCode).toBe(303);
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await ordersWithExternalId(`demo-${nonce}`)).toBe(1);

    const orderId = attribute(String(first.headers.location), /^\/demo\/orders\/([^/]+)\/confirmation$/);
    const { order } = (await call(t.app, 'GET', `/v1/orders/${orderId}`, demo.secretKey)).json();
    expect(order).toMatchObject({
      externalId: `demo-${nonce}`,
      currency: 'USD',
      subtotal: 1800,
      shippingTotal: 500,
      taxTotal: 149,
      total: 2449,
      taxRate: '0.0825',
      locale: 'en-US',
      customer: { id: 'ada@example.com', email: 'ada@example.com', country: 'US' },
      payment: { gateway: 'sandbox', brand: 'visa', last4: '4242' },
    });
    expect(order.lines).toEqual([expect.objectContaining({ productId: 'house-blend', variantId: 'house-blend-500g', quantity: 1, unitPrice: 1800 })]);
  });

  it('completes without script through the fallback select (token only)', async () => {
    const orderId = await placeOrder({ token: 'pm_sandbox_mastercard', brand: '', last4: '' });
    const { order } = (await call(t.app, 'GET', `/v1/orders/${orderId}`, demo.secretKey)).json();
    expect(order.payment).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });

  it('re-renders the form with a clear message when details are missing', async () => {
    const form = await checkoutForm();
    const { nonce } = form;
    const response = await submit(checkoutFields(form, { token: '', email: 'not-an-address' }), form.cookie);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('role="alert"');
    expect(response.body).toContain('Enter an e-mail address');
    expect(response.body).toContain('Choose or type a sandbox test card');
    expect(response.body).toContain('value="not-an-address"');
    expect(await ordersWithExternalId(`demo-${nonce}`)).toBe(0);
  });

  it('refuses a form carrying a card number with 400 and stores nothing', async () => {
    const form = await checkoutForm();
    const { nonce } = form;
    const response = await submit(checkoutFields(form, { note: '4242 4242 4242 4242' }), form.cookie);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('Card details are not accepted here');
    expect(response.body).not.toContain('4242 4242 4242 4242');
    expect(await ordersWithExternalId(`demo-${nonce}`)).toBe(0);

    const security = await submit(checkoutFields(form, { cvc: '123' }), form.cookie);
    expect(security.statusCode).toBe(400);
    expect(await ordersWithExternalId(`demo-${nonce}`)).toBe(0);
  });
});

describe('demo › confirmation and order pages', () => {
  it('shows the order summary, then the offer fragment wrapped for the widget', async () => {
    const { orderId, cookie } = await placeOrderIn();
    const response = await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } });
    expect(response.statusCode).toBe(200);
    const html = response.body;
    expect(html).toContain('A confirmation was sent to ada@example.com.');
    expect(html).toContain('<html lang="en-US">');
    expect(html).toContain('Thank you, your order is confirmed');
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
    const summary = html.indexOf('id="order-summary"');
    const wrapper = html.indexOf('<div class="demo-offer" data-plusone-session="ps_');
    const fragment = html.indexOf('<section class="plusone-offer"');
    expect(summary).toBeGreaterThan(0);
    expect(wrapper).toBeGreaterThan(summary);
    expect(fragment).toBeGreaterThan(wrapper);
    expect(html).toContain('Paper Filters');
    expect(html).toMatch(/<script src="\/widget\.js" nonce="[^"]+" defer><\/script>/);
    expect(html).toContain('class="button button--primary" href="/demo">Continue shopping</a>');
    expect(html).toContain(`href="/demo/orders/${orderId}">View your order</a>`);
  });

  it('speaks the order locale', async () => {
    const { orderId, cookie } = await placeOrderIn({ locale: 'de-DE', country: 'DE' });
    const html = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body;
    expect(html).toContain('<html lang="de-DE">');
    expect(html).toContain('Vielen Dank, Ihre Bestellung ist bestätigt');
    expect(html).toContain('18,00');
  });

  it('shows no offer after a restart, which forgets the session tokens', async () => {
    const { orderId, cookie } = await placeOrderIn();
    const restarted = await demoApp(demo);
    try {
      const html = (await restarted.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body;
      expect(html).toContain('id="order-summary"');
      expect(html).not.toContain('class="demo-offer"');
      expect(html).not.toContain('/widget.js');
    } finally {
      await restarted.close();
    }
  });

  it('shows the upsell line on the order page after an accept, and not after the undo', async () => {
    const { orderId, cookie } = await placeOrderIn();
    const confirmation = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body;
    const token = attribute(confirmation, /data-plusone-session="([^"]+)"/);
    const offerId = (await call(t.app, 'GET', '/v1/checkout/offer', token)).json().offer.id;
    const accepted = await call(t.app, 'POST', '/v1/checkout/accept', token, { offerId }, { 'idempotency-key': `accept-${orderId}` });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().status).toBe('accepted');

    const after = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}` })).body;
    expect(after).toMatch(/<li class="line" data-line-source="upsell">.*Paper Filters.*Added after checkout/);
    expect(after).toContain('Upsell activity');
    expect(after).toContain('-$1.30'); // the offer's 20 % off, shown against the list price

    const undone = await call(t.app, 'POST', '/v1/checkout/cancel', token, { upsellId: accepted.json().upsell.id });
    expect(undone.statusCode).toBe(200);
    const reverted = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}` })).body;
    expect(reverted).not.toContain('data-line-source="upsell"');
    expect(reverted).toContain('$24.49');
  });

  it('answers 404 for an order of another shop', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/orders/ord_unknown' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Order not found');
  });
});

describe('demo › security headers, buyer cookie and CSRF', () => {
  function expectPageHeaders(headers: Record<string, unknown>, body: string) {
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    const nonce = attribute(csp, /script-src 'nonce-([^']+)'/);
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    // Every inline script and style of the page carries this response's nonce, and nothing else runs inline.
    expect(body).toContain(`<style nonce="${nonce}">`);
    expect(body.match(/<script(?![^>]*nonce=)[^>]*>/g) ?? []).toEqual([]);
    for (const tag of body.match(/<script[^>]*nonce="[^"]*"/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  }

  it('puts a nonce CSP, no framing and nosniff on every demo page', async () => {
    const { orderId, cookie } = await placeOrderIn();
    for (const url of [
      '/demo',
      '/demo/checkout?qty.house-blend=1',
      `/demo/orders/${orderId}/confirmation`,
      `/demo/orders/${orderId}`,
      '/demo/orders/ord_unknown',
    ]) {
      const response = await app.inject({ method: 'GET', url, headers: { cookie } });
      expect(response.headers['content-type'], url).toContain('text/html');
      expectPageHeaders(response.headers, response.body);
    }
    const summary = await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/summary` });
    expect(summary.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(summary.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives the checkout an HttpOnly, SameSite=Lax buyer cookie, and keeps it when the browser has one', async () => {
    const page = await app.inject({ method: 'GET', url: '/demo/checkout?qty.house-blend=1' });
    const header = [page.headers['set-cookie'] ?? []].flat().find((value) => value.startsWith('plusone_demo_buyer='));
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    expect(header).toMatch(/Path=\/demo/);
    const again = await checkoutForm('qty.house-blend=1', buyerCookie(page.headers['set-cookie']));
    expect(again.csrf).toBe(attribute(page.body, /name="csrf" value="([^"]+)"/));
  });

  it('shows the e-mail and the session token only to the browser that placed the order', async () => {
    const { orderId, cookie } = await placeOrderIn();
    const mine = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body;
    expect(mine).toContain('ada@example.com');
    expect(mine).toContain('data-plusone-session="ps_');

    const other = await checkoutForm();
    for (const headers of [{}, { cookie: other.cookie }, { cookie: 'plusone_demo_buyer=forged' }]) {
      const response = await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('id="order-summary"');
      expect(response.body).toContain('placed in another browser');
      expect(response.body).not.toContain('ada@example.com');
      expect(response.body).not.toContain('ps_');
      expect(response.body).not.toContain('/widget.js');
    }
  });

  it('refuses a checkout post without the cookie, without the token, with a wrong token or sent cross-site (403, nothing registered)', async () => {
    const form = await checkoutForm();
    const other = await checkoutForm();
    const attempts = [
      submit(checkoutFields(form), null),
      submit(checkoutFields(form, { csrf: '' }), form.cookie),
      submit(checkoutFields(form, { csrf: other.csrf }), form.cookie),
      // One character off (the last one of the real token is 'A' one time in 16: never 'A' for 'A').
      submit(checkoutFields(form, { csrf: `${form.csrf.slice(0, -1)}${form.csrf.endsWith('A') ? 'B' : 'A'}` }), form.cookie),
      submit(checkoutFields(form), form.cookie, app, { 'sec-fetch-site': 'cross-site' }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain('csrf_token_invalid');
    }
    expect(await ordersWithExternalId(`demo-${form.nonce}`)).toBe(0);
    // The same form from its own browser goes through.
    expect((await submit(checkoutFields(form), form.cookie)).statusCode).toBe(303);
    expect(await ordersWithExternalId(`demo-${form.nonce}`)).toBe(1);
  });

  it('serves the order summary as it is now: the added line after an accept, gone after the undo', async () => {
    const { orderId, cookie } = await placeOrderIn();
    const token = attribute(
      (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body,
      /data-plusone-session="([^"]+)"/,
    );
    const summary = async () => (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/summary` })).body;
    expect(await summary()).not.toContain('data-line-source="upsell"');
    const offerId = (await call(t.app, 'GET', '/v1/checkout/offer', token)).json().offer.id;
    const accepted = await call(t.app, 'POST', '/v1/checkout/accept', token, { offerId }, { 'idempotency-key': `summary-${orderId}` });
    expect(accepted.json().status).toBe('accepted');
    expect(await summary()).toMatch(/data-line-source="upsell">.*Paper Filters.*Added after checkout/);
    const confirmation = (await app.inject({ method: 'GET', url: `/demo/orders/${orderId}/confirmation`, headers: { cookie } })).body;
    expect(confirmation).toMatch(/id="order-summary".*data-line-source="upsell"/);
    // The page refreshes its summary when the widget reports an accept, an undo or the capture's outcome.
    expect(confirmation).toContain(`/demo/orders/${orderId}/summary`);
    expect(confirmation).toContain("'plusone:accepted', 'plusone:cancelled'");
    await call(t.app, 'POST', '/v1/checkout/cancel', token, { upsellId: accepted.json().upsell.id });
    expect(await summary()).not.toContain('data-line-source="upsell"');
  });
});

describe('sandbox › hosted card field', () => {
  it('keeps the number in the frame: no form, no named input, no network, postMessage to its own origin', async () => {
    const response = await app.inject({ method: 'GET', url: '/sandbox/card-field' });
    expect(response.statusCode).toBe(200);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("form-action 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    const html = response.body;
    expect(html).not.toMatch(/<form/i);
    const input = attribute(html, /(<input id="card-number"[^>]*>)/);
    expect(input).toContain('autocomplete="cc-number"');
    expect(input).toContain('inputmode="numeric"');
    expect(input).not.toContain('name=');
    expect(html).toContain('<label class="number" for="card-number">Card number</label>');
    expect(html).toContain('window.parent.postMessage(message, parentOrigin)');
    expect(html).not.toMatch(/postMessage\([^)]*'\*'\)/);
    expect(html).not.toMatch(/fetch\(|XMLHttpRequest|sendBeacon/);
    for (const token of [
      'pm_sandbox_visa',
      'pm_sandbox_mastercard',
      'pm_sandbox_declined',
      'pm_sandbox_insufficient_funds',
      'pm_sandbox_3ds_required',
      'pm_sandbox_timeout',
      'pm_sandbox_capture_fails',
    ]) {
      expect(html).toContain(`value="${token}"`);
    }
    expect(html).toContain('Visa 4242 — succeeds');
    expect(html).toContain('Slow bank (timeout)');
  });
});

describe('demo › images', () => {
  it('serves an SVG per product, cached, and 404 for anything else', async () => {
    for (const product of CATALOG) {
      const response = await app.inject({ method: 'GET', url: `/demo/images/${product.id}.svg` });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/svg+xml');
      expect(response.headers['cache-control']).toContain('max-age=');
      expect(response.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 400 300"/);
    }
    expect((await app.inject({ method: 'GET', url: '/demo/images/espresso.svg' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/demo/images/house-blend.png' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/demo/images/constructor.svg' })).statusCode).toBe(404);
  });
});
