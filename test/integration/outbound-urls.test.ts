import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../../src/core/outbound-url';
import { ADMIN_TOKEN, buildTestApp, call, type TestApp } from '../support/app';
import { accept, offerShop, paidOrder } from '../support/upsell';

/** Two loopback listeners: `sink` (the URL a shop saved) and `elsewhere` (where a redirect points). */
interface Listener {
  server: Server;
  port: number;
  received: { headers: IncomingHttpHeaders; body: string }[];
  answer: { status: number; headers?: Record<string, string> };
}

async function listen(): Promise<Listener> {
  const listener: Listener = { server: createServer(), port: 0, received: [], answer: { status: 200 } };
  listener.server.on('request', (request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      listener.received.push({ headers: request.headers, body });
      response.writeHead(listener.answer.status, listener.answer.headers ?? {});
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
  listener.port = (listener.server.address() as AddressInfo).port;
  return listener;
}

let sink: Listener;
let elsewhere: Listener;
beforeAll(async () => {
  sink = await listen();
  elsewhere = await listen();
});
afterAll(async () => {
  await Promise.all([sink, elsewhere].map((listener) => new Promise<void>((resolve) => listener.server.close(() => resolve()))));
});

const open: TestApp[] = [];
afterEach(async () => {
  sink.received = [];
  elsewhere.received = [];
  sink.answer = { status: 200 };
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function node(options: Parameters<typeof buildTestApp>[0] = {}): Promise<TestApp> {
  const app = await buildTestApp(options);
  open.push(app);
  return app;
}

async function outboxOf(t: TestApp, shopId: string) {
  return t.database.db.selectFrom('webhook_outbox').selectAll().where('shop_id', '=', shopId).execute();
}

/** Every spelling of a target the server must not call for a shop (API.md "Outbound URLs"). */
const HOSTILE = [
  'http://127.0.0.1:9/hook',
  'http://[::1]:9/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[64:ff9b::7f00:1]/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://192.168.1.10/hook',
  'http://100.64.0.1/hook',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
  'http://0.0.0.0/hook',
  'http://[::]/hook',
  'http://2130706433/hook',
  'http://0x7f.1/hook',
  'http://0177.0.0.1/hook',
  'http://localhost:3000/hook',
  'http://hooks.localhost/hook',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://224.0.0.1/hook',
  'http://255.255.255.255/hook',
  'https://user:secret@hooks.example.com/hook',
];

describe('outbound URLs › when saved', () => {
  it.each(HOSTILE)('POST /v1/shops refuses %s with 400 invalid_webhook_url and creates no shop', async (webhookUrl) => {
    const t = await node();
    const before = await t.database.db.selectFrom('shops').select('id').execute();
    const response = await call(t.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Hostile', settings: { webhookUrl } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_webhook_url');
    expect(response.body).not.toContain(webhookUrl);
    expect(await t.database.db.selectFrom('shops').select('id').execute()).toHaveLength(before.length);
  });

  it('PATCH /v1/shop refuses every hostile form and keeps the stored URL', async () => {
    const t = await node();
    const setup = await offerShop(t.app, { webhookUrl: 'https://hooks.example.com/plusone' });
    for (const webhookUrl of HOSTILE) {
      const response = await call(t.app, 'PATCH', '/v1/shop', setup.shop.secretKey, { settings: { webhookUrl, undoWindowSeconds: 30 } });
      expect(response.statusCode, webhookUrl).toBe(400);
      expect(response.json().error.code).toBe('invalid_webhook_url');
    }
    const shop = (await call(t.app, 'GET', '/v1/shop', setup.shop.secretKey)).json().shop;
    expect(shop.settings).toMatchObject({ webhookUrl: 'https://hooks.example.com/plusone', undoWindowSeconds: 60 });
  });

  it('accepts public http and https URLs, and loopback ones when private targets are allowed', async () => {
    const strict = await node();
    for (const webhookUrl of ['https://hooks.example.com/plusone', 'http://hooks.example.com:8080/in', 'https://93.184.216.34/hook']) {
      expect((await call(strict.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Public', settings: { webhookUrl } })).statusCode).toBe(201);
    }
    const dev = await node({ allowPrivateWebhooks: true });
    expect(
      (await call(dev.app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Dev', settings: { webhookUrl: 'http://localhost:3000/hook' } })).statusCode,
    ).toBe(201);
  });
});

describe('outbound URLs › when delivering', () => {
  it('refuses a host name that resolves to a private address, and never connects', async () => {
    const lookups: string[] = [];
    const resolveHost: ResolveHost = async (hostname) => {
      lookups.push(hostname);
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    const t = await node({ resolveHost });
    const setup = await offerShop(t.app, { webhookUrl: `http://hooks.example.com:${sink.port}/hook` });
    await accept(t.app, await paidOrder(t.app, setup));
    await t.worker.runOnce();

    expect(lookups).toEqual(['hooks.example.com']);
    expect(sink.received).toEqual([]);
    const [row] = await outboxOf(t, setup.shop.id);
    expect(row).toMatchObject({ delivered_at: null, attempts: 1 });
    expect(row?.last_error).toContain('refused: the host resolves to a loopback address');
  });

  it('connects to the address it checked (not a second lookup), so a rebinding DNS answer cannot redirect it', async () => {
    // First answer: the sink (allowed here); any later answer: the other listener. Only one lookup may happen.
    let answers = 0;
    const resolveHost: ResolveHost = async () => {
      answers += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const t = await node({ allowPrivateWebhooks: true, resolveHost });
    const setup = await offerShop(t.app, { webhookUrl: `http://hooks.example.com:${sink.port}/hook` });
    await accept(t.app, await paidOrder(t.app, setup));
    await t.worker.runOnce();

    expect(answers).toBe(1);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.headers.host).toBe(`hooks.example.com:${sink.port}`);
    expect((await outboxOf(t, setup.shop.id))[0]?.delivered_at).not.toBeNull();
  });

  it('does not follow a 307: the signed body never reaches the redirect target; the delivery is retried', async () => {
    const t = await node({ allowPrivateWebhooks: true });
    sink.answer = { status: 307, headers: { location: `http://127.0.0.1:${elsewhere.port}/stolen` } };
    const setup = await offerShop(t.app, { webhookUrl: `http://127.0.0.1:${sink.port}/hook` });
    await accept(t.app, await paidOrder(t.app, setup));
    await t.worker.runOnce();
    t.clock.advance(5);
    await t.worker.runOnce();

    expect(sink.received).toHaveLength(2);
    expect(elsewhere.received).toEqual([]);
    const [row] = await outboxOf(t, setup.shop.id);
    expect(row).toMatchObject({ delivered_at: null, attempts: 2, last_error: 'HTTP 307: redirects are not followed' });
    expect(row?.next_attempt_at.getTime()).toBeGreaterThan(t.clock.now().getTime());
  });

  it('refuses a loopback URL stored before the rule existed, unless private targets are allowed', async () => {
    const t = await node({ allowPrivateWebhooks: true });
    const setup = await offerShop(t.app, { webhookUrl: `http://127.0.0.1:${sink.port}/hook` });
    await accept(t.app, await paidOrder(t.app, setup));
    const strict = await node({ clock: t.clock });
    await strict.worker.runOnce();
    expect(sink.received).toEqual([]);
    expect((await outboxOf(t, setup.shop.id))[0]?.last_error).toBe('refused: loopback addresses are not allowed (outbound URL rules)');

    // The same row, delivered by a worker that allows private targets (local development): it arrives.
    t.clock.advance(5);
    await t.worker.runOnce();
    expect(sink.received).toHaveLength(1);
    expect(JSON.parse(sink.received[0]?.body ?? '{}').type).toBe('upsell.accepted');
  });
});
