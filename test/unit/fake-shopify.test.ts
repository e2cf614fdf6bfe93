/**
 * The fake Shopify behind the Shopify demo and the Shopify tests: it must refuse whatever Shopify would,
 * or tests against it prove nothing. Tokens, the changeset rules, the hold, the strict Admin GraphQL API.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SHOPIFY_PRODUCTS } from '../../src/core/demo';
import { FakeShopify } from '../../src/web/demo/shopify/fake-shopify';

type Product = (typeof DEMO_SHOPIFY_PRODUCTS)[number];
const [coffee, , filters] = DEMO_SHOPIFY_PRODUCTS as [Product, Product, Product];
const APP = { apiKey: 'app-key-123', apiSecret: 'app-secret-456', adminAccessToken: 'shpat_test_789' };
const GRAPHQL = '/admin/api/2025-07/graphql.json';
const secret = new TextEncoder().encode(APP.apiSecret);
/** A JSON answer read loosely: the assertions are the type check. */
type Loose = ReturnType<typeof JSON.parse>;

const ORDER_QUERY =
  'query PlusoneOrder($id: ID!) { order(id: $id) { id displayFulfillmentStatus cancelledAt refunds { id note } transactions { id kind status gateway createdAt amountSet { shopMoney { amount currencyCode } } } } }';
const REFUND = 'mutation PlusoneRefund($input: RefundInput!) { refundCreate(input: $input) { refund { id note } userErrors { field message } } }';
const EDIT_BEGIN =
  'mutation PlusoneEditBegin($id: ID!) { orderEditBegin(id: $id) { calculatedOrder { id lineItems(first: 250) { nodes { id quantity variant { id } } } } userErrors { field message } } }';
const SET_QUANTITY =
  'mutation PlusoneEditSetQuantity($id: ID!, $lineItemId: ID!, $quantity: Int!) { orderEditSetQuantity(id: $id, lineItemId: $lineItemId, quantity: $quantity, restock: true) { calculatedLineItem { id quantity } userErrors { field message } } }';
const COMMIT =
  'mutation PlusoneEditCommit($id: ID!, $staffNote: String) { orderEditCommit(id: $id, notifyCustomer: false, staffNote: $staffNote) { order { id } userErrors { field message } } }';

const OFFER = [
  {
    type: 'add_variant' as const,
    variantId: filters.variantId,
    quantity: 1,
    discount: { value: 20, valueType: 'percentage' as const, title: '20% off' },
  },
];

let clock: Date;
let shopify: FakeShopify;

beforeEach(() => {
  clock = new Date('2025-06-01T12:00:00.000Z');
  shopify = new FakeShopify({
    shopDomain: 'northwind-demo.myshopify.com',
    ...APP,
    currency: 'USD',
    products: DEMO_SHOPIFY_PRODUCTS,
    taxRate: '0.08',
    now: () => clock,
  });
});

const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

function sign(
  referenceId: string,
  claims: Record<string, unknown> = {},
  options: { key?: Uint8Array; iat?: number; jti?: string | null; issuer?: string } = {},
) {
  const jwt = new SignJWT({ changes: OFFER, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? APP.apiKey)
    .setSubject(referenceId);
  jwt.setIssuedAt(options.iat ?? Math.floor(clock.getTime() / 1000));
  if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID());
  return jwt.sign(options.key ?? secret);
}

async function place() {
  return shopify.placeOrder({ lines: [{ variantId: coffee.variantId, quantity: 2 }], destinationCountryCode: 'US' });
}

function graphql(query: string, variables: Record<string, unknown>, token = APP.adminAccessToken) {
  return shopify.admin({
    method: 'POST',
    path: GRAPHQL,
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': token },
    body: JSON.stringify({ query, variables }),
  });
}

async function data(query: string, variables: Record<string, unknown>): Promise<Loose> {
  const answer = await graphql(query, variables);
  expect(answer.status).toBe(200);
  expect(answer.body).not.toHaveProperty('errors');
  return (answer.body as { data: unknown }).data;
}

describe('placeOrder', () => {
  it('holds a paid checkout for the post-purchase page, with a token Shopify-signed for that purchase', async () => {
    const { referenceId, inputData } = await place();
    expect(referenceId).toMatch(/^\d{13}$/);
    const { payload } = await jwtVerify(inputData.token, secret, {
      algorithms: ['HS256'],
      issuer: 'shopify',
      subject: referenceId,
      currentDate: clock,
    });
    expect(payload.exp).toBe((payload.iat ?? 0) + 3600);
    const { token: _token, ...withoutToken } = inputData;
    expect(payload.input_data).toEqual(withoutToken);
    expect(inputData).toMatchObject({
      extensionPoint: 'Checkout::PostPurchase::ShouldRender',
      shop: { id: shopify.shopId, domain: 'northwind-demo.myshopify.com', metafields: [] },
      initialPurchase: {
        referenceId,
        destinationCountryCode: 'US',
        totalPriceSet: { shopMoney: { amount: '36.00', currencyCode: 'USD' }, presentmentMoney: { amount: '36.00', currencyCode: 'USD' } },
        lineItems: [
          { product: { id: coffee.productId, title: coffee.title, variant: { id: coffee.variantId, title: coffee.variantTitle } }, quantity: 2 },
        ],
      },
    });
    const order = shopify.order(referenceId);
    expect(order).toMatchObject({ id: `gid://shopify/Order/${referenceId}`, displayFulfillmentStatus: 'ON_HOLD', released: false });
    expect(order?.transactions).toEqual([expect.objectContaining({ kind: 'SALE', status: 'SUCCESS', gateway: 'bogus', amount: 3600 })]);
  });

  it('gives every order a new 13-digit id, even on the same millisecond', async () => {
    const ids = [(await place()).referenceId, (await place()).referenceId];
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^\d{13}$/);
  });
});

describe('calculateChangeset', () => {
  it('prices the discounted variant, adds tax on the discounted price, and no shipping', async () => {
    const { referenceId } = await place();
    const result = await shopify.calculateChangeset(referenceId, { changes: OFFER });
    expect(result.status).toBe('processed');
    // 6.50 − 20 % = 5.20; tax 8 % of 5.20 = 0.416 → 0.42; charged 5.62.
    expect(result.calculatedPurchase).toMatchObject({
      subtotalPriceSet: { shopMoney: { amount: '41.20' } },
      totalPriceSet: { shopMoney: { amount: '41.62' } },
      totalOutstandingSet: { shopMoney: { amount: '5.62', currencyCode: 'USD' }, presentmentMoney: { amount: '5.62', currencyCode: 'USD' } },
      addedTaxLines: [{ priceSet: { shopMoney: { amount: '0.42' } }, rate: 0.08, title: 'Sales tax' }],
      addedShippingLines: [],
      updatedLineItems: [
        {
          productId: filters.productId,
          variantId: filters.variantId,
          productHandle: 'paper-filters',
          quantity: 1,
          priceSet: { shopMoney: { amount: '6.50' } },
          totalPriceSet: { shopMoney: { amount: '5.20' } },
        },
      ],
    });
  });

  it('rounds a percentage half away from zero and reads fixed_amount in major units of the shop currency', async () => {
    const { referenceId } = await place();
    const line = async (discount: { value: number; valueType: 'percentage' | 'fixed_amount'; title: string }, quantity = 1) => {
      const result = await shopify.calculateChangeset(referenceId, {
        changes: [{ type: 'add_variant', variantId: filters.variantId, quantity, discount }],
      });
      return result.calculatedPurchase?.updatedLineItems[0]?.totalPriceSet.shopMoney.amount;
    };
    expect(await line({ value: 15, valueType: 'percentage', title: '15%' })).toBe('5.52'); // 0.975 off → 0.98
    expect(await line({ value: 12.5, valueType: 'percentage', title: '12.5%' })).toBe('5.69'); // 0.8125 → 0.81
    expect(await line({ value: 1.5, valueType: 'fixed_amount', title: '$1.50' }, 2)).toBe('11.50');
  });

  it('accepts the signed changeset too, without using it up', async () => {
    const { referenceId } = await place();
    const token = await sign(referenceId);
    expect((await shopify.calculateChangeset(referenceId, token)).status).toBe('processed');
    expect((await shopify.applyChangeset(referenceId, token)).status).toBe('processed');
  });

  it('refuses an unknown variant, a gid variant id, other change types and impossible discounts', async () => {
    const { referenceId } = await place();
    const refused = async (change: unknown) => shopify.calculateChangeset(referenceId, { changes: [change] } as never);
    for (const change of [
      { type: 'add_variant', variantId: 999, quantity: 1 },
      { type: 'add_variant', variantId: `gid://shopify/ProductVariant/${filters.variantId}`, quantity: 1 },
      { type: 'add_variant', variantId: filters.variantId, quantity: 0 },
      { type: 'add_shipping_line', price: 5 },
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, discount: { value: 101, valueType: 'percentage', title: 'x' } },
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, discount: { value: 7, valueType: 'fixed_amount', title: 'x' } },
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, discount: { value: 0.001, valueType: 'fixed_amount', title: 'x' } },
      { type: 'add_variant', variantId: filters.variantId, quantity: 1, price: 1 },
    ]) {
      const result = await refused(change);
      expect(result, JSON.stringify(change)).toMatchObject({ status: 'unprocessed', errors: [{ code: 'invalid_request' }] });
    }
    expect(await shopify.calculateChangeset('1', { changes: OFFER })).toMatchObject({ status: 'unprocessed', errors: [{ code: 'invalid_request' }] });
  });
});

describe('applyChangeset', () => {
  it('adds the line and charges the outstanding amount as a new sale', async () => {
    const { referenceId } = await place();
    expect(await shopify.applyChangeset(referenceId, await sign(referenceId))).toEqual({
      status: 'processed',
      errors: [],
      changesetApplicationsRemaining: 2,
    });
    const order = shopify.order(referenceId);
    expect(order?.lines.map((line) => [line.variantId, line.quantity, line.total, line.source])).toEqual([
      [coffee.variantId, 2, 3600, 'checkout'],
      [filters.variantId, 1, 520, 'changeset'],
    ]);
    expect(order?.transactions.map((each) => [each.kind, each.status, each.amount])).toEqual([
      ['SALE', 'SUCCESS', 3600],
      ['SALE', 'SUCCESS', 562],
    ]);
    expect(order?.displayFulfillmentStatus).toBe('ON_HOLD');
  });

  it('refuses a replayed jti as changeset_already_applied', async () => {
    const { referenceId } = await place();
    const jti = randomUUID();
    expect((await shopify.applyChangeset(referenceId, await sign(referenceId, {}, { jti }))).status).toBe('processed');
    const again = await shopify.applyChangeset(referenceId, await sign(referenceId, {}, { jti }));
    expect(again).toEqual({
      status: 'unprocessed',
      errors: [expect.objectContaining({ code: 'changeset_already_applied' })],
      changesetApplicationsRemaining: 2,
    });
    expect(shopify.order(referenceId)?.lines).toHaveLength(2);
  });

  it('applies at most three changesets to a purchase', async () => {
    const { referenceId } = await place();
    const remaining = [];
    for (let index = 0; index < 4; index += 1) remaining.push(await shopify.applyChangeset(referenceId, await sign(referenceId)));
    expect(remaining.map((result) => [result.status, result.changesetApplicationsRemaining])).toEqual([
      ['processed', 2],
      ['processed', 1],
      ['processed', 0],
      ['unprocessed', 0],
    ]);
    expect(shopify.order(referenceId)?.lines).toHaveLength(4);
  });

  it('refuses tokens Shopify would refuse', async () => {
    const { referenceId, inputData } = await place();
    const other = await place();
    const createdSeconds = Math.floor(clock.getTime() / 1000);
    const bad = {
      'wrong secret': await sign(referenceId, {}, { key: new TextEncoder().encode('not-the-secret') }),
      'another purchase': await sign(other.referenceId),
      'no jti': await sign(referenceId, {}, { jti: null }),
      'iat in milliseconds': await sign(referenceId, {}, { iat: clock.getTime() }),
      'signed before the purchase': await sign(referenceId, {}, { iat: createdSeconds - 10 }),
      'wrong issuer': await sign(referenceId, {}, { issuer: 'shopify' }),
      'alg none': new UnsecuredJWT({ changes: OFFER, jti: randomUUID() })
        .setIssuer(APP.apiKey)
        .setSubject(referenceId)
        .setIssuedAt(createdSeconds)
        .encode(),
      'Shopify’s own input token': inputData.token,
      HS512: await new SignJWT({ changes: OFFER })
        .setProtectedHeader({ alg: 'HS512' })
        .setIssuer(APP.apiKey)
        .setSubject(referenceId)
        .setJti(randomUUID())
        .setIssuedAt(createdSeconds)
        .sign(new TextEncoder().encode(APP.apiSecret.repeat(4))),
      'no changes': await sign(referenceId, { changes: [] }),
    };
    for (const [why, token] of Object.entries(bad)) {
      const result = await shopify.applyChangeset(referenceId, token);
      expect(result, why).toMatchObject({ status: 'unprocessed', errors: [{ code: 'invalid_request' }], changesetApplicationsRemaining: 3 });
    }
    expect(shopify.order(referenceId)?.transactions).toHaveLength(1);
  });

  it('refuses an expired changeset token', async () => {
    const { referenceId } = await place();
    const token = await sign(referenceId, { exp: Math.floor(clock.getTime() / 1000) + 60 });
    advance(120_000);
    expect((await shopify.applyChangeset(referenceId, token)).errors[0]?.code).toBe('invalid_request');
  });
});

describe('the post-purchase hold', () => {
  it('ends on release: changesets answer order_released_error and edits fail', async () => {
    const { referenceId } = await place();
    const token = await sign(referenceId);
    shopify.releaseToFulfilment(referenceId);
    expect(await shopify.applyChangeset(referenceId, token)).toMatchObject({ status: 'unprocessed', errors: [{ code: 'order_released_error' }] });
    expect(await shopify.calculateChangeset(referenceId, { changes: OFFER })).toMatchObject({ errors: [{ code: 'order_released_error' }] });
    const begun = await data(EDIT_BEGIN, { id: `gid://shopify/Order/${referenceId}` });
    expect(begun.orderEditBegin.calculatedOrder).toBeNull();
    expect(begun.orderEditBegin.userErrors).toHaveLength(1);
    expect((await data(ORDER_QUERY, { id: `gid://shopify/Order/${referenceId}` })).order.displayFulfillmentStatus).toBe('UNFULFILLED');
  });

  it('ends by itself an hour after checkout', async () => {
    const { referenceId } = await place();
    advance(59 * 60_000);
    expect(shopify.order(referenceId)?.released).toBe(false);
    advance(60_000);
    expect(shopify.order(referenceId)?.displayFulfillmentStatus).toBe('UNFULFILLED');
    shopify.fulfil(referenceId);
    expect(shopify.order(referenceId)?.displayFulfillmentStatus).toBe('FULFILLED');
  });
});

describe('Admin GraphQL', () => {
  it('answers 401 without the shop’s access token', async () => {
    const { referenceId } = await place();
    expect((await graphql(ORDER_QUERY, { id: `gid://shopify/Order/${referenceId}` }, 'shpat_wrong')).status).toBe(401);
    const none = await shopify.admin({ method: 'POST', path: GRAPHQL, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(shopify.adminCalls).toEqual([]);
  });

  it('answers only the five documents, whitespace aside', async () => {
    const { referenceId } = await place();
    const id = `gid://shopify/Order/${referenceId}`;
    const reformatted = ORDER_QUERY.replace(/ \{ /g, ' {\n    ').replace(/ \} /g, '\n} ');
    expect((await data(reformatted, { id })).order.id).toBe(id);
    const other = await graphql('query PlusoneOrder($id: ID!) { order(id: $id) { id name } }', { id });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ errors: [{ message: expect.any(String) }] });
    expect(shopify.adminCalls).toEqual([{ operationName: 'PlusoneOrder', variables: { id } }]);
  });

  it('checks variable names and types', async () => {
    const { referenceId } = await place();
    const wrong: [string, Record<string, unknown>][] = [
      [ORDER_QUERY, { id: Number(referenceId) }],
      [ORDER_QUERY, { id: `gid://shopify/Product/${referenceId}` }],
      [ORDER_QUERY, { id: `gid://shopify/Order/${referenceId}`, extra: 1 }],
      [ORDER_QUERY, {}],
      [SET_QUANTITY, { id: 'gid://shopify/CalculatedOrder/1', lineItemId: 'gid://shopify/CalculatedLineItem/2', quantity: '0' }],
      [SET_QUANTITY, { id: 'gid://shopify/CalculatedOrder/1', lineItemId: 'gid://shopify/LineItem/2', quantity: 0 }],
      [COMMIT, { id: 'gid://shopify/CalculatedOrder/1', staffNote: 5 }],
      [REFUND, { input: { orderId: `gid://shopify/Order/${referenceId}`, note: 'x', notify: true, transactions: [], reason: 'x' } }],
      [
        REFUND,
        {
          input: {
            orderId: `gid://shopify/Order/${referenceId}`,
            transactions: [{ orderId: `gid://shopify/Order/${referenceId}`, amount: 1, gateway: 'bogus', kind: 'REFUND' }],
          },
        },
      ],
      [
        REFUND,
        {
          input: {
            orderId: `gid://shopify/Order/${referenceId}`,
            transactions: [{ orderId: `gid://shopify/Order/${referenceId}`, amount: '1.00', gateway: 'bogus', kind: 'REFUND', currency: 'USD' }],
          },
        },
      ],
    ];
    for (const [query, variables] of wrong) {
      const answer = await graphql(query, variables);
      expect(answer.status, JSON.stringify(variables)).toBe(200);
      expect(answer.body, JSON.stringify(variables)).toMatchObject({ errors: [{ message: expect.stringMatching(/Variable \$/) }] });
    }
  });

  it('undoes an added line: edit to quantity 0 with a staff note, then a refund of its sale', async () => {
    const { referenceId } = await place();
    await shopify.applyChangeset(referenceId, await sign(referenceId));
    const orderId = `gid://shopify/Order/${referenceId}`;
    const begun = await data(EDIT_BEGIN, { id: orderId });
    const calculated = begun.orderEditBegin.calculatedOrder;
    expect(calculated.id).toMatch(/^gid:\/\/shopify\/CalculatedOrder\/\d+$/);
    const added = calculated.lineItems.nodes.find((node: Loose) => node.variant.id === `gid://shopify/ProductVariant/${filters.variantId}`);
    expect(added).toMatchObject({ quantity: 1, id: expect.stringMatching(/^gid:\/\/shopify\/CalculatedLineItem\/\d+$/) });
    const set = await data(SET_QUANTITY, { id: calculated.id, lineItemId: added.id, quantity: 0 });
    expect(set.orderEditSetQuantity).toEqual({ calculatedLineItem: { id: added.id, quantity: 0 }, userErrors: [] });
    const committed = await data(COMMIT, { id: calculated.id, staffNote: 'plusone ups_1:remove' });
    expect(committed.orderEditCommit).toEqual({ order: { id: orderId }, userErrors: [] });
    expect((await data(COMMIT, { id: calculated.id, staffNote: null })).orderEditCommit.userErrors).toHaveLength(1);

    const order = (await data(ORDER_QUERY, { id: orderId })).order;
    const sale = order.transactions[1];
    expect(sale).toMatchObject({
      kind: 'SALE',
      status: 'SUCCESS',
      gateway: 'bogus',
      amountSet: { shopMoney: { amount: '5.62', currencyCode: 'USD' } },
    });
    const input = (amount: string, parentId = sale.id) => ({
      input: { orderId, note: 'plusone ups_1:refund', notify: true, transactions: [{ orderId, parentId, amount, gateway: 'bogus', kind: 'REFUND' }] },
    });
    expect((await data(REFUND, input('5.63'))).refundCreate).toMatchObject({ refund: null, userErrors: [{ field: expect.any(Array) }] });
    const refund = (await data(REFUND, input('5.62'))).refundCreate;
    expect(refund).toEqual({ refund: { id: expect.stringMatching(/^gid:\/\/shopify\/Refund\/\d+$/), note: 'plusone ups_1:refund' }, userErrors: [] });
    expect((await data(REFUND, input('0.01'))).refundCreate.userErrors).toHaveLength(1);

    const after = shopify.order(referenceId);
    expect(after?.lines.find((line) => line.source === 'changeset')?.quantity).toBe(0);
    expect(after?.staffNotes).toEqual(['plusone ups_1:remove']);
    expect(after?.refunds).toEqual([expect.objectContaining({ note: 'plusone ups_1:refund', amount: 562 })]);
    expect(after?.transactions.map((each) => each.kind)).toEqual(['SALE', 'SALE', 'REFUND']);
    expect(after?.totals).toMatchObject({ total: 3600, paid: 4162, refunded: 562 });
    const listed = (await data(ORDER_QUERY, { id: orderId })).order;
    expect(listed.refunds).toEqual([{ id: refund.refund.id, note: 'plusone ups_1:refund' }]);
    expect(listed.transactions[2]).toMatchObject({ kind: 'REFUND', amountSet: { shopMoney: { amount: '5.62' } } });
  });

  it('refunds only a successful sale or capture of the same order, on its gateway', async () => {
    const first = await place();
    const second = await place();
    const orderId = `gid://shopify/Order/${first.referenceId}`;
    const saleOf = async (referenceId: string) => (await data(ORDER_QUERY, { id: `gid://shopify/Order/${referenceId}` })).order.transactions[0].id;
    const refund = async (parentId: string, gateway = 'bogus', kind = 'REFUND') =>
      (await data(REFUND, { input: { orderId, note: null, notify: false, transactions: [{ orderId, parentId, amount: '1.00', gateway, kind }] } }))
        .refundCreate;
    expect((await refund(await saleOf(second.referenceId))).userErrors).toHaveLength(1);
    expect((await refund(await saleOf(first.referenceId), 'shopify_payments')).userErrors).toHaveLength(1);
    expect((await refund(await saleOf(first.referenceId), 'bogus', 'SALE')).userErrors).toHaveLength(1);
    const ok = await refund(await saleOf(first.referenceId));
    expect(ok.userErrors).toEqual([]);
    const refundTransaction = shopify.order(first.referenceId)?.transactions[1]?.id ?? '';
    expect((await refund(refundTransaction)).userErrors).toHaveLength(1);
  });

  it('answers the next call of an operation as told by failNext, then normally', async () => {
    const { referenceId } = await place();
    shopify.failNext('PlusoneOrder', { status: 503, body: { errors: 'unavailable' } });
    const id = `gid://shopify/Order/${referenceId}`;
    expect(await graphql(ORDER_QUERY, { id })).toEqual({ status: 503, body: { errors: 'unavailable' } });
    expect((await graphql(ORDER_QUERY, { id })).status).toBe(200);
    expect(shopify.adminCalls.map((call) => call.operationName)).toEqual(['PlusoneOrder', 'PlusoneOrder']);
  });

  it('is reachable through its fetch and over HTTP', async () => {
    const { referenceId } = await place();
    const body = JSON.stringify({ query: ORDER_QUERY, variables: { id: `gid://shopify/Order/${referenceId}` } });
    const headers = { 'content-type': 'application/json', 'x-shopify-access-token': APP.adminAccessToken };
    const viaFetch = await shopify.fetch(`https://northwind-demo.myshopify.com${GRAPHQL}`, { method: 'POST', headers, body });
    expect(viaFetch.status).toBe(200);
    expect(((await viaFetch.json()) as Loose).data.order.displayFulfillmentStatus).toBe('ON_HOLD');
    const server = await shopify.listen();
    try {
      const viaHttp = await fetch(`${server.url}${GRAPHQL}`, { method: 'POST', headers, body });
      expect(((await viaHttp.json()) as Loose).data.order.id).toBe(`gid://shopify/Order/${referenceId}`);
      expect((await fetch(`${server.url}${GRAPHQL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('webhooks and the REST order', () => {
  it('signs the raw body with the API secret, as Shopify does', async () => {
    const { referenceId } = await place();
    const payload = shopify.orderPayload(referenceId);
    const { headers, body } = shopify.webhook('orders/updated', payload, { webhookId: 'wh-1' });
    expect(headers['X-Shopify-Hmac-Sha256']).toBe(createHmac('sha256', APP.apiSecret).update(body).digest('base64'));
    expect(headers).toMatchObject({
      'X-Shopify-Topic': 'orders/updated',
      'X-Shopify-Shop-Domain': 'northwind-demo.myshopify.com',
      'X-Shopify-Webhook-Id': 'wh-1',
      'X-Shopify-API-Version': '2025-07',
      'X-Shopify-Triggered-At': clock.toISOString(),
    });
    expect(JSON.parse(body)).toMatchObject({
      id: Number(referenceId),
      admin_graphql_api_id: `gid://shopify/Order/${referenceId}`,
      fulfillment_status: 'on_hold',
      cancelled_at: null,
      closed_at: null,
      line_items: [
        { variant_id: coffee.variantId, product_id: coffee.productId, title: coffee.title, quantity: 2, current_quantity: 2, price: '18.00' },
      ],
    });
  });

  it('keeps quantity as bought and lowers current_quantity after an edit', async () => {
    const { referenceId } = await place();
    await shopify.applyChangeset(referenceId, await sign(referenceId));
    const calculated = (await data(EDIT_BEGIN, { id: `gid://shopify/Order/${referenceId}` })).orderEditBegin.calculatedOrder;
    await data(SET_QUANTITY, { id: calculated.id, lineItemId: calculated.lineItems.nodes[1].id, quantity: 0 });
    await data(COMMIT, { id: calculated.id, staffNote: null });
    const lines = (shopify.orderPayload(referenceId).line_items as Loose[]).map((line) => [line.variant_id, line.quantity, line.current_quantity]);
    shopify.releaseToFulfilment(referenceId);
    expect(shopify.orderPayload(referenceId)).toMatchObject({
      fulfillment_status: null,
      line_items: [{ fulfillable_quantity: 2 }, { fulfillable_quantity: 0 }],
    });
    shopify.fulfil(referenceId);
    expect(shopify.orderPayload(referenceId)).toMatchObject({ fulfillment_status: 'fulfilled', closed_at: clock.toISOString() });
    expect(lines).toEqual([
      [coffee.variantId, 2, 2],
      [filters.variantId, 1, 0],
    ]);
  });
});
