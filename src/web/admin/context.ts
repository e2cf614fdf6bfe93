/** What every admin route shares, and the helpers the shop pages use to reach the session and the API. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { onBehalfOf, type ApiClient } from '../api-client';
import { ShopApi } from './api';
import { sendAdminPage, type AdminPage, type Viewer } from './layout';
import { sessionCookie, type AdminSession, type AdminSessions } from './sessions';
import type { FailureThrottle } from './throttle';

/** What every admin route shares: the API, the clock, the sessions and who is signed in on each request. */
export interface Admin {
  readonly api: ApiClient;
  readonly now: () => Date;
  readonly sessions: AdminSessions;
  readonly throttle: FailureThrottle;
  readonly signedIn: WeakMap<FastifyRequest, AdminSession>;
}

/** A post to a shop page without a live session: refused, nothing done. */
export class SessionEnded extends Error {}

export const hidden = { schema: { hide: true } };

/**
 * The browser's live session, read once per request (by the shop pages' hook, the sign-in routes and the
 * not-found page) and kept on the request for `viewerOf` and `sessionOf`; null without one.
 */
export async function loadSession(admin: Admin, request: FastifyRequest): Promise<AdminSession | null> {
  const known = admin.signedIn.get(request);
  if (known) return known;
  const session = await admin.sessions.find(sessionCookie(request));
  if (session) admin.signedIn.set(request, session);
  return session;
}

/** Who is signed in on this request, for the page header: the session `loadSession` found, else null. */
export function viewerOf(admin: Admin, request: FastifyRequest): Viewer | null {
  const session = admin.signedIn.get(request);
  return session ? { shopName: session.shopName, csrfToken: session.csrfToken } : null;
}

export function sessionOf(admin: Admin, request: FastifyRequest): AdminSession {
  const session = admin.signedIn.get(request);
  if (!session) throw new SessionEnded('no session on a shop page');
  return session;
}

export function shopApi(admin: Admin, request: FastifyRequest): ShopApi {
  return new ShopApi(onBehalfOf(admin.api, request.ip), sessionOf(admin, request).secretKey);
}

export function sendPage(admin: Admin, request: FastifyRequest, reply: FastifyReply, page: AdminPage): FastifyReply {
  return sendAdminPage(reply, page, viewerOf(admin, request));
}
