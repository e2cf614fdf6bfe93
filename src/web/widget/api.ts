/// <reference lib="dom" />
/**
 * The widget's side of the checkout API: requests with the session token, answers read leniently (each
 * field is checked where it is used), and the keys and browser fields an accept sends.
 */

/** The upsell as the checkout API reports it. */
export interface Upsell {
  id: string;
  state: string;
  undoUntil: string | null;
}

/** The 3-D Secure step the PSP asks for: a page to frame (`url`), or what its browser SDK needs. */
export interface Action {
  url?: string;
  clientSecret?: string;
  data?: { publishableKey?: unknown; stripeJsUrl?: unknown };
}

/** Every JSON answer of the checkout API fits this shape; each field is checked before it is used. */
export interface Answer {
  status?: string;
  upsell?: Upsell;
  error?: { code: string; message: string };
  action?: Action;
  completeUrl?: string;
}

export interface Api {
  origin: string;
  request(method: 'GET' | 'POST', path: string, body?: object, headers?: Record<string, string>): Promise<Response>;
}

export function createApi(origin: string, token: string): Api {
  return {
    origin,
    request: (method, path, body, headers = {}) =>
      fetch(new URL(path, origin), {
        method,
        credentials: 'omit',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
  };
}

/** The answer's JSON, or an empty answer when the body is not JSON. */
export async function readAnswer(response: Response): Promise<Answer> {
  try {
    const answer = (await response.json()) as Answer | null;
    return answer ?? {};
  } catch {
    return {};
  }
}

export const upsellPath = (upsellId: string): string => `/v1/checkout/upsells/${encodeURIComponent(upsellId)}`;

/** A fresh Idempotency-Key for one click's accept. */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID exists only in secure contexts; a plain-http page still gets an unguessable key.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The bit depths 3-D Secure 2 accepts for `colorDepth`. */
const COLOR_DEPTHS = [1, 4, 8, 15, 16, 24, 30, 32, 48];
const LANGUAGE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * What 3-D Secure 2 asks of the buyer's browser (the server adds the User-Agent and the origin), or
 * nothing when the browser reports something the protocol cannot carry: the accept goes ahead without.
 */
export function browserInfo(): { browserInfo?: Record<string, number | string | boolean> } {
  const depth = COLOR_DEPTHS.filter((bits) => bits <= screen.colorDepth).pop();
  const language = navigator.language;
  if (depth === undefined || !LANGUAGE.test(language) || language.length > 35) return {};
  return {
    browserInfo: {
      colorDepth: depth,
      screenHeight: Math.round(screen.height),
      screenWidth: Math.round(screen.width),
      timeZoneOffset: new Date().getTimezoneOffset(),
      language,
      javaEnabled: false,
    },
  };
}
