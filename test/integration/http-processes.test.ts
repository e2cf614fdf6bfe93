/**
 * Issue #16: `plusone start` with PLUSONE_HTTP_PROCESSES=2 — the real command, as an operator runs it,
 * on its own embedded PostgreSQL (the embedded project) or on a fresh database of the DATABASE_URL server
 * (the postgres project). Two processes answer on one port; an offer created through one is decided by
 * the other at once (each process LISTENs); a killed process is replaced while the other keeps serving;
 * SIGTERM stops every process, the worker and the database, and leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from '../../src/store/embedded';
import { freePort, killAll, newDataDir, ready, spawnPlusone, until, type Spawned } from '../process/support';
import { orderBody } from '../support/app';

const OPERATOR_TOKEN = 'http-processes-operator-token';
const PROCESS_HEADER = 'x-plusone-process';

/** The postgres project's database comes from the DATABASE_URL server; the embedded project's URL is a local test instance. */
function serverUrl(): URL | null {
  const configured = process.env.DATABASE_URL?.trim();
  if (!configured) return null;
  const server = new URL(configured);
  const given = inject('databaseUrl');
  return URL.canParse(given) && new URL(given).host === server.host ? server : null;
}

interface Answer {
  readonly status: number;
  readonly pid: number;
  readonly body: Record<string, unknown>;
}

/**
 * One keep-alive connection per agent, so every request of an agent reaches the process that accepted
 * its connection (the cluster hands out connections, not requests).
 */
function send(agent: Agent, port: number, method: string, url: string, token: string | null, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path: url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            pid: Number(response.headers[PROCESS_HEADER]),
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    outgoing.on('error', reject);
    // A connection the primary handed to a process at the instant it was killed is never answered.
    outgoing.setTimeout(5_000, () => outgoing.destroy(new Error(`${method} ${url}: no answer within 5 s`)));
    outgoing.end(payload);
  });
}

const stickyAgent = () => new Agent({ keepAlive: true, maxSockets: 1 });

/** Agents until two of them are on different processes: one connection on each. */
async function agentsOnTwoProcesses(port: number): Promise<{ a: Agent; b: Agent; pidA: number; pidB: number }> {
  const seen = new Map<number, Agent>();
  for (let attempt = 0; attempt < 40 && seen.size < 2; attempt += 1) {
    const agent = stickyAgent();
    const { pid } = await send(agent, port, 'GET', '/healthz', null);
    if (seen.has(pid)) agent.destroy();
    else seen.set(pid, agent);
  }
  const [[pidA, a], [pidB, b]] = [...seen] as [[number, Agent], [number, Agent]];
  if (!a || !b) throw new Error(`requests reached ${seen.size} process(es), expected 2`);
  return { a, b, pidA, pidB };
}

/** An agent whose connection is on process `pid`. */
async function agentOn(port: number, pid: number): Promise<Agent> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const agent = stickyAgent();
    if ((await send(agent, port, 'GET', '/healthz', null)).pid === pid) return agent;
    agent.destroy();
  }
  throw new Error(`no connection reached process ${pid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `probe` until it answers `expected` or `ms` pass; the last answer. */
async function eventually<T>(probe: () => Promise<T>, expected: T, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await probe();
  }
  return value;
}

let dataDir = '';
let database: { url: string; drop(): Promise<void> } | null = null;

beforeAll(async () => {
  dataDir = await newDataDir('http-processes');
  const server = serverUrl();
  if (server) {
    const name = `plusone_processes_${randomBytes(6).toString('hex')}`;
    await ensureDatabase(server.toString(), name);
    const url = new URL(server);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      async drop() {
        const admin = new pg.Client({ connectionString: server.toString() });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
});

afterAll(async () => {
  killAll();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('PLUSONE_HTTP_PROCESSES=2', () => {
  it('serves from two processes that share offer changes, replaces a killed one, and stops every process on SIGTERM', async () => {
    const port = await freePort();
    const plusone: Spawned = spawnPlusone(['start'], dataDir, {
      env: {
        PORT: String(port),
        PLUSONE_HTTP_PROCESSES: '2',
        PLUSONE_ADMIN_TOKEN: OPERATOR_TOKEN,
        PLUSONE_DEMO: '0',
        DATABASE_URL: database?.url ?? '',
      },
    });
    const primaryPid = plusone.child.pid ?? 0;
    const exitedEarly = plusone.exited.then((code) => {
      throw new Error(`plusone exited (${code}) before it was ready:\n${plusone.output()}`);
    });
    exitedEarly.catch(() => undefined);
    await Promise.race([until(ready(port), 'the HTTP processes', 90_000), exitedEarly]);
    await until(() => (plusone.stdout().includes('Plusone is running at') ? true : null), 'the banner');

    const { a, b, pidA, pidB } = await agentsOnTwoProcesses(port);
    expect(new Set([primaryPid, pidA, pidB]).size).toBe(3);

    // A shop, its catalog and a first offer, through A; B decides that offer (and has it compiled now).
    const shop = await send(a, port, 'POST', '/v1/shops', OPERATOR_TOKEN, { name: 'Two processes' });
    expect(shop.status).toBe(201);
    const key = String(shop.body.secretKey);
    for (const [id, amount] of [
      ['main', 5000],
      ['filters', 1999],
      ['mug', 1500],
    ] as const) {
      const product = await send(a, port, 'PUT', `/v1/products/${id}`, key, {
        title: id,
        variants: [{ id: `${id}-v`, title: 'Default', prices: [{ currency: 'USD', amount }] }],
      });
      expect(product.status).toBe(200);
    }
    const offer = async (variantId: string, priority: number) =>
      ((await send(a, port, 'POST', '/v1/offers', key, { name: variantId, variantId, priority })).body.offer as { id: string }).id;
    const decidedOnB = async () => {
      const order = await send(b, port, 'POST', '/v1/orders', key, orderBody());
      expect(order.pid).toBe(pidB);
      return (order.body.offer as { id: string } | null)?.id ?? null;
    };
    const first = await offer('filters-v', 1);
    expect(await decidedOnB()).toBe(first);

    // A better offer through A: B's compiled offers are younger than their 1 s re-check, so only its
    // NOTIFY listener can make B decide the new one within half a second.
    const better = await offer('mug-v', 9);
    expect(await eventually(decidedOnB, better, 500)).toBe(better);

    // A killed process is replaced; the other answers all along.
    process.kill(pidA, 'SIGKILL');
    expect((await send(b, port, 'GET', '/healthz', null)).status).toBe(200);
    await until(
      () => (plusone.stderr().includes('an HTTP process exited; starting another in its place') ? true : null),
      'the primary to see the exit',
    );
    expect((await send(b, port, 'GET', '/healthz', null)).status).toBe(200);
    const replacement = await until(
      async () => {
        const agent = stickyAgent();
        const { pid } = await send(agent, port, 'GET', '/healthz', null).finally(() => agent.destroy());
        return pid !== pidA && pid !== pidB ? pid : null;
      },
      'a process in place of the killed one',
      30_000,
    );
    expect(alive(pidA)).toBe(false);
    const onReplacement = await agentOn(port, replacement);
    const fresh = await send(onReplacement, port, 'POST', '/v1/orders', key, orderBody());
    expect(fresh.pid).toBe(replacement);
    expect((fresh.body.offer as { id: string }).id).toBe(better);

    for (const agent of [a, b, onReplacement]) agent.destroy();
    plusone.child.kill('SIGTERM');
    expect(await plusone.exited).toBe(0);
    expect(plusone.stdout()).toContain('Stopped.');
    expect(plusone.stdout().split('Plusone is running at')).toHaveLength(2);
    await until(() => (alive(pidB) || alive(replacement) ? null : true), 'every HTTP process gone', 5_000);
    if (!database) expect(existsSync(path.join(dataDir, 'plusone.lock'))).toBe(false);
  }, 180_000);
});
