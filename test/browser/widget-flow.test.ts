/**
 * What the widget tells the page and the API along the way, in real Chromium on the demo's confirmation
 * page: the events the merchant's analytics listen to, the Idempotency-Key a retry reuses, where focus
 * goes, and a 3-D Secure step the buyer cancels and starts again.
 */
import type { Page, Request } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { buyInDemo, hasChromium, useBrowser, type Purchase } from './support';

const base = inject('browserBase');
const browser = useBrowser();

const EVENTS = ['viewed', 'accepted', 'declined', 'dismissed', 'cancelled', 'pending', 'requires_action', 'captured', 'capture_failed', 'error'];

interface Dispatched {
  name: string;
  detail: Record<string, unknown>;
}

/** The confirmation page with the offer ready, recording every `plusone:*` event from the widget's start. */
async function confirmationPage(purchase: Purchase = {}): Promise<Page> {
  const page = await buyInDemo(browser(), base, purchase);
  await page.addInitScript((names: string[]) => {
    const seen: unknown[] = [];
    Object.assign(window, { plusoneEvents: seen });
    for (const name of names) document.addEventListener(`plusone:${name}`, (event) => seen.push({ name, detail: (event as CustomEvent).detail }));
  }, EVENTS);
  await page.reload();
  await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
  return page;
}

const events = (page: Page) => page.evaluate(() => (window as unknown as { plusoneEvents: Dispatched[] }).plusoneEvents);
const state = (page: Page) => page.locator('.plusone-offer').getAttribute('data-plusone-state');
const status = (page: Page) => page.locator('.plusone-offer__status').textContent();
const statusHasFocus = (page: Page) => page.evaluate(() => document.activeElement?.classList.contains('plusone-offer__status') ?? false);
const acceptRequests = (page: Page) => {
  const sent: Request[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/v1/checkout/accept') && request.method() === 'POST') sent.push(request);
  });
  return sent;
};

describe.skipIf(!hasChromium)('the widget in Chromium', () => {
  it('accept › retries with the same Idempotency-Key after a network error, and reports each step as an event', async () => {
    const page = await confirmationPage();
    const sent = acceptRequests(page);
    let lost = false;
    await page.route('**/v1/checkout/accept', (route) => {
      if (lost) return route.continue();
      lost = true;
      return route.abort('failed');
    });
    await page.click('.plusone-offer__accept');
    await expect.poll(() => status(page)).toBe('Something went wrong. Please try again.');
    expect(await state(page)).toBe('ready');
    expect(await statusHasFocus(page)).toBe(true);
    expect(await page.locator('.plusone-offer__accept').getAttribute('aria-busy')).toBe('false');

    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(sent).toHaveLength(2);
    const [first, retry] = await Promise.all(sent.map((request) => request.allHeaders()));
    expect(first?.['idempotency-key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(retry?.['idempotency-key']).toBe(first?.['idempotency-key']);
    expect(sent[1]?.postDataJSON()).toMatchObject({ offerId: expect.stringMatching(/^off_/), browserInfo: { javaEnabled: false } });

    const seen = await events(page);
    expect(seen.map((event) => event.name)).toEqual(['viewed', 'error', 'accepted']);
    const offerId = seen[0]?.detail.offerId;
    expect(seen[0]?.detail).toEqual({ offerId, amount: 563, currency: 'USD' });
    expect(seen[1]?.detail).toEqual({ offerId, amount: 563, currency: 'USD', code: 'network_error' });
    expect(seen[2]?.detail).toEqual({ offerId, upsellId: expect.stringMatching(/^ups_/), amount: 563, currency: 'USD' });
    expect(await statusHasFocus(page)).toBe(true);
  });

  it('undo › reports plusone:cancelled with the upsell and keeps focus on the status line', async () => {
    const page = await confirmationPage();
    await page.click('.plusone-offer__accept');
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    expect(await page.locator('.plusone-offer__timer').getAttribute('aria-hidden')).toBe('true');
    expect(await page.locator('.plusone-offer__timer').textContent()).toMatch(/^0:0\d left$/);
    await page.getByRole('button', { name: "Didn't mean to? Undo" }).click();
    await page.locator('.plusone-offer[data-plusone-state="removed"]').waitFor();
    expect(await page.locator('.plusone-offer__undo').count()).toBe(0);
    expect(await statusHasFocus(page)).toBe(true);
    const seen = await events(page);
    expect(seen.map((event) => event.name)).toEqual(['viewed', 'accepted', 'cancelled']);
    expect(seen[2]?.detail.upsellId).toBe(seen[1]?.detail.upsellId);
  });

  it('no thanks › posts the decline for the offer, announces it and reports plusone:dismissed', async () => {
    const page = await confirmationPage();
    const declined = page.waitForRequest((request) => request.url().endsWith('/v1/checkout/decline') && request.method() === 'POST');
    await page.click('.plusone-offer__decline');
    const request = await declined;
    await page.locator('.plusone-offer[data-plusone-state="dismissed"]').waitFor();
    const seen = await events(page);
    expect(request.postDataJSON()).toEqual({ offerId: seen[0]?.detail.offerId });
    expect(await status(page)).toBe('No problem — your order is unchanged.');
    expect(await statusHasFocus(page)).toBe(true);
    expect(seen.map((event) => event.name)).toEqual(['viewed', 'dismissed']);
  });

  it('3-D Secure › Cancel closes the dialog without a charge, and the next click opens the step again', async () => {
    const page = await confirmationPage({ card: 'pm_sandbox_3ds_required' });
    const sent = acceptRequests(page);
    await page.click('.plusone-offer__accept');
    const dialog = page.getByRole('dialog', { name: 'Confirm with your bank' });
    await dialog.waitFor();
    expect(await state(page)).toBe('busy');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
    expect(await page.locator('dialog.plusone-offer__dialog').count()).toBe(0);
    expect(await status(page)).toBe('Not confirmed — nothing was added and you have not been charged.');
    expect(await statusHasFocus(page)).toBe(true);

    await page.click('.plusone-offer__accept');
    await page.frameLocator('iframe.plusone-offer__frame').getByRole('button', { name: 'Complete authentication' }).click();
    await page.locator('.plusone-offer[data-plusone-state="accepted"]').waitFor();
    // The first accept was answered (requires_action), so the new click is a new request with its own key.
    const [first, second] = await Promise.all(sent.map((request) => request.allHeaders()));
    expect(sent).toHaveLength(2);
    expect(second?.['idempotency-key']).not.toBe(first?.['idempotency-key']);
    expect((await events(page)).map((event) => event.name)).toEqual(['viewed', 'requires_action', 'requires_action', 'accepted']);
  });
});
