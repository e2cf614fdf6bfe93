/**
 * The demo shop's backend talking to Plusone's public API, exactly as a merchant's server would: with the
 * shop's secret key (catalog, orders) or the buyer's session token (the offer fragment). Every answer is
 * checked against the few fields the pages use; anything unexpected is an error, not a guess.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ApiClient, ApiResponse } from '../api-client';
import { CURRENCY, type CatalogItem } from './cart';

const Product = Type.Object({
  id: Type.String(),
  title: Type.String(),
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  variants: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      prices: Type.Array(Type.Object({ currency: Type.String(), amount: Type.Integer() })),
    }),
  ),
});

const OrderLine = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  variantId: Type.String(),
  title: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Type.Integer(),
  source: Type.Union([Type.Literal('checkout'), Type.Literal('upsell')]),
  upsellId: Type.Optional(Type.String()),
});

const Order = Type.Object({
  id: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  parentOrderId: Type.Union([Type.String(), Type.Null()]),
  currency: Type.String(),
  lines: Type.Array(OrderLine),
  subtotal: Type.Integer(),
  shippingTotal: Type.Integer(),
  taxTotal: Type.Integer(),
  total: Type.Integer(),
  locale: Type.String(),
  customer: Type.Object({ email: Type.Optional(Type.String()) }),
  payment: Type.Object({ brand: Type.Union([Type.String(), Type.Null()]), last4: Type.Union([Type.String(), Type.Null()]) }),
  linkedOrders: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Type.String(),
});

const Registered = Type.Object({
  order: Type.Object({ id: Type.String() }),
  session: Type.Object({ token: Type.String(), expiresAt: Type.String() }),
});

const Upsell = Type.Object({
  id: Type.String(),
  state: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  events: Type.Array(Type.Object({ type: Type.String(), at: Type.String() })),
});

const ErrorAnswer = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export type Order = Static<typeof Order>;
export type Upsell = Static<typeof Upsell>;
export type Session = Static<typeof Registered>['session'];

export interface OrderRequest {
  externalId: string;
  currency: string;
  lines: Array<{ productId: string; variantId: string; title: string; quantity: number; unitPrice: number }>;
  subtotal: number;
  shippingTotal: number;
  taxTotal: number;
  total: number;
  taxRate: string;
  locale: string;
  customer: { id: string; email: string; country: string };
  payment: { gateway: 'sandbox'; customerRef: string; paymentMethodRef: string; brand: string; last4: string };
}

export type Registration =
  | { readonly status: 'registered'; readonly orderId: string; readonly session: Session }
  | { readonly status: 'refused'; readonly code: string; readonly message: string };

function read<T extends TSchema>(schema: T, response: ApiResponse, what: string): Static<T> {
  const body: unknown = response.json();
  if (!Value.Check(schema, body)) throw new Error(`Unexpected answer from Plusone for ${what} (${response.statusCode})`);
  return body;
}

function expectStatus(response: ApiResponse, status: number, what: string): void {
  if (response.statusCode !== status) throw new Error(`Plusone answered ${response.statusCode} for ${what}`);
}

/** Products with a USD price, in the store's display order. */
export async function listCatalog(api: ApiClient, secretKey: string, featured: readonly string[]): Promise<CatalogItem[]> {
  const response = await api({ method: 'GET', url: '/v1/products', token: secretKey });
  expectStatus(response, 200, 'GET /v1/products');
  const { products } = read(Type.Object({ products: Type.Array(Product) }), response, 'GET /v1/products');
  const rank = (id: string) => (featured.includes(id) ? featured.indexOf(id) : featured.length);
  return products
    .flatMap((product) =>
      product.variants.flatMap((variant) => {
        const price = variant.prices.find((candidate) => candidate.currency === CURRENCY);
        return price
          ? [
              {
                productId: product.id,
                variantId: variant.id,
                title: product.title,
                variantTitle: variant.title,
                imageUrl: product.imageUrl,
                unitPrice: price.amount,
              },
            ]
          : [];
      }),
    )
    .sort((a, b) => rank(a.productId) - rank(b.productId));
}

// A concurrent double submit finds the first request still registering; its answer follows shortly.
const IN_PROGRESS_RETRIES = 10;
const IN_PROGRESS_WAIT_MS = 150;

export async function registerOrder(api: ApiClient, secretKey: string, body: OrderRequest, idempotencyKey: string): Promise<Registration> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await api({ method: 'POST', url: '/v1/orders', token: secretKey, body, headers: { 'idempotency-key': idempotencyKey } });
    if (response.statusCode === 201) {
      const { order, session } = read(Registered, response, 'POST /v1/orders');
      return { status: 'registered', orderId: order.id, session };
    }
    if (response.statusCode >= 500) throw new Error(`Plusone answered ${response.statusCode} for POST /v1/orders`);
    const { error } = read(ErrorAnswer, response, 'POST /v1/orders');
    if (error.code !== 'idempotency_in_progress' || attempt >= IN_PROGRESS_RETRIES) return { status: 'refused', ...error };
    await new Promise((resolve) => setTimeout(resolve, IN_PROGRESS_WAIT_MS));
  }
}

/** The order, or null when it is not the demo shop's (or the id is malformed). */
export async function getOrder(api: ApiClient, secretKey: string, orderId: string): Promise<Order | null> {
  const response = await api({ method: 'GET', url: `/v1/orders/${encodeURIComponent(orderId)}`, token: secretKey });
  if (response.statusCode === 404 || response.statusCode === 400) return null;
  expectStatus(response, 200, 'GET /v1/orders/{id}');
  return read(Type.Object({ order: Order }), response, 'GET /v1/orders/{id}').order;
}

export async function getUpsell(api: ApiClient, secretKey: string, upsellId: string): Promise<Upsell | null> {
  const response = await api({ method: 'GET', url: `/v1/upsells/${encodeURIComponent(upsellId)}`, token: secretKey });
  if (response.statusCode === 404) return null;
  expectStatus(response, 200, 'GET /v1/upsells/{id}');
  return read(Type.Object({ upsell: Upsell }), response, 'GET /v1/upsells/{id}').upsell;
}

/**
 * The offer as server-rendered HTML for the confirmation page; null when there is none (204) or the
 * session is no longer valid (401), so the page simply shows no offer.
 */
export async function offerFragment(api: ApiClient, sessionToken: string): Promise<string | null> {
  const response = await api({ method: 'GET', url: '/v1/checkout/offer.html', token: sessionToken });
  if (response.statusCode === 204 || response.statusCode === 401) return null;
  expectStatus(response, 200, 'GET /v1/checkout/offer.html');
  return response.text;
}
