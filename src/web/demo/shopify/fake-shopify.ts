/**
 * An in-process fake of the Shopify store behind the post-purchase page, for the demo and for tests: it
 * places checkouts (orders on the post-purchase fulfilment hold, paid by one sale), answers the page's
 * `calculateChangeset` / `applyChangeset` as Shopify's host does, serves the Admin GraphQL API Plusone
 * calls (`admin-graphql.ts`), and signs webhooks. Strict on purpose — whatever Shopify would refuse, it
 * refuses:
 *
 * - `inputData.token`: HS256 with the app's API secret, `iss` "shopify", `sub` the referenceId, `iat`,
 *   `exp` an hour later, `input_data` the InputData without its token.
 * - A changeset token (`applyChangeset`, or `calculateChangeset` given a string) must be HS256 with the API
 *   secret, `iss` the API key, `sub` the referenceId, a `jti` (applied once), `iat` in seconds and not
 *   before the order was placed, and `changes` a valid changeset (`changeset.ts` says how it is priced).
 *   Three applications per order at most; none once the order left its hold (`order_released_error`).
 * - The hold ends on `releaseToFulfilment`, on `fulfil` / `cancel`, or an hour after checkout.
 * - Money is integer minor units inside and decimal strings outside (`MoneyBag` amounts, GraphQL `Money`).
 */
import { createHmac, createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { currencyExponent, parseDecimal, toMajorUnitString, type Decimal } from '../../../core/money';
import type { DemoShopifyProduct } from '../../../core/demo';
import { ADMIN_API_VERSION, ADMIN_GRAPHQL_PATH, executeAdmin, operationOf } from './admin-graphql';
import { parseChanges, priceChanges, type PricedChanges } from './changeset';
import { orderRestPayload, orderSnapshot, type FakeShopifyOrder } from './order-views';
import { OrderBook, totals, type OrderState } from './orders';
import {
  SHOULD_RENDER,
  type ApplyChangesetResult,
  type CalculateChangesetResult,
  type CalculatedPurchase,
  type Change,
  type ChangesetErrorCode,
  type InputData,
  type MoneyBag,
} from './types';

export type { FakeShopifyOrder, FakeShopifyLine, FakeShopifyRefund, FakeShopifyTransaction } from './order-views';
export type { ApplyChangesetResult, CalculateChangesetResult, Change, InputData } from './types';

export interface FakeShopifyOptions {
  shopDomain: string;
  apiKey: string;
  apiSecret: string;
  adminAccessToken: string;
  currency: string;
  products: readonly DemoShopifyProduct[];
  /** Tax Shopify adds to a changeset, e.g. '0.08' (default 0). */
  taxRate?: string;
  now?: () => Date;
}

export interface PlaceOrderInput {
  lines: { variantId: number; quantity: number }[];
  destinationCountryCode?: string | null;
  customerId?: string;
  locale?: string;
}

export interface AdminRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

const MAX_APPLICATIONS = 3;
const INPUT_TOKEN_SECONDS = 60 * 60;
/** Clock skew allowed on a changeset's `iat`; an `iat` in milliseconds lies decades ahead and is refused. */
const IAT_SKEW_SECONDS = 60;
const POST_PURCHASE_VERSION = 'unstable';
const INVALID_TOKEN = '[API] Invalid API key or access token (unrecognized login or wrong password)';

type Verified = { ok: true; payload: JWTPayload } | { ok: false; message: string };

const unprocessed = (code: ChangesetErrorCode, message: string): CalculateChangesetResult => ({ status: 'unprocessed', errors: [{ code, message }] });

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((each) => each.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FakeShopify {
  private readonly book: OrderBook;
  private readonly secret: Uint8Array;
  private readonly taxRate: Decimal;
  private readonly now: () => Date;
  private readonly usedJtis = new Set<string>();
  private readonly failures = new Map<string, AdminResponse[]>();
  private readonly calls: { operationName: string; variables: Record<string, unknown> }[] = [];
  /** The shop's numeric id, as `inputData.shop.id` carries it. */
  readonly shopId: number;

  constructor(private readonly options: FakeShopifyOptions) {
    currencyExponent(options.currency);
    const taxRate = parseDecimal(options.taxRate ?? '0');
    if (!taxRate || taxRate.units < 0n) throw new Error(`taxRate must be a decimal such as '0.08', not ${options.taxRate}`);
    this.taxRate = taxRate;
    this.now = options.now ?? (() => new Date());
    this.book = new OrderBook(options.currency, this.now);
    this.secret = new TextEncoder().encode(options.apiSecret);
    this.shopId = 10_000_000_000 + createHash('sha256').update(options.shopDomain).digest().readUInt32BE(0);
  }

  /** Every Admin GraphQL call that named one of the known documents, in order (failed ones included). */
  get adminCalls(): readonly { operationName: string; variables: Record<string, unknown> }[] {
    return this.calls;
  }

  /** A completed checkout, held for the post-purchase page, and the `inputData` Shopify gives that page. */
  async placeOrder(input: PlaceOrderInput): Promise<{ referenceId: string; inputData: InputData }> {
    if (input.lines.length === 0) throw new Error('placeOrder needs at least one line');
    const lines = input.lines.map(({ variantId, quantity }) => {
      const product = this.options.products.find((candidate) => candidate.variantId === variantId);
      if (!product) throw new Error(`variant ${variantId} is not in this store`);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) throw new Error(`quantity ${quantity} must be a whole number from 1 to 100`);
      return { product, quantity };
    });
    const destination = input.destinationCountryCode ?? null;
    if (destination !== null && !/^[A-Z]{2}$/.test(destination)) throw new Error(`destinationCountryCode ${destination} is not a country code`);
    const order = this.book.create(lines, { customerId: input.customerId ?? null, destination, locale: input.locale ?? 'en' });
    const referenceId = String(order.id);
    return { referenceId, inputData: await this.signInputData(order) };
  }

  /** The `inputData` of the order's post-purchase page, with a freshly signed token (as each page load gets). */
  async inputData(referenceId: string): Promise<InputData | undefined> {
    const order = this.orderState(referenceId);
    return order ? this.signInputData(order) : undefined;
  }

  private bag(amount: number): MoneyBag {
    const money = { amount: toMajorUnitString(amount, this.options.currency), currencyCode: this.options.currency };
    return { shopMoney: money, presentmentMoney: { ...money } };
  }

  private async signInputData(order: OrderState): Promise<InputData> {
    const referenceId = String(order.id);
    const data: Omit<InputData, 'token'> = {
      extensionPoint: SHOULD_RENDER,
      initialPurchase: {
        referenceId,
        ...(order.customerId ? { customerId: order.customerId } : {}),
        ...(order.destinationCountryCode ? { destinationCountryCode: order.destinationCountryCode } : {}),
        // The initial purchase as it was placed, whatever changesets added since.
        totalPriceSet: this.bag(
          order.lines.filter((line) => line.source === 'checkout').reduce((sum, line) => sum + line.listTotal - line.discount + line.tax, 0),
        ),
        lineItems: order.lines
          .filter((line) => line.source === 'checkout')
          .map((line) => ({
            product: {
              id: line.product.productId,
              title: line.product.title,
              variant: { id: line.product.variantId, title: line.product.variantTitle, metafields: [] },
              metafields: [],
            },
            quantity: line.quantity,
            totalPriceSet: this.bag(line.listTotal - line.discount),
          })),
      },
      locale: order.locale,
      shop: { id: this.shopId, domain: this.options.shopDomain, metafields: [] },
      version: POST_PURCHASE_VERSION,
    };
    const iat = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT({ input_data: data })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('shopify')
      .setSubject(referenceId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + INPUT_TOKEN_SECONDS)
      .sign(this.secret);
    return { ...data, token };
  }

  private orderState(referenceId: string): OrderState | undefined {
    return /^\d{1,16}$/.test(referenceId) ? this.book.get(Number(referenceId)) : undefined;
  }

  private async verifyChangeset(order: OrderState, referenceId: string, token: string): Promise<Verified> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        issuer: this.options.apiKey,
        subject: referenceId,
        requiredClaims: ['jti', 'iat'],
        currentDate: this.now(),
      }));
    } catch (error) {
      return { ok: false, message: `The changeset token is invalid: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') return { ok: false, message: 'The changeset token has no jti' };
    const iat = payload.iat ?? 0;
    if (iat > this.now().getTime() / 1000 + IAT_SKEW_SECONDS)
      return { ok: false, message: 'The changeset token was issued in the future (iat is in seconds)' };
    if (iat < Math.floor(order.createdAt.getTime() / 1000))
      return { ok: false, message: 'The changeset was signed before the initial purchase was completed' };
    return { ok: true, payload };
  }

  private price(changes: unknown): { ok: true; value: PricedChanges } | { ok: false; message: string } {
    const parsed = parseChanges(changes);
    return parsed.ok ? priceChanges(parsed.value, this.options.products, this.options.currency, this.taxRate) : parsed;
  }

  private calculated(order: OrderState, priced: PricedChanges): CalculatedPurchase {
    const current = totals(order);
    const total = current.total + priced.outstanding;
    // The API gives the rate as a JS number (0.08); it is shown, never computed with.
    const rate = Number(this.options.taxRate ?? '0');
    return {
      subtotalPriceSet: this.bag(current.subtotal + priced.subtotal),
      totalPriceSet: this.bag(total),
      addedTaxLines: priced.tax > 0 ? [{ priceSet: this.bag(priced.tax), rate, title: 'Sales tax' }] : [],
      updatedLineItems: priced.lines.map((line) => ({
        totalPriceSet: this.bag(line.total),
        priceSet: this.bag(line.unitPrice),
        productId: line.product.productId,
        variantId: line.product.variantId,
        productHandle: line.handle,
        quantity: line.quantity,
      })),
      addedShippingLines: [],
      totalOutstandingSet: this.bag(Math.max(0, total - (current.paid - current.refunded))),
    };
  }

  /** What the changes would cost, before the buyer accepts: a raw changeset, or a signed one. */
  async calculateChangeset(referenceId: string, changeset: string | { changes: readonly Change[] }): Promise<CalculateChangesetResult> {
    const order = this.orderState(referenceId);
    if (!order) return unprocessed('invalid_request', 'The initial purchase does not exist');
    let changes: unknown;
    if (typeof changeset === 'string') {
      const verified = await this.verifyChangeset(order, referenceId, changeset);
      if (!verified.ok) return unprocessed('invalid_request', verified.message);
      changes = verified.payload.changes;
    } else {
      changes = isRecord(changeset) ? changeset.changes : undefined;
    }
    if (this.book.closed(order)) return unprocessed('order_released_error', 'The order was released to fulfillment');
    const priced = this.price(changes);
    if (!priced.ok) return unprocessed('invalid_request', priced.message);
    return { status: 'processed', errors: [], calculatedPurchase: this.calculated(order, priced.value) };
  }

  /** Applies a signed changeset: the lines join the order and the buyer's payment method is charged the difference. */
  async applyChangeset(referenceId: string, token: string): Promise<ApplyChangesetResult> {
    const order = this.orderState(referenceId);
    const remaining = () => (order ? MAX_APPLICATIONS - order.changesetApplications : 0);
    const refuse = (code: ChangesetErrorCode, message: string): ApplyChangesetResult => ({
      status: 'unprocessed',
      errors: [{ code, message }],
      changesetApplicationsRemaining: remaining(),
    });
    if (!order) return refuse('invalid_request', 'The initial purchase does not exist');
    if (typeof token !== 'string') return refuse('invalid_request', 'applyChangeset takes a signed changeset token');
    const verified = await this.verifyChangeset(order, referenceId, token);
    if (!verified.ok) return refuse('invalid_request', verified.message);
    if (this.usedJtis.has(String(verified.payload.jti))) return refuse('changeset_already_applied', 'This changeset was already applied');
    if (this.book.closed(order)) return refuse('order_released_error', 'The order was released to fulfillment');
    if (remaining() <= 0) return refuse('invalid_request', 'No changeset applications remain for this purchase');
    const priced = this.price(verified.payload.changes);
    if (!priced.ok) return refuse('invalid_request', priced.message);
    this.usedJtis.add(String(verified.payload.jti));
    this.book.addChangeset(order, priced.value.lines, priced.value.outstanding);
    return { status: 'processed', errors: [], changesetApplicationsRemaining: remaining() };
  }

  /** The Admin GraphQL endpoint, `POST /admin/api/2025-07/graphql.json`. */
  async admin(request: AdminRequest): Promise<AdminResponse> {
    if (request.method.toUpperCase() !== 'POST' || request.path.split('?')[0] !== ADMIN_GRAPHQL_PATH)
      return { status: 404, body: { errors: 'Not Found' } };
    if (header(request.headers, 'x-shopify-access-token') !== this.options.adminAccessToken) return { status: 401, body: { errors: INVALID_TOKEN } };
    if (!/^application\/json\b/i.test(header(request.headers, 'content-type') ?? '')) {
      return { status: 415, body: { errors: 'Content-Type must be application/json' } };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
    }
    if (!isRecord(parsed) || typeof parsed.query !== 'string')
      return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
    const variables = parsed.variables ?? {};
    if (!isRecord(variables)) return { status: 200, body: { errors: [{ message: 'Variables must be an object' }] } };
    const operation = operationOf(parsed.query);
    if (!operation) {
      return {
        status: 200,
        body: { errors: [{ message: 'The query is not one of the documents this store answers', extensions: { code: 'UNKNOWN_DOCUMENT' } }] },
      };
    }
    this.calls.push({ operationName: operation, variables });
    const failure = this.failures.get(operation)?.shift();
    if (failure) return failure;
    return { status: 200, body: executeAdmin(this.book, operation, variables) };
  }

  /** A `fetch` for an Admin API client without a socket: `<any base>/admin/api/2025-07/graphql.json` reaches `admin()`. */
  readonly fetch: typeof fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const { pathname } = new URL(request.url);
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (!pathname.endsWith(ADMIN_GRAPHQL_PATH)) return json(404, { errors: 'Not Found' });
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    const answer = await this.admin({ method: request.method, path: ADMIN_GRAPHQL_PATH, headers, body: await request.text() });
    return json(answer.status, answer.body);
  };

  /** Serves `admin()` over HTTP on 127.0.0.1 (for `PLUSONE_SHOPIFY_API_BASE`). */
  async listen(): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers = flatHeaders(request.headers);
        void this.admin({ method: request.method ?? 'GET', path: request.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') }).then(
          (answer) => {
            response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.closeAllConnections();
          server.close((error) => (error ? reject(error) : resolve()));
        }),
    };
  }

  /** The order as the store holds it now; undefined for an unknown referenceId. */
  order(referenceId: string): FakeShopifyOrder | undefined {
    const order = this.orderState(referenceId);
    return order ? orderSnapshot(order) : undefined;
  }

  /** The post-purchase hold ends (the buyer reached the thank-you page, or the hour passed): edits and changesets fail after it. */
  releaseToFulfilment(referenceId: string): void {
    this.book.release(this.mustFind(referenceId));
  }

  fulfil(referenceId: string): void {
    this.book.fulfil(this.mustFind(referenceId));
  }

  cancel(referenceId: string): void {
    this.book.cancel(this.mustFind(referenceId));
  }

  /** The order as Shopify's REST-shaped webhook body (`orders/updated` …). */
  orderPayload(referenceId: string): Record<string, unknown> {
    return orderRestPayload(this.mustFind(referenceId));
  }

  /** A webhook as Shopify sends it: the body and its headers, signed with the app's API secret. */
  webhook(topic: string, payload: unknown, options: { webhookId?: string } = {}): { headers: Record<string, string>; body: string } {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: {
        'Content-Type': 'application/json',
        'X-Shopify-Hmac-Sha256': createHmac('sha256', this.options.apiSecret).update(body, 'utf8').digest('base64'),
        'X-Shopify-Topic': topic,
        'X-Shopify-Shop-Domain': this.options.shopDomain,
        'X-Shopify-Webhook-Id': options.webhookId ?? randomUUID(),
        'X-Shopify-Event-Id': randomUUID(),
        'X-Shopify-API-Version': ADMIN_API_VERSION,
        'X-Shopify-Triggered-At': this.now().toISOString(),
      },
    };
  }

  /** The next Admin call of that operation (e.g. `PlusoneRefund`) answers this instead; queued in order. */
  failNext(operationName: string, answer: AdminResponse): void {
    const queue = this.failures.get(operationName) ?? [];
    queue.push(answer);
    this.failures.set(operationName, queue);
  }

  private mustFind(referenceId: string): OrderState {
    const order = this.orderState(referenceId);
    if (!order) throw new Error(`no order ${referenceId} in the fake Shopify`);
    return order;
  }
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}
