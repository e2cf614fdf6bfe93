/**
 * CORS for the checkout API, limited per shop. A preflight carries no token, so it is answered for any
 * origin that some shop allows; the real request is then checked against the allowed origins of the
 * session's own shop and refused (`403 origin_not_allowed`, nothing done) when it is not among them.
 * Requests without `Origin` (the merchant's server fetching the fragment) and same-origin pages pass.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function createCheckoutCors(knownOrigins: () => Promise<Set<string>>) {
  return {
    /** `OPTIONS /v1/checkout/*` */
    preflight: async (request: FastifyRequest, reply: FastifyReply) => {
      const origin = request.headers.origin;
      reply.header('Vary', 'Origin');
      if (!origin || !(await knownOrigins()).has(origin)) return reply.status(403).send();
      return reply
        .status(204)
        .header('Access-Control-Allow-Origin', origin)
        .header('Access-Control-Allow-Methods', ALLOWED_METHODS)
        .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS)
        .send();
    },

    /** `onRequest`: lets an error answer (401 before the shop is known) be read by a known origin. */
    exposeErrors: async (request: FastifyRequest, reply: FastifyReply) => {
      const origin = request.headers.origin;
      reply.header('Vary', 'Origin');
      if (origin && (await knownOrigins()).has(origin)) reply.header('Access-Control-Allow-Origin', origin);
    },

    /** `preHandler`, after session auth: the origin must be one of this shop's. */
    enforce: async (request: FastifyRequest, reply: FastifyReply) => {
      const origin = request.headers.origin;
      if (!origin || origin === ownOrigin(request)) return;
      if (!request.checkoutSession.allowedOrigins.includes(origin)) {
        reply.removeHeader('Access-Control-Allow-Origin');
        throw new DomainError('origin_not_allowed', `Origin ${origin} is not in this shop's allowedOrigins`);
      }
      reply.header('Access-Control-Allow-Origin', origin);
    },
  };
}
