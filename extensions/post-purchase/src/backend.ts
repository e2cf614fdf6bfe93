/**
 * Plusone's Shopify routes, as the extension calls them: JSON POSTs with Shopify's input token in the body
 * (no Authorization header), each answer parsed into what the page does next. A network failure, a 5xx or
 * a body that is not the expected JSON is `failed`: the page may retry it and never reads it as success.
 */
import { parseOffer, type ShopifyOffer } from './offer';
import type { ApplyResult } from './shopify';

/** Where Plusone answers, defined at build time; empty means the page's own origin. */
function apiBase(): string {
  try {
    return (process.env.PLUSONE_API_BASE ?? '').replace(/\/+$/, '');
  } catch {
    // Bundled without the definition: there is no `process` in the sandbox.
    return '';
  }
}

type Reply = { kind: 'answered'; status: number; body: unknown } | { kind: 'unreachable' };

async function post(path: string, body: object): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(`${apiBase()}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    return { kind: 'unreachable' };
  }
  const answer: unknown = await response.json().catch(() => null);
  return { kind: 'answered', status: response.status, body: answer };
}

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;

/** The `{ error: { code } }` of an error answer. */
const errorCode = (body: unknown): unknown => field(field(body, 'error'), 'code');

/** The purchase's ids on every call after the offer: Shopify's token, the purchase and the offer. */
export interface OfferIds {
  token: string;
  referenceId: string;
  offerId: string;
}

export type OfferAnswer = { kind: 'offer'; referenceId: string; offer: ShopifyOffer } | { kind: 'none' };

/** `POST /v1/shopify/offer`: the offer for this purchase, or none (no offer, or any failure). */
export async function fetchOffer(token: string): Promise<OfferAnswer> {
  const reply = await post('/v1/shopify/offer', { token });
  if (reply.kind !== 'answered' || reply.status !== 200) return { kind: 'none' };
  const referenceId = field(reply.body, 'referenceId');
  const offer = parseOffer(field(reply.body, 'offer'));
  return typeof referenceId === 'string' && offer ? { kind: 'offer', referenceId, offer } : { kind: 'none' };
}

export type SignAnswer = { kind: 'signed'; token: string } | { kind: 'closed' } | { kind: 'failed' };

/** `POST /v1/shopify/sign-changeset`: the changeset token for `applyChangeset`. */
export async function signChangeset(ids: OfferIds): Promise<SignAnswer> {
  const reply = await post('/v1/shopify/sign-changeset', ids);
  if (reply.kind !== 'answered') return { kind: 'failed' };
  const token = field(reply.body, 'token');
  if (reply.status === 200 && typeof token === 'string' && token !== '') return { kind: 'signed', token };
  // The offer was never decided for this purchase (404) or is closed (409): asking again will not help.
  if (reply.status === 404 || reply.status === 409) return { kind: 'closed' };
  return { kind: 'failed' };
}

export type OutcomeAnswer = { kind: 'accepted'; undoUntil: number | null } | { kind: 'recorded' } | { kind: 'failed' };

/** `POST /v1/shopify/outcome`: records the buyer's answer; an accept answers with its undo deadline. */
export async function sendOutcome(ids: OfferIds, status: 'accepted' | 'declined', result?: ApplyResult): Promise<OutcomeAnswer> {
  const reply = await post('/v1/shopify/outcome', result ? { ...ids, status, result } : { ...ids, status });
  if (reply.kind !== 'answered' || reply.status !== 200) return { kind: 'failed' };
  if (field(reply.body, 'status') !== 'accepted') return { kind: 'recorded' };
  const undoUntil = Date.parse(String(field(field(reply.body, 'upsell'), 'undoUntil')));
  return { kind: 'accepted', undoUntil: Number.isNaN(undoUntil) ? null : undoUntil };
}

export type UndoAnswer = { kind: 'cancelled' } | { kind: 'closed' } | { kind: 'failed' };

/** `POST /v1/shopify/undo`: refunds the charge and takes the item off the order, within the window. */
export async function requestUndo(ids: OfferIds): Promise<UndoAnswer> {
  const reply = await post('/v1/shopify/undo', ids);
  if (reply.kind !== 'answered') return { kind: 'failed' };
  const status = field(reply.body, 'status');
  // 202 `pending`: the undo is recorded and Plusone finishes the refund itself; the buyer is done.
  if ((reply.status === 200 && status === 'cancelled') || (reply.status === 202 && status === 'pending')) return { kind: 'cancelled' };
  // The window closed or the order was released to fulfilment (409), or no accepted upsell (404).
  if ((reply.status === 409 && errorCode(reply.body) === 'undo_window_closed') || reply.status === 404) return { kind: 'closed' };
  return { kind: 'failed' };
}
