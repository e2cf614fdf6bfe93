/**
 * The buyer's page remembers what happened, in real Chromium: a reload after an accept shows the undo
 * with the time left, the widget follows the upsell until the charge ("added and charged"), the order
 * summary shows the added line at once; the sandbox 3-D Secure page names the shop and the card and fits
 * a 375 px phone; the demo's pages refuse to be framed by another site.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { UNDO_WINDOW_SECONDS } from './server-setup';
import { buyInDemo, expectAccessible, hasChromium, shot, useBrowser } from './support';

const base = inject('browserBase');
const browser = useBrowser();
const buy = (card = 'pm_sandbox_visa', width = 1280) => buyInDemo(browser(), base, { card, width });

const state = (page: Page) => page.locator('.plusone-offer').getAttribute('data-plusone-state');
const status = (page: Page) => page.locator('.plusone-offer__status').textContent();
const upsellLines = (page: Page) => page.locator('#order-summary li[data-line-source="upsell"]').count();

describe.skipIf(!hasChromium)('the confirmation page after a reload', () => {
  it('shows the undo after an accept, follows to "added and charged", and the summary shows the added line', async () => {
    const page = await buy();
    expect(await upsellLines(page)).toBe(0);
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    // The summary above the offer is fetched again after the accept.
    await expect.poll(() => upsellLines(page)).toBe(1);

    await page.reload();
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await page.locator('.plusone-offer__accept').count()).toBe(0);
    expect(await page.locator('.plusone-offer__undo-button').isVisible()).toBe(true);
    expect(await page.locator('.plusone-offer__timer').textContent()).toMatch(/^0:0\d left$/);
    expect(await status(page)).toMatch(/^Added to your order\. You can undo until /);
    expect(await upsellLines(page)).toBe(1);
    await expectAccessible(page, 'reloaded, undo available');
    await shot(page, 'reload-accepted');

    // Past the window the worker captures; the widget follows without a reload.
    await page.locator('.plusone-offer[data-plusone-state="captured"]').waitFor({ timeout: (UNDO_WINDOW_SECONDS + 20) * 1000 });
    expect(await status(page)).toBe('Added to your order and charged to your card.');
    await page.reload();
    expect(await state(page)).toBe('captured');
    expect(await status(page)).toBe('Added to your order and charged to your card.');
    expect(await page.locator('.plusone-offer__undo-button').count()).toBe(0);
    await shot(page, 'reload-captured');
  });

  it('shows "removed" after an undo, and the summary loses the line again', async () => {
    const page = await buy();
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    await page.click('.plusone-offer__undo-button');
    await page.locator('.plusone-offer[data-plusone-state="removed"]').waitFor();
    await expect.poll(() => upsellLines(page)).toBe(0);
    await page.reload();
    expect(await state(page)).toBe('removed');
    expect(await status(page)).toBe('Removed — you will not be charged');
  });

  it('tells the buyer when the charge failed after the window', async () => {
    const page = await buy('pm_sandbox_capture_fails');
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="capture_failed"]').waitFor({ timeout: (UNDO_WINDOW_SECONDS + 20) * 1000 });
    expect(await status(page)).toMatch(/^We couldn’t charge your card/);
    await expect.poll(() => upsellLines(page)).toBe(0);
    await expectAccessible(page, 'capture failed');
  });
});

describe.skipIf(!hasChromium)('the sandbox 3-D Secure page', () => {
  it('names the shop and the card of the token, and fits 375 px without horizontal scrolling', async () => {
    const page = await buy('pm_sandbox_3ds_required', 375);
    await page.click('.plusone-offer__accept');
    const frame = page.frameLocator('iframe.plusone-offer__frame');
    await frame.getByRole('button', { name: 'Complete authentication' }).waitFor();
    const src = await page.locator('iframe.plusone-offer__frame').getAttribute('src');
    expect(src).toBeTruthy();

    const phone = await browser().newContext({ viewport: { width: 375, height: 700 } });
    const challenge = await phone.newPage();
    await challenge.goto(String(src));
    const text = await challenge.locator('main').textContent();
    expect(text).toContain('Northwind Coffee (demo)');
    expect(text).toContain('Visa ending 3184');
    expect(await challenge.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await expectAccessible(challenge, '3-D Secure page at 375 px');
    await shot(challenge, '3ds-375');
    await phone.close();
  });
});

describe.skipIf(!hasChromium)('framing', () => {
  it("refuses to show the demo pages inside another site's frame", async () => {
    const page = await buy();
    const attacker = await (await browser().newContext()).newPage();
    for (const url of [`${base}/demo`, page.url()]) {
      await attacker.route('http://attacker.test/', (route) =>
        route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>x</title><iframe id="victim" src="${url}"></iframe>` }),
      );
      await attacker.goto('http://attacker.test/');
      await attacker.waitForTimeout(1_000);
      const framed = attacker.frames().find((frame) => frame !== attacker.mainFrame());
      // A refused frame never gets the page: nothing of the shop to click through an overlay.
      expect(framed?.url(), url).not.toBe(url);
      // Chromium replaces a refused frame with its own error page ("… is blocked").
      expect(framed?.url(), url).toBe('chrome-error://chromewebdata/');
      expect(framed ? await framed.locator('.plusone-offer, .site-header').count() : 0, url).toBe(0);
      await attacker.unroute('http://attacker.test/');
    }
    // The same page framed by its own origin is shown (the sandbox card field relies on that rule too).
    expect(await page.evaluate(() => document.querySelectorAll('h1').length)).toBe(1);
  });
});
