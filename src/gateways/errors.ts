/**
 * What a PSP's error means for the call that got it, in four classes. Each adapter sorts its PSP's
 * errors with one table of rules (`STRIPE_ERRORS`, `BRAINTREE_ERRORS`, `ADYEN_ERRORS`), the first
 * matching row winning, and every call turns a class into its result the same way (below), so a PSP
 * error cannot mean one thing to `authorize` and another to `capture`.
 *
 * | class           | meaning                                                  | authorize            | capture, void, refund | credentials check |
 * |-----------------|----------------------------------------------------------|----------------------|-----------------------|-------------------|
 * | `retryable`     | no answer, or a passing one (timeout, network, 429, 5xx) | `unknown`            | `unknown`             | `unreachable`     |
 * | `unknown`       | answered, but what happened is not known (the key is     | `unknown`            | `unknown`             | `unreachable`     |
 * |                 | still in progress, or was used with other parameters)    |                      |                       |                   |
 * | `final`         | the PSP refused the request and did nothing (validation, | `declined`           | `failed`              | `refused`         |
 * |                 | an unknown stored card): never sent again                |                      |                       |                   |
 * | `configuration` | the PSP refused the merchant's keys or permissions       | `declined`           | thrown                | `refused`         |
 *
 * `unknown` results are resolved by the worker, which asks the PSP (`lookup`) before it sends the same
 * request again under the same key; `retryable` errors are the ones that resend is meant for. A refused
 * authorize is final because nothing was charged: the buyer gets a clear decline at once, never a 5xx and
 * an upsell left pending. A capture refused for the merchant's keys is thrown instead of failed: the money
 * is held, the row is retried (backed off) once the merchant fixes the keys, and the operator sees why.
 * The check of new credentials (`verifyCredentials`) asks only what the keys, the merchant id or the
 * merchant account decide, so a refusal of it, `final` or `configuration`, is a refusal of the credentials.
 */
import type { CredentialsCheck } from './adapter';
import type { AuthorizeResult, DeclineCode, ModificationResult } from './contract';

export type PspErrorClass = 'retryable' | 'unknown' | 'final' | 'configuration';

export interface ErrorRule<E> {
  /** The PSP's words for the case (status, error code or SDK class), as the docs table shows it. */
  readonly when: string;
  readonly matches: (error: E) => boolean;
  readonly class: PspErrorClass;
  /** For a `final` authorize: the decline code, when the rule knows better than `processing_error`. */
  readonly decline?: DeclineCode;
}

/** A PSP error sorted by its adapter's table: the class, the rule that said so, and words for logs. */
export interface SortedError {
  readonly class: PspErrorClass;
  readonly rule: string;
  readonly decline: DeclineCode;
  /** The PSP's own message (never our credentials). */
  readonly message: string;
  /** A short stable code for a `failed` modification (`adyen_167`, `resource_missing`, `91507`). */
  readonly code: string;
  /** The PSP's payment the refusal belongs to, when its answer names one (a Stripe card error's PaymentIntent). */
  readonly ref: string | null;
}

/** What an adapter reads from one error for the sorted result; `decline` overrides the rule's. */
export interface ErrorDetails {
  readonly message: string;
  readonly code: string;
  readonly decline?: DeclineCode;
  readonly ref?: string | null;
}

/** The first rule of `rules` that matches; the last rule of every table matches anything. */
export function sortError<E>(rules: readonly ErrorRule<E>[], error: E, describe: (error: E) => ErrorDetails): SortedError {
  const rule = rules.find((candidate) => candidate.matches(error));
  if (!rule) throw new Error('An error table must end with a rule that matches every error');
  const details = describe(error);
  return {
    class: rule.class,
    rule: rule.when,
    decline: details.decline ?? rule.decline ?? 'processing_error',
    message: details.message,
    code: details.code,
    ref: details.ref ?? null,
  };
}

/** The merchant's PSP keys or permissions were refused: thrown by modifications, never a guess. */
export class GatewayConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayConfigurationError';
  }
}

/** An authorize that got a PSP error, by its class (see the table above). */
export function authorizeFailure(sorted: SortedError): AuthorizeResult {
  switch (sorted.class) {
    case 'retryable':
    case 'unknown':
      return { status: 'unknown', reason: `${sorted.rule}: ${sorted.message}` };
    case 'final':
      return { status: 'declined', code: sorted.decline, message: sorted.message, ref: sorted.ref };
    case 'configuration':
      return {
        status: 'declined',
        code: 'processing_error',
        message: `the payment provider refused the shop's credentials (${sorted.rule})`,
        ref: null,
      };
    default: {
      const exhaustive: never = sorted.class;
      return exhaustive;
    }
  }
}

/** A capture, void or refund that got a PSP error, by its class (see the table above). */
export function modificationFailure(sorted: SortedError): ModificationResult {
  switch (sorted.class) {
    case 'retryable':
    case 'unknown':
      return { status: 'unknown', reason: `${sorted.rule}: ${sorted.message}` };
    case 'final':
      return { status: 'failed', code: sorted.code, message: sorted.message };
    case 'configuration':
      throw new GatewayConfigurationError(
        `The payment provider refused the shop's credentials (${sorted.rule}): check them in the shop's gateway settings`,
      );
    default: {
      const exhaustive: never = sorted.class;
      return exhaustive;
    }
  }
}

/**
 * A credentials check that got a PSP error, by its class (see the table above). `refusal` says in the
 * merchant's words what the PSP refused; without it, the PSP's own message and the rule.
 */
export function credentialsFailure(sorted: SortedError, refusal?: string): CredentialsCheck {
  switch (sorted.class) {
    case 'retryable':
    case 'unknown':
      return { status: 'unreachable', message: `${sorted.rule}: ${sorted.message}` };
    case 'final':
    case 'configuration':
      return { status: 'refused', message: refusal ?? `${sorted.message} (${sorted.rule})` };
    default: {
      const exhaustive: never = sorted.class;
      return exhaustive;
    }
  }
}
