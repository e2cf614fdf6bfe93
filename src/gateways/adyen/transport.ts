/**
 * The HTTP layer under the Adyen SDK. The SDK has no host option and its default client speaks https
 * only, so the gateway injects this one (`new Client(config, transport)`, the SDK's documented hook): it
 * points the checkout endpoint at `apiBaseUrl` when one is given (a test fake), bounds every call by the
 * adapter's timeout, and tells apart the three ways a call can fail, which the gateway maps differently:
 * no answer (timeout, network), an HTTP error answer (status + Adyen's `errorCode`), and success.
 */
import type { Config } from '@adyen/api-library';
import type ClientInterface from '@adyen/api-library/lib/src/httpClient/clientInterface';
import type { IRequest } from '@adyen/api-library/lib/src/typings/requestOptions';

/** Adyen answered with a non-2xx status. The message holds Adyen's own text, never our credentials. */
export class AdyenHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string | null,
    readonly adyenMessage: string,
  ) {
    super(`Adyen answered HTTP ${statusCode}${errorCode ? ` (errorCode ${errorCode})` : ''}: ${adyenMessage}`);
    this.name = 'AdyenHttpError';
  }
}

/** No answer from Adyen: the request may or may not have been processed. */
export class AdyenTransportError extends Error {
  constructor(
    readonly reason: 'timeout' | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'AdyenTransportError';
  }
}

interface AdyenErrorBody {
  readonly errorCode: string | null;
  readonly message: string;
}

function parseErrorBody(text: string): AdyenErrorBody {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const errorCode = 'errorCode' in body && typeof body.errorCode === 'string' ? body.errorCode : null;
      const message = 'message' in body && typeof body.message === 'string' ? body.message : 'no message';
      return { errorCode, message };
    }
  } catch {
    // Not JSON (a proxy's HTML error page): only the status is meaningful.
  }
  return { errorCode: null, message: 'unreadable error body' };
}

export class AdyenTransport implements ClientInterface {
  constructor(
    private readonly apiBaseUrl: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  async request(
    endpoint: string,
    json: string | Buffer,
    config: Config,
    _isApiKeyRequired: boolean,
    requestOptions: IRequest.Options = {},
  ): Promise<string> {
    const method = requestOptions.method ?? 'POST';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': `${config.applicationName ?? 'plusone'} adyen-node-api-library`,
    };
    if (config.apiKey) headers['x-api-key'] = config.apiKey;
    if (requestOptions.idempotencyKey) headers['idempotency-key'] = requestOptions.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url(endpoint, requestOptions.params), {
        method,
        headers,
        body: method === 'GET' ? undefined : typeof json === 'string' ? json : json.toString('utf8'),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new AdyenTransportError('timeout', `No answer from Adyen within ${this.timeoutMs} ms`);
      }
      throw new AdyenTransportError('network', `Adyen could not be reached: ${error instanceof Error ? error.message : 'network error'}`);
    }
    if (!response.ok) {
      const { errorCode, message } = parseErrorBody(text);
      throw new AdyenHttpError(response.status, errorCode, message);
    }
    return text;
  }

  private url(endpoint: string, params: IRequest.Options['params']): string {
    const target = new URL(endpoint);
    // Checkout's POST calls carry no query; the SDK only adds `params` to GET calls of other APIs.
    if (params !== undefined) throw new Error('Query parameters are not used by the Checkout calls Plusone makes');
    if (this.apiBaseUrl === undefined) return target.href;
    return `${this.apiBaseUrl.replace(/\/+$/, '')}${target.pathname}${target.search}`;
  }
}
