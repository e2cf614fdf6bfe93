/**
 * An in-process fake of the parts of Braintree's gateway API that Plusone uses, on `node:http` (port 0),
 * speaking the SDK's wire format: JSON bodies with snake_case keys in, XML out (`application/xml`), under
 * `/merchants/{merchantId}/…`, with HTTP Basic auth of the public and private key. It keeps state like
 * the real API:
 * - vaulted payment-method tokens (`TEST_TOKENS`): success, processor declines 2000 / 2001 / 2004, a
 *   `failed` sale with processor response 3000, a card whose issuer wants 3-D Secure (soft decline 2099
 *   until a sale carries a successful authentication);
 * - merchant accounts, one currency each (`plusone_usd` default, `plusone_jpy`, `plusone_kwd`); amounts
 *   are parsed exactly per the account's currency exponent and stored in minor units;
 * - transactions moving `authorized → submitted_for_settlement → settled` (`settle()` plays the nightly
 *   batch), `voided`, refunds as separate `credit` transactions; search by `order_id`;
 * - payment-method nonces and 3-D Secure authentications (`authenticate`, standing in for the buyer's
 *   `threeDSecure.verifyCard` in braintree-web).
 * It refuses what the gateway refuses, with the answer the gateway gives: `422` and an
 * `<api-error-response>` listing every validation error of the request, codes taken by name from the
 * SDK's `ValidationErrorCodes` (required `amount` / `type` / payment method, amount formats, `order_id`
 * over 255 characters, `transaction_source` and `type` outside their values, custom fields not
 * configured or over 255 characters, 3-D Secure authentications of another card or amount, moves not
 * allowed in the transaction's status). A key outside the SDK's own request signature is refused with
 * `400`, one the fake does not model with `501` (see `./braintree-structure.ts`).
 * Test-only extras: `bt_slow` records its first sale at once but answers after `slowResponseMs`;
 * `failNext` answers the next requests with an HTTP error without touching state; `signedNotification`
 * builds a webhook body signed like Braintree's. Every request is recorded with lower-case headers and
 * its parsed JSON body.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { currencyExponent } from '../../src/core/money';
import { errorCode, SALE_SIGNATURE, SUBMIT_FOR_SETTLEMENT_SIGNATURE, TRANSACTION_TYPES, unknownKeys, unmodelledKeys } from './braintree-structure';
import type { RecordedRequest } from '../contract/gateway-contract';

interface Card {
  readonly cardType: string;
  readonly last4: string;
  readonly bin: string;
}

type Behaviour =
  | { readonly outcome: 'succeeds'; readonly slow?: true }
  | { readonly outcome: 'declines'; readonly code: string; readonly text: string }
  /** Status `failed`: the processing network did not answer (3000-class processor response). */
  | { readonly outcome: 'fails'; readonly code: string; readonly text: string }
  | { readonly outcome: 'authenticates' };

/** The vault of the fake merchant: payment-method tokens a primary checkout would have stored. */
export const TEST_TOKENS: ReadonlyMap<string, { readonly card: Card; readonly behaviour: Behaviour }> = new Map([
  ['bt_visa', { card: { cardType: 'Visa', last4: '1111', bin: '411111' }, behaviour: { outcome: 'succeeds' } }],
  [
    'bt_declined',
    { card: { cardType: 'Visa', last4: '0002', bin: '400000' }, behaviour: { outcome: 'declines', code: '2000', text: 'Do Not Honor' } },
  ],
  [
    'bt_insufficient_funds',
    { card: { cardType: 'Visa', last4: '9995', bin: '400000' }, behaviour: { outcome: 'declines', code: '2001', text: 'Insufficient Funds' } },
  ],
  [
    'bt_expired',
    { card: { cardType: 'MasterCard', last4: '0069', bin: '555555' }, behaviour: { outcome: 'declines', code: '2004', text: 'Expired Card' } },
  ],
  [
    'bt_processor_unavailable',
    {
      card: { cardType: 'Visa', last4: '1881', bin: '401288' },
      behaviour: { outcome: 'fails', code: '3000', text: 'Processor Network Unavailable - Try Again' },
    },
  ],
  ['bt_3ds_required', { card: { cardType: 'Visa', last4: '0063', bin: '400000' }, behaviour: { outcome: 'authenticates' } }],
  ['bt_slow', { card: { cardType: 'Visa', last4: '1111', bin: '411111' }, behaviour: { outcome: 'succeeds', slow: true } }],
] as const);

export const MERCHANT_ACCOUNTS: ReadonlyMap<string, string> = new Map([
  ['plusone_usd', 'USD'],
  ['plusone_jpy', 'JPY'],
  ['plusone_kwd', 'KWD'],
]);
const DEFAULT_MERCHANT_ACCOUNT = 'plusone_usd';

/**
 * `transaction_source` values the gateway accepts: those Braintree's own SDK integration suites sell with
 * (braintree_node 3.39 `transaction_gateway_spec.js`, braintree_ruby 4.38 `transaction_spec.rb`), and
 * `unscheduled` (GraphQL `PaymentInitiator.UNSCHEDULED`). Anything else is 915133.
 */
export const TRANSACTION_SOURCES: readonly string[] = [
  'recurring_first',
  'recurring',
  'unscheduled',
  'installment_first',
  'installment',
  'merchant',
  'moto',
  'estimated',
];
/** `order_id` and custom-field values: "Maximum 255 characters" (GraphQL schema, validation errors 91501 and 81527). */
const MAX_TEXT_LENGTH = 255;
/** The sale fields the fake implements; any other field of the SDK's signature is answered 501. */
const SALE_FIELDS = [
  'amount',
  'type',
  'paymentMethodToken',
  'orderId',
  'merchantAccountId',
  'transactionSource',
  'threeDSecureAuthenticationId',
  'customFields',
  'options[submitForSettlement]',
];

type Status = 'authorized' | 'submitted_for_settlement' | 'settled' | 'voided' | 'processor_declined' | 'gateway_rejected' | 'failed';

export interface FakeTransaction {
  readonly id: string;
  readonly type: 'sale' | 'credit';
  status: Status;
  /** Minor units of `currency`. */
  readonly amount: number;
  readonly currency: string;
  readonly merchantAccountId: string;
  readonly orderId: string | null;
  readonly token: string | null;
  readonly card: Card | null;
  readonly processorResponseCode: string;
  readonly processorResponseText: string;
  readonly gatewayRejectionReason: string | null;
  readonly threeDSecure: { readonly status: string; readonly liabilityShifted: boolean } | null;
  /** Minor units submitted for settlement (captured). */
  settlementAmount: number;
  readonly refundIds: string[];
  readonly refundedTransactionId: string | null;
  readonly createdAt: Date;
}

export interface FakeBraintreeOptions {
  readonly merchantId?: string;
  readonly publicKey?: string;
  readonly privateKey?: string;
  /** How long the first sale of `bt_slow` takes to answer. Default 500 ms. */
  readonly slowResponseMs?: number;
  /** Custom fields configured in the fake merchant's Control Panel; a sale with any other one is 91526. Default none. */
  readonly customFields?: readonly string[];
}

// ——— XML, as the gateway writes it ———

class XmlList {
  constructor(
    readonly item: string,
    readonly values: readonly XmlValue[],
    readonly type: 'array' | 'collection' = 'array',
  ) {}
}
class XmlTyped {
  constructor(
    readonly type: 'integer' | 'boolean' | 'datetime',
    readonly text: string,
  ) {}
}
type XmlValue = string | null | XmlList | XmlTyped | { readonly [tag: string]: XmlValue };

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function toXml(tag: string, value: XmlValue): string {
  if (value === null) return `<${tag} nil="true"/>`;
  if (typeof value === 'string') return `<${tag}>${escapeXml(value)}</${tag}>`;
  if (value instanceof XmlTyped) return `<${tag} type="${value.type}">${escapeXml(value.text)}</${tag}>`;
  if (value instanceof XmlList) return `<${tag} type="${value.type}">${value.values.map((item) => toXml(value.item, item)).join('')}</${tag}>`;
  return `<${tag}>${Object.entries(value)
    .map(([child, inner]) => toXml(child, inner))
    .join('')}</${tag}>`;
}

function document(tag: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(tag, value)}\n`;
}

// ——— Money: the gateway's decimal strings, exact ———

/** "19.99" in USD → 1999; null when the text is not a plain decimal with at most the currency's digits. */
export function minorUnitsOf(text: string, currency: string): number | null {
  const exponent = currencyExponent(currency);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) return null;
  return Number(BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0'));
}

function majorUnitsOf(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const digits = String(amount).padStart(exponent + 1, '0');
  return exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

// ——— The fake ———

type Body = { readonly [key: string]: unknown };

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Body {
  return isRecord(value) ? value : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly xml: string,
    readonly contentType = 'application/xml; charset=utf-8',
  ) {}
}

/** One validation error, as the gateway lists it under its scope (`transaction`, `client-token`). */
interface FieldError {
  readonly attribute: string;
  readonly code: string;
  readonly message: string;
}

const fieldError = (attribute: string, code: string, message: string): FieldError => ({ attribute, code, message });

/**
 * The gateway's validation answer: `422`, `<api-error-response>` with every error under its scope and
 * the messages joined by newlines in `<message>` ("Amount is required.\nExpiration date is required." in
 * braintree_node's `transaction_gateway_spec.js`).
 */
function validationErrors(scope: string, errors: readonly FieldError[]): HttpAnswer {
  const list = {
    [scope]: {
      errors: new XmlList(
        'error',
        errors.map((error) => ({ code: error.code, attribute: error.attribute, message: error.message })),
      ),
    },
  };
  const message = errors.map((error) => error.message).join('\n');
  return new HttpAnswer(
    422,
    `<?xml version="1.0" encoding="UTF-8"?>\n<api-error-response>${toXml('errors', list)}${toXml('message', message)}</api-error-response>\n`,
  );
}

function validationError(scope: string, code: string, attribute: string, message: string): HttpAnswer {
  return validationErrors(scope, [fieldError(attribute, code, message)]);
}

/** A key Braintree's SDK would never send (it throws `invalidKeysError` first): no published gateway answer, so 400. */
function unknownFields(scope: string, keys: readonly string[]): HttpAnswer {
  return new HttpAnswer(400, `Not in the braintree SDK's ${scope} signature: ${keys.join(', ')}`, 'text/plain');
}

/** A key Braintree knows that this fake does not implement: refused rather than silently ignored. */
function unmodelledFields(scope: string, keys: readonly string[]): HttpAnswer {
  return new HttpAnswer(501, `The fake does not model ${scope} ${keys.join(', ')}`, 'text/plain');
}

/** The one root element a request body must have (`{ transaction: … }`), or the answer refusing it. */
function rootOf(body: Body, root: string, optional = false): Body | HttpAnswer {
  const others = Object.keys(body).filter((key) => key !== root);
  if (others.length > 0) return unknownFields('request', others);
  const inner = body[root];
  if (inner === undefined && optional) return {};
  return isRecord(inner) ? inner : new HttpAnswer(400, `The request body must be { ${root}: { … } }`, 'text/plain');
}

export class FakeBraintree {
  readonly merchantId: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly requests: RecordedRequest[] = [];
  readonly transactions = new Map<string, FakeTransaction>();
  private readonly nonces = new Map<string, string>();
  private readonly authentications = new Map<string, { readonly token: string; readonly succeeded: boolean; readonly amount: string | null }>();
  private readonly customFields: ReadonlySet<string>;
  private readonly slowAnswered = new Set<string>();
  private readonly unindexed = new Set<string>();
  private duplicateChecking = false;
  private readonly faults: { readonly status: number; readonly path: RegExp; readonly body: string }[] = [];
  private readonly slowResponseMs: number;
  private server: Server | null = null;
  url = '';

  constructor(options: FakeBraintreeOptions = {}) {
    this.merchantId = options.merchantId ?? 'fakemerchant0001';
    this.publicKey = options.publicKey ?? 'fakepublickey001';
    this.privateKey = options.privateKey ?? 'fakeprivatekey00000000000000beef';
    this.slowResponseMs = options.slowResponseMs ?? 500;
    this.customFields = new Set(options.customFields ?? []);
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The next request whose `METHOD path` matches is answered with `status` (500, 503, 429…) and `body`
   * (none; XML-typed when given), state untouched.
   */
  failNext(status: number, path: RegExp = /./, body = ''): void {
    this.faults.push({ status, path, body });
  }

  /** Search lag: the transaction stays out of search results until `index` (it can still be found by id). */
  delayIndexing(id: string): void {
    this.unindexed.add(id);
  }

  index(id: string): void {
    this.unindexed.delete(id);
  }

  /** Duplicate Transaction Checking: a second sale of the same token, amount and account is rejected. */
  checkDuplicates(enabled: boolean): void {
    this.duplicateChecking = enabled;
  }

  /** The nightly settlement batch: every transaction submitted for settlement becomes settled. */
  settle(): void {
    for (const transaction of this.transactions.values()) {
      if (transaction.status === 'submitted_for_settlement') transaction.status = 'settled';
    }
  }

  /**
   * What braintree-web's `threeDSecure.verifyCard({ nonce, amount })` does with the nonce: returns the
   * authentication id. With `amount`, a sale of another amount with this id is refused (91585).
   */
  authenticate(nonce: string, outcome: 'succeeded' | 'failed', amount?: string): string {
    const token = this.nonces.get(nonce);
    if (!token) throw new Error(`unknown nonce ${nonce}`);
    const id = `auth_${randomBytes(6).toString('hex')}`;
    this.authentications.set(id, { token, succeeded: outcome === 'succeeded', amount: amount ?? null });
    return id;
  }

  transaction(id: string): FakeTransaction {
    const found = this.transactions.get(id);
    if (!found) throw new Error(`no fake Braintree transaction ${id}`);
    return found;
  }

  /** What the gateway holds for a sale, in minor units. */
  paymentView(id: string): { amount: number; currency: string; captured: number; refunded: number; status: string } {
    const sale = this.transaction(id);
    const captured = sale.status === 'submitted_for_settlement' || sale.status === 'settled' ? sale.settlementAmount : 0;
    const refunded = sale.refundIds.reduce((sum, refundId) => sum + this.transaction(refundId).amount, 0);
    return { amount: sale.amount, currency: sale.currency, captured, refunded, status: sale.status };
  }

  saleCount(): number {
    return [...this.transactions.values()].filter((transaction) => transaction.type === 'sale').length;
  }

  /** A webhook body as Braintree posts it: form-encoded `bt_signature` and Base64 XML `bt_payload`. */
  signedNotification(kind: string, transactionId: string, options: { privateKey?: string; timestamp?: Date } = {}): string {
    const transaction = this.transactions.get(transactionId);
    const subject = transaction ? this.transactionXml(transaction) : toXml('transaction', { id: transactionId });
    const xml = document('notification', {
      timestamp: new XmlTyped('datetime', (options.timestamp ?? new Date()).toISOString()),
      kind,
      subject: { transaction: null },
    }).replace('<transaction nil="true"/>', subject);
    const payload = `${Buffer.from(xml).toString('base64')}\n`;
    const key = createHash('sha1')
      .update(options.privateKey ?? this.privateKey)
      .digest();
    const signature = `${this.publicKey}|${createHmac('sha1', key).update(payload).digest('hex')}`;
    return new URLSearchParams({ bt_signature: signature, bt_payload: payload }).toString();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    const path = request.url ?? '/';
    const method = request.method ?? 'GET';
    let body: unknown = null;
    try {
      body = raw === '' ? null : JSON.parse(raw);
    } catch {
      body = raw;
    }
    this.requests.push({ method, path, headers, body });

    const faultAt = this.faults.findIndex((candidate) => candidate.path.test(`${method} ${path}`));
    const [fault] = faultAt === -1 ? [] : this.faults.splice(faultAt, 1);
    const answer = fault ? new HttpAnswer(fault.status, fault.body) : (this.authorizeRequest(headers) ?? this.route(method, path, record(body)));
    if (answer instanceof Promise) {
      const delayed = await answer;
      if (!response.destroyed) this.send(response, delayed);
      return;
    }
    this.send(response, answer);
  }

  private send(response: ServerResponse, answer: HttpAnswer): void {
    response.writeHead(answer.status, answer.xml ? { 'content-type': answer.contentType } : {});
    response.end(answer.xml);
  }

  private authorizeRequest(headers: Record<string, string | undefined>): HttpAnswer | null {
    const expected = `Basic ${Buffer.from(`${this.publicKey}:${this.privateKey}`).toString('base64')}`;
    return headers['authorization'] === expected ? null : new HttpAnswer(401, '');
  }

  private route(method: string, path: string, body: Body): HttpAnswer | Promise<HttpAnswer> {
    const prefix = `/merchants/${this.merchantId}`;
    if (!path.startsWith(`${prefix}/`)) return new HttpAnswer(404, '');
    const route = `${method} ${path.slice(prefix.length)}`;
    let match: RegExpExecArray | null;
    if (route === 'POST /transactions') return this.within(body, 'transaction', (attributes) => this.sale(attributes));
    if (route === 'POST /transactions/advanced_search_ids') return this.within(body, 'search', (search) => this.searchIds(search));
    if (route === 'POST /transactions/advanced_search') return this.within(body, 'search', (search) => this.searchPage(search));
    if (route === 'POST /client_token') return this.within(body, 'client_token', (request) => this.clientToken(request));
    if ((match = /^POST \/payment_methods\/([^/]+)\/nonces$/.exec(route))) {
      const token = decodeURIComponent(match[1] ?? '');
      return this.within(body, 'payment_method_nonce', (request) => this.nonce(token, request), true);
    }
    if ((match = /^GET \/transactions\/([0-9a-z]+)$/.exec(route))) return this.find(match[1] ?? '');
    if ((match = /^PUT \/transactions\/([0-9a-z]+)\/submit_for_settlement$/.exec(route))) {
      const id = match[1] ?? '';
      return this.within(body, 'transaction', (attributes) => this.submitForSettlement(id, attributes), true);
    }
    if ((match = /^PUT \/transactions\/([0-9a-z]+)\/void$/.exec(route))) {
      const id = match[1] ?? '';
      return this.within(body, 'transaction', (attributes) => this.voidTransaction(id, attributes), true);
    }
    if ((match = /^POST \/transactions\/([0-9a-z]+)\/refund$/.exec(route))) {
      const id = match[1] ?? '';
      return this.within(body, 'transaction', (attributes) => this.refund(id, attributes), true);
    }
    return new HttpAnswer(404, '');
  }

  /** Runs `handle` on the body's one root element, or answers why the body has none. */
  private within(
    body: Body,
    root: string,
    handle: (inner: Body) => HttpAnswer | Promise<HttpAnswer>,
    optional = false,
  ): HttpAnswer | Promise<HttpAnswer> {
    const inner = rootOf(body, root, optional);
    return inner instanceof HttpAnswer ? inner : handle(inner);
  }

  private newId(): string {
    return randomBytes(5).toString('hex').slice(0, 8);
  }

  /**
   * Every validation error of a sale, as the gateway lists them all in one answer. Codes by their SDK
   * names; messages as Braintree words them where a source quotes it (81501–81503, 81531, 91501, 91508,
   * 91513, 91518, 91523, 91524), else after the SDK name.
   */
  private saleErrors(attributes: Body): { errors: FieldError[]; accountId: string; currency: string | null; amount: number | null } {
    const errors: FieldError[] = [];
    const transaction = (name: string) => errorCode('Transaction', name);

    const type = attributes['type'];
    if (type === undefined || type === null || type === '')
      errors.push(fieldError('type', transaction('TypeIsRequired'), 'Transaction type is required.'));
    else if (typeof type !== 'string' || !TRANSACTION_TYPES.includes(type))
      errors.push(fieldError('type', transaction('TypeIsInvalid'), 'Transaction type is invalid.'));

    const accountId = text(attributes['merchant_account_id']) ?? DEFAULT_MERCHANT_ACCOUNT;
    const currency = MERCHANT_ACCOUNTS.get(accountId) ?? null;
    if (currency === null)
      errors.push(fieldError('merchant_account_id', transaction('MerchantAccountIdIsInvalid'), 'Merchant account ID is invalid.'));

    const amountText = attributes['amount'];
    let amount: number | null = null;
    if (amountText === undefined || amountText === null || amountText === '') {
      errors.push(fieldError('amount', transaction('AmountIsRequired'), 'Amount is required.'));
    } else if (typeof amountText === 'string' && /^-\d/.test(amountText)) {
      errors.push(fieldError('amount', transaction('AmountCannotBeNegative'), 'Amount cannot be negative.'));
    } else {
      // Without a known account the currency's exponent is unknown: only the decimal shape is checked.
      amount =
        typeof amountText !== 'string'
          ? null
          : currency === null
            ? /^\d{1,12}(?:\.\d+)?$/.test(amountText)
              ? 1
              : null
            : minorUnitsOf(amountText, currency);
      if (amount === null) errors.push(fieldError('amount', transaction('AmountFormatIsInvalid'), 'Amount is an invalid format.'));
      else if (amount === 0) errors.push(fieldError('amount', transaction('AmountMustBeGreaterThanZero'), 'Amount must be greater than zero.'));
    }

    const token = attributes['payment_method_token'];
    if (token === undefined || token === null || token === '')
      errors.push(fieldError('base', transaction('CreditCardIsRequired'), 'Cannot determine payment method.'));
    else if (typeof token !== 'string' || !TEST_TOKENS.has(token))
      errors.push(fieldError('payment_method_token', transaction('PaymentMethodTokenIsInvalid'), 'Payment method token is invalid.'));

    const orderId = attributes['order_id'];
    if (orderId !== undefined && orderId !== null && String(orderId).length > MAX_TEXT_LENGTH) {
      errors.push(fieldError('order_id', transaction('OrderIdIsTooLong'), 'Order ID is too long.'));
    }

    const source = attributes['transaction_source'];
    if (source !== undefined && (typeof source !== 'string' || !TRANSACTION_SOURCES.includes(source))) {
      errors.push(fieldError('transaction_source', transaction('TransactionSourceIsInvalid'), 'Transaction source is invalid.'));
    }

    for (const [name, value] of Object.entries(record(attributes['custom_fields']))) {
      if (!this.customFields.has(name))
        errors.push(fieldError('custom_fields', transaction('CustomFieldIsInvalid'), `Custom field is invalid: ${name}.`));
      else if (String(value).length > MAX_TEXT_LENGTH)
        errors.push(fieldError('custom_fields', transaction('CustomFieldIsTooLong'), `Custom field is too long: ${name}.`));
    }

    const authenticationId = attributes['three_d_secure_authentication_id'];
    if (authenticationId !== undefined) {
      const authentication = typeof authenticationId === 'string' ? this.authentications.get(authenticationId) : undefined;
      if (!authentication) {
        errors.push(
          fieldError(
            'three_d_secure_authentication_id',
            transaction('ThreeDSecureAuthenticationIdIsInvalid'),
            'ThreeDSecureAuthenticationId is invalid.',
          ),
        );
      } else if (typeof token === 'string' && TEST_TOKENS.has(token) && authentication.token !== token) {
        errors.push(
          fieldError(
            'three_d_secure_authentication_id',
            transaction('ThreeDSecurePaymentMethodDoesntMatchThreeDSecureAuthenticationPaymentMethod'),
            'Payment method does not match the 3D Secure authentication payment method.',
          ),
        );
      } else if (authentication.amount !== null && currency !== null && amount !== null && minorUnitsOf(authentication.amount, currency) !== amount) {
        errors.push(fieldError('amount', transaction('AmountDoesNotMatch3DSecureAmount'), 'Amount does not match 3D Secure amount.'));
      }
    }
    return { errors, accountId, currency, amount };
  }

  private sale(attributes: Body): HttpAnswer | Promise<HttpAnswer> {
    const unknown = unknownKeys(attributes, SALE_SIGNATURE);
    if (unknown.length > 0) return unknownFields('transaction.sale', unknown);
    const unmodelled = unmodelledKeys(attributes, SALE_FIELDS);
    if (unmodelled.length > 0) return unmodelledFields('transaction.sale', unmodelled);
    if (attributes['type'] === 'credit') return unmodelledFields('transaction', ['type=credit']);
    const { errors, accountId, currency, amount } = this.saleErrors(attributes);
    const token = text(attributes['payment_method_token']) ?? '';
    const vaulted = TEST_TOKENS.get(token);
    if (errors.length > 0 || currency === null || amount === null || !vaulted) return validationErrors('transaction', errors);
    const options = record(attributes['options']);
    const authenticationId = text(attributes['three_d_secure_authentication_id']);
    const authentication = authenticationId ? this.authentications.get(authenticationId) : undefined;

    const base = {
      id: this.newId(),
      type: 'sale' as const,
      amount,
      currency,
      merchantAccountId: accountId,
      orderId: text(attributes['order_id']),
      token,
      card: vaulted.card,
      settlementAmount: 0,
      refundIds: [],
      refundedTransactionId: null,
      createdAt: new Date(),
      threeDSecure: authentication
        ? { status: authentication.succeeded ? 'authenticate_successful' : 'authenticate_failed', liabilityShifted: authentication.succeeded }
        : null,
    };
    const approved = {
      status: 'authorized' as Status,
      processorResponseCode: '1000',
      processorResponseText: 'Approved',
      gatewayRejectionReason: null,
    };
    let transaction: FakeTransaction;
    const behaviour = vaulted.behaviour;
    const duplicate =
      this.duplicateChecking &&
      [...this.transactions.values()].some(
        (earlier) =>
          earlier.type === 'sale' &&
          earlier.token === token &&
          earlier.amount === amount &&
          earlier.merchantAccountId === accountId &&
          (earlier.status === 'authorized' || earlier.status === 'submitted_for_settlement'),
      );
    if (duplicate) {
      transaction = {
        ...base,
        status: 'gateway_rejected',
        processorResponseCode: '',
        processorResponseText: '',
        gatewayRejectionReason: 'duplicate',
      };
    } else if (authentication && !authentication.succeeded) {
      transaction = {
        ...base,
        status: 'gateway_rejected',
        processorResponseCode: '',
        processorResponseText: '',
        gatewayRejectionReason: 'three_d_secure',
      };
    } else if (behaviour.outcome === 'declines') {
      transaction = {
        ...base,
        status: 'processor_declined',
        processorResponseCode: behaviour.code,
        processorResponseText: behaviour.text,
        gatewayRejectionReason: null,
      };
    } else if (behaviour.outcome === 'fails') {
      transaction = {
        ...base,
        status: 'failed',
        processorResponseCode: behaviour.code,
        processorResponseText: behaviour.text,
        gatewayRejectionReason: null,
      };
    } else if (behaviour.outcome === 'authenticates' && !authentication) {
      transaction = {
        ...base,
        status: 'processor_declined',
        processorResponseCode: '2099',
        processorResponseText: 'Cardholder Authentication Required',
        gatewayRejectionReason: null,
      };
    } else {
      transaction = { ...base, ...approved };
      if (options['submit_for_settlement'] === true) {
        transaction.status = 'submitted_for_settlement';
        transaction.settlementAmount = amount;
      }
    }
    this.transactions.set(transaction.id, transaction);

    const answer =
      transaction.status === 'processor_declined' || transaction.status === 'gateway_rejected' || transaction.status === 'failed'
        ? new HttpAnswer(
            422,
            document('api-error-response', {
              errors: { errors: new XmlList('error', []) },
              message: transaction.processorResponseText || `Gateway Rejected: ${transaction.gatewayRejectionReason ?? ''}`,
            }).replace('</api-error-response>', `${this.transactionXml(transaction)}</api-error-response>`),
          )
        : new HttpAnswer(201, `<?xml version="1.0" encoding="UTF-8"?>\n${this.transactionXml(transaction)}\n`);
    if (behaviour.outcome === 'succeeds' && behaviour.slow && !this.slowAnswered.has(token)) {
      this.slowAnswered.add(token);
      return new Promise((resolve) => setTimeout(() => resolve(answer), this.slowResponseMs));
    }
    return answer;
  }

  private transactionXml(transaction: FakeTransaction): string {
    return toXml('transaction', {
      id: transaction.id,
      type: transaction.type,
      status: transaction.status,
      amount: majorUnitsOf(transaction.amount, transaction.currency),
      'currency-iso-code': transaction.currency,
      'merchant-account-id': transaction.merchantAccountId,
      'order-id': transaction.orderId,
      'created-at': new XmlTyped('datetime', transaction.createdAt.toISOString()),
      'processor-response-code': transaction.processorResponseCode,
      'processor-response-text': transaction.processorResponseText,
      'gateway-rejection-reason': transaction.gatewayRejectionReason,
      'credit-card': transaction.card
        ? { token: transaction.token, bin: transaction.card.bin, 'last-4': transaction.card.last4, 'card-type': transaction.card.cardType }
        : {},
      'refund-ids': new XmlList('item', transaction.refundIds),
      'refunded-transaction-id': transaction.refundedTransactionId,
      'three-d-secure-info': transaction.threeDSecure
        ? { status: transaction.threeDSecure.status, 'liability-shifted': new XmlTyped('boolean', String(transaction.threeDSecure.liabilityShifted)) }
        : null,
    });
  }

  private transactionAnswer(transaction: FakeTransaction, status = 200): HttpAnswer {
    return new HttpAnswer(status, `<?xml version="1.0" encoding="UTF-8"?>\n${this.transactionXml(transaction)}\n`);
  }

  /** The criteria the fake searches by: `order_id` (`is`) and `ids` (the SDK's paging call). */
  private matching(search: Body): FakeTransaction[] {
    const orderId = text(record(search['order_id'])['is']);
    const idsCriterion = search['ids'];
    const ids = Array.isArray(idsCriterion) ? idsCriterion : record(idsCriterion)['in'];
    return [...this.transactions.values()].filter(
      (transaction) =>
        !this.unindexed.has(transaction.id) &&
        (orderId === null || transaction.orderId === orderId) &&
        (!Array.isArray(ids) || ids.includes(transaction.id)),
    );
  }

  private searchIds(search: Body): HttpAnswer {
    const unmodelled = unmodelledKeys(search, ['orderId[is]', 'ids']);
    if (unmodelled.length > 0) return unmodelledFields('transaction.search', unmodelled);
    const ids = this.matching(search).map((transaction) => transaction.id);
    return new HttpAnswer(200, document('search-results', { 'page-size': new XmlTyped('integer', '50'), ids: new XmlList('item', ids) }));
  }

  private searchPage(search: Body): HttpAnswer {
    const unmodelled = unmodelledKeys(search, ['orderId[is]', 'ids']);
    if (unmodelled.length > 0) return unmodelledFields('transaction.search', unmodelled);
    const found = this.matching(search)
      .map((transaction) => this.transactionXml(transaction))
      .join('');
    return new HttpAnswer(
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<credit-card-transactions type="collection">${found}</credit-card-transactions>\n`,
    );
  }

  /** `clientToken.generate`: the merchant account must exist (92807, `ValidationErrorCodes.ClientToken`). */
  private clientToken(request: Body): HttpAnswer {
    const unmodelled = unmodelledKeys(request, ['merchantAccountId', 'version']);
    if (unmodelled.length > 0) return unmodelledFields('clientToken.generate', unmodelled);
    const accountId = request['merchant_account_id'];
    if (accountId !== undefined && (typeof accountId !== 'string' || !MERCHANT_ACCOUNTS.has(accountId))) {
      return validationError(
        'client-token',
        errorCode('ClientToken', 'MerchantAccountDoesNotExist'),
        'merchant_account_id',
        'Merchant account does not exist.',
      );
    }
    return new HttpAnswer(
      201,
      document('client-token', { value: Buffer.from(`fake-client-token:${text(accountId) ?? DEFAULT_MERCHANT_ACCOUNT}`).toString('base64') }),
    );
  }

  private nonce(token: string, request: Body): HttpAnswer {
    const unmodelled = unmodelledKeys(request, []);
    if (unmodelled.length > 0) return unmodelledFields('paymentMethodNonce.create', unmodelled);
    const vaulted = TEST_TOKENS.get(token);
    if (!vaulted) return new HttpAnswer(404, '');
    const nonce = `fake-nonce-${randomBytes(8).toString('hex')}`;
    this.nonces.set(nonce, token);
    return new HttpAnswer(
      201,
      document('payment-method-nonce', {
        nonce,
        type: 'CreditCard',
        details: { bin: vaulted.card.bin, 'last-four': vaulted.card.last4, 'card-type': vaulted.card.cardType },
      }),
    );
  }

  private find(id: string): HttpAnswer {
    const transaction = this.transactions.get(id);
    return transaction ? this.transactionAnswer(transaction) : new HttpAnswer(404, '');
  }

  /** An amount of a capture or refund: absent means the whole; otherwise 81501 / 81503 / 81531 as on a sale. */
  private modificationAmount(requested: unknown, currency: string, whole: number): number | FieldError {
    if (requested === undefined || requested === null) return whole;
    if (typeof requested === 'string' && /^-\d/.test(requested))
      return fieldError('amount', errorCode('Transaction', 'AmountCannotBeNegative'), 'Amount cannot be negative.');
    const amount = typeof requested === 'string' ? minorUnitsOf(requested, currency) : null;
    if (amount === null) return fieldError('amount', errorCode('Transaction', 'AmountFormatIsInvalid'), 'Amount is an invalid format.');
    if (amount === 0) return fieldError('amount', errorCode('Transaction', 'AmountMustBeGreaterThanZero'), 'Amount must be greater than zero.');
    return amount;
  }

  private submitForSettlement(id: string, attributes: Body): HttpAnswer {
    const unknown = unknownKeys(attributes, SUBMIT_FOR_SETTLEMENT_SIGNATURE);
    if (unknown.length > 0) return unknownFields('transaction.submitForSettlement', unknown);
    const unmodelled = unmodelledKeys(attributes, ['amount']);
    if (unmodelled.length > 0) return unmodelledFields('transaction.submitForSettlement', unmodelled);
    const transaction = this.transactions.get(id);
    if (!transaction) return new HttpAnswer(404, '');
    if (transaction.status !== 'authorized') {
      return validationError(
        'transaction',
        errorCode('Transaction', 'CannotSubmitForSettlement'),
        'base',
        'Cannot submit for settlement unless status is authorized.',
      );
    }
    const amount = this.modificationAmount(attributes['amount'], transaction.currency, transaction.amount);
    if (typeof amount !== 'number') return validationErrors('transaction', [amount]);
    if (amount > transaction.amount)
      return validationError('transaction', errorCode('Transaction', 'SettlementAmountIsTooLarge'), 'amount', 'Settlement amount is too large.');
    transaction.status = 'submitted_for_settlement';
    transaction.settlementAmount = amount;
    return this.transactionAnswer(transaction);
  }

  /** Void: "authorized, submitted_for_settlement, or - for PayPal - settlement_pending" (91504). */
  private voidTransaction(id: string, attributes: Body): HttpAnswer {
    const unmodelled = unmodelledKeys(attributes, []);
    if (unmodelled.length > 0) return unmodelledFields('transaction.void', unmodelled);
    const transaction = this.transactions.get(id);
    if (!transaction) return new HttpAnswer(404, '');
    if (transaction.status !== 'authorized' && transaction.status !== 'submitted_for_settlement') {
      return validationError(
        'transaction',
        errorCode('Transaction', 'CannotBeVoided'),
        'base',
        'Transaction can only be voided if status is authorized, submitted_for_settlement, or - for PayPal - settlement_pending.',
      );
    }
    transaction.status = 'voided';
    return this.transactionAnswer(transaction);
  }

  /** Refund: only of a settled (or settling) sale, "Use Transaction: Void instead" before (91506). */
  private refund(id: string, attributes: Body): HttpAnswer {
    // The SDK checks no signature for refunds: outside `amount` and `order_id`, nothing is claimed unknown.
    const unmodelled = unmodelledKeys(attributes, ['amount', 'orderId']);
    if (unmodelled.length > 0) return unmodelledFields('transaction.refund', unmodelled);
    const sale = this.transactions.get(id);
    if (!sale) return new HttpAnswer(404, '');
    if (sale.type === 'credit')
      return validationError('transaction', errorCode('Transaction', 'CannotRefundCredit'), 'base', 'Cannot refund a credit.');
    if (sale.status !== 'settled')
      return validationError(
        'transaction',
        errorCode('Transaction', 'CannotRefundUnlessSettled'),
        'base',
        'Cannot refund transaction unless it is settled.',
      );
    const refunded = sale.refundIds.reduce((sum, refundId) => sum + this.transaction(refundId).amount, 0);
    const remaining = sale.settlementAmount - refunded;
    if (remaining === 0)
      return validationError(
        'transaction',
        errorCode('Transaction', 'HasAlreadyBeenRefunded'),
        'base',
        'Transaction has already been completely refunded.',
      );
    const errors: FieldError[] = [];
    const amount = this.modificationAmount(attributes['amount'], sale.currency, remaining);
    if (typeof amount !== 'number') errors.push(amount);
    else if (amount > remaining) errors.push(fieldError('amount', errorCode('Transaction', 'RefundAmountIsTooLarge'), 'Refund amount is too large.'));
    const orderId = attributes['order_id'];
    if (orderId !== undefined && orderId !== null && String(orderId).length > MAX_TEXT_LENGTH)
      errors.push(fieldError('order_id', errorCode('Transaction', 'OrderIdIsTooLong'), 'Order ID is too long.'));
    if (errors.length > 0 || typeof amount !== 'number') return validationErrors('transaction', errors);
    const credit: FakeTransaction = {
      ...sale,
      id: this.newId(),
      type: 'credit',
      status: 'submitted_for_settlement',
      amount,
      settlementAmount: amount,
      orderId: text(orderId) ?? sale.orderId,
      refundIds: [],
      refundedTransactionId: sale.id,
      createdAt: new Date(),
    };
    this.transactions.set(credit.id, credit);
    sale.refundIds.push(credit.id);
    return this.transactionAnswer(credit, 201);
  }
}

export async function startFakeBraintree(options: FakeBraintreeOptions = {}): Promise<FakeBraintree> {
  return new FakeBraintree(options).start();
}
