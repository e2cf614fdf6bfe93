/**
 * How in-process web parts (the demo shop) call Plusone's public HTTP API: through the real routes
 * (Fastify inject), with the same authentication, validation and error shapes an outside client gets.
 */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** Bearer token: a shop secret key (`sk_…`) or a session token (`ps_…`). */
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly text: string;
  json(): unknown;
}

export type ApiClient = (request: ApiRequest) => Promise<ApiResponse>;
