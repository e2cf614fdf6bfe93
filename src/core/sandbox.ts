/**
 * The built-in sandbox PSP's vocabulary, shared by the simulator (gateways/sandbox) and its pages
 * (web/sandbox: the hosted card field and the issuer's 3-D Secure page): the one list of test cards
 * with what each does, and the challenge a `requires_action` answer points at.
 */
import type { CardSummary, DeclineCode } from './payments';

/** What the sandbox does with a payment-method reference. */
export type SandboxCardBehaviour =
  | { readonly outcome: 'authorized'; readonly hangs?: true; readonly captureFails?: true }
  | { readonly outcome: 'declined'; readonly code: DeclineCode; readonly message: string }
  | { readonly outcome: 'requires_action' };

export interface SandboxTestCard {
  /** The payment-method reference the sandbox gateway understands. */
  readonly token: string;
  readonly brand: 'visa' | 'mastercard';
  /** The test number the hosted card field maps to the token (it never leaves the field's frame). */
  readonly number: string;
  readonly label: string;
  readonly behaviour: SandboxCardBehaviour;
}

/** Every sandbox test card, one per behaviour. */
export const SANDBOX_TEST_CARDS: readonly SandboxTestCard[] = [
  { token: 'pm_sandbox_visa', brand: 'visa', number: '4242424242424242', label: 'Visa 4242 — succeeds', behaviour: { outcome: 'authorized' } },
  {
    token: 'pm_sandbox_mastercard',
    brand: 'mastercard',
    number: '5555555555554444',
    label: 'Mastercard 4444 — succeeds',
    behaviour: { outcome: 'authorized' },
  },
  {
    token: 'pm_sandbox_declined',
    brand: 'visa',
    number: '4000000000000002',
    label: 'Declined',
    behaviour: { outcome: 'declined', code: 'card_declined', message: 'The card was declined.' },
  },
  {
    token: 'pm_sandbox_insufficient_funds',
    brand: 'visa',
    number: '4000000000009995',
    label: 'Insufficient funds',
    behaviour: { outcome: 'declined', code: 'insufficient_funds', message: 'The card has insufficient funds.' },
  },
  {
    token: 'pm_sandbox_expired',
    brand: 'visa',
    number: '4000000000000069',
    label: 'Expired card',
    behaviour: { outcome: 'declined', code: 'expired_card', message: 'The card has expired.' },
  },
  {
    token: 'pm_sandbox_3ds_required',
    brand: 'visa',
    number: '4000002760003184',
    label: '3-D Secure required',
    behaviour: { outcome: 'requires_action' },
  },
  {
    token: 'pm_sandbox_timeout',
    brand: 'visa',
    number: '4000000000000259',
    label: 'Slow bank (timeout)',
    behaviour: { outcome: 'authorized', hangs: true },
  },
  {
    token: 'pm_sandbox_capture_fails',
    brand: 'visa',
    number: '4000000000000341',
    label: 'Capture fails later',
    behaviour: { outcome: 'authorized', captureFails: true },
  },
];

// A Map, not an object lookup, so that `constructor` or `__proto__` is an unknown reference like any other.
const BY_TOKEN: ReadonlyMap<string, SandboxTestCard> = new Map(SANDBOX_TEST_CARDS.map((card) => [card.token, card]));

export function sandboxTestCard(token: string): SandboxTestCard | undefined {
  return BY_TOKEN.get(token);
}

/** The card as the PSP reports it: brand and the number's last four digits. */
export function sandboxCardSummary(card: SandboxTestCard): CardSummary {
  return { brand: card.brand, last4: card.number.slice(-4) };
}

export type ChallengeResult = 'success' | 'failure';

/** A 3-D Secure challenge as the issuer's page shows it. */
export interface SandboxChallenge {
  readonly ref: string;
  readonly merchantRef: string;
  readonly amount: number;
  readonly currency: string;
  readonly card: CardSummary;
  readonly state: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

/** The issuer behind the challenge page: the sandbox gateway. */
export interface ChallengeIssuer {
  challenge(ref: string): Promise<SandboxChallenge | null>;
  completeChallenge(ref: string, result: ChallengeResult): Promise<SandboxChallenge | null>;
}
