/**
 * `npm start` as a process: the embedded PostgreSQL in PLUSONE_DATA_DIR, the demo shop on first start,
 * one process per data folder, and recovery after `kill -9` left the database server running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startPlusone(dataDir: string, port: number): Started {
  // The real process, as `npm start` runs it (no wrapper in between, so kill -9 hits Plusone itself).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PLUSONE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const healthy = (port: number) => () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'plusone-start-'));
  await chmod(dataDir, 0o755);
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  it('starts on the embedded database, seeds a demo shop whose key works, and refuses a second process on the same folder', async () => {
    const port = await freePort();
    const first = startPlusone(dataDir, port);
    try {
      await waitFor(healthy(port), 'the first process');
      await waitFor(() => first.output().includes('secret key:'), 'the banner');
      const key = /secret key:\s+(sk_\S+)/.exec(first.output())?.[1] ?? '';
      const offers = await fetch(`http://127.0.0.1:${port}/v1/offers`, { headers: { authorization: `Bearer ${key}` } });
      expect(offers.status).toBe(200);
      expect(((await offers.json()) as { offers: unknown[] }).offers).toHaveLength(2);
      const saved = JSON.parse(await readFile(path.join(dataDir, 'demo-shop.json'), 'utf8')) as { secretKey: string };
      expect(saved.secretKey).toBe(key);

      const second = startPlusone(dataDir, await freePort());
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Another Plusone process \(pid \d+\) is using the data folder/);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
  });

  it('starts again after kill -9, keeping the data and the demo key', async () => {
    const victimPort = await freePort();
    const victim = startPlusone(dataDir, victimPort);
    await waitFor(healthy(victimPort), 'the process before kill -9');
    victim.child.kill('SIGKILL');
    await victim.exited;

    const port = await freePort();
    const revived = startPlusone(dataDir, port);
    try {
      await waitFor(healthy(port), 'the process after kill -9');
      await waitFor(() => revived.output().includes('secret key:'), 'the banner');
      expect(revived.output()).not.toContain('just created');
      const key = /secret key:\s+(sk_\S+)/.exec(revived.output())?.[1] ?? '';
      expect((await fetch(`http://127.0.0.1:${port}/v1/shop`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      revived.child.kill('SIGTERM');
      await revived.exited;
    }
  });
});
