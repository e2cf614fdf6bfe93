/**
 * The merchant admin (`/admin`): server-rendered pages that call Plusone's public API with the signed-in
 * shop's secret key, like any client of it (`ApiClient`). Sign in with the secret key (checked by
 * `GET /v1/shop`), a server-side session in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/admin`,
 * a CSRF token on every post, sign out. The pages themselves are in `pages/`, the API calls in `api.ts`,
 * the sessions (in PostgreSQL, shared by every node) in `sessions.ts`; docs/admin.md is the merchant's guide.
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors';
import type { SecretBox } from '../../core/secret-box';
import { errorStatus } from '../../http/errors';
import { onBehalfOf, type ApiClient } from '../api-client';
import { ApiFailure, ShopApi } from './api';
import { hidden, loadSession, SessionEnded, sendPage, viewerOf, type Admin } from './context';
import { fieldsOf, registerFormParser } from './forms';
import { sendAdminPage } from './layout';
import { INVALID_KEY, problemPage, signInPage } from './pages/sign-in';
import {
  AdminSessions,
  checkFormToken,
  clearSessionCookie,
  CSRF_FIELD,
  type AdminSessionStore,
  DEFAULT_SESSION_TTL_MS,
  setSessionCookie,
  signInCookie,
  signInToken,
} from './sessions';
import { shopRoutes } from './shop-routes';
import { FailureThrottle } from './throttle';

export interface AdminRouteOptions {
  /** How the admin calls the API (in process: `injectClient(app)`). */
  readonly api: ApiClient;
  /** The clock of sessions, sign-in limits and the default date range. Default: the system clock. */
  readonly now?: () => Date;
  /** Where sessions are kept, shared by every node: `adminSessionStore(db)` of store/admin-sessions.ts. */
  readonly sessionStore: AdminSessionStore;
  /** Seals each session's secret key and form token in that store: the server's (`PLUSONE_SECRET_KEY`). */
  readonly secretBox: SecretBox;
  /** A session's lifetime however active it is. Default 8 hours; it also ends after an idle hour. */
  readonly sessionTtlMs?: number;
  /** Live sessions per shop; a new one beyond it ends the shop's oldest. Default 1,000. */
  readonly maxSessionsPerShop?: number;
}

export const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, options) => {
  const now = options.now ?? (() => new Date());
  const admin: Admin = {
    api: options.api,
    now,
    sessions: new AdminSessions({
      store: options.sessionStore,
      box: options.secretBox,
      now,
      ttlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      ...(options.maxSessionsPerShop === undefined ? {} : { maxPerShop: options.maxSessionsPerShop }),
    }),
    throttle: new FailureThrottle({ now }),
    signedIn: new WeakMap(),
  };
  await app.register(
    async (scope) => {
      registerFormParser(scope);
      await scope.register(cookie);
      scope.setErrorHandler((error, request, reply) => errorPage(admin, error, request, reply));
      scope.setNotFoundHandler(async (request, reply) => {
        await loadSession(admin, request);
        return sendAdminPage(
          reply,
          problemPage(404, 'Page not found', 'There is no admin page at this address.', { href: '/admin', label: 'Go to the admin' }),
          viewerOf(admin, request),
        );
      });
      signInRoutes(scope, admin);
      await scope.register(async (shopScope) => {
        shopScope.addHook('preHandler', async (request, reply) => requireSession(admin, request, reply));
        shopRoutes(shopScope, admin);
      });
    },
    { prefix: '/admin' },
  );
};

/** Shop pages need a live session; a post also needs its form token (checked before anything is done). */
async function requireSession(admin: Admin, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const session = await loadSession(admin, request);
  if (!session) {
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/admin', 303);
    throw new SessionEnded('post without a session');
  }
  if (request.method === 'POST') checkFormToken(request, session.csrfToken, fieldsOf(request.body)[CSRF_FIELD]);
  return undefined;
}

/** What a key must look like before it is sent to the API in a header. */
const KEY_TEXT = /^[\x21-\x7e]{1,300}$/;

function signInRoutes(app: FastifyInstance, admin: Admin): void {
  app.get('/', hidden, async (request, reply) => {
    if (await loadSession(admin, request)) return reply.redirect('/admin/overview', 303);
    const notice = fieldsOf(request.query).signedOut === '1' ? 'You are signed out.' : undefined;
    return sendAdminPage(reply, signInPage({ token: signInToken(request, reply), ...(notice ? { notice } : {}) }), null);
  });

  app.post('/sign-in', hidden, async (request, reply) => {
    const fields = fieldsOf(request.body);
    checkFormToken(request, signInCookie(request), fields[CSRF_FIELD]);
    const token = signInToken(request, reply);
    const refuse = (status: number, problem: string) => sendAdminPage(reply, signInPage({ token, problem, status }), null);
    const wait = admin.throttle.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return refuse(429, `Too many failed sign-ins from your address. Try again in ${Math.ceil(wait / 60)} minutes.`);
    }
    const key = (fields.secretKey ?? '').trim();
    if (!key) return refuse(400, 'Enter your secret key.');
    const outcome = KEY_TEXT.test(key) ? await new ShopApi(onBehalfOf(admin.api, request.ip), key).shop() : null;
    if (outcome?.ok) {
      // A new id at every sign-in; a session this browser still had ends.
      const previous = await loadSession(admin, request);
      if (previous) await admin.sessions.end(previous.id);
      admin.signedIn.delete(request);
      setSessionCookie(request, reply, await admin.sessions.create(outcome.value, key));
      return reply.redirect('/admin/overview', 303);
    }
    if (outcome?.failure.status === 429) return refuse(429, 'Too many sign-in attempts. Try again in a minute.');
    // Never says whether a shop exists: every refused key reads the same.
    admin.throttle.fail(request.ip);
    return refuse(401, INVALID_KEY);
  });

  app.post('/sign-out', hidden, async (request, reply) => {
    // Without a live session there is nothing to end (and a cross-site post, which carries no cookie, changes nothing).
    const session = await loadSession(admin, request);
    if (session) {
      checkFormToken(request, session.csrfToken, fieldsOf(request.body)[CSRF_FIELD]);
      await admin.sessions.end(session.id);
      admin.signedIn.delete(request);
      clearSessionCookie(request, reply);
    }
    return reply.redirect('/admin?signedOut=1', 303);
  });
}

async function apiFailurePage(admin: Admin, failure: ApiFailure, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const back = { href: '/admin/overview', label: 'Back to the overview' };
  if (failure.status === 401) {
    // The key stopped working (revoked): this session cannot do anything any more.
    const session = admin.signedIn.get(request);
    if (session) await admin.sessions.end(session.id);
    admin.signedIn.delete(request);
    clearSessionCookie(request, reply);
    const notice = 'Your secret key no longer works (it may have been revoked). Sign in with a current key.';
    return sendAdminPage(reply, signInPage({ token: signInToken(request, reply), notice, status: 401 }), null);
  }
  if (failure.status === 404) return sendPage(admin, request, reply, problemPage(404, 'Not found', `${failure.message}.`, back));
  if (failure.status === 429)
    return sendPage(admin, request, reply, problemPage(429, 'Too many requests', 'Please wait a minute and try again.', back));
  return sendPage(admin, request, reply, problemPage(failure.status, 'Plusone refused this request', failure.message, back));
}

/** Every failure answers a page: a forged or stale form, card data, an API refusal, and the rest by status. */
async function errorPage(admin: Admin, error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (error instanceof ApiFailure) return apiFailurePage(admin, error, request, reply);
  const signIn = { href: '/admin', label: 'Sign in' };
  if (error instanceof SessionEnded) {
    clearSessionCookie(request, reply);
    const message = 'Your session has ended, so nothing was done. Please sign in again.';
    return sendAdminPage(reply, problemPage(403, 'This form cannot be sent', message, signIn), null);
  }
  const back = { href: '/admin', label: 'Back to the admin' };
  if (error instanceof DomainError && error.code === 'csrf_token_invalid') {
    const message = 'It was not sent from this admin’s own page in this browser, so nothing was done. Go back, reload the page and try again.';
    return sendPage(admin, request, reply, problemPage(403, 'This form cannot be sent', message, back));
  }
  if (error instanceof DomainError && error.code === 'card_data_rejected') {
    const message = 'Plusone never receives card numbers, security codes or expiry dates. Nothing from this request was stored.';
    return sendPage(admin, request, reply, problemPage(400, 'Card details are not accepted here', message, back));
  }
  const status = errorStatus(error);
  // The error's type and stack frames only: a message can quote what the request carried.
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => line.startsWith('    at ')) : [];
  if (status >= 500)
    request.log.error({ err: { type: error instanceof Error ? error.name : typeof error, stack: frames.join('\n') } }, 'admin page failed');
  return status >= 500
    ? sendPage(admin, request, reply, problemPage(500, 'Something went wrong', 'This page could not be shown. Please try again.', back))
    : sendPage(admin, request, reply, problemPage(status, 'This request could not be handled', 'Please go back and try again.', back));
}
