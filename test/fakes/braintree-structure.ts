/**
 * What Braintree's published specification lets a request carry, as the fake applies it, read from the
 * official `braintree` SDK (3.40.0) rather than written down again:
 * - the request keys: the SDK's own signatures (`TransactionGateway._createSignature()` for a sale,
 *   `_submitForSettlementSignature()` for a capture), against which the SDK's `Util.verifyKeys` refuses
 *   an unknown key with `invalidKeysError` before anything is sent. Braintree publishes no answer of its
 *   gateway to a key outside them, so the fake refuses one with `400` and a plain-text body, which the
 *   SDK reads as `unexpectedError`; a key Braintree knows but the fake does not model gets `501`;
 * - the validation codes: the SDK's `ValidationErrorCodes`, by name (`Transaction.AmountIsRequired` →
 *   81502), so a renamed or removed code breaks the fake loudly;
 * - the transaction types: the SDK's `Transaction.Type`.
 * Keys are compared the way `Util.verifyKeys` compares them: flattened to `a[b][c]` and camel-cased per
 * segment, so the wire's `options[submit_for_settlement]` is the signature's `options[submitForSettlement]`.
 */
import braintree from 'braintree';

type Body = { readonly [key: string]: unknown };

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SDK_CODES: unknown = Reflect.get(braintree, 'ValidationErrorCodes');

/** The code the SDK names `path` (`errorCode('Transaction', 'OrderIdIsTooLong')` → "91501"). */
export function errorCode(...path: readonly string[]): string {
  let node: unknown = SDK_CODES;
  // `ValidationErrorCodes` is a class whose static members hold the codes.
  for (const segment of path) node = isRecord(node) || typeof node === 'function' ? Reflect.get(node, segment) : undefined;
  if (typeof node !== 'string') throw new Error(`The braintree SDK has no ValidationErrorCodes.${path.join('.')}`);
  return node;
}

/** The transaction types the SDK knows (`sale`, `credit`). */
export const TRANSACTION_TYPES: readonly string[] = braintree.Transaction.Type.All();

interface Signature {
  readonly valid: ReadonlySet<string>;
  readonly ignore: readonly string[];
}

/** camelCase per segment, as the SDK's `Util.toCamelCase` does it: `three_d_secure` → `threeDSecure`. */
function camel(key: string): string {
  return key.replace(/[-_][a-z0-9]/g, (match) => (match[1] ?? '').toUpperCase());
}

const SIGNATURE_SOURCE = new braintree.BraintreeGateway({
  environment: braintree.Environment.Sandbox,
  merchantId: 'signature',
  publicKey: 'signature',
  privateKey: 'signature',
});

function signatureOf(method: '_createSignature' | '_submitForSettlementSignature'): Signature {
  const gateway: unknown = SIGNATURE_SOURCE.transaction;
  const build: unknown = isRecord(gateway) ? Reflect.get(gateway, method) : undefined;
  if (!isRecord(gateway) || typeof build !== 'function') throw new Error(`The braintree SDK's TransactionGateway has no ${method}`);
  const signature: unknown = Reflect.apply(build, gateway, []);
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  if (!isRecord(signature)) throw new Error(`${method} did not return a signature`);
  return { valid: new Set(strings(signature['valid']).map(camel)), ignore: strings(signature['ignore']).map(camel) };
}

/** The keys a sale (`transaction.sale`) may carry, and those a capture (`submitForSettlement`) may. */
export const SALE_SIGNATURE = signatureOf('_createSignature');
export const SUBMIT_FOR_SETTLEMENT_SIGNATURE = signatureOf('_submitForSettlementSignature');

/** Every leaf of a wire body as `a[b][c]`, camel-cased per segment; arrays flatten into their key (as the SDK does). */
export function flattenKeys(body: Body, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    const path = prefix ? `${prefix}[${camel(key)}]` : camel(key);
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (isRecord(item)) keys.push(...flattenKeys(item, path));
      else keys.push(path);
    }
  }
  return [...new Set(keys)];
}

/** The keys of `body` that `signature` does not allow (the SDK would have thrown `invalidKeysError` for them). */
export function unknownKeys(body: Body, signature: Signature): string[] {
  return flattenKeys(body).filter((key) => !signature.valid.has(key) && !signature.ignore.some((prefix) => key.startsWith(prefix)));
}

/** The keys of `body` outside `modelled`: Braintree knows them, the fake does not implement them. */
export function unmodelledKeys(body: Body, modelled: readonly string[]): string[] {
  return flattenKeys(body).filter((key) => !modelled.some((allowed) => key === allowed || key.startsWith(`${allowed}[`)));
}
