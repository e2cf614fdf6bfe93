/**
 * Adyen's answers in the contract's terms: amounts on the wire, the one `resultCode` switch, refusal
 * reasons to decline codes, and the keys and references Plusone sends.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/json';
import { currencyExponent } from '../../core/money';
import type { AuthorizeResult, CardSummary, DeclineCode } from '../contract';

/**
 * Adyen's minor units follow ISO 4217 except for four currencies ("the decimals in the table on this page
 * are leading", docs.adyen.com/development-resources/currency-codes). JPY 0, USD 2 and KWD 3 match ISO.
 */
const ADYEN_EXPONENTS: Readonly<Record<string, number>> = { CLP: 2, CVE: 0, IDR: 0, ISK: 2 };

/** Our integer minor units (ISO 4217) → Adyen's `{ value, currency }`; throws when Adyen cannot express it. */
export function toAdyenAmount(amount: number, currency: string): { value: number; currency: string } {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`Amount must be a positive integer of minor units, got ${amount}`);
  }
  const iso = currencyExponent(currency);
  const shift = (ADYEN_EXPONENTS[currency] ?? iso) - iso;
  if (shift >= 0) return { value: amount * 10 ** shift, currency };
  const divisor = 10 ** -shift;
  if (amount % divisor !== 0) {
    throw new RangeError(`Adyen takes ${currency} in whole units: ${amount} minor units is not a multiple of ${divisor}`);
  }
  return { value: amount / divisor, currency };
}

/** Every `resultCode` of Checkout API v72 (`/payments` and `/payments/details` share the list). */
export const RESULT_CODES = [
  'Authorised',
  'Refused',
  'RedirectShopper',
  'IdentifyShopper',
  'ChallengeShopper',
  'Pending',
  'Received',
  'Error',
  'Cancelled',
  'PartiallyAuthorised',
  'AuthenticationFinished',
  'AuthenticationNotRequired',
  'PresentToShopper',
  'Success',
] as const;
export type AdyenResultCode = (typeof RESULT_CODES)[number];

/** The parts of a `/payments` or `/payments/details` answer the mapping reads, parsed from the SDK's object. */
export interface AdyenPaymentOutcome {
  readonly resultCode: AdyenResultCode | null;
  readonly pspReference: string | null;
  readonly refusalReason: string | null;
  readonly refusalReasonCode: string | null;
  readonly action: Readonly<Record<string, unknown>> | null;
  readonly brand: string | null;
  readonly last4: string | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function record(value: unknown): Readonly<Record<string, unknown>> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : null;
}

function isResultCode(value: unknown): value is AdyenResultCode {
  return RESULT_CODES.some((code) => code === value);
}

export function parsePaymentOutcome(response: object): AdyenPaymentOutcome {
  const body = record(response) ?? {};
  const additionalData = record(body.additionalData) ?? {};
  const paymentMethod = record(body.paymentMethod) ?? {};
  return {
    resultCode: isResultCode(body.resultCode) ? body.resultCode : null,
    pspReference: text(body.pspReference),
    refusalReason: text(body.refusalReason),
    refusalReasonCode: text(body.refusalReasonCode),
    action: record(body.action),
    brand: text(paymentMethod.brand) ?? text(additionalData.paymentMethod),
    last4: text(additionalData.cardSummary),
  };
}

const BRANDS: Readonly<Record<string, string>> = { mc: 'mastercard', amex: 'amex', visa: 'visa' };

function cardOf(outcome: AdyenPaymentOutcome): CardSummary {
  return { brand: outcome.brand === null ? null : (BRANDS[outcome.brand] ?? outcome.brand), last4: outcome.last4 };
}

/**
 * Adyen's `refusalReasonCode` (docs.adyen.com/development-resources/refusal-reasons) → our decline code.
 * Codes not listed (acquirer error, issuer unavailable, not supported, …) are `processing_error`.
 */
const REFUSALS: ReadonlyMap<string, DeclineCode> = new Map<string, DeclineCode>([
  ['2', 'card_declined'], // Refused (the issuer's "do not honor" and other generic refusals)
  ['3', 'card_declined'], // Referral
  ['5', 'card_declined'], // Blocked Card
  ['6', 'expired_card'], // Expired Card
  ['7', 'card_declined'], // Invalid Amount
  ['8', 'card_declined'], // Invalid Card Number
  ['11', 'authentication_failed'], // 3D Not Authenticated
  ['12', 'insufficient_funds'], // Not enough balance
  ['14', 'card_declined'], // Acquirer Fraud
  ['20', 'card_declined'], // FRAUD
  ['22', 'card_declined'], // FRAUD-CANCELLED
  ['23', 'card_declined'], // Transaction Not Permitted
  ['24', 'card_declined'], // CVC Declined
  ['25', 'card_declined'], // Restricted Card
  ['26', 'card_declined'], // Revocation Of Auth
  ['27', 'card_declined'], // Declined Non Generic
  ['28', 'insufficient_funds'], // Withdrawal Amount Exceeded
  ['29', 'card_declined'], // Withdrawal Count Exceeded
  ['31', 'card_declined'], // Issuer Suspected Fraud
  ['32', 'card_declined'], // AVS Declined
  ['38', 'authentication_failed'], // Authentication required
  ['42', 'authentication_failed'], // 3DS Authentication Error
]);

/** By text when Adyen left the code out. */
const REFUSAL_TEXTS: ReadonlyMap<string, DeclineCode> = new Map<string, DeclineCode>([
  ['refused', 'card_declined'],
  ['not enough balance', 'insufficient_funds'],
  ['expired card', 'expired_card'],
  ['3d not authenticated', 'authentication_failed'],
]);

export function declineCodeFor(refusalReasonCode: string | null, refusalReason: string | null): DeclineCode {
  const byCode = refusalReasonCode === null ? undefined : REFUSALS.get(refusalReasonCode);
  if (byCode) return byCode;
  return (refusalReason === null ? undefined : REFUSAL_TEXTS.get(refusalReason.toLowerCase())) ?? 'processing_error';
}

const DECLINE_MESSAGES: Readonly<Record<DeclineCode, string>> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  expired_card: 'The card has expired.',
  authentication_failed: 'The 3-D Secure authentication failed.',
  processing_error: 'The payment could not be processed.',
};

function declined(outcome: AdyenPaymentOutcome, ref: string | null): AuthorizeResult {
  const code = declineCodeFor(outcome.refusalReasonCode, outcome.refusalReason);
  const reason = outcome.refusalReason === null ? '' : ` (Adyen: ${outcome.refusalReason})`;
  return { status: 'declined', code, message: `${DECLINE_MESSAGES[code]}${reason}`, ref };
}

/**
 * The one mapping of Adyen's `resultCode` to our result. `fallbackRef` is the payment's pspReference when
 * the answer omits it (`/payments/details`). `captured` follows the capture mode the payment was sent with.
 */
export function authorizeResultOf(outcome: AdyenPaymentOutcome, captured: boolean, fallbackRef: string | null = null): AuthorizeResult {
  const ref = outcome.pspReference ?? fallbackRef;
  const resultCode = outcome.resultCode;
  if (resultCode === null) return { status: 'unknown', reason: 'Adyen answered without a known resultCode' };
  switch (resultCode) {
    case 'Authorised':
      if (ref === null) return { status: 'unknown', reason: 'Adyen authorised without a pspReference' };
      return { status: 'authorized', ref, card: cardOf(outcome), captured };
    case 'Refused':
      return declined(outcome, ref);
    case 'IdentifyShopper':
    case 'ChallengeShopper':
    case 'RedirectShopper':
      if (ref === null || outcome.action === null) return { status: 'unknown', reason: `Adyen asked for ${resultCode} without an action` };
      return { status: 'requires_action', ref, action: { type: 'three_d_secure', data: outcome.action } };
    case 'Pending':
    case 'Received':
      // Not final: Adyen reports the outcome in the AUTHORISATION webhook, which settles the upsell.
      return { status: 'unknown', reason: `Adyen answered ${resultCode}; the AUTHORISATION webhook carries the outcome` };
    case 'Error':
    case 'Cancelled':
      // Final: the payment was not authorised and holds no money.
      return {
        status: 'declined',
        code: 'processing_error',
        message: `${DECLINE_MESSAGES.processing_error} (Adyen: ${outcome.refusalReason ?? resultCode})`,
        ref,
      };
    case 'PartiallyAuthorised':
    case 'AuthenticationFinished':
    case 'AuthenticationNotRequired':
    case 'PresentToShopper':
    case 'Success':
      // Answers to features Plusone never asks for (partial auth, authentication only, vouchers, wallets).
      return { status: 'unknown', reason: `Adyen answered ${resultCode}, which a stored-card payment should not get` };
    default: {
      const exhaustive: never = resultCode;
      return exhaustive;
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Adyen keys and references have length limits (`Idempotency-Key` ≤ 64, `reference` ≤ 80). Ours fit;
 * a longer one is shortened deterministically (prefix + hash), so a retry still sends the same value.
 */
export function fitTo(limit: number, value: string): string {
  if (value.length <= limit) return value;
  const hash = sha256(value).slice(0, 16);
  return `${value.slice(0, limit - hash.length - 1)}~${hash}`;
}

export const IDEMPOTENCY_KEY_LIMIT = 64;
export const REFERENCE_LIMIT = 80;

/**
 * The engine sends one key per upsell for `completeAction`, but a 3-D Secure flow can need two
 * `/payments/details` calls (fingerprint, then challenge) with different details, which Adyen would refuse
 * under one key. The details' hash joins the key: the same details replay, new details are a new call.
 */
export function detailsIdempotencyKey(key: string, details: Readonly<Record<string, unknown>>): string {
  return fitTo(IDEMPOTENCY_KEY_LIMIT, `${key}#${sha256(canonicalJson(details)).slice(0, 12)}`);
}

/** Our upsell id from a reference we sent: `ups_123` (payments) or `ups_123:capture` (modifications). */
export function upsellIdFromReference(reference: string | null): string | null {
  if (reference === null) return null;
  const match = /^(ups_[^:#~]+)/.exec(reference);
  return match?.[1] ?? null;
}
