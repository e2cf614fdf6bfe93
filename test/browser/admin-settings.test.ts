/**
 * The admin's Settings in real Chromium, on a shop of its own (so the demo shop the other files use keeps
 * its settings): change a setting and find it in the audit log as made in the admin, a forged form token
 * refused with nothing changed, an API key created (shown once) and revoked — axe-core (WCAG 2.1 AA) on each
 * page, 375 px without horizontal scroll. With PLUSONE_DOCS_SCREENSHOTS=1 it writes docs/admin.md's
 * screenshots of these pages.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, hasChromium, useBrowser } from './support';

const base = inject('browserBase');
const operatorToken = inject('adminToken');
const browser = useBrowser();
const DOCS = path.resolve(import.meta.dirname, '../../docs');

let secretKey = '';

async function api<T>(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  if (!hasChromium) return;
  const created = await api<{ secretKey: string }>('POST', '/v1/shops', operatorToken, { name: 'Settings Roastery' });
  expect(created.status).toBe(201);
  secretKey = created.body.secretKey;
});

async function signIn(width = 1280): Promise<Page> {
  const context = await browser().newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/admin`);
  await page.getByLabel('Secret key').fill(secretKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/admin/overview`);
  return page;
}

async function docsShot(page: Page, name: string): Promise<void> {
  if (process.env.PLUSONE_DOCS_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: path.join(DOCS, `admin-${name}.png`), fullPage: true });
}

const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

const undoWindow = async () =>
  (await api<{ shop: { settings: { undoWindowSeconds: number } } }>('GET', '/v1/shop', secretKey)).body.shop.settings.undoWindowSeconds;

describe.skipIf(!hasChromium)('merchant admin settings (Chromium)', () => {
  it('changes a setting and shows it in the audit log as made in the admin with this key', async () => {
    const page = await signIn();
    await page.getByRole('link', { name: 'Settings' }).click();
    // docs/admin-settings.png is the demo shop's, taken by admin.test.ts.
    await expectAccessible(page, 'settings');
    await page.getByLabel('Undo window (seconds)').fill('90');
    await page.getByLabel('At once (an undo is a refund)').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(`${base}/admin/settings?saved=checkout`);
    expect(await page.getByRole('status').first().textContent()).toContain('Settings saved.');
    expect(await page.getByLabel('Undo window (seconds)').inputValue()).toBe('90');
    expect(await undoWindow()).toBe(90);

    await page.getByRole('navigation', { name: 'Settings pages' }).getByRole('link', { name: 'Audit log' }).click();
    const row = await page
      .getByRole('row', { name: /Settings changed/ })
      .first()
      .textContent();
    expect(row).toContain(`Key …${secretKey.slice(-4)}, in the admin`);
    expect(row).toContain('settings.undoWindowSeconds: 90');
    expect(row).toContain('settings.captureMode: immediate');
    await expectAccessible(page, 'audit log');
    await docsShot(page, 'audit-log');
    await page.context().close();
  });

  it('refuses a settings form with a forged token and changes nothing', async () => {
    const page = await signIn();
    await page.goto(`${base}/admin/settings`);
    const before = await undoWindow();
    await page.getByLabel('Undo window (seconds)').fill('300');
    // An attacker's copy of the form carries no valid token: replace this one's.
    await page.evaluate(() => {
      document
        .querySelectorAll<HTMLInputElement>('form[action="/admin/settings/checkout"] input[name="csrf"]')
        .forEach((field) => (field.value = 'forged'));
    });
    const [response] = await Promise.all([
      page.waitForResponse((answer) => answer.url().endsWith('/admin/settings/checkout')),
      page.getByRole('button', { name: 'Save settings' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await page.getByRole('heading', { name: 'This form cannot be sent' }).isVisible()).toBe(true);
    expect(await undoWindow()).toBe(before);
    await page.context().close();
  });

  it('creates an API key shown once and revokes it after a confirmation', async () => {
    const page = await signIn();
    await page.goto(`${base}/admin/settings/keys`);
    await expectAccessible(page, 'API keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const newKey = await page.getByLabel('Secret key').inputValue();
    expect(newKey).toMatch(/^sk_/);
    await expectAccessible(page, 'new API key');
    await page.getByRole('link', { name: 'Back to the API keys' }).click();
    expect(await page.getByRole('row', { name: new RegExp(`sk_…${newKey.slice(-4)}`) }).textContent()).toContain('Never');
    await docsShot(page, 'api-keys');
    await page.getByRole('link', { name: `Revoke key ending ${newKey.slice(-4)}` }).click();
    await expectAccessible(page, 'revoke key');
    await page.getByRole('button', { name: `Revoke key ending ${newKey.slice(-4)}` }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('Key revoked.');
    expect((await api('GET', '/v1/shop', newKey)).status).toBe(401);
    await page.context().close();
  });

  it('is usable at 375 px', async () => {
    const page = await signIn(375);
    for (const url of ['/admin/settings', '/admin/settings/keys', '/admin/settings/audit']) {
      await page.goto(`${base}${url}`);
      expect(await horizontalOverflow(page), url).toBeLessThanOrEqual(0);
    }
    await page.goto(`${base}/admin/settings`);
    await docsShot(page, 'settings-375');
    await page.context().close();
  });
});
