/**
 * The exceptional failures of Plusone, each with a stable `code`. Expected business outcomes (a declined
 * card, an ineligible offer) are returned as values, not thrown. The HTTP layer maps each code to a status
 * in one place (`http/errors.ts`); anything that is not a DomainError becomes a generic 500.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'invalid_currency',
  'invalid_credentials',
  'card_data_rejected',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'session_expired',
  'origin_not_allowed',
  'operator_routes_disabled',
  'not_found',
  'variant_not_found',
  'order_already_registered',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'gateway_mismatch',
  'gateway_not_configured',
  'gateway_credentials_invalid',
  'gateway_unavailable',
  'webhook_signature_invalid',
  'idempotency_key_required',
  'offer_not_available',
  'offer_closed',
  'offer_already_accepted',
  'out_of_stock',
  'undo_window_closed',
  'undo_not_available',
  'experiment_conflict',
  'experiment_not_running',
  'invalid_webhook_url',
  'rate_limited',
  'csrf_token_invalid',
  'notification_not_processed',
  'shopify_domain_taken',
  'upsell_not_refundable',
  'refund_failed',
  'webhook_url_not_set',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function notFound(what: string): DomainError {
  return new DomainError('not_found', `${what} not found`);
}

/** Thrown by a PSP adapter's `parseWebhook` when the signature or body does not verify: the route answers 400. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}
