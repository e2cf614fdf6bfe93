/**
 * A merchant's own confirmation page on another origin, embedding Plusone with only the wrapper div and
 * the script tag: the widget fetches the fragment and accepts across origins, allowed by the shop's
 * `allowedOrigins`; a page on an origin the shop does not allow gets nothing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasChromium, launch, shot } from './support';

const base = inject('browserBase');
const key = inject('demoKey');
let browser: Browser;
let merchant: Server;
let merchantOrigin = '';

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json() as Promise<Record<string, unknown>>;
}

/** A paid order of the demo shop; returns its session token. */
async function sessionToken(): Promise<string> {
  const registered = await api('POST', '/v1/orders', {
    externalId: `embed-${randomUUID()}`,
    currency: 'USD',
    lines: [{ productId: 'house-blend', variantId: 'house-blend-500g', title: 'House Blend', quantity: 1, unitPrice: 1800 }],
    subtotal: 1800,
    shippingTotal: 500,
    taxTotal: 149,
    total: 2449,
    taxRate: '0.0825',
    customer: { country: 'US' },
    payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
  });
  const session = registered.session as { token: string } | undefined;
  if (!session) throw new Error(`registering the order failed: ${JSON.stringify(registered)}`);
  return session.token;
}

beforeAll(async () => {
  if (!hasChromium) return;
  merchant = createServer((request, response) => {
    const token = new URL(request.url ?? '/', 'http://x').searchParams.get('session') ?? '';
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><html lang="en"><head><title>Order confirmed</title></head><body><main>
      <h1>Thanks for your order</h1><section id="summary"><h2>Order summary</h2><p>House Blend — $24.49</p></section>
      <div data-plusone-session="${token}"></div>
      <script src="${base}/widget.js" defer></script></main></body></html>`);
  });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  merchantOrigin = `http://localhost:${(merchant.address() as AddressInfo).port}`;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (merchant ? merchant.close(() => resolve()) : resolve()));
});

describe.skipIf(!hasChromium)('embedding on another origin', () => {
  it('refuses a page whose origin the shop does not allow, then works once it is allowed', async () => {
    const page = await browser.newPage();
    await page.goto(`${merchantOrigin}/confirmation?session=${await sessionToken()}`);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('.plusone-offer').count()).toBe(0);

    const shop = (await api('GET', '/v1/shop')).shop as { settings: { allowedOrigins: string[] } };
    const patched = await api('PATCH', '/v1/shop', { settings: { allowedOrigins: [...shop.settings.allowedOrigins, merchantOrigin] } });
    expect(patched.shop, JSON.stringify(patched)).toBeDefined();

    await page.goto(`${merchantOrigin}/confirmation?session=${await sessionToken()}`);
    await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
    expect(await page.locator('.plusone-offer__accept').textContent()).toBe('Add for $5.63');
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    await shot(page, 'embedded-accepted');
  });
});
