/**
 * The Braintree adapter, on the official `braintree` SDK (XML over HTTPS, API version 6).
 *
 * Exactly once without idempotency keys: Braintree has none, so our key travels as the transaction's
 * `orderId` and `authorize` searches `orderId = key` before every sale, answering an existing
 * transaction's outcome instead of charging again. The price is one search round trip per authorize
 * (two when something is found), and it assumes no two authorizes of one key overlap (the engine claims
 * the accept's key first, and reconciles only after the gateway timeout and a grace). The merchant's Duplicate
 * Transaction Checking is a second net: a `duplicate` rejection is answered by searching again.
 * Custom fields are not used: Braintree rejects a sale whose custom field is not configured in its
 * Control Panel, and its search cannot filter on them.
 *
 * 3-D Secure on a vaulted card: the sale goes out without authentication; an issuer that wants it
 * soft-declines with processor code 2099 ("Cardholder Authentication Required"). We then create a nonce
 * for the vaulted token and a client token, and answer `requires_action` with what braintree-web's
 * `threeDSecure.verifyCard({ nonce, bin, amount })` needs. The ref is `3ds:{capture}:{declined
 * transaction id}`: the declined transaction holds the token, amount, account and our key. The page
 * posts back `threeDSecureAuthenticationId`; `completeAction` sells the same token again with it and
 * the same `orderId` (search first, as above). No id yet means the buyer has not finished.
 */
import braintree from 'braintree';
import { toMajorUnitString } from '../../core/money';
import type { AdapterOptions, CredentialsCheck, GatewayAdapter } from '../adapter';
import type { ActionDetails, AuthorizeRequest, AuthorizeResult, DeclineCode, LookupResult, ModificationResult, PaymentGateway } from '../contract';
import {
  authorizeFailure,
  credentialsFailure,
  GatewayConfigurationError,
  modificationFailure,
  sortError,
  type ErrorRule,
  type SortedError,
} from '../errors';
import { braintreeCredentials, type BraintreeCredentials } from './credentials';
import { parseBraintreeWebhook } from './webhook';

export type { BraintreeCredentials } from './credentials';

type Transaction = braintree.Transaction;
type Capture = AuthorizeRequest['capture'];
/** The SDK accepts `threeDSecureAuthenticationId` on a sale; @types/braintree does not list it. */
type SaleRequest = braintree.TransactionRequest & { threeDSecureAuthenticationId?: string };

/** What one Braintree transaction means for an authorize. */
type Outcome =
  | { readonly kind: 'authorized'; readonly captured: boolean }
  | { readonly kind: 'declined'; readonly code: DeclineCode; readonly message: string }
  | { readonly kind: 'needs_authentication' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'in_flight' };

const CARDHOLDER_AUTHENTICATION_REQUIRED = '2099';
const THREE_D_SECURE_REF = /^3ds:(manual|immediate):([0-9A-Za-z]+)$/;
/** Validation codes that may mean "already done": 91507 cannot submit (no longer authorized), 91512 already refunded. */
const CANNOT_SUBMIT = '91507';
const ALREADY_REFUNDED = '91512';

/**
 * A Braintree error in one shape: an exception the SDK threw (its `type`, from the HTTP status or the
 * socket) or a validation answer (HTTP 422, `success: false` without a transaction, with its codes).
 */
interface BraintreeError {
  readonly type: string | null;
  readonly codes: readonly string[];
  readonly message: string;
}

const ofType =
  (...types: string[]) =>
  (error: BraintreeError) =>
    error.type !== null && types.includes(error.type);

/**
 * Every Braintree error, sorted (see `../errors.ts`); first match wins. Sources: the SDK's (3.40.0)
 * `lib/braintree/http.js` (401 authenticationError, 403 authorizationError, 404 notFoundError, 408
 * requestTimeoutError, 426 upgradeRequired, 429 tooManyRequestsError, 500 serverError, 503
 * serviceUnavailableError, 504 gatewayTimeoutError, any other status, a socket error or the client's
 * timeout unexpectedError; 422 is a validation answer), its `lib/braintree/util.js` `verifyKeys`
 * (invalidKeysError: a request key outside the SDK's signature, refused before anything is sent — our
 * bug, not the merchant's keys) and developer.paypal.com/braintree/docs/reference/general/exceptions
 * and /validation-errors. Processor declines and gateway rejections are not errors: they are transactions,
 * read by `outcomeOf`.
 */
export const BRAINTREE_ERRORS: readonly ErrorRule<BraintreeError>[] = [
  {
    when: 'authenticationError, authorizationError or upgradeRequired',
    matches: ofType('authenticationError', 'authorizationError', 'upgradeRequired'),
    class: 'configuration',
  },
  { when: 'tooManyRequestsError (429)', matches: ofType('tooManyRequestsError'), class: 'retryable' },
  {
    when: 'serverError, serviceUnavailableError, gatewayTimeoutError or requestTimeoutError',
    matches: ofType('serverError', 'serviceUnavailableError', 'gatewayTimeoutError', 'requestTimeoutError'),
    class: 'retryable',
  },
  { when: 'unexpectedError (timeout, socket error, unexpected status)', matches: ofType('unexpectedError'), class: 'retryable' },
  { when: 'notFoundError (404: no such transaction, or a wrong merchant id)', matches: ofType('notFoundError'), class: 'final' },
  { when: 'validation error (422)', matches: ofType('validation'), class: 'final' },
  { when: 'invalidKeysError (the SDK refused a request key; nothing was sent)', matches: ofType('invalidKeysError'), class: 'final' },
  { when: 'any other error', matches: () => true, class: 'unknown' },
];

function sortBraintree(error: BraintreeError, ref: string | null = null): SortedError {
  return sortError(BRAINTREE_ERRORS, error, (failure) => ({
    message: failure.message,
    code: failure.codes.join(',') || (failure.type ?? 'error'),
    ref,
  }));
}

/** A thrown SDK error in the one shape. */
function thrownError(error: unknown): BraintreeError {
  return { type: errorType(error), codes: [], message: error instanceof Error ? error.message : 'unexpected error' };
}

/** A thrown SDK error, sorted. */
function sortThrown(error: unknown): SortedError {
  return sortBraintree(thrownError(error));
}

/** A validation answer (422), sorted; `ref` is the transaction the refusal belongs to, if any. */
function sortValidation<T>(response: braintree.ValidatedResponse<T>, ref: string | null = null): SortedError {
  return sortBraintree({ type: 'validation', codes: validationCodes(response), message: response.message }, ref);
}

function declineCodeOf(processorResponseCode: string): DeclineCode {
  switch (processorResponseCode) {
    case '2001':
      return 'insufficient_funds';
    case '2004':
      return 'expired_card';
    case '2000':
    case '2046':
      return 'card_declined';
    default:
      return 'processing_error';
  }
}

/** Where a Braintree transaction stands, in our terms. */
type Stage = 'in_flight' | 'held' | 'captured' | 'voided' | 'lapsed' | 'processor_declined' | 'gateway_rejected' | 'failed';

/** Braintree's transaction statuses, mapped in one place. */
function stageOf(status: braintree.TransactionStatus): Stage {
  switch (status) {
    case 'authorizing':
      return 'in_flight';
    case 'authorized':
      return 'held';
    case 'submitted_for_settlement':
    case 'settlement_pending':
    case 'settling':
    case 'settled':
    case 'settlement_confirmed':
      return 'captured';
    case 'voided':
      return 'voided';
    case 'authorization_expired':
    case 'settlement_declined':
      return 'lapsed';
    case 'processor_declined':
      return 'processor_declined';
    case 'gateway_rejected':
      return 'gateway_rejected';
    case 'failed':
      return 'failed';
    default: {
      const exhaustive: never = status;
      return exhaustive;
    }
  }
}

/** What a transaction means for the authorize that created it. */
function outcomeOf(transaction: Transaction): Outcome {
  const stage = stageOf(transaction.status);
  switch (stage) {
    case 'in_flight':
      return { kind: 'in_flight' };
    // A voided or lapsed hold was still authorized: what came after belongs to capture and void.
    case 'held':
    case 'voided':
    case 'lapsed':
      return { kind: 'authorized', captured: false };
    case 'captured':
      return { kind: 'authorized', captured: true };
    case 'processor_declined': {
      const code = transaction.processorResponseCode;
      const message = transaction.processorResponseText || 'Declined';
      if (code !== CARDHOLDER_AUTHENTICATION_REQUIRED) return { kind: 'declined', code: declineCodeOf(code), message };
      // 2099 after an authentication means the issuer still refused it.
      return transaction.threeDSecureInfo ? { kind: 'declined', code: 'authentication_failed', message } : { kind: 'needs_authentication' };
    }
    case 'gateway_rejected': {
      const reason = transaction.gatewayRejectionReason;
      if (reason === 'duplicate') return { kind: 'duplicate' };
      if (reason === 'three_d_secure') return { kind: 'declined', code: 'authentication_failed', message: '3-D Secure authentication failed' };
      return { kind: 'declined', code: 'processing_error', message: `Rejected by Braintree (${reason ?? 'no reason given'})` };
    }
    case 'failed':
      return { kind: 'declined', code: 'processing_error', message: transaction.processorResponseText || 'The transaction failed' };
    default: {
      const exhaustive: never = stage;
      return exhaustive;
    }
  }
}

/**
 * Of the transactions carrying one key, the one that answers for it: a successful sale if there is one
 * (we sell again only when none exists), else the latest attempt — an authenticated retry before the
 * 2099 that asked for it, since Braintree's `createdAt` has whole seconds.
 */
function answerOf(transactions: readonly Transaction[]): Transaction | null {
  const sales = transactions.filter((transaction) => transaction.type === 'sale');
  const held = sales.find((transaction) => outcomeOf(transaction).kind === 'authorized');
  if (held) return held;
  const rank = (transaction: Transaction) => `${transaction.createdAt}|${transaction.threeDSecureInfo ? 1 : 0}`;
  return [...sales].sort((a, b) => rank(a).localeCompare(rank(b))).at(-1) ?? null;
}

function captureOf(text: string | undefined): Capture {
  return text === 'immediate' ? 'immediate' : 'manual';
}

function errorType(error: unknown): string | null {
  if (!(error instanceof Error) || !('type' in error)) return null;
  return typeof error.type === 'string' ? error.type : null;
}

/** A read that got an error: `unknown` unless the keys were refused (thrown: the merchant must act). */
function lookupFailure(error: unknown): LookupResult {
  const sorted = sortThrown(error);
  if (sorted.class === 'configuration')
    throw new GatewayConfigurationError(
      `Braintree refused the API keys or their permissions (${sorted.rule}); check the shop's Braintree credentials`,
    );
  return { status: 'unknown', reason: `${sorted.rule}: ${sorted.message}` };
}

function validationCodes<T>(response: braintree.ValidatedResponse<T>): string[] {
  return response.errors.deepErrors().map((error) => String(error.code));
}

function transactionOf(response: braintree.ValidatedResponse<Transaction>): Transaction | undefined {
  const transaction: Transaction | undefined = response.transaction;
  return transaction;
}

/** The transactions whose `orderId` is `key` (Plusone's idempotency key), through the SDK's search stream. */
function searchByOrderId(client: braintree.BraintreeGateway, key: string): Promise<Transaction[]> {
  if (key === '') return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const found: Transaction[] = [];
    const stream = client.transaction.search((search) => search.orderId().is(key));
    stream.on('data', (transaction: Transaction) => found.push(transaction));
    stream.on('error', reject);
    stream.on('end', () => resolve(found));
  });
}

function environmentFor(credentials: BraintreeCredentials, apiBaseUrl: string | undefined): braintree.Environment {
  if (apiBaseUrl === undefined) {
    return credentials.environment === 'production' ? braintree.Environment.Production : braintree.Environment.Sandbox;
  }
  const url = new URL(apiBaseUrl);
  const ssl = url.protocol === 'https:';
  const port = url.port || (ssl ? '443' : '80');
  return new braintree.Environment(url.hostname, port, url.origin, ssl, url.hostname, port);
}

class BraintreeGateway implements PaymentGateway {
  readonly name = 'braintree';

  constructor(
    private readonly client: braintree.BraintreeGateway,
    private readonly credentials: BraintreeCredentials,
  ) {}

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const sale: SaleRequest = {
      amount: toMajorUnitString(request.amount, request.currency),
      paymentMethodToken: request.paymentMethodRef,
      orderId: request.idempotencyKey,
      options: { submitForSettlement: request.capture === 'immediate' },
    };
    const merchantAccountId = this.merchantAccountFor(request.currency);
    if (merchantAccountId !== null) sale.merchantAccountId = merchantAccountId;
    try {
      return await this.sellOnce(sale, request.currency, request.capture);
    } catch (error) {
      return authorizeFailure(sortThrown(error));
    }
  }

  async completeAction(ref: string, _idempotencyKey: string, details?: ActionDetails): Promise<AuthorizeResult> {
    const match = THREE_D_SECURE_REF.exec(ref);
    if (!match) {
      // Not a 3-D Secure ref: the sale is already done, so its state is the answer.
      const found = await this.lookupRef(ref);
      return found.status === 'not_found' ? { status: 'unknown', reason: `no Braintree transaction ${ref}` } : found;
    }
    const [, capture, declinedId = ''] = match;
    try {
      const declined = await this.client.transaction.find(declinedId);
      const authenticationId = details?.['threeDSecureAuthenticationId'];
      if (typeof authenticationId !== 'string' || authenticationId === '') {
        // Not finished (or a worker asking): whatever the key holds now, still 2099 → requires_action.
        return await this.resultOf(answerOf(await this.searchByKey(declined.orderId ?? '')) ?? declined, captureOf(capture));
      }
      const sale: SaleRequest = {
        amount: declined.amount,
        paymentMethodToken: declined.creditCard?.token ?? '',
        orderId: declined.orderId ?? '',
        merchantAccountId: declined.merchantAccountId,
        threeDSecureAuthenticationId: authenticationId,
        options: { submitForSettlement: capture === 'immediate' },
      };
      return await this.sellOnce(sale, declined.currencyIsoCode, captureOf(capture));
    } catch (error) {
      return authorizeFailure(sortThrown(error));
    }
  }

  async capture(ref: string, amount: number, currency: string, _idempotencyKey: string): Promise<ModificationResult> {
    try {
      const response = await this.client.transaction.submitForSettlement(ref, toMajorUnitString(amount, currency));
      if (response.success) return { status: 'succeeded' };
      // Not `authorized` any more: a repeated capture (already submitted or settled) is success.
      if (!validationCodes(response).includes(CANNOT_SUBMIT)) return this.refused(response);
      const { status } = await this.client.transaction.find(ref);
      return stageOf(status) === 'captured'
        ? { status: 'succeeded' }
        : { status: 'failed', code: status, message: `Cannot capture a ${status} transaction` };
    } catch (error) {
      return modificationFailure(sortThrown(error));
    }
  }

  async void(ref: string, _idempotencyKey: string): Promise<ModificationResult> {
    const match = THREE_D_SECURE_REF.exec(ref);
    try {
      // A 3-D Secure step left unfinished holds nothing, unless the buyer completed it meanwhile.
      const transaction = match ? await this.completedSaleOf(match[2] ?? '') : await this.client.transaction.find(ref);
      if (!transaction) return { status: 'succeeded' };
      // Checked first because Braintree would also void a transaction submitted for settlement, and
      // this port releases holds only; captured money goes back through `refund`.
      switch (stageOf(transaction.status)) {
        case 'voided':
          return { status: 'succeeded' };
        case 'held':
          return this.modification(await this.client.transaction.void(transaction.id));
        default:
          return { status: 'failed', code: transaction.status, message: `Cannot void a ${transaction.status} transaction` };
      }
    } catch (error) {
      return modificationFailure(sortThrown(error));
    }
  }

  /**
   * Plusone refunds a payment at most once, in full (undoing an immediate capture), so any refund
   * already on the transaction is this one. Before settlement Braintree refuses refunds; a full
   * "refund" of a transaction still submitted for settlement is its void, which cancels the capture.
   */
  async refund(ref: string, amount: number, currency: string, _idempotencyKey: string): Promise<ModificationResult> {
    try {
      const transaction = await this.client.transaction.find(ref);
      if ((transaction.refundIds ?? []).length > 0) return { status: 'succeeded' };
      const majorAmount = toMajorUnitString(amount, currency);
      if (transaction.status === 'submitted_for_settlement' || transaction.status === 'settlement_pending') {
        if (majorAmount !== transaction.amount)
          return { status: 'failed', code: 'not_settled', message: 'Only a full refund is possible before settlement' };
        return this.modification(await this.client.transaction.void(ref));
      }
      if (transaction.status === 'voided') return { status: 'succeeded' };
      const response = await this.client.transaction.refund(ref, majorAmount);
      if (response.success || validationCodes(response).includes(ALREADY_REFUNDED)) return { status: 'succeeded' };
      return this.refused(response);
    } catch (error) {
      return modificationFailure(sortThrown(error));
    }
  }

  async lookup(query: { idempotencyKey: string } | { ref: string }): Promise<LookupResult> {
    if ('ref' in query) return this.lookupRef(query.ref);
    try {
      const found = answerOf(await this.searchByKey(query.idempotencyKey));
      return found ? await this.resultOf(found, 'manual') : { status: 'not_found' };
    } catch (error) {
      return lookupFailure(error);
    }
  }

  private async lookupRef(ref: string): Promise<LookupResult> {
    const match = THREE_D_SECURE_REF.exec(ref);
    try {
      if (match) {
        const declined = await this.client.transaction.find(match[2] ?? '');
        const answer = answerOf(await this.searchByKey(declined.orderId ?? '')) ?? declined;
        return await this.resultOf(answer, captureOf(match[1]));
      }
      return await this.resultOf(await this.client.transaction.find(ref), 'manual');
    } catch (error) {
      if (errorType(error) === 'notFoundError') return { status: 'not_found' };
      return lookupFailure(error);
    }
  }

  /**
   * Search by key, then sell only if nothing answers for it (see the header). The one exception is the
   * authenticated retry of a 2099, which goes out under the same key by design.
   */
  private async sellOnce(sale: SaleRequest, currency: string, capture: Capture): Promise<AuthorizeResult> {
    const key = sale.orderId ?? '';
    let transaction = answerOf(await this.searchByKey(key));
    const authenticating =
      sale.threeDSecureAuthenticationId !== undefined && transaction !== null && outcomeOf(transaction).kind === 'needs_authentication';
    if (transaction === null || authenticating) {
      const response = await this.client.transaction.sale(sale);
      const sold = transactionOf(response);
      // A validation error (unknown token, bad amount): nothing was created.
      if (!sold) return authorizeFailure(sortValidation(response));
      transaction = outcomeOf(sold).kind === 'duplicate' ? (answerOf(await this.searchByKey(key)) ?? sold) : sold;
    }
    if (transaction.currencyIsoCode !== currency) return this.wrongCurrency(transaction, currency);
    return this.resultOf(transaction, capture);
  }

  private async resultOf(transaction: Transaction, capture: Capture): Promise<AuthorizeResult> {
    const outcome = outcomeOf(transaction);
    switch (outcome.kind) {
      case 'authorized':
        return {
          status: 'authorized',
          ref: transaction.id,
          card: { brand: transaction.creditCard?.cardType?.toLowerCase() ?? null, last4: transaction.creditCard?.last4 ?? null },
          captured: outcome.captured,
        };
      case 'declined':
        return { status: 'declined', code: outcome.code, message: outcome.message, ref: transaction.id };
      case 'needs_authentication':
        return this.requiresAction(transaction, capture);
      case 'duplicate':
        return { status: 'unknown', reason: 'Braintree rejected the sale as a duplicate and no original was found by key' };
      case 'in_flight':
        return { status: 'unknown', reason: 'the authorization is still in progress at Braintree' };
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  }

  /** What braintree-web needs for `threeDSecure.verifyCard` on the vaulted card. */
  private async requiresAction(declined: Transaction, capture: Capture): Promise<AuthorizeResult> {
    const token = declined.creditCard?.token;
    if (!token) return { status: 'declined', code: 'authentication_failed', message: 'The bank asked for 3-D Secure', ref: declined.id };
    // Each answer is checked: a refused one (422) carries no nonce or client token to hand the page.
    const nonce = await this.client.paymentMethodNonce.create(token);
    if (!nonce.success) return authorizeFailure(sortValidation(nonce, declined.id));
    const clientToken = await this.client.clientToken.generate({ merchantAccountId: declined.merchantAccountId });
    if (!clientToken.success) return authorizeFailure(sortValidation(clientToken, declined.id));
    return {
      status: 'requires_action',
      ref: `3ds:${capture}:${declined.id}`,
      action: {
        type: 'three_d_secure',
        data: {
          clientToken: clientToken.clientToken,
          nonce: nonce.paymentMethodNonce.nonce,
          bin: nonce.paymentMethodNonce.details?.bin ?? declined.creditCard?.bin ?? '',
          amount: declined.amount,
        },
      },
    };
  }

  /** The merchant account settles another currency than asked: release the hold, report the setup error. */
  private async wrongCurrency(transaction: Transaction, currency: string): Promise<AuthorizeResult> {
    const stage = stageOf(transaction.status);
    if (stage === 'held' || stage === 'captured') await this.client.transaction.void(transaction.id);
    return {
      status: 'declined',
      code: 'processing_error',
      message: `Merchant account ${transaction.merchantAccountId} settles ${transaction.currencyIsoCode}, not ${currency}; map ${currency} in merchantAccountIds`,
      ref: transaction.id,
    };
  }

  private async completedSaleOf(declinedId: string): Promise<Transaction | null> {
    const declined = await this.client.transaction.find(declinedId);
    const answer = answerOf(await this.searchByKey(declined.orderId ?? ''));
    return answer && outcomeOf(answer).kind === 'authorized' ? answer : null;
  }

  private merchantAccountFor(currency: string): string | null {
    return this.credentials.merchantAccountIds[currency] ?? this.credentials.merchantAccountId;
  }

  private searchByKey(key: string): Promise<Transaction[]> {
    return searchByOrderId(this.client, key);
  }

  private modification(response: braintree.ValidatedResponse<Transaction>): ModificationResult {
    return response.success ? { status: 'succeeded' } : this.refused(response);
  }

  private refused(response: braintree.ValidatedResponse<Transaction>): ModificationResult {
    return modificationFailure(sortValidation(response));
  }
}

/** An `orderId` no sale carries (Plusone's are `ups_…:authorize`): the credentials check's search finds nothing. */
const CHECK_ORDER_ID = 'plusone:credentials-check';

/** What Braintree refused of the credentials being checked, in the merchant's words; `account` is the merchant account asked about. */
function braintreeRefusal(error: BraintreeError, credentials: BraintreeCredentials, account: string | null): string {
  const subject = account === null ? 'the keys' : `merchant account ${account}`;
  switch (error.type) {
    case 'authenticationError':
      return `Braintree answered 401 authenticationError: the public and private key are not an API key of merchant ${credentials.merchantId} in the ${credentials.environment} environment`;
    case 'authorizationError':
      return account === null
        ? "Braintree answered 403 authorizationError: the API key's role may not search transactions (docs/gateways/braintree.md lists what it needs)"
        : `Braintree answered 403 authorizationError for merchant account ${account}: it is not one of this merchant's accounts, or the key's role may not use it`;
    case 'notFoundError':
      return `Braintree answered 404 notFoundError: there is no merchant ${credentials.merchantId} in the ${credentials.environment} environment`;
    case 'validation':
      return `Braintree refused ${subject} (${error.codes.join(', ') || 'validation error'}): ${error.message}`;
    default:
      return `Braintree refused ${subject} (${error.type ?? 'error'}): ${error.message}`;
  }
}

/** One credentials check's call: what it answered, or what Braintree refused, sorted by `BRAINTREE_ERRORS`. */
async function checked(call: () => Promise<CredentialsCheck>, credentials: BraintreeCredentials, account: string | null): Promise<CredentialsCheck> {
  try {
    return await call();
  } catch (thrown) {
    const error = thrownError(thrown);
    return credentialsFailure(sortBraintree(error), braintreeRefusal(error, credentials, account));
  }
}

/** A client token for the merchant account: Braintree refuses one that is not the merchant's (92807). */
async function accountCheck(client: braintree.BraintreeGateway, credentials: BraintreeCredentials, account: string): Promise<CredentialsCheck> {
  return checked(
    async () => {
      const response = await client.clientToken.generate({ merchantAccountId: account });
      if (response.success) return { status: 'valid' };
      const error: BraintreeError = { type: 'validation', codes: validationCodes(response), message: response.message };
      return credentialsFailure(sortBraintree(error), braintreeRefusal(error, credentials, account));
    },
    credentials,
    account,
  );
}

/**
 * Whether Braintree takes the credentials: the search Plusone runs before every sale, by an `orderId`
 * no sale carries (`POST …/transactions/advanced_search_ids`: the keys, the merchant id and the
 * environment), then a client token for each merchant account they name, as the 3-D Secure step asks
 * for one. Each reads, none changes anything, and each needs only what charging through Plusone needs.
 */
async function verifyBraintree(client: braintree.BraintreeGateway, credentials: BraintreeCredentials): Promise<CredentialsCheck> {
  const search = async (): Promise<CredentialsCheck> => {
    await searchByOrderId(client, CHECK_ORDER_ID);
    return { status: 'valid' };
  };
  const keys = await checked(search, credentials, null);
  if (keys.status !== 'valid') return keys;
  const named = [credentials.merchantAccountId, ...Object.values(credentials.merchantAccountIds)];
  const accounts = [...new Set(named.filter((account): account is string => account !== null))];
  const answers = await Promise.all(accounts.map((account) => accountCheck(client, credentials, account)));
  return answers.find((answer) => answer.status !== 'valid') ?? keys;
}

/** The SDK pointed at Braintree's environment, or at `apiBaseUrl` (a fake), with the adapter's timeout. */
function braintreeClient(credentials: BraintreeCredentials, options: AdapterOptions): braintree.BraintreeGateway {
  const client = new braintree.BraintreeGateway({
    environment: environmentFor(credentials, options.apiBaseUrl),
    merchantId: credentials.merchantId,
    publicKey: credentials.publicKey,
    privateKey: credentials.privateKey,
  });
  // The SDK's Config fixes a 60 s timeout at construction; it reads this field on every request.
  const config = client.config as { timeout: number };
  config.timeout = options.timeoutMs;
  return client;
}

export const braintreeAdapter: GatewayAdapter<BraintreeCredentials> = {
  ...braintreeCredentials,
  create: (credentials, options) => new BraintreeGateway(braintreeClient(credentials, options), credentials),
  verifyCredentials: (credentials, options) => verifyBraintree(braintreeClient(credentials, options), credentials),
  parseWebhook: (rawBody, _headers, credentials) => parseBraintreeWebhook(rawBody, credentials),
};
