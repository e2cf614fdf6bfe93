/**
 * The PSP SDKs (about 90 MB together) load only when a shop charges through that PSP: a process that
 * uses the sandbox, or one PSP, never carries the others.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('loads no PSP SDK at start, and only the one asked for', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/process/fixtures/sdk-loading.ts'], { cwd: ROOT });
  const { atStart, afterAdyen } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  expect(atStart).toEqual({ braintree: 0, adyen: 0 });
  expect(afterAdyen.adyen).toBeGreaterThan(0);
  expect(afterAdyen.braintree).toBe(0);
});
