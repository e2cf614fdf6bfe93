/// <reference lib="dom" />
/** Chromium, axe-core and screenshots for the browser suite. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
const SHOTS = path.resolve(import.meta.dirname, '../../test-results/browser');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One Chromium for the test file (launched before its tests, closed after); the getter gives it. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (hasChromium) browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running (is /usr/bin/chromium installed?)');
    return browser;
  };
}

export interface Purchase {
  card?: string;
  locale?: 'en-US' | 'de-DE' | 'fr-FR';
  width?: number;
  reducedMotion?: boolean;
}

/**
 * Buys one bag of House Blend in the demo shop at `base` — the store page, the checkout with a sandbox
 * test card in the hosted card field — and lands on the confirmation page with its offer ready.
 */
export async function buyInDemo(
  browser: Browser,
  base: string,
  { card = 'pm_sandbox_visa', locale = 'en-US', width = 1280, reducedMotion = false }: Purchase = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: reducedMotion ? 'reduce' : 'no-preference' });
  const page = await context.newPage();
  await page.goto(`${base}/demo`);
  await page.fill('#qty-house-blend', '1');
  await page.getByRole('button', { name: 'Go to checkout' }).click();
  await page.fill('#email', 'ada@example.com');
  await page.selectOption('#locale', locale);
  await page.frameLocator('#card-field').locator(`input[name="test-card"][value="${card}"]`).check();
  await expect.poll(() => page.locator('#pay-button').isEnabled()).toBe(true);
  await page.click('#pay-button');
  await page.waitForURL(/\/demo\/orders\/[^/]+\/confirmation$/);
  await page.locator('.plusone-offer[data-plusone-state="ready"]').waitFor();
  return page;
}

/** Saves a screenshot of the page's current state under test-results/browser (not committed). */
export async function shot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

declare global {
  interface Window {
    axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };
  }
}

/** Runs axe-core with the WCAG 2.0/2.1 A and AA rules and expects no violation. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  // Evaluated by the debugger protocol, not as an inline <script>: the pages' CSP allows no such script.
  await page.evaluate(`${readFileSync(AXE, 'utf8')}\n;undefined`);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((violation) => ({
      id: violation.id,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  expect(violations, `axe violations in state "${state}"`).toEqual([]);
}
