/**
 * The one mapper from failures to HTTP: `{ error: { code, message, details? } }` with a stable code.
 * DomainErrors carry their code; Fastify's own request errors (validation, media type, size) get theirs
 * here; anything else is a 500 `internal_error` whose details stay in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../core/errors';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_currency: 400,
  invalid_credentials: 400,
  card_data_rejected: 400,
  variant_not_found: 400,
  gateway_mismatch: 400,
  gateway_not_configured: 400,
  gateway_credentials_invalid: 400,
  webhook_signature_invalid: 400,
  idempotency_key_required: 400,
  offer_not_available: 404,
  offer_closed: 409,
  offer_already_accepted: 409,
  out_of_stock: 409,
  undo_window_closed: 409,
  undo_not_available: 409,
  experiment_conflict: 409,
  experiment_not_running: 409,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthorized: 401,
  session_expired: 401,
  origin_not_allowed: 403,
  operator_routes_disabled: 403,
  not_found: 404,
  order_already_registered: 409,
  idempotency_in_progress: 409,
  idempotency_key_reused: 422,
  invalid_webhook_url: 400,
  rate_limited: 429,
  csrf_token_invalid: 403,
  notification_not_processed: 503,
  gateway_unavailable: 503,
  shopify_domain_taken: 409,
  upsell_not_refundable: 409,
  refund_failed: 409,
  webhook_url_not_set: 409,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

function fromFastify(error: FastifyError): DomainError | null {
  if (error.validation) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'request';
    const path = first?.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
    return new DomainError('invalid_request', `${path}: ${first?.message ?? 'is invalid'}`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('payload_too_large', 'The request body is too large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError('invalid_json', 'The request body is empty or malformed');
    default:
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return new DomainError('invalid_request', 'The request is malformed');
      }
      return null;
  }
}

/** The status the one mapper answers an error with (500 for an unexpected one), for plugins that render pages. */
export function errorStatus(error: unknown): number {
  if (!(error instanceof Error)) return 500;
  const domain = error instanceof DomainError ? error : fromFastify(error as FastifyError);
  return domain ? STATUS[domain.code] : 500;
}

/**
 * What an unexpected error logs: its type, its codes and where it was thrown, never its message or
 * details — a database error's message and detail quote the values of the request that caused it.
 */
function loggableError(error: Error): Record<string, unknown> {
  const codes: Record<string, unknown> = {};
  for (const field of ['code', 'constraint', 'table', 'column', 'routine'] as const) {
    const value: unknown = Reflect.get(error, field);
    if (typeof value === 'string' || typeof value === 'number') codes[field] = value;
  }
  const frames = (error.stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
  return { type: error.name, ...codes, stack: frames.join('\n') };
}

export function handleError(error: FastifyError | DomainError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const domain = error instanceof DomainError ? error : fromFastify(error as FastifyError);
  if (!domain) {
    request.log.error({ err: loggableError(error) }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('internal_error', 'Something went wrong on our side. The error is logged; retrying with the same Idempotency-Key is safe.'));
  }
  return reply.status(STATUS[domain.code]).send(errorBody(domain.code, domain.message, domain.details));
}

/**
 * Errors Fastify raises before any hook runs (a path the router cannot percent-decode): the same error
 * shape, and the URL is not quoted back.
 */
export function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_BAD_URL' ? 'The URL path is not valid percent-encoded UTF-8' : 'The request is malformed';
  void reply.status(400).send(errorBody('invalid_request', message));
}
