/**
 * The request screen (its rules in core/screen): every value a request carries is read decoded — each string, number and key of a
 * JSON body (escapes decoded, big numbers read from the text so no digit is lost), each URL path segment,
 * each query key and value, and the headers Plusone stores — and refused before anything authenticates,
 * validates, stores or logs it:
 * - card data (rule in core/card-data.ts and docs/api.md) → `400 card_data_rejected`, ahead of every other
 *   error;
 * - what PostgreSQL cannot store or what cannot be decoded → `400 invalid_request` naming the field: NUL
 *   characters, lone UTF-16 surrogates, malformed percent-encoding, JSON nested deeper than
 *   `MAX_JSON_DEPTH`, and the prototype keys `__proto__` / `constructor.prototype`.
 * Every walk is iterative, so no input can exhaust the stack. Messages name fields, never quote values.
 */
import type { FastifyInstance } from 'fastify';
import type { DomainError } from '../core/errors';
import { screenHeaders, screenUrl } from '../core/screen';
import { handleError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** A non-card problem found in the URL or headers, raised after the body was screened for card data. */
    screenProblem?: DomainError;
  }
}

/**
 * The URL and header half of the screen, on every request (404s included), before authentication. Card
 * data answers at once; other problems wait for `preValidation`, so card data in the body still wins.
 */
export function registerRequestScreen(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const error = screenHeaders(request.headers, screenUrl(request.url)).error();
    if (error?.code === 'card_data_rejected') throw error;
    if (error) request.screenProblem = error;
  });
  // Answered by the one mapper directly, so a plugin's own error handler (an HTML page) cannot turn it into a 500.
  app.addHook('preValidation', async (request, reply) => {
    if (request.screenProblem) return handleError(request.screenProblem, request, reply);
  });
}
