/**
 * The Shopify view of the demo in real Chromium: a Shopify order placed in the fake Shopify, the real
 * post-purchase extension on the fake host's post-purchase page (talking to Plusone's /v1/shopify routes),
 * the one-click add through `applyChangeset`, the undo through the Admin API, and the thank-you page
 * showing the order as the fake Shopify holds it.
 *
 * `PLUSONE_DOCS_SCREENSHOTS=1` also saves the offer as docs/shopify-demo.png.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { expectAccessible, hasChromium, shot, useBrowser } from './support';

const base = inject('browserBase');
const browser = useBrowser();
const DOCS_SHOT = path.resolve(import.meta.dirname, '../../docs/shopify-demo.png');

/** From the demo shop's store front to the Shopify view, one bag of coffee ordered, on the post-purchase page. */
async function placeShopifyOrder(chromium: Browser, width = 1280): Promise<Page> {
  const context = await chromium.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/demo`);
  await page.getByRole('link', { name: 'Shopify post-purchase demo' }).click();
  await page.waitForURL(/\/demo\/shopify$/);
  await page.getByRole('button', { name: 'Place Shopify order' }).click();
  await page.waitForURL(/\/demo\/shopify\/post-purchase\/\d{13}$/);
  return page;
}

const payButton = (page: Page) => page.getByRole('button', { name: /^Pay now · / });

async function thankYou(page: Page) {
  await page.waitForURL(/\/demo\/shopify\/thank-you\/\d{13}$/);
  return {
    lines: await page.locator('#shopify-order-lines li.line').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-line-source'))),
    transactions: await page
      .locator('#shopify-transactions tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-transaction-kind'))),
    refunds: await page.locator('#shopify-refunds li').allTextContents(),
  };
}

describe.skipIf(!hasChromium)('the Shopify post-purchase demo in Chromium', () => {
  it('adds the offer through Shopify with the calculated charge, undoes it, and the order shows the refund', async () => {
    const page = await placeShopifyOrder(browser());
    await payButton(page).waitFor();
    // Shopify's calculated charge: $6.50 − 20 % = $5.20, plus 8 % tax ($0.42).
    expect(await payButton(page).textContent()).toBe('Pay now · $5.62');
    await expect.poll(() => page.getByText('Total charged now').isVisible()).toBe(true);
    expect(await page.getByText('Loading…').count()).toBe(0);
    await expectAccessible(page, 'Shopify offer');
    await shot(page, 'shopify-offer');
    if (process.env.PLUSONE_DOCS_SCREENSHOTS === '1') await page.screenshot({ path: DOCS_SHOT, fullPage: true });

    // Hold Shopify's answer to applyChangeset back: nothing may say "added" before it arrives.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/demo/shopify/host/*/apply', async (route) => {
      await held;
      await route.continue();
    });
    await payButton(page).click();
    const paying = page.getByRole('button', { name: 'Paying…' });
    await paying.waitFor();
    await page.waitForTimeout(500);
    expect(await paying.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'No thanks' }).isDisabled()).toBe(true);
    expect(await page.getByText('Added to your order').count()).toBe(0);
    release();

    await page.getByText('Added to your order').waitFor();
    expect(await page.getByText('$5.62 was charged to the card you paid with.').isVisible()).toBe(true);
    const undo = page.getByRole('button', { name: "Didn't mean to? Undo" });
    await undo.waitFor();
    await expect.poll(() => page.getByText(/^\d+:\d{2} left$/).isVisible()).toBe(true);
    await expectAccessible(page, 'Shopify accepted, undo available');
    await shot(page, 'shopify-accepted');

    await undo.click();
    await page.getByText("Removed from your order — you'll be refunded $5.62").waitFor();
    expect(await undo.count()).toBe(0);
    await shot(page, 'shopify-undone');
    await page.getByRole('button', { name: 'Continue' }).click();

    const order = await thankYou(page);
    expect(order.lines).toEqual(['checkout']);
    expect(order.transactions).toEqual(['SALE', 'SALE', 'REFUND']);
    expect(order.refunds).toHaveLength(1);
    expect(order.refunds[0]).toMatch(/^\$5\.62 refunded · note plusone ups_\w+:refund$/);
    expect(await page.locator('[data-fulfillment-status]').getAttribute('data-fulfillment-status')).toBe('UNFULFILLED');
    await expectAccessible(page, 'Shopify thank-you page after the undo');
    await shot(page, 'shopify-thank-you');
  });

  it('keeps the added line on the order when the buyer continues without undoing', async () => {
    const page = await placeShopifyOrder(browser());
    await payButton(page).click();
    await page.getByRole('button', { name: "Didn't mean to? Undo" }).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    const order = await thankYou(page);
    expect(order.lines).toEqual(['checkout', 'upsell']);
    expect(order.transactions).toEqual(['SALE', 'SALE']);
    expect(order.refunds).toEqual([]);
    expect(await page.locator('#shopify-order-lines').getByText('Added after checkout').isVisible()).toBe(true);
  });

  it('ends on the thank-you page with no upsell after "No thanks"', async () => {
    const page = await placeShopifyOrder(browser());
    await payButton(page).waitFor();
    await page.getByRole('button', { name: 'No thanks' }).click();
    const order = await thankYou(page);
    expect(order.lines).toEqual(['checkout']);
    expect(order.transactions).toEqual(['SALE']);
    expect(order.refunds).toEqual([]);
    expect(await page.getByText('No refunds.').isVisible()).toBe(true);
    // The hold ended at the thank-you page: Shopify no longer shows the post-purchase page for this order.
    await page.goBack();
    await page.waitForURL(/\/demo\/shopify\/thank-you\/\d{13}$/);
  });

  it('is usable at 375 px: nothing wider than the screen, the pay button in reach', async () => {
    const page = await placeShopifyOrder(browser(), 375);
    await payButton(page).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const box = await payButton(page).boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375 && box.height >= 44).toBe(true);
    await expectAccessible(page, 'Shopify offer at 375 px');
    await shot(page, 'shopify-offer-375');
  });
});
