/**
 * JSON bodies are read as text first, so that card data is refused before anything parses, validates,
 * stores or logs the body: a card number anywhere in the text, or a CVV/expiry field anywhere in the
 * object, answers `400 card_data_rejected`, ahead of every other error. The text is kept on the request
 * as `rawBody` for signature checks (PSP webhooks).
 */
import type { FastifyInstance } from 'fastify';
import { detectCardData } from '../core/card-data';
import { DomainError } from '../core/errors';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

const CARD_DATA_MESSAGE =
  'Plusone never accepts card numbers, security codes or expiry dates. Send the payment processor’s stored ' +
  'payment-method reference (paymentMethodRef) instead; nothing from this request was stored.';

export function parseJsonBody(text: string): unknown {
  let parsed: unknown = undefined;
  let parseError = false;
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    parseError = true;
  }
  if (detectCardData(text, parsed)) throw new DomainError('card_data_rejected', CARD_DATA_MESSAGE);
  if (parseError) throw new DomainError('invalid_json', 'The request body is not valid JSON');
  return parsed;
}

export function registerJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    request.rawBody = text;
    try {
      done(null, parseJsonBody(text));
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  });
  // Any other content type is scanned for card data too, then refused as unsupported.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const error = detectCardData(text, undefined)
      ? new DomainError('card_data_rejected', CARD_DATA_MESSAGE)
      : new DomainError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
    done(error, undefined);
  });
}
