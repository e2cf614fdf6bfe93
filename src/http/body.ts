/**
 * JSON bodies are read as text first, so that the request screen (`screen.ts`) sees every value before
 * anything parses, validates, stores or logs the body: card data answers `400 card_data_rejected`, ahead of
 * every other error; NUL characters, lone surrogates, absurd nesting and prototype keys answer
 * `400 invalid_request`. The text is kept on the request as `rawBody` for signature checks (PSP webhooks).
 */
import type { FastifyInstance } from 'fastify';
import { containsCardNumber } from '../core/card-data';
import { DomainError } from '../core/errors';
import { cardDataRejected, screenJsonText } from '../core/screen';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: still refused as card data first if the text carries a card number.
    throw containsCardNumber(text) ? cardDataRejected() : new DomainError('invalid_json', 'The request body is not valid JSON');
  }
  const error = screenJsonText(text).error();
  if (error) throw error;
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
    done(
      containsCardNumber(text) ? cardDataRejected() : new DomainError('unsupported_media_type', 'Send JSON with Content-Type: application/json'),
      undefined,
    );
  });
}
