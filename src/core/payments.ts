/**
 * The words of a payment, shared by the store, the engine and the gateway port: why a card was not
 * charged, the card as the buyer sees it, the 3-D Secure step and who clicked.
 */

/** Why a card was not charged. Stable codes shown to buyers (kindly) and merchants. */
export const DECLINE_CODES = ['card_declined', 'insufficient_funds', 'expired_card', 'authentication_failed', 'processing_error'] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];

export interface CardSummary {
  readonly brand: string | null;
  readonly last4: string | null;
}

/**
 * The buyer's browser as 3-D Secure 2 on the web needs it (the EMVCo browser fields; Adyen's
 * `browserInfo`, CheckoutService v72), read by the widget from the page and by the server from the request.
 */
export interface BrowserInfo {
  /** The browser's Accept header; `*\/*` when the page cannot read it (what Adyen Web sends). */
  readonly acceptHeader: string;
  /** `screen.colorDepth`: 1, 4, 8, 15, 16, 24, 30, 32 or 48. */
  readonly colorDepth: number;
  readonly javaEnabled: boolean;
  /** `navigator.language` (BCP 47). */
  readonly language: string;
  readonly screenHeight: number;
  readonly screenWidth: number;
  /** `new Date().getTimezoneOffset()`: minutes from local time to UTC. */
  readonly timeZoneOffset: number;
  readonly userAgent: string;
}

/**
 * Who clicked, as the issuer's risk checks and 3-D Secure 2 want it (Adyen: `origin`, `browserInfo`,
 * `shopperIP`, `shopperEmail`, the last two required for Visa and JCB). Kept on the upsell from the accept
 * until the authorization is final, so a retry sends exactly the first request; each part may be unknown.
 */
export interface BuyerContext {
  /** The origin of the page the buyer clicked on (`https://shop.example`, no path). */
  readonly origin: string | null;
  readonly ip: string | null;
  readonly email: string | null;
  readonly browser: BrowserInfo | null;
}

/** The data the buyer's page needs to run the 3-D Secure step. */
export interface ThreeDSecureAction {
  readonly type: 'three_d_secure';
  /** A page to show in a dialog (sandbox challenge, Adyen redirect). */
  readonly url?: string;
  /** Stripe: the PaymentIntent client secret for `stripe.handleNextAction`. */
  readonly clientSecret?: string;
  /** Adyen / Braintree action payloads, passed through to the widget. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** What the buyer's page sends back after a 3-D Secure step (PSP-specific, passed through untouched). */
export type ActionDetails = Readonly<Record<string, unknown>>;
