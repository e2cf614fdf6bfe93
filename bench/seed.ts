/**
 * Seeding through the public API, in parallel batches: shops (operator token), 1,000 products and 1,000
 * offers per shop, and paid orders whose session tokens and offers the scenarios use.
 */
import { ADMIN_TOKEN } from './server';
import { offerInputs, orderInput, productInputs, random } from './fixtures';

const CONCURRENCY = 20;

export interface Shop {
  readonly id: string;
  readonly secretKey: string;
}

export interface RegisteredOrder {
  readonly orderId: string;
  readonly token: string;
  readonly offerId: string | null;
}

export async function api<T>(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Runs `task` for every index in [0, count) with at most `concurrency` in flight. */
export async function inParallel<T>(count: number, task: (index: number) => Promise<T>, concurrency = CONCURRENCY): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export async function createShop(baseUrl: string, name: string, undoWindowSeconds: number): Promise<Shop> {
  const created = await api<{ id: string; secretKey: string }>(baseUrl, 'POST', '/v1/shops', ADMIN_TOKEN, { name, settings: { undoWindowSeconds } });
  return { id: created.id, secretKey: created.secretKey };
}

export async function seedCatalog(baseUrl: string, shop: Shop, seed: number): Promise<void> {
  const products = productInputs();
  await inParallel(products.length, (index) => {
    const product = products[index];
    if (!product) throw new Error('product index out of range');
    return api(baseUrl, 'PUT', `/v1/products/${product.id}`, shop.secretKey, product.body);
  });
  const offers = offerInputs(seed);
  await inParallel(offers.length, (index) => api(baseUrl, 'POST', '/v1/offers', shop.secretKey, offers[index]));
}

let orderSequence = 0;

/** Registers `count` paid orders; returns each order's session token and chosen offer (if any). */
export async function registerOrders(baseUrl: string, shop: Shop, count: number, label: string): Promise<RegisteredOrder[]> {
  const rand = random(orderSequence + 7);
  const prefix = `${label}-${Date.now().toString(36)}-${orderSequence}`;
  orderSequence += 1;
  return inParallel(count, async (index) => {
    const answer = await api<{ order: { id: string }; session: { token: string }; offer: { id: string } | null }>(
      baseUrl,
      'POST',
      '/v1/orders',
      shop.secretKey,
      orderInput(`${prefix}-${index}`, rand),
    );
    return { orderId: answer.order.id, token: answer.session.token, offerId: answer.offer?.id ?? null };
  });
}
