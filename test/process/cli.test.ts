/**
 * The `plusone` command as an operator meets it: help for every command, usage mistakes, a busy port and
 * an unreachable database as one line before anything is created, and a clean stop on SIGINT/SIGTERM to the
 * whole process group — through `npm start` too, with a request in flight.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedPaths } from '../../src/store/embedded';
import { freePort, killAll, newDataDir, ready, spawnPlusone, startPlusone, until, type Spawned } from './support';

const folders: string[] = [];
afterAll(async () => {
  killAll();
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A data folder path nobody has created: a command that must not create anything leaves it absent. */
function untouchedDataDir(): string {
  const dir = path.join(tmpdir(), `plusone-untouched-${process.pid}-${Math.random().toString(36).slice(2)}`);
  folders.push(dir);
  return dir;
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

async function finished(run: Spawned): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('plusone --help and usage', () => {
  it('prints help for the program and for every command, exits 0 and creates nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--help'], /^usage: plusone \[command\]/],
      [['-h'], /^usage: plusone \[command\]/],
      [['help'], /^usage: plusone \[command\]/],
      [['help', 'start'], /^usage: plusone start/],
      [['start', '--help'], /^usage: plusone start/],
      [['start', '-h'], /^usage: plusone start/],
      [['worker', '--help'], /^usage: plusone worker/],
      [['migrate', '-h'], /^usage: plusone migrate/],
      [['help', 'migrate'], /^usage: plusone migrate/],
    ];
    const dataDir = untouchedDataDir();
    const runs = await Promise.all(cases.map(([args]) => finished(spawnPlusone(args, dataDir))));
    runs.forEach((run, index) => {
      expect(run, cases[index]?.[0].join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(cases[index]?.[1] ?? /never/);
    });
    // The program's help names every command; a command's help names its settings.
    expect(runs[0]?.stdout).toMatch(/start[\s\S]*worker[\s\S]*migrate[\s\S]*help/);
    expect(runs[4]?.stdout).toContain('PORT');
    expect(existsSync(dataDir)).toBe(false);

    const version = await finished(spawnPlusone(['--version'], dataDir));
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^plusone \d+\.\d+\.\d+\n$/) });
  });

  it('answers an unknown command, option or argument with the usage on stderr and exit 2', async () => {
    const dataDir = untouchedDataDir();
    const cases = [['bogus'], ['--bogus'], ['start', '--port', '3000'], ['help', 'bogus'], ['constructor'], ['help', '__proto__']];
    const runs = await Promise.all(cases.map((args) => finished(spawnPlusone(args, dataDir))));
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^plusone: .+\n\nusage: plusone/);
    }
    expect(runs[0]?.stderr).toContain("unknown command 'bogus'");
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('errors an operator can fix', () => {
  it('a busy port is one line on stderr and exit 1, before the data folder or database is created', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => {
        const address = blocker.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    try {
      const dataDir = untouchedDataDir();
      const run = await finished(startPlusone(dataDir, port, { LOG_LEVEL: 'info' }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `plusone: port ${port} on 127.0.0.1 is already in use; stop what is using it or choose another port (PORT=${port + 1} npm start)\n`,
      );
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a DATABASE_URL that cannot be reached is one line naming the host, never its password', async () => {
    const port = await freePort();
    const run = await finished(
      spawnPlusone(['migrate'], untouchedDataDir(), { env: { DATABASE_URL: `postgres://plusone:hunter2-secret@127.0.0.1:${port}/plusone` } }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`plusone: cannot use the PostgreSQL of DATABASE_URL (127.0.0.1:${port}): connect ECONNREFUSED 127.0.0.1:${port}\n`);
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });
});

describe('stopping', () => {
  const order = {
    externalId: 'stop-1',
    currency: 'USD',
    lines: [{ productId: 'house-blend', variantId: 'house-blend-500g', title: 'House Blend', quantity: 1, unitPrice: 1800 }],
    subtotal: 1800,
    shippingTotal: 0,
    taxTotal: 0,
    total: 1800,
    customer: { country: 'US' },
    payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
  };

  function expectStoppedCleanly(dataDir: string, output: string): void {
    const paths = embeddedPaths(dataDir);
    expect(output).toContain('Stopped.');
    expect(output).not.toMatch(STACK_LINE);
    expect(existsSync(paths.lockFile)).toBe(false);
    // The embedded PostgreSQL shut down (it removes its pid file on a clean stop).
    expect(existsSync(path.join(paths.databaseDir, 'postmaster.pid'))).toBe(false);
  }

  it('SIGTERM to the process group: exit 0, the database stopped and the lock removed; the banner names the demo and the docs', async () => {
    const dataDir = await newDataDir('stop');
    folders.push(dataDir);
    const port = await freePort();
    const run = startPlusone(dataDir, port, {}, { ownGroup: true });
    await until(ready(port), 'the server');
    await until(() => (run.stdout().includes('Ctrl-C stops it.') ? true : null), 'the banner');
    const base = `http://127.0.0.1:${port}`;
    expect(run.stdout()).toContain(`demo shop:      ${base}/demo`);
    expect(run.stdout()).toContain(`on Shopify:     ${base}/demo/shopify`);
    expect(run.stdout()).toContain(`docs:           ${base}/`);
    expect(run.stdout()).toContain(`API reference:  ${base}/v1/openapi.json`);

    process.kill(-(run.child.pid ?? 0), 'SIGTERM');
    expect(await run.exited).toBe(0);
    expectStoppedCleanly(dataDir, run.output());

    // Ctrl-C through `npm start` on the folder that now exists, while an accept waits on a slow PSP: the
    // terminal signals the whole group and npm forwards it once more. The accept is answered, npm exits 0.
    const npmPort = await freePort();
    const npm = spawnPlusone([], dataDir, { viaNpm: true, ownGroup: true, env: { PORT: String(npmPort), PLUSONE_SANDBOX_LATENCY_MS: '1500' } });
    const npmBase = `http://127.0.0.1:${npmPort}`;
    await until(ready(npmPort), 'the server under npm start');
    const key = await until(() => /secret key:\s+(sk_\S+)/.exec(npm.stdout())?.[1] ?? null, 'the demo key');
    const registered = (await (
      await fetch(`${npmBase}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(order),
      })
    ).json()) as { session: { token: string }; offer: { id: string } };
    const accept = fetch(`${npmBase}/v1/checkout/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${registered.session.token}`, 'content-type': 'application/json', 'idempotency-key': 'stop-click' },
      body: JSON.stringify({ offerId: registered.offer.id }),
    });
    // In flight: the upsell is recorded as pending while the (slow) PSP authorizes.
    await until(
      async () => {
        const state = await fetch(`${npmBase}/v1/checkout/offer`, { headers: { authorization: `Bearer ${registered.session.token}` } });
        return ((await state.json()) as { status: string }).status === 'pending' ? true : null;
      },
      'the accept in flight',
      10_000,
    );
    process.kill(-(npm.child.pid ?? 0), 'SIGINT');
    process.kill(-(npm.child.pid ?? 0), 'SIGINT');

    const answered = await accept;
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as { status: string }).status).toBe('accepted');
    expect(await npm.exited).toBe(0);
    expectStoppedCleanly(dataDir, npm.output());
    expect(npm.output().match(/Stopping Plusone/g)).toHaveLength(1);
  });
});
