/**
 * The buyer's side in real Chromium: the demo shop's checkout (sandbox hosted card field), then the
 * confirmation page with the offer below the order summary, through every state the widget has.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { UNDO_WINDOW_SECONDS } from './server-setup';
import { buyInDemo, expectAccessible, hasChromium, shot, useBrowser, type Purchase } from './support';

const base = inject('browserBase');
const browser = useBrowser();
const buy = (purchase: Purchase = {}) => buyInDemo(browser(), base, purchase);

const offer = (page: Page) => page.locator('.plusone-offer');
const status = (page: Page) => page.locator('.plusone-offer__status');
const state = (page: Page) => offer(page).getAttribute('data-plusone-state');

async function orderLines(page: Page): Promise<string[]> {
  await page.getByRole('link', { name: 'View your order' }).click();
  await page.waitForURL(/\/demo\/orders\/[^/]+$/);
  return page.locator('#order-lines li.line').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-line-source') ?? ''));
}

describe.skipIf(!hasChromium)('the confirmation page in Chromium', () => {
  it('shows the offer below the summary with the exact charge, and confirms only after the API accepted', async () => {
    const page = await buy();
    const summary = await page.locator('#order-summary').boundingBox();
    const box = await offer(page).boundingBox();
    expect(box && summary && box.y >= summary.y + summary.height).toBe(true);
    await expect.poll(() => page.locator('.plusone-offer__accept').textContent()).toBe('Add for $5.63');
    expect(await page.locator('.plusone-offer__card').textContent()).toBe('Charged to your Visa ending 4242');
    await expectAccessible(page, 'offer shown');
    await shot(page, 'confirmation-offer');

    // Hold the API's answer back: nothing may say "added" before it arrives.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/checkout/accept', async (route) => {
      await held;
      await route.continue();
    });
    await page.click('.plusone-offer__accept');
    await page.waitForTimeout(500);
    expect(await state(page)).toBe('busy');
    expect(await page.locator('.plusone-offer__accept').getAttribute('aria-busy')).toBe('true');
    expect(await status(page).textContent()).not.toContain('Added');
    release();
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await status(page).textContent()).toMatch(/^Added to your order\. You can undo until /);
    expect(await page.locator('.plusone-offer__undo-button').isVisible()).toBe(true);
    await expectAccessible(page, 'accepted, undo available');
    await shot(page, 'confirmation-accepted');
    expect(await orderLines(page)).toEqual(['checkout', 'upsell']);
    await shot(page, 'order-updated');
  });

  it('sends one accept however often the button is clicked', async () => {
    const page = await buy();
    const accepts: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/checkout/accept')) accepts.push(request.url());
    });
    await page.locator('.plusone-offer__accept').dblclick();
    await page
      .locator('.plusone-offer__accept')
      .click({ force: true, trial: false })
      .catch(() => undefined);
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(accepts).toHaveLength(1);
    expect(await orderLines(page)).toEqual(['checkout', 'upsell']);
  });

  it('says kindly that a declined card was not charged', async () => {
    const page = await buy({ card: 'pm_sandbox_declined' });
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="declined"]').waitFor();
    expect(await status(page).textContent()).toBe('Your card was declined. You have not been charged.');
    await expectAccessible(page, 'declined');
    await shot(page, 'confirmation-declined');
    expect(await orderLines(page)).toEqual(['checkout']);
  });

  it('runs the 3-D Secure challenge in a dialog and then confirms', async () => {
    const page = await buy({ card: 'pm_sandbox_3ds_required' });
    await page.click('.plusone-offer__accept');
    const dialog = page.locator('dialog.plusone-offer__dialog[open]');
    await dialog.waitFor();
    await page.frameLocator('iframe.plusone-offer__frame').getByRole('button', { name: 'Complete authentication' }).waitFor();
    await expectAccessible(page, '3-D Secure dialog');
    await shot(page, 'confirmation-3ds');
    await page.frameLocator('iframe.plusone-offer__frame').getByRole('button', { name: 'Complete authentication' }).click();
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await orderLines(page)).toEqual(['checkout', 'upsell']);
  });

  it('shows "confirming" while the bank is slow, then the final answer', async () => {
    const page = await buy({ card: 'pm_sandbox_timeout' });
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="pending"]').waitFor();
    expect(await status(page).textContent()).toMatch(/Confirming/);
    await shot(page, 'confirmation-pending');
    await expectAccessible(page, 'pending');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor({ timeout: 30_000 });
    expect(await orderLines(page)).toEqual(['checkout', 'upsell']);
  });

  it('undoes within the window: removed, not charged, and gone from the order', async () => {
    const page = await buy();
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    await page.click('.plusone-offer__undo-button');
    await page.locator('.plusone-offer[data-plusone-state="removed"]').waitFor();
    expect(await status(page).textContent()).toBe('Removed — you will not be charged');
    await expectAccessible(page, 'removed');
    await shot(page, 'confirmation-removed');
    expect(await orderLines(page)).toEqual(['checkout']);
  });

  it('takes the undo link away when the window has passed', async () => {
    const page = await buy({ reducedMotion: true });
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await page.locator('.plusone-offer__timer').count()).toBe(0);
    await page.locator('.plusone-offer__undo').waitFor({ state: 'detached', timeout: (UNDO_WINDOW_SECONDS + 5) * 1000 });
    expect(await status(page).textContent()).toBe('Added to your order');
    await expectAccessible(page, 'accepted, window closed');
  });

  it('closes the offer quietly on "No thanks"', async () => {
    const page = await buy();
    await page.click('.plusone-offer__decline');
    await page.locator('.plusone-offer[data-plusone-state="dismissed"]').waitFor();
    await expectAccessible(page, 'dismissed');
    expect(await orderLines(page)).toEqual(['checkout']);
  });

  it('fits a 375 px phone without horizontal scrolling', async () => {
    const page = await buy({ width: 375 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(page, 'confirmation-mobile');
  });

  it('speaks German with German money formatting for a German order', async () => {
    const page = await buy({ locale: 'de-DE' });
    const button = (await page.locator('.plusone-offer__accept').textContent())?.replace(/\s/g, ' ');
    expect(button).toBe('Für 5,63 $ hinzufügen');
    expect(await page.locator('html').getAttribute('lang')).toBe('de-DE');
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await status(page).textContent()).toMatch(/^Zu Ihrer Bestellung hinzugefügt/);
    await shot(page, 'confirmation-german');
  });
});
