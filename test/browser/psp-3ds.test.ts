/**
 * 3-D Secure with real-PSP shops. Stripe: the widget loads Stripe.js only when the bank asks (here the
 * fake Stripe.js served by the fake Stripe API the server charges through), runs `handleNextAction` with
 * the PaymentIntent's client secret and finishes the accept; a failed authentication ends declined.
 * Adyen: the page's own `window.plusoneAuthenticate` runs the step and the widget posts its details.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAKE_ADYEN_METHODS, FAKE_SHOPPER } from '../fakes/adyen';
import { BROWSER_ADYEN } from './server-setup';
import { expectAccessible, hasChromium, launch, shot } from './support';

const base = inject('browserBase');
const adminToken = inject('adminToken');
let browser: Browser;
let merchant: Server;
let merchantOrigin = '';
let shopKey = '';
let adyenKey = '';

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function sessionToken(
  key = shopKey,
  payment: Record<string, string> = {
    gateway: 'stripe',
    customerRef: 'cus_browser',
    paymentMethodRef: 'pm_card_authenticationRequired',
    brand: 'visa',
    last4: '3184',
  },
): Promise<string> {
  const registered = await api('POST', '/v1/orders', key, {
    externalId: `stripe-${randomUUID()}`,
    currency: 'USD',
    lines: [{ productId: 'beans', variantId: 'beans-1kg', title: 'Beans', quantity: 1, unitPrice: 3000 }],
    subtotal: 3000,
    shippingTotal: 0,
    taxTotal: 0,
    total: 3000,
    customer: { country: 'US' },
    payment,
  });
  return (registered.session as { token: string }).token;
}

beforeAll(async () => {
  if (!hasChromium) return;
  merchant = createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    const token = query.get('session') ?? '';
    // The page's own 3-D Secure step, as a page with Adyen Web would run it (here: the fake issuer's answer).
    const own =
      query.get('own') === '1'
        ? `<script>window.plusoneSteps = []; window.plusoneAuthenticate = async (action) => { window.plusoneSteps.push(action.data.subtype); return { threeDSResult: btoa(JSON.stringify({ transStatus: 'Y', authorisationToken: action.data.authorisationToken })) }; };</script>`
        : '';
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><html lang="en"><head><title>Order confirmed</title></head><body><main>
      <h1>Thanks for your order</h1><section><h2>Order summary</h2><p>Beans — $30.00</p></section>
      <div data-plusone-session="${token}"></div>${own}
      <script src="${base}/widget.js" defer></script></main></body></html>`);
  });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  merchantOrigin = `http://localhost:${(merchant.address() as AddressInfo).port}`;
  const adyenShop = await api('POST', '/v1/shops', adminToken, {
    name: 'Adyen roastery',
    settings: { gateway: 'adyen', allowedOrigins: [merchantOrigin], gatewayCredentials: { adyen: BROWSER_ADYEN } },
  });
  adyenKey = adyenShop.secretKey as string;
  const shop = await api('POST', '/v1/shops', adminToken, {
    name: 'Stripe roastery',
    settings: {
      gateway: 'stripe',
      allowedOrigins: [merchantOrigin],
      gatewayCredentials: {
        stripe: { secretKey: 'sk_test_51BrowserSecret000000000004242', publishableKey: 'pk_test_51BrowserPublishable00000009999' },
      },
    },
  });
  shopKey = shop.secretKey as string;
  for (const key of [shopKey, adyenKey]) {
    await api('PUT', '/v1/products/beans', key, {
      title: 'Beans',
      variants: [{ id: 'beans-1kg', title: '1 kg', prices: [{ currency: 'USD', amount: 3000 }] }],
    });
    await api('PUT', '/v1/products/filters', key, {
      title: 'Paper filters',
      variants: [{ id: 'filters-100', title: '100', prices: [{ currency: 'USD', amount: 599 }] }],
    });
    await api('POST', '/v1/offers', key, { name: 'Filters', variantId: 'filters-100' });
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (merchant ? merchant.close(() => resolve()) : resolve()));
});

async function acceptWithChallenge(page: Page): Promise<void> {
  await page.goto(`${merchantOrigin}/confirmation?session=${await sessionToken()}`);
  await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
  expect(await page.evaluate(() => 'Stripe' in window)).toBe(false);
  await page.click('.plusone-offer__accept');
  await page.getByRole('dialog', { name: 'Confirm this payment (test)' }).waitFor();
}

describe.skipIf(!hasChromium)('Stripe 3-D Secure in the widget', () => {
  it('loads Stripe.js on demand, runs handleNextAction and confirms the upsell', async () => {
    const page = await browser.newPage();
    await acceptWithChallenge(page);
    expect(await page.evaluate(() => 'Stripe' in window)).toBe(true);
    await shot(page, 'stripe-3ds-challenge');
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await page.locator('.plusone-offer').textContent()).toContain('3184');
    await expectAccessible(page, 'stripe-accepted');
    await shot(page, 'stripe-3ds-accepted');
  });

  it('ends declined, charging nothing, when the buyer fails authentication', async () => {
    const page = await browser.newPage();
    await acceptWithChallenge(page);
    await page.getByRole('button', { name: 'Fail authentication' }).click();
    await page.locator('.plusone-offer[data-plusone-state="declined"]').waitFor();
    await shot(page, 'stripe-3ds-declined');
  });
});

describe.skipIf(!hasChromium)('a PSP whose browser SDK the page runs itself (Adyen)', () => {
  it("hands the action to the page's plusoneAuthenticate and posts its details to complete", async () => {
    const page = await browser.newPage();
    const token = await sessionToken(adyenKey, {
      gateway: 'adyen',
      customerRef: FAKE_SHOPPER,
      paymentMethodRef: FAKE_ADYEN_METHODS.challenge,
      brand: 'visa',
      last4: '1111',
    });
    await page.goto(`${merchantOrigin}/confirmation?own=1&session=${token}`);
    await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
    const sent = page.waitForRequest((request) => request.url().endsWith('/v1/checkout/accept') && request.method() === 'POST');
    await page.click('.plusone-offer__accept');
    // The browser's 3-D Secure 2 fields go with the accept (the server adds origin, User-Agent and IP;
    // the fake Adyen refuses an incomplete browserInfo, so "accepted" also says the whole of it arrived).
    const screen = await page.evaluate(() => ({ screenHeight: window.screen.height, screenWidth: window.screen.width }));
    expect((await sent).postDataJSON()).toMatchObject({
      browserInfo: {
        colorDepth: 24,
        ...screen,
        javaEnabled: false,
        language: expect.stringMatching(/^[a-z]{2}/),
        timeZoneOffset: expect.any(Number),
      },
    });
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    await shot(page, 'adyen-3ds-accepted');
  });

  it('runs the challenge that follows the device fingerprint, as a second step of the same accept', async () => {
    const page = await browser.newPage();
    const token = await sessionToken(adyenKey, {
      gateway: 'adyen',
      customerRef: FAKE_SHOPPER,
      paymentMethodRef: FAKE_ADYEN_METHODS.fingerprintThenChallenge,
      brand: 'visa',
      last4: '1111',
    });
    await page.goto(`${merchantOrigin}/confirmation?own=1&session=${token}`);
    await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await page.evaluate(() => (window as unknown as { plusoneSteps: string[] }).plusoneSteps)).toEqual(['fingerprint', 'challenge']);
  });
});
