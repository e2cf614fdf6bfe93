/**
 * New PSP credentials are checked with the PSP when they are saved (`PATCH /v1/shop`, `POST /v1/shops`),
 * through the API against each PSP's in-process fake: a key the PSP refuses is `400
 * gateway_credentials_invalid` and a PSP that cannot tell is `503 gateway_unavailable`, both saving
 * nothing; a right key is saved; and only credentials the request sets are checked.
 */
import { Writable } from 'node:stream';
import { createServer, type Socket } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAdyen, type FakeAdyen } from '../fakes/adyen';
import { startFakeBraintree, type FakeBraintree } from '../fakes/braintree';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { ADMIN_TOKEN, buildTestApp, call, type Shop, type TestApp } from '../support/app';

type PspName = 'stripe' | 'braintree' | 'adyen';

const STRIPE_KEY = 'sk_test_51PlusoneSavedKey0000000000004242';
const STRIPE_OTHER_KEY = 'sk_test_51PlusoneOtherKey0000000000005353';
const STRIPE_FORGOTTEN_KEY = 'sk_test_51PlusoneRolledKey000000000000777';
const stripeCredentials = (secretKey: string) => ({ secretKey, publishableKey: 'pk_test_51PlusoneSavedKey0000000000009999' });
const ADYEN_KEY = 'AQEyhmfxLI3MaBFLw0m_credential_check_key_4242';
const ADYEN_FORGOTTEN_KEY = 'AQEyhmfxLI3MaBFLw0m_rolled_and_forgotten_777';
const adyenCredentials = (apiKey: string, merchantAccount = 'PlusoneCheckECOM') => ({
  apiKey,
  merchantAccount,
  environment: 'test',
  clientKey: 'test_PLUSONECHECKCLIENTKEY4242',
});
const ADYEN_HMAC = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const BRAINTREE_FORGOTTEN_KEY = 'rolledprivatekey0000000000000777';

let t: TestApp;
let down: TestApp;
let stripe: FakeStripe;
let braintree: FakeBraintree;
let adyen: FakeAdyen;
let closeHole: () => Promise<void>;
const logLines: string[] = [];

const braintreeCredentials = (privateKey = braintree.privateKey) => ({
  environment: 'sandbox',
  merchantId: braintree.merchantId,
  publicKey: braintree.publicKey,
  privateKey,
  merchantAccountIds: { USD: 'plusone_usd' },
});

interface Psp {
  readonly name: PspName;
  readonly psp: string;
  right(): Record<string, unknown>;
  /** Credentials of the right shape with a secret the PSP does not know. */
  wrong(): Record<string, unknown>;
  readonly wrongSecret: string;
  /** How many requests the fake received. */
  seen(): number;
  /** The next request to the fake answers 503. */
  failNext(): void;
}

const PSPS: Psp[] = [
  {
    name: 'stripe',
    psp: 'Stripe',
    right: () => stripeCredentials(STRIPE_KEY),
    wrong: () => stripeCredentials(STRIPE_FORGOTTEN_KEY),
    wrongSecret: STRIPE_FORGOTTEN_KEY,
    seen: () => stripe.requests.length,
    failNext: () => stripe.injectFault(503),
  },
  {
    name: 'braintree',
    psp: 'Braintree',
    right: () => braintreeCredentials(),
    wrong: () => braintreeCredentials(BRAINTREE_FORGOTTEN_KEY),
    wrongSecret: BRAINTREE_FORGOTTEN_KEY,
    seen: () => braintree.requests.length,
    failNext: () => braintree.failNext(503),
  },
  {
    name: 'adyen',
    psp: 'Adyen',
    right: () => adyenCredentials(ADYEN_KEY),
    wrong: () => adyenCredentials(ADYEN_FORGOTTEN_KEY),
    wrongSecret: ADYEN_FORGOTTEN_KEY,
    seen: () => adyen.requests.length,
    failNext: () => adyen.failNext(503),
  },
];
const [STRIPE, BRAINTREE, ADYEN] = PSPS as [Psp, Psp, Psp];

/** A port that takes connections and never answers: a PSP that does not answer within the gateway timeout. */
async function blackHole(): Promise<string> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeHole = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const address = server.address();
  return typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
}

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKeys: [STRIPE_KEY, STRIPE_OTHER_KEY] });
  braintree = await startFakeBraintree();
  adyen = await startFakeAdyen({ apiKey: ADYEN_KEY, merchantAccount: 'PlusoneCheckECOM', hmacKey: ADYEN_HMAC });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await buildTestApp({
    gatewayEndpoints: { stripe: stripe.baseUrl, braintree: braintree.url, adyen: adyen.url },
    gatewayTimeoutMs: 5_000,
    logger: pino({ level: 'info' }, sink),
  });
  const hole = await blackHole();
  down = await buildTestApp({ clock: t.clock, gatewayEndpoints: { stripe: hole, braintree: hole, adyen: hole }, gatewayTimeoutMs: 300 });
});

afterAll(async () => {
  await Promise.all([t?.close(), down?.close()]);
  await Promise.all([stripe?.close(), braintree?.close(), adyen?.close(), closeHole?.()]);
});

async function newShop(app = t.app, settings: Record<string, unknown> = {}): Promise<Shop> {
  const response = await call(app, 'POST', '/v1/shops', ADMIN_TOKEN, { name: 'Credentials shop', settings });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function shopSettings(app: TestApp['app'], shop: Shop): Promise<Record<string, unknown>> {
  const response = await call(app, 'GET', '/v1/shop', shop.secretKey);
  expect(response.statusCode).toBe(200);
  return response.json().shop.settings;
}

async function sealed(database: TestApp['database'], shop: Shop): Promise<string | null> {
  const row = await database.db.selectFrom('shops').select('gateway_credentials').where('id', '=', shop.id).executeTakeFirstOrThrow();
  return row.gateway_credentials;
}

async function shopsNamed(database: TestApp['database'], name: string): Promise<number> {
  const rows = await database.db.selectFrom('shops').select('id').where('name', '=', name).execute();
  return rows.length;
}

const patchCredentials = (app: TestApp['app'], shop: Shop, credentials: Record<string, unknown>, settings: Record<string, unknown> = {}) =>
  call(app, 'PATCH', '/v1/shop', shop.secretKey, { settings: { ...settings, gatewayCredentials: credentials } });

describe.each(PSPS)('$name credentials are checked with $psp when saved', (psp) => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await newShop();
    const saved = await patchCredentials(t.app, shop, { [psp.name]: psp.right() }, { gateway: psp.name });
    expect(saved.statusCode, saved.body).toBe(200);
  });

  it('saves a key the PSP takes, after asking it', async () => {
    const before = psp.seen();
    const response = await patchCredentials(t.app, shop, { [psp.name]: psp.right() });
    expect(response.statusCode, response.body).toBe(200);
    expect(psp.seen()).toBeGreaterThan(before);
    expect((await shopSettings(t.app, shop)).gatewayCredentials).toHaveProperty(psp.name);
  });

  it('refuses a key the PSP refuses: 400 gateway_credentials_invalid naming the PSP, the old credentials kept', async () => {
    const shown = await shopSettings(t.app, shop);
    const stored = await sealed(t.database, shop);
    const response = await patchCredentials(t.app, shop, { [psp.name]: psp.wrong() }, { undoWindowSeconds: 30 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'gateway_credentials_invalid', details: { gateway: psp.name } });
    expect(response.json().error.message).toMatch(new RegExp(`^${psp.psp} refused these credentials: .*401`));
    expect(response.body).not.toContain(psp.wrongSecret);
    expect(response.body).not.toContain(psp.wrongSecret.slice(-4));
    // Nothing of the request was saved, the other setting neither.
    expect(await shopSettings(t.app, shop)).toEqual(shown);
    expect(await sealed(t.database, shop)).toBe(stored);
  });

  it('answers 503 gateway_unavailable when the PSP answers 5xx, saving nothing', async () => {
    const shown = await shopSettings(t.app, shop);
    psp.failNext();
    const response = await patchCredentials(t.app, shop, { [psp.name]: psp.right() }, { undoWindowSeconds: 30 });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({ code: 'gateway_unavailable', details: { gateway: psp.name } });
    expect(response.json().error.message).toContain(`${psp.psp} could not be asked`);
    expect(await shopSettings(t.app, shop)).toEqual(shown);
  });

  it('answers 503 gateway_unavailable when the PSP does not answer within the gateway timeout, saving nothing', async () => {
    const quiet = await newShop(down.app);
    const response = await patchCredentials(down.app, quiet, { [psp.name]: psp.right() }, { gateway: psp.name });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('gateway_unavailable');
    expect(await shopSettings(down.app, quiet)).toMatchObject({ gateway: 'sandbox', gatewayCredentials: {} });
    expect(await sealed(down.database, quiet)).toBeNull();
  });

  it('creates no shop (POST /v1/shops) with a key the PSP refuses, or when it cannot be asked; creates one with a right key', async () => {
    const name = `Checked ${psp.name} shop`;
    const create = (app: TestApp['app'], credentials: Record<string, unknown>) =>
      call(app, 'POST', '/v1/shops', ADMIN_TOKEN, { name, settings: { gateway: psp.name, gatewayCredentials: { [psp.name]: credentials } } });
    const refused = await create(t.app, psp.wrong());
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('gateway_credentials_invalid');
    expect(refused.body).not.toContain(psp.wrongSecret);
    const unanswered = await create(down.app, psp.right());
    expect(unanswered.statusCode).toBe(503);
    expect(unanswered.json().error.code).toBe('gateway_unavailable');
    expect(await shopsNamed(t.database, name)).toBe(0);
    const created = await create(t.app, psp.right());
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().settings).toMatchObject({ gateway: psp.name, gatewayCredentials: { [psp.name]: expect.any(Object) } });
    expect(await shopsNamed(t.database, name)).toBe(1);
  });
});

describe('only credentials the request sets are checked', () => {
  it('switching to a gateway whose credentials were checked, other settings, and removals ask no PSP', async () => {
    const shop = await newShop();
    expect((await patchCredentials(t.app, shop, { stripe: STRIPE.right(), adyen: ADYEN.right() })).statusCode).toBe(200);
    const seen = () => PSPS.map((psp) => psp.seen());
    const before = seen();
    const updates = [
      { settings: { gateway: 'stripe' } },
      { name: 'Renamed', settings: { undoWindowSeconds: 120, allowedOrigins: ['https://shop.example'] } },
      { settings: { gateway: 'adyen', gatewayCredentials: { stripe: null } } },
      { settings: { gateway: 'sandbox' } },
    ];
    for (const update of updates) {
      const response = await call(t.app, 'PATCH', '/v1/shop', shop.secretKey, update);
      expect(response.statusCode, JSON.stringify(update)).toBe(200);
    }
    expect(seen()).toEqual(before);
    expect(Object.keys((await shopSettings(t.app, shop)).gatewayCredentials as object)).toEqual(['adyen']);
  });

  it('credentials of the wrong shape are refused (invalid_credentials) before any PSP is asked', async () => {
    const shop = await newShop();
    const before = STRIPE.seen();
    const response = await patchCredentials(t.app, shop, { stripe: { secretKey: 'sk_wrong_123', publishableKey: 'pk_test_123' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_credentials');
    expect(STRIPE.seen()).toBe(before);
  });

  it('credentials for a gateway the shop does not charge through are checked too; setting the stored ones again asks again', async () => {
    const shop = await newShop();
    const before = BRAINTREE.seen();
    expect((await patchCredentials(t.app, shop, { braintree: BRAINTREE.wrong() })).json().error.code).toBe('gateway_credentials_invalid');
    expect((await patchCredentials(t.app, shop, { braintree: BRAINTREE.right() })).statusCode).toBe(200);
    const checked = BRAINTREE.seen();
    expect(checked).toBeGreaterThan(before);
    expect((await patchCredentials(t.app, shop, { braintree: BRAINTREE.right() })).statusCode).toBe(200);
    expect(BRAINTREE.seen()).toBeGreaterThan(checked);
    expect((await shopSettings(t.app, shop)).gateway).toBe('sandbox');
  });

  it('two gateways in one request: one refused saves neither', async () => {
    const shop = await newShop();
    expect((await patchCredentials(t.app, shop, { stripe: STRIPE.right() })).statusCode).toBe(200);
    const shown = await shopSettings(t.app, shop);
    const response = await patchCredentials(t.app, shop, {
      stripe: stripeCredentials(STRIPE_OTHER_KEY),
      adyen: adyenCredentials(ADYEN_KEY, 'SomeoneElsesECOM'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'gateway_credentials_invalid', details: { gateway: 'adyen' } });
    expect(response.json().error.message).toContain('SomeoneElsesECOM');
    expect(await shopSettings(t.app, shop)).toEqual(shown);
  });

  it('never wrote a refused or a saved secret to the log', () => {
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [STRIPE_KEY, STRIPE_FORGOTTEN_KEY, ADYEN_KEY, ADYEN_FORGOTTEN_KEY, BRAINTREE_FORGOTTEN_KEY, braintree.privateKey]) {
      expect(log).not.toContain(secret);
    }
  });
});
