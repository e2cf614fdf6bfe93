/**
 * The merchant admin's actions in real Chromium, in the demo shop: refunding a captured upsell from its
 * order's page, editing an offer in its rules and button copy with the buyer's widget previewed before
 * saving, duplicating it (Enter in a field saves), and starting and stopping an experiment — axe-core
 * (WCAG 2.1 AA) on each page, 375 px without horizontal scroll. With PLUSONE_DOCS_SCREENSHOTS=1 it also writes the screenshots of
 * docs/admin.md that show these pages.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, hasChromium, useBrowser } from './support';

const base = inject('browserBase');
const key = inject('demoKey');
const browser = useBrowser();
const DOCS = path.resolve(import.meta.dirname, '../../docs');
/** Offers this file creates in the shared demo shop (paused), deleted afterwards. */
const created: string[] = [];

interface Offer {
  id: string;
  name: string;
  active: boolean;
  discount: unknown;
  rules: Record<string, unknown>;
  buttonCopy: Array<{ id: string; text: string }>;
}

async function api<T>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  token = key,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (response.status === 204 ? {} : await response.json()) as T };
}

afterAll(async () => {
  const { body } = await api<{ offers: Offer[] }>('GET', '/v1/offers');
  for (const offer of body.offers.filter((candidate) => created.some((name) => candidate.name.startsWith(name))))
    await api('DELETE', `/v1/offers/${offer.id}`);
});

async function signIn(width = 1280): Promise<Page> {
  const context = await browser().newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/admin`);
  await page.getByLabel('Secret key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/admin/overview`);
  return page;
}

async function docsShot(page: Page, name: string): Promise<void> {
  if (process.env.PLUSONE_DOCS_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: path.join(DOCS, `admin-${name}.png`), fullPage: true });
}

const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** An order of House Blend, in USD, registered through the API. */
function registerOrder(externalId: string) {
  return api<{ order: { id: string }; session: { token: string }; offer: { id: string } }>(
    'POST',
    '/v1/orders',
    {
      externalId,
      currency: 'USD',
      lines: [{ productId: 'house-blend', variantId: 'house-blend-500g', title: 'House Blend Coffee', quantity: 1, unitPrice: 1800 }],
      subtotal: 1800,
      shippingTotal: 500,
      taxTotal: 149,
      total: 2449,
      taxRate: '0.0825',
      customer: { country: 'US' },
      payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
    },
    { 'idempotency-key': randomUUID() },
  );
}

/** An order of House Blend registered through the API and its offer (the filters, 20 % off) taken by the buyer. */
async function orderWithUpsell(externalId: string): Promise<string> {
  const registered = await registerOrder(externalId);
  expect(registered.status).toBe(201);
  const { order, session, offer } = registered.body;
  expect((await api('GET', '/v1/checkout/offer', undefined, {}, session.token)).status).toBe(200);
  expect((await api('POST', '/v1/checkout/accept', { offerId: offer.id }, { 'idempotency-key': randomUUID() }, session.token)).status).toBe(200);
  return order.id;
}

async function upsellState(orderId: string): Promise<string> {
  const { body } = await api<{ upsells: Array<{ id: string; state: string }> }>('GET', `/v1/upsells?orderId=${orderId}`);
  return body.upsells[0]?.state ?? 'none';
}

describe.skipIf(!hasChromium)('the merchant admin’s actions in Chromium', () => {
  it('refunds a captured upsell from its order’s page, after a confirmation naming the amount', async () => {
    const externalId = `NW-R${Date.now() % 100_000}`;
    const orderId = await orderWithUpsell(externalId);
    // The demo shop's undo window is 8 s here; the worker then captures.
    await expect.poll(() => upsellState(orderId), { timeout: 20_000 }).toBe('captured');
    const page = await signIn();
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('link', { name: externalId }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Order ${externalId}` }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    // Filters, 20 % off 6.50 = 5.20, 8.25 % tax 0.43: 5.63.
    await expect.poll(() => page.getByRole('heading', { name: 'Refund $5.63?' }).isVisible()).toBe(true);
    expect(await page.locator('main').textContent()).toContain('Visa ending 4242');
    expect(await upsellState(orderId)).toBe('captured');
    await expectAccessible(page, 'refund confirmation');
    await page.setViewportSize({ width: 375, height: 900 });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'refund confirmation at 375 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel('Reason (optional)').fill('Arrived damaged');
    await docsShot(page, 'refund');
    await page.getByRole('button', { name: 'Refund $5.63' }).click();
    await page.waitForURL(/\/admin\/orders\/ord_\w+\?refunded=1$/);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Refunded: $5.63 goes back to the buyer’s Visa ending 4242.');
    expect(await upsellState(orderId)).toBe('refunded');
    expect(await page.getByRole('button', { name: 'Refund', exact: true }).count()).toBe(0);
    expect(await page.locator('ol.timeline').textContent()).toContain('Arrived damaged');
    await expectAccessible(page, 'refunded order');
    await docsShot(page, 'refunded');
  });

  it('edits an offer’s rules and button copy, previews the buyer’s widget without saving, then saves and duplicates it', async () => {
    const name = `Dripper for coffee buyers ${Date.now() % 100_000}`;
    created.push(name);
    const made = await api<{ offer: Offer }>('POST', '/v1/offers', {
      name,
      variantId: 'pour-over-white',
      discount: { type: 'percentage', value: 10 },
      priority: -20,
      active: false,
    });
    expect(made.status).toBe(201);
    const offerId = made.body.offer.id;
    // The shop's main currency, which subtotals are typed in and the preview starts with, is its orders' (USD).
    expect((await registerOrder(`NW-E${Date.now() % 100_000}`)).status).toBe(201);
    const page = await signIn();
    await page.getByRole('link', { name: 'Offers', exact: true }).click();
    await page.getByRole('link', { name, exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Edit “${name}”` }).isVisible()).toBe(true);
    const preview = page.getByRole('complementary', { name: 'Preview' });
    // 24.00 − 10 %: the button says the exact charge, the card line names the sample card.
    expect(await preview.getByRole('button', { name: 'Add for $21.60' }).isVisible()).toBe(true);
    expect(await preview.textContent()).toContain('Charged to your Visa ending 4242');
    await expectAccessible(page, 'offer editor');

    await page.getByLabel('Discount').fill('25');
    await page.getByLabel('Only for orders with one of these products').selectOption(['house-blend', 'filters']);
    await page.getByLabel('Order subtotal at least (USD)').fill('30');
    await page.getByLabel('Customer countries').fill('us, ca');
    await page.getByLabel('Customer tags').fill('coffee club');
    await page.getByLabel('First orders only').check();
    await page.getByLabel('Button text 1').fill('Treat yourself: {price}');
    await page.getByLabel('Sample tax rate (%)').fill('8.25');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    // 24.00 − 25 % = 18.00, 8.25 % tax 1.49 (1.485 rounded half away from zero): 19.49, not saved yet.
    await expect.poll(() => preview.getByRole('button', { name: 'Treat yourself: $19.49' }).isVisible()).toBe(true);
    expect(await preview.textContent()).toContain('Includes $1.49 tax');
    expect(await preview.textContent()).toContain('not saved yet');
    expect(await page.getByLabel('Customer countries').inputValue()).toBe('us, ca');
    expect((await api<{ offer: Offer }>('GET', `/v1/offers/${offerId}`)).body.offer.discount).toEqual({ type: 'percentage', value: 10 });
    await expectAccessible(page, 'offer editor with a preview');
    await docsShot(page, 'offer-edit');

    await page.getByRole('button', { name: 'Save offer' }).click();
    await page.waitForURL(`${base}/admin/offers/${offerId}?saved=1`);
    expect(await page.getByRole('status').first().textContent()).toContain('Saved.');
    const saved = (await api<{ offer: Offer }>('GET', `/v1/offers/${offerId}`)).body.offer;
    expect(saved).toMatchObject({
      active: false,
      discount: { type: 'percentage', value: 25 },
      rules: {
        anyProductIds: ['filters', 'house-blend'],
        minSubtotal: 3000,
        countries: ['US', 'CA'],
        customerTags: ['coffee club'],
        firstOrderOnly: true,
      },
      buttonCopy: [{ id: 'copy-1', text: 'Treat yourself: {price}' }],
    });

    // Enter in a field saves (not previews, not adds a row).
    await page.getByLabel('Name').fill(`${name} v2`);
    await page.getByLabel('Name').press('Enter');
    await page.waitForURL(`${base}/admin/offers/${offerId}?saved=1`);
    await expect.poll(async () => (await api<{ offer: Offer }>('GET', `/v1/offers/${offerId}`)).body.offer.name).toBe(`${name} v2`);

    await page.getByRole('button', { name: `Duplicate ${name} v2` }).click();
    await page.waitForURL(/\/admin\/offers\/off_\w+\?duplicated=1$/);
    await expect.poll(() => page.getByRole('heading', { name: `Edit “${name} v2 (copy)”` }).isVisible()).toBe(true);
    expect(await page.getByLabel('Active').isChecked()).toBe(false);
    expect(await page.getByLabel('Customer countries').inputValue()).toBe('US, CA');
    await expectAccessible(page, 'duplicated offer');
  });

  it('fits the offer editor and the new-experiment form into 375 px, axe-clean', async () => {
    const name = `Narrow editor ${Date.now() % 100_000}`;
    created.push(name);
    const made = await api<{ offer: Offer }>('POST', '/v1/offers', {
      name,
      variantId: 'filters-100',
      active: false,
      buttonCopy: [{ id: 'a', text: 'Yes: {price}' }],
    });
    const page = await signIn(375);
    for (const url of [`/admin/offers/${made.body.offer.id}`, '/admin/offers/new', '/admin/experiments/new']) {
      await page.goto(`${base}${url}`);
      expect(await horizontalOverflow(page), url).toBeLessThanOrEqual(0);
      await expectAccessible(page, `${url} at 375 px`);
    }
    await page.goto(`${base}/admin/offers/${made.body.offer.id}`);
    await docsShot(page, 'offer-edit-375');
  });

  it('starts an experiment after its confirmation, shows its verdict per arm, and stops it after another', async () => {
    const name = `Experiment subject ${Date.now() % 100_000}`;
    created.push(name);
    const made = await api<{ offer: Offer }>('POST', '/v1/offers', { name, variantId: 'filters-100', active: false });
    const page = await signIn();
    await page.getByRole('link', { name: 'Experiments', exact: true }).click();
    await page.getByRole('link', { name: 'New experiment' }).click();
    await page.getByLabel('Experiment name').fill(`${name}: shorter button`);
    await page.getByLabel('Offer under test').selectOption({ label: name });
    await page.getByLabel('Holdout (% of orders shown no offer)').fill('10');
    await page.getByLabel('Arm 2 label').fill('Short copy');
    await page.getByLabel('Arm 2 button text').fill('Add: {price}');
    await expectAccessible(page, 'new experiment');
    await docsShot(page, 'new-experiment');
    await page.getByRole('button', { name: 'Review the experiment' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Start the experiment?' }).isVisible()).toBe(true);
    expect(await page.locator('main').textContent()).toContain('Short copy: 45% of the orders see the button “Add: {price}”.');
    await expectAccessible(page, 'experiment confirmation');
    await page.getByRole('button', { name: 'Start experiment' }).click();
    await page.waitForURL(/\/admin\/experiments\/exp_\w+\?started=1$/);
    await expect.poll(() => page.getByRole('table', { name: 'Arms, with always-valid intervals' }).isVisible()).toBe(true);
    expect(await page.getByRole('rowheader', { name: /Short copy/ }).isVisible()).toBe(true);
    await expectAccessible(page, 'experiment');
    await docsShot(page, 'experiment');
    await page.setViewportSize({ width: 375, height: 900 });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Stop experiment' }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Stop “${name}: shorter button”?` }).isVisible()).toBe(true);
    await expectAccessible(page, 'stop confirmation');
    await page.getByRole('button', { name: 'Stop experiment' }).click();
    await page.waitForURL(/\?stopped=1$/);
    const { body } = await api<{ experiments: Array<{ offerId: string; status: string }> }>('GET', `/v1/experiments?offerId=${made.body.offer.id}`);
    expect(body.experiments.map((experiment) => experiment.status)).toEqual(['stopped']);
  });
});
