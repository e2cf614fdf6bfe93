/**
 * How in-process web parts (the demo shop) call Plusone's public HTTP API: through the real routes
 * (Fastify inject), with the same authentication, validation and error shapes an outside client gets.
 */
import type { FastifyInstance } from 'fastify';

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** Bearer token: a shop secret key (`sk_…`) or a session token (`ps_…`). */
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The address of the browser this call is made for (the admin's sign-in): the API's per-address limits
   * then count that browser, not this process's own loopback address.
   */
  readonly remoteAddress?: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly text: string;
  json(): unknown;
}

export type ApiClient = (request: ApiRequest) => Promise<ApiResponse>;

/** An ApiClient over the app's own routes (Fastify `inject`: no socket, the same request path). */
export function injectClient(app: FastifyInstance): ApiClient {
  return async (request) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.inject({
      method: request.method,
      url: request.url,
      headers,
      ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}),
      ...(request.body === undefined ? {} : { payload: JSON.stringify(request.body) }),
    });
    return { statusCode: response.statusCode, text: response.body, json: () => response.json() };
  };
}

/** The same client, each call made for the browser at `remoteAddress` (the API's per-address limits count it). */
export function onBehalfOf(client: ApiClient, remoteAddress: string): ApiClient {
  return (request) => client({ ...request, remoteAddress });
}
