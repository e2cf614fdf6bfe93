/**
 * `npm start` as a process: the embedded PostgreSQL in PLUSONE_DATA_DIR, the demo shop on first start,
 * one process per data folder, and recovery after `kill -9` left the database server running.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAll, newDataDir, ready, startPlusone, until } from './support';

let dataDir: string;
beforeAll(async () => {
  dataDir = await newDataDir('start');
});
afterAll(async () => {
  killAll();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts on the embedded database, seeds a demo shop whose key works, and refuses a second process on the same folder', async () => {
    const port = await freePort();
    const first = startPlusone(dataDir, port);
    try {
      await until(ready(port), 'the first process');
      await until(() => (first.output().includes('secret key:') ? true : null), 'the banner');
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
    await until(ready(victimPort), 'the process before kill -9');
    victim.child.kill('SIGKILL');
    await victim.exited;

    const port = await freePort();
    const revived = startPlusone(dataDir, port);
    try {
      await until(ready(port), 'the process after kill -9');
      await until(() => (revived.output().includes('secret key:') ? true : null), 'the banner');
      expect(revived.output()).not.toContain('just created');
      const key = /secret key:\s+(sk_\S+)/.exec(revived.output())?.[1] ?? '';
      expect((await fetch(`http://127.0.0.1:${port}/v1/shop`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      revived.child.kill('SIGTERM');
      await revived.exited;
    }
  });
});
