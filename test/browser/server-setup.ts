/**
 * Global setup of the browser suite: Plusone started as `npm start` runs it (its own embedded database
 * in a temporary folder, the demo shop seeded), with a short undo window on the demo shop and a short
 * gateway timeout so "pending" resolves within seconds.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFakeAdyen } from '../fakes/adyen';
import { startFakeStripe } from '../fakes/stripe';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const UNDO_WINDOW_SECONDS = 8;
export const BROWSER_ADMIN_TOKEN = 'browser-admin-token-0123456789';
/** The fake Adyen account the browser suite's Adyen shop uses. */
export const BROWSER_ADYEN = {
  apiKey: 'AQEyhmfxBrowser_fake_api_key_0001',
  merchantAccount: 'PlusoneBrowserECOM',
  environment: 'test',
  clientKey: 'test_PLUSONEBROWSERCLIENT0001',
  hmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'plusone-browser-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  // Fake Stripe (with its fake Stripe.js) and Adyen APIs for the 3-D Secure tests of their shops.
  const stripe = await startFakeStripe();
  const adyen = await startFakeAdyen({
    apiKey: BROWSER_ADYEN.apiKey,
    merchantAccount: BROWSER_ADYEN.merchantAccount,
    hmacKey: BROWSER_ADYEN.hmacKey,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PLUSONE_DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      PLUSONE_GATEWAY_TIMEOUT_MS: '1000',
      PLUSONE_ADMIN_TOKEN: BROWSER_ADMIN_TOKEN,
      PLUSONE_STRIPE_API_BASE: stripe.baseUrl,
      PLUSONE_STRIPE_JS_URL: `${stripe.baseUrl}/v3/stripe.js`,
      PLUSONE_ADYEN_API_BASE: adyen.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 90_000;
  let key: string | undefined;
  while (!key && Date.now() < deadline) {
    key = /secret key:\s+(sk_\S+)/.exec(output)?.[1];
    if (!key) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!key) throw new Error(`Plusone did not start for the browser tests:\n${output}`);
  const base = `http://127.0.0.1:${port}`;
  const patched = await fetch(`${base}/v1/shop`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { undoWindowSeconds: UNDO_WINDOW_SECONDS } }),
  });
  if (!patched.ok) throw new Error(`could not shorten the demo shop's undo window: ${await patched.text()}`);
  project.provide('browserBase', base);
  project.provide('demoKey', key);
  project.provide('adminToken', BROWSER_ADMIN_TOKEN);
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
    await stripe.close();
    await adyen.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    browserBase: string;
    demoKey: string;
    adminToken: string;
  }
}
