import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { DEMO_SHOPIFY_CURRENCY, DEMO_SHOPIFY_DOMAIN, DEMO_SHOPIFY_PRODUCTS, type DemoShop } from '../../../core/demo';
import { FakeShopify } from './fake-shopify';
import { HOST_COMPONENTS } from './host-components';
import { scriptJson } from './pages';
import { shopifyDemoRoutes } from './routes';

const APP = { shopDomain: DEMO_SHOPIFY_DOMAIN, apiKey: 'key', apiSecret: 'secret', adminAccessToken: 'shpat_x' };
const EXTENSION = "self.shopify.extend('Checkout::PostPurchase::ShouldRender', () => ({ render: false }));";
const DEMO: DemoShop = { shopId: 'shop_1', secretKey: 'sk_1', created: true, shopify: { shopId: 'shop_2', secretKey: 'sk_2', ...APP } };

async function view(demo: DemoShop | null = DEMO) {
  const fake = new FakeShopify({ ...APP, currency: DEMO_SHOPIFY_CURRENCY, products: DEMO_SHOPIFY_PRODUCTS });
  const app = Fastify();
  await app.register(shopifyDemoRoutes, { demoShop: () => demo, fakeShopify: () => fake, extensionBundle: async () => EXTENSION });
  return { app, fake };
}

/** A browser on the order form: its buyer cookie and form token. */
async function visitor(app: Awaited<ReturnType<typeof view>>['app']) {
  const form = await app.inject({ method: 'GET', url: '/demo/shopify' });
  const cookie = String(form.headers['set-cookie']).split(';')[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  return { cookie, csrf };
}

async function placed(app: Awaited<ReturnType<typeof view>>['app']) {
  const browser = await visitor(app);
  const order = await app.inject({
    method: 'POST',
    url: '/demo/shopify/orders',
    headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `csrf=${encodeURIComponent(browser.csrf)}&qty-house-blend-coffee=2`,
  });
  expect(order.statusCode).toBe(303);
  const referenceId = /\/post-purchase\/(\d+)$/.exec(String(order.headers.location))?.[1] ?? '';
  return { ...browser, referenceId };
}

describe('the Shopify view', () => {
  it('says the demo is off without the demo’s Shopify store', async () => {
    const { app } = await view({ ...DEMO, shopify: null });
    expect((await app.inject({ method: 'GET', url: '/demo/shopify' })).body).toContain('The Shopify demo is off');
  });

  it('places the order and shows its post-purchase page to the browser that placed it only', async () => {
    const { app, fake } = await view();
    const { cookie, referenceId } = await placed(app);
    expect(fake.order(referenceId)?.lines.map((line) => line.quantity)).toEqual([2]);
    const page = await app.inject({ method: 'GET', url: `/demo/shopify/post-purchase/${referenceId}`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const data = /<script type="application\/json" id="shopify-host-data">([^<]*)<\/script>/.exec(page.body)?.[1] ?? '';
    expect(JSON.parse(data)).toMatchObject({ referenceId, inputData: { initialPurchase: { referenceId } } });
    expect((await app.inject({ method: 'GET', url: `/demo/shopify/post-purchase/${referenceId}` })).statusCode).toBe(404);
  });

  it('refuses a form post without this browser’s token, and card numbers', async () => {
    const { app } = await view();
    const { cookie, csrf } = await visitor(app);
    const post = (payload: string) =>
      app.inject({ method: 'POST', url: '/demo/shopify/orders', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });
    expect((await post('csrf=forged&qty-house-blend-coffee=1')).statusCode).toBe(403);
    expect((await post(`csrf=${encodeURIComponent(csrf)}&note=4242424242424242`)).statusCode).toBe(400);
  });

  it('passes the host’s calls to the fake Shopify, with the form token', async () => {
    const { app } = await view();
    const { cookie, csrf, referenceId } = await placed(app);
    const changeset = { changes: [{ type: 'add_variant', variantId: DEMO_SHOPIFY_PRODUCTS[2]?.variantId, quantity: 1 }] };
    const calculate = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: `/demo/shopify/host/${referenceId}/calculate`, headers: { cookie, ...headers }, payload: { changeset } });
    const refused = await calculate({});
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'csrf_token_invalid' } });
    expect((await calculate({ 'x-plusone-demo-csrf': csrf })).json()).toMatchObject({
      status: 'processed',
      calculatedPurchase: { totalOutstandingSet: { shopMoney: { amount: '6.50' } } },
    });
    const apply = await app.inject({
      method: 'POST',
      url: `/demo/shopify/host/${referenceId}/apply`,
      headers: { cookie, 'x-plusone-demo-csrf': csrf },
      payload: { token: 'x' },
    });
    expect(apply.json()).toMatchObject({ status: 'unprocessed', errors: [{ code: 'invalid_request' }] });
  });

  it('ends the hold at the thank-you page, after which the post-purchase page is gone', async () => {
    const { app, fake } = await view();
    const { cookie, referenceId } = await placed(app);
    const thanks = await app.inject({ method: 'GET', url: `/demo/shopify/thank-you/${referenceId}`, headers: { cookie } });
    expect(thanks.body).toContain('data-fulfillment-status="UNFULFILLED"');
    expect(fake.order(referenceId)?.released).toBe(true);
    const again = await app.inject({ method: 'GET', url: `/demo/shopify/post-purchase/${referenceId}`, headers: { cookie } });
    expect(again.headers.location).toBe(`/demo/shopify/thank-you/${referenceId}`);
  });
});

describe('the host', () => {
  it('serves the extension the composition root built, and no extension without one', async () => {
    const { app } = await view();
    const served = await app.inject({ method: 'GET', url: '/demo/shopify/extension.js' });
    expect(served.headers['content-type']).toMatch(/^text\/javascript/);
    expect(served.body).toBe(EXTENSION);
    const bare = Fastify();
    await bare.register(shopifyDemoRoutes, { demoShop: () => DEMO, fakeShopify: null });
    expect((await bare.inject({ method: 'GET', url: '/demo/shopify/extension.js' })).statusCode).toBe(404);
  });

  it('renders every component the post-purchase library defines', async () => {
    const library: Record<string, unknown> = await import('@shopify/post-purchase-ui-extensions');
    const components = Object.values(library).filter((value): value is string => typeof value === 'string');
    expect(Object.keys(HOST_COMPONENTS).sort()).toEqual(components.sort());
  });

  it('embeds its data as JSON that cannot end the script element', () => {
    const text = scriptJson({ title: '</script><img src=x onerror=alert(1)> & \u2028' });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ title: '</script><img src=x onerror=alert(1)> & \u2028' });
  });
});
