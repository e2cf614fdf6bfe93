/**
 * An in-process fake of Adyen's Checkout API v72 on node:http, stateful like the real one: stored
 * payment methods that authorise, refuse or ask for 3-D Secure; `Idempotency-Key` replay (same body →
 * same answer, other body → 422 errorCode 704); asynchronous modifications that answer `received` and
 * take effect on `settle()`, which also emits HMAC-signed standard notifications for the tests to post.
 *
 * `POST /paymentMethods` (what Plusone's credentials check asks) answers the account's card methods; a wrong
 * `x-api-key` is `401` and another merchant account `403` errorCode `901`, with Adyen's bodies, on every path.
 *
 * Where it is simpler than Adyen: a replayed key is answered from the stored answer at once, even while
 * the first (slow) request is still answering, where Adyen may say 704 "in progress" until it is done.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import adyen from '@adyen/api-library';
import { isIP } from 'node:net';
import type { RecordedRequest } from '../contract/gateway-contract';
import { missingField, structureProblem } from './adyen-structure';

export interface FakeCard {
  readonly brand: string;
  readonly last4: string;
}

type Behaviour =
  | { readonly outcome: 'authorised'; readonly slow?: true }
  | { readonly outcome: 'refused'; readonly refusalReason: string; readonly refusalReasonCode: string; readonly raw: string }
  | { readonly outcome: 'challenge' }
  /** 3-D Secure 2 in two steps: the device fingerprint (IdentifyShopper), then a challenge (ChallengeShopper). */
  | { readonly outcome: 'fingerprint_then_challenge' };

interface StoredMethod {
  readonly shopperReference: string;
  readonly card: FakeCard;
  readonly behaviour: Behaviour;
}

/** The fake's stored payment method ids (what `additionalData.tokenization.storedPaymentMethodId` would give). */
export const FAKE_ADYEN_METHODS = {
  success: 'spm_fake_visa_1111',
  mastercard: 'spm_fake_mc_4444',
  doNotHonor: 'spm_fake_do_not_honor',
  notEnoughBalance: 'spm_fake_not_enough_balance',
  expired: 'spm_fake_expired',
  challenge: 'spm_fake_3ds_challenge',
  fingerprintThenChallenge: 'spm_fake_3ds_fingerprint',
  slow: 'spm_fake_slow',
} as const;

export const FAKE_SHOPPER = 'shopper_fake_1';

const VISA: FakeCard = { brand: 'visa', last4: '1111' };

const METHODS: ReadonlyMap<string, StoredMethod> = new Map<string, StoredMethod>([
  [FAKE_ADYEN_METHODS.success, { shopperReference: FAKE_SHOPPER, card: VISA, behaviour: { outcome: 'authorised' } }],
  [FAKE_ADYEN_METHODS.mastercard, { shopperReference: FAKE_SHOPPER, card: { brand: 'mc', last4: '4444' }, behaviour: { outcome: 'authorised' } }],
  [
    FAKE_ADYEN_METHODS.doNotHonor,
    {
      shopperReference: FAKE_SHOPPER,
      card: VISA,
      behaviour: { outcome: 'refused', refusalReason: 'Refused', refusalReasonCode: '2', raw: '05 : Do not honor' },
    },
  ],
  [
    FAKE_ADYEN_METHODS.notEnoughBalance,
    {
      shopperReference: FAKE_SHOPPER,
      card: VISA,
      behaviour: { outcome: 'refused', refusalReason: 'Not enough balance', refusalReasonCode: '12', raw: '51 : Insufficient funds' },
    },
  ],
  [
    FAKE_ADYEN_METHODS.expired,
    {
      shopperReference: FAKE_SHOPPER,
      card: VISA,
      behaviour: { outcome: 'refused', refusalReason: 'Expired Card', refusalReasonCode: '6', raw: '54 : Expired card' },
    },
  ],
  [FAKE_ADYEN_METHODS.challenge, { shopperReference: FAKE_SHOPPER, card: VISA, behaviour: { outcome: 'challenge' } }],
  [FAKE_ADYEN_METHODS.fingerprintThenChallenge, { shopperReference: FAKE_SHOPPER, card: VISA, behaviour: { outcome: 'fingerprint_then_challenge' } }],
  [FAKE_ADYEN_METHODS.slow, { shopperReference: FAKE_SHOPPER, card: VISA, behaviour: { outcome: 'authorised', slow: true } }],
]);

export type FakePaymentStatus = 'fingerprint' | 'challenge' | 'refused' | 'authorised' | 'captured' | 'voided' | 'refunded';

export interface FakePayment {
  readonly pspReference: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  readonly card: FakeCard;
  readonly manualCapture: boolean;
  authorisationToken: string;
  status: FakePaymentStatus;
  captured: number;
  refunded: number;
}

type ModificationKind = 'capture' | 'cancel' | 'refund' | 'reversal' | 'autoCapture';

interface Modification {
  readonly kind: ModificationKind;
  readonly pspReference: string;
  readonly paymentPspReference: string;
  readonly reference: string;
  readonly amount: number;
}

/** An Adyen standard webhook delivery, as Adyen posts it. */
export interface FakeNotification {
  readonly live: 'false';
  readonly notificationItems: ReadonlyArray<{ readonly NotificationRequestItem: Record<string, unknown> }>;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly delayMs?: number;
}

interface Remembered {
  readonly request: string;
  readonly answer: Answer;
}

export interface FakeAdyenOptions {
  readonly apiKey: string;
  readonly merchantAccount: string;
  /** Hex HMAC key the notifications are signed with. */
  readonly hmacKey: string;
  /** How long the first `/payments` of `FAKE_ADYEN_METHODS.slow` takes to answer. Default 1000. */
  readonly slowDelayMs?: number;
}

/** The Checkout v72 model each endpoint's body is read as. */
const MODEL_OF: readonly (readonly [RegExp, string])[] = [
  [/^\/v72\/paymentMethods$/, 'PaymentMethodsRequest'],
  [/^\/v72\/payments$/, 'PaymentRequest'],
  [/^\/v72\/payments\/details$/, 'PaymentDetailsRequest'],
  [/^\/v72\/payments\/[^/]+\/captures$/, 'PaymentCaptureRequest'],
  [/^\/v72\/payments\/[^/]+\/cancels$/, 'PaymentCancelRequest'],
  [/^\/v72\/payments\/[^/]+\/refunds$/, 'PaymentRefundRequest'],
  [/^\/v72\/payments\/[^/]+\/reversals$/, 'PaymentReversalRequest'],
];

/**
 * A required field left out, as Adyen answers it (docs.adyen.com/development-resources/error-codes):
 * 130 "Reference Missing"; 15_002 for a 3-D Secure 2 browser field ("Required field language missing for
 * device channel browser", Adyen/adyen-magento#1057); 158 "Required field '…' is not provided" otherwise.
 */
function missingAnswer(path: string): Answer {
  if (path === 'reference') return error(422, '130', 'Required field reference is not provided');
  if (path.startsWith('browserInfo.'))
    return error(422, '15_002', `Required field ${path.slice('browserInfo.'.length)} missing for device channel browser`);
  return error(422, '158', `Required field '${path}' is not provided.`);
}

/**
 * `/paymentMethods` of the fake's merchant account: cards only, as a test account starts (the fields of
 * Checkout v72's `PaymentMethodsResponse`); the request's filters (amount, country, channel) change nothing.
 */
const PAYMENT_METHODS: Answer = {
  status: 200,
  body: { paymentMethods: [{ brands: ['visa', 'mc', 'amex'], name: 'Cards', type: 'scheme' }] },
};

/** The colour depths BrowserInfo accepts. */
const COLOR_DEPTHS = [1, 4, 8, 15, 16, 24, 30, 32, 48];

/**
 * The buyer fields of a `/payments` (CheckoutService v72): `origin` is an origin with no path or trailing
 * slash, at most 80 characters; `browserInfo` has every required field and an accepted `colorDepth`;
 * `shopperIP` is an IP address; `shopperEmail` an RFC 5322 address (its common form).
 */
function buyerProblem(body: Record<string, unknown>): string | null {
  if (body.origin !== undefined) {
    const origin = String(body.origin);
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // refused below
    }
    if (!parsed || parsed.origin !== origin || origin.length > 80) return `origin must be an origin without a path, at most 80 characters: ${origin}`;
  }
  if (isRecord(body.browserInfo) && !COLOR_DEPTHS.includes(body.browserInfo.colorDepth as number)) {
    return `browserInfo.colorDepth must be one of ${COLOR_DEPTHS.join(', ')}`;
  }
  if (body.shopperIP !== undefined && isIP(String(body.shopperIP)) === 0) return `shopperIP is not an IP address: ${String(body.shopperIP)}`;
  if (body.shopperEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(body.shopperEmail)))
    return 'shopperEmail is not a valid email address';
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function error(status: number, errorCode: string, message: string, errorType = 'validation'): Answer {
  return { status, body: { status, errorCode, message, errorType, pspReference: pspReference() } };
}

function pspReference(): string {
  // Adyen's pspReferences are 16 alphanumeric characters.
  return randomBytes(8).toString('hex').toUpperCase();
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function amountOf(body: Record<string, unknown>): { value: number; currency: string } | null {
  const amount = body.amount;
  if (!isRecord(amount) || typeof amount.value !== 'number' || !Number.isSafeInteger(amount.value) || amount.value <= 0) return null;
  if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)) return null;
  return { value: amount.value, currency: amount.currency };
}

export class FakeAdyen {
  readonly requests: RecordedRequest[] = [];
  readonly notifications: FakeNotification[] = [];
  private readonly payments = new Map<string, FakePayment>();
  private readonly byToken = new Map<string, string>();
  private readonly idempotency = new Map<string, Remembered>();
  private readonly queue: Modification[] = [];
  private readonly pendingAuthorisations: string[] = [];
  private readonly failures: Answer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  private baseUrl = '';

  constructor(private readonly options: FakeAdyenOptions) {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the fake Adyen server has no TCP address');
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    return this;
  }

  get url(): string {
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request (any path) is answered with this HTTP status and Adyen error body, unprocessed. */
  failNext(status: number, errorCode = '905', message = 'Internal error'): void {
    this.failures.push(error(status, errorCode, message, status >= 500 ? 'internal' : 'validation'));
  }

  /** The next request is processed, but its answer comes after `delayMs` (a timeout for the client). */
  delayNext(delayMs: number): void {
    this.failures.push({ status: 0, body: {}, delayMs });
  }

  payment(psp: string): FakePayment | undefined {
    return this.payments.get(psp);
  }

  paymentCount(): number {
    return this.payments.size;
  }

  /**
   * Adyen's back office catching up: applies queued modifications in order and emits one signed
   * notification per finished authorisation and per modification.
   */
  async settle(): Promise<void> {
    for (const psp of this.pendingAuthorisations.splice(0)) {
      const payment = this.payments.get(psp);
      if (payment) this.notify('AUTHORISATION', payment.pspReference, null, payment, payment.amount, payment.status !== 'refused', payment.reference);
    }
    for (const modification of this.queue.splice(0)) this.apply(modification);
  }

  private apply(modification: Modification): void {
    const payment = this.payments.get(modification.paymentPspReference);
    if (!payment) return;
    const done = (eventCode: string, success: boolean, reason?: string) =>
      this.notify(eventCode, modification.pspReference, payment.pspReference, payment, modification.amount, success, modification.reference, reason);
    switch (modification.kind) {
      case 'autoCapture':
        if (payment.status === 'authorised') Object.assign(payment, { status: 'captured', captured: payment.amount });
        return;
      case 'capture':
        if (payment.status !== 'authorised') return done('CAPTURE', false, `Payment is ${payment.status}`);
        if (modification.amount > payment.amount) return done('CAPTURE', false, 'Capture amount exceeds the authorised amount');
        Object.assign(payment, { status: 'captured', captured: modification.amount });
        return done('CAPTURE', true);
      case 'cancel':
        if (payment.status !== 'authorised') return done('CANCELLATION', false, `Payment is ${payment.status}`);
        payment.status = 'voided';
        return done('CANCELLATION', true);
      case 'reversal': {
        // "Cancel or refund": a cancel while only authorised, a refund of what was captured after.
        const reversed = (action: 'cancel' | 'refund', success: boolean, reason?: string) =>
          this.notify(
            'CANCEL_OR_REFUND',
            modification.pspReference,
            payment.pspReference,
            payment,
            modification.amount,
            success,
            modification.reference,
            reason,
            { 'modification.action': action },
          );
        if (payment.status === 'authorised') {
          payment.status = 'voided';
          return reversed('cancel', true);
        }
        if (payment.status !== 'captured') return reversed('refund', false, `Payment is ${payment.status}`);
        payment.refunded = payment.captured;
        payment.status = 'refunded';
        return reversed('refund', true);
      }
      case 'refund':
        if (payment.captured - payment.refunded < modification.amount) return done('REFUND', false, 'Refund amount exceeds the captured amount');
        payment.refunded += modification.amount;
        if (payment.refunded === payment.captured) payment.status = 'refunded';
        return done('REFUND', true);
      default: {
        const exhaustive: never = modification.kind;
        return exhaustive;
      }
    }
  }

  private notify(
    eventCode: string,
    psp: string,
    originalReference: string | null,
    payment: FakePayment,
    amount: number,
    success: boolean,
    merchantReference: string,
    reason?: string,
    additionalData: Record<string, string> = {},
  ): void {
    const item: Record<string, unknown> = {
      additionalData,
      amount: { value: amount, currency: payment.currency },
      eventCode,
      eventDate: new Date().toISOString(),
      merchantAccountCode: this.options.merchantAccount,
      merchantReference,
      ...(originalReference !== null ? { originalReference } : {}),
      paymentMethod: payment.card.brand,
      pspReference: psp,
      reason: reason ?? '',
      success: String(success),
    };
    this.notifications.push(signedNotification(item, this.options.hmacKey));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = text;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    this.requests.push({ method: request.method ?? 'GET', path, headers, body });

    const answer = this.answer(request.method ?? 'GET', path, headers, body, text);
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(headers['idempotency-key'] ? { 'idempotency-key': headers['idempotency-key'] } : {}),
      });
      response.end(JSON.stringify(answer.body));
    };
    if (!answer.delayMs) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, answer.delayMs);
    this.timers.add(timer);
  }

  private answer(method: string, path: string, headers: Record<string, string | undefined>, body: unknown, text: string): Answer {
    const injected = this.failures.shift();
    if (injected && injected.status !== 0) return injected;
    if (headers['x-api-key'] !== this.options.apiKey) return error(401, '000', 'HTTP Status Response - Unauthorized', 'security');
    if (method !== 'POST') return error(405, '000', 'Method not allowed');
    if (!isRecord(body)) return error(400, '702', 'Structure is invalid');
    const key = headers['idempotency-key'];
    if (key !== undefined) {
      if (key.length > 64) return error(422, '000', 'Idempotency-Key exceeds 64 characters');
      const remembered = this.idempotency.get(key);
      if (remembered) {
        if (remembered.request !== `${path} ${text}`) return error(422, '704', 'request already processed or in progress');
        return { status: remembered.answer.status, body: remembered.answer.body };
      }
    }
    const answer = this.route(path, body);
    // Adyen keeps answers to processed requests; a validation error is not kept, so it can be retried.
    if (key !== undefined && answer.status < 400) this.idempotency.set(key, { request: `${path} ${text}`, answer });
    const delayMs = injected?.delayMs ?? answer.delayMs;
    return delayMs ? { ...answer, delayMs } : answer;
  }

  private route(path: string, body: Record<string, unknown>): Answer {
    const model = MODEL_OF.find(([pattern]) => pattern.test(path))?.[1];
    if (model) {
      const structure = structureProblem(body, model);
      if (structure) return error(400, '702', structure);
      const missing = missingField(body, model);
      if (missing) return missingAnswer(missing);
    }
    if (body.merchantAccount !== this.options.merchantAccount && path !== '/v72/payments/details') {
      return error(403, '901', 'Invalid Merchant Account', 'security');
    }
    if (path === '/v72/paymentMethods') return PAYMENT_METHODS;
    if (path === '/v72/payments') return this.createPayment(body);
    if (path === '/v72/payments/details') return this.paymentDetails(body);
    const modification = /^\/v72\/payments\/([^/]+)\/(captures|cancels|refunds|reversals)$/.exec(path);
    if (modification?.[1] && modification[2]) {
      const kinds = { captures: 'capture', cancels: 'cancel', refunds: 'refund', reversals: 'reversal' } as const;
      const kind = kinds[modification[2] as keyof typeof kinds];
      return this.modify(kind, decodeURIComponent(modification[1]), body);
    }
    return error(404, '000', `No such endpoint ${path}`);
  }

  private createPayment(body: Record<string, unknown>): Answer {
    const amount = amountOf(body);
    if (!amount) return error(422, '137', 'Invalid amount specified');
    // Present (checked with every required field above), but empty.
    if (body.reference === '') return missingAnswer('reference');
    if (body.returnUrl === '') return missingAnswer('returnUrl');
    const paymentMethod = isRecord(body.paymentMethod) ? body.paymentMethod : {};
    const id = paymentMethod.storedPaymentMethodId;
    // Checkout v72's field validations (docs.adyen.com "Upgrade to Checkout API v72"; shorter
    // shopperReference values fail validation since API library 11.1.0): a generic validation error.
    if (typeof body.shopperReference === 'string' && (body.shopperReference.length < 3 || body.shopperReference.length > 256)) {
      return error(422, '000', 'shopperReference must be 3 to 256 characters');
    }
    if (typeof id === 'string' && id.length > 64) return error(422, '000', 'storedPaymentMethodId must be at most 64 characters');
    const buyer = buyerProblem(body);
    if (buyer) return error(422, '000', buyer);
    const method = typeof id === 'string' ? METHODS.get(id) : undefined;
    if (!method || body.shopperReference !== method.shopperReference) return error(422, '800', 'Contract not found');
    if (body.shopperInteraction !== 'ContAuth' || body.recurringProcessingModel !== 'CardOnFile') {
      return error(422, '000', 'A stored card without CVC needs shopperInteraction ContAuth with recurringProcessingModel CardOnFile');
    }
    const additionalData = isRecord(body.additionalData) ? body.additionalData : {};
    const payment: FakePayment = {
      pspReference: pspReference(),
      reference: String(body.reference),
      amount: amount.value,
      currency: amount.currency,
      card: method.card,
      manualCapture: additionalData.manualCapture === 'true' && body.captureDelayHours === undefined,
      authorisationToken: randomBytes(12).toString('base64url'),
      status: 'authorised',
      captured: 0,
      refunded: 0,
    };
    this.payments.set(payment.pspReference, payment);
    const behaviour = method.behaviour;
    switch (behaviour.outcome) {
      case 'authorised':
        this.authorised(payment);
        return { status: 200, body: this.authorisedBody(payment), ...(behaviour.slow ? { delayMs: this.options.slowDelayMs ?? 1000 } : {}) };
      case 'refused':
        payment.status = 'refused';
        this.pendingAuthorisations.push(payment.pspReference);
        return {
          status: 200,
          body: {
            additionalData: { refusalReasonRaw: behaviour.raw },
            amount,
            merchantReference: payment.reference,
            pspReference: payment.pspReference,
            refusalReason: behaviour.refusalReason,
            refusalReasonCode: behaviour.refusalReasonCode,
            resultCode: 'Refused',
          },
        };
      case 'challenge':
        return this.threeDSecureStep(payment, 'challenge');
      case 'fingerprint_then_challenge':
        return this.threeDSecureStep(payment, 'fingerprint');
      default: {
        const exhaustive: never = behaviour;
        return exhaustive;
      }
    }
  }

  /** Answers a 3-D Secure 2 step with its action (a fresh `authorisationToken` per step, as Adyen's). */
  private threeDSecureStep(payment: FakePayment, step: 'fingerprint' | 'challenge'): Answer {
    payment.status = step;
    payment.authorisationToken = randomBytes(12).toString('base64url');
    this.byToken.set(payment.authorisationToken, payment.pspReference);
    const token =
      step === 'challenge'
        ? { acsURL: `${this.baseUrl}/acs`, messageVersion: '2.2.0' }
        : { threeDSMethodUrl: `${this.baseUrl}/3dsmethod`, threeDSServerTransID: randomBytes(8).toString('hex') };
    return {
      status: 200,
      body: {
        action: {
          authorisationToken: payment.authorisationToken,
          paymentMethodType: 'scheme',
          subtype: step,
          token: Buffer.from(JSON.stringify(token)).toString('base64'),
          type: 'threeDS2',
        },
        merchantReference: payment.reference,
        pspReference: payment.pspReference,
        resultCode: step === 'challenge' ? 'ChallengeShopper' : 'IdentifyShopper',
      },
    };
  }

  private authorised(payment: FakePayment): void {
    payment.status = 'authorised';
    this.pendingAuthorisations.push(payment.pspReference);
    if (!payment.manualCapture) {
      this.queue.push({
        kind: 'autoCapture',
        pspReference: payment.pspReference,
        paymentPspReference: payment.pspReference,
        reference: payment.reference,
        amount: payment.amount,
      });
    }
  }

  private authorisedBody(payment: FakePayment): Record<string, unknown> {
    return {
      additionalData: { cardSummary: payment.card.last4, paymentMethod: payment.card.brand },
      amount: { currency: payment.currency, value: payment.amount },
      merchantReference: payment.reference,
      paymentMethod: { brand: payment.card.brand, type: 'scheme' },
      pspReference: payment.pspReference,
      resultCode: 'Authorised',
    };
  }

  /** `details.threeDSResult` is what Adyen's component returns: base64 JSON `{ transStatus, authorisationToken }`. */
  private paymentDetails(body: Record<string, unknown>): Answer {
    const details = isRecord(body.details) ? body.details : {};
    if (typeof details.threeDSResult !== 'string') return error(422, '14_0', 'Missing details.threeDSResult');
    let result: unknown;
    try {
      result = JSON.parse(Buffer.from(details.threeDSResult, 'base64').toString('utf8'));
    } catch {
      return error(422, '14_0', 'Invalid threeDSResult');
    }
    const psp = isRecord(result) && typeof result.authorisationToken === 'string' ? this.byToken.get(result.authorisationToken) : undefined;
    const payment = psp === undefined ? undefined : this.payments.get(psp);
    if (!payment || !isRecord(result)) return error(422, '14_0', 'Unknown authorisationToken');
    // A step's token is good for that step only: the fingerprint's result cannot answer the challenge.
    if (result.authorisationToken !== payment.authorisationToken) return error(422, '14_0', 'authorisationToken of a finished step');
    if (payment.status === 'fingerprint') return this.threeDSecureStep(payment, 'challenge');
    if (payment.status === 'challenge') {
      if (result.transStatus === 'Y') this.authorised(payment);
      else {
        payment.status = 'refused';
        this.pendingAuthorisations.push(payment.pspReference);
      }
    }
    if (payment.status === 'refused') {
      return {
        status: 200,
        body: {
          merchantReference: payment.reference,
          pspReference: payment.pspReference,
          refusalReason: '3D Not Authenticated',
          refusalReasonCode: '11',
          resultCode: 'Refused',
        },
      };
    }
    return { status: 200, body: this.authorisedBody(payment) };
  }

  private modify(kind: 'capture' | 'cancel' | 'refund' | 'reversal', psp: string, body: Record<string, unknown>): Answer {
    const payment = this.payments.get(psp);
    if (!payment) return error(422, '167', 'Original pspReference required for this operation');
    // A cancel or a reversal takes back the whole payment and names no amount.
    const amount = kind === 'cancel' || kind === 'reversal' ? { value: payment.amount, currency: payment.currency } : amountOf(body);
    if (!amount) return error(422, '137', 'Invalid amount specified');
    if (amount.currency !== payment.currency) return error(422, '137', 'Currency does not match the payment');
    const reference = typeof body.reference === 'string' ? body.reference : '';
    const modification: Modification = { kind, pspReference: pspReference(), paymentPspReference: psp, reference, amount: amount.value };
    this.queue.push(modification);
    return {
      status: 201,
      body: {
        merchantAccount: this.options.merchantAccount,
        paymentPspReference: psp,
        pspReference: modification.pspReference,
        reference,
        status: 'received',
        ...(kind === 'cancel' || kind === 'reversal' ? {} : { amount }),
      },
    };
  }
}

/** Signs one NotificationRequestItem the way Adyen does (HMAC-SHA256 over the eight fields, hex key). */
export function signedNotification(item: Record<string, unknown>, hmacKey: string): FakeNotification {
  const additionalData = isRecord(item.additionalData) ? item.additionalData : {};
  const amount = isRecord(item.amount) ? item.amount : {};
  const signed = [
    item.pspReference,
    item.originalReference ?? '',
    item.merchantAccountCode,
    item.merchantReference,
    amount.value,
    amount.currency,
    item.eventCode,
    item.success,
  ]
    .map((part) => String(part ?? ''))
    .join(':');
  const hmacSignature = new adyen.hmacValidator().calculateHmac(signed, hmacKey);
  return { live: 'false', notificationItems: [{ NotificationRequestItem: { ...item, additionalData: { ...additionalData, hmacSignature } } }] };
}

/** The details Adyen's component posts back after the buyer's 3-D Secure challenge. */
export function threeDSResult(authorisationToken: string, outcome: 'succeeded' | 'failed'): string {
  return Buffer.from(JSON.stringify({ transStatus: outcome === 'succeeded' ? 'Y' : 'N', authorisationToken })).toString('base64');
}

export async function startFakeAdyen(options: FakeAdyenOptions): Promise<FakeAdyen> {
  return new FakeAdyen(options).start();
}
