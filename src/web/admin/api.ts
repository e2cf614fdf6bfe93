/**
 * The admin talking to Plusone's public API with the signed-in shop's secret key, as any merchant tool
 * would (in process through `ApiClient`). Each answer is checked against the fields the pages read; an
 * answer of another shape is an error, not a guess. A refusal (4xx) is an `ApiFailure` with the API's
 * code and human message, which the pages show as it is (escaped) and never as raw JSON.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ApiClient, ApiRequest, ApiResponse } from '../api-client';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Price = Type.Object({ currency: Type.String(), amount: Type.Integer() });

const Shop = Type.Object({ id: Type.String(), name: Type.String(), settings: Type.Record(Type.String(), Type.Unknown()), createdAt: Type.String() });

const Offer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  variantId: Type.String(),
  quantity: Type.Integer(),
  discount: Nullable(Type.Object({ type: Type.String(), value: Type.Number(), amounts: Type.Optional(Type.Array(Price)) })),
  priority: Type.Integer(),
  active: Type.Boolean(),
  startsAt: Nullable(Type.String()),
  endsAt: Nullable(Type.String()),
});

const Product = Type.Object({
  id: Type.String(),
  title: Type.String(),
  variants: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), prices: Type.Array(Price), stock: Nullable(Type.Integer()) })),
});

const UpsellSummary = Type.Object({ id: Type.String(), state: Type.String(), amount: Type.Integer() });

const OrderSummary = Type.Object({
  id: Type.String(),
  externalId: Nullable(Type.String()),
  currency: Type.String(),
  total: Type.Integer(),
  status: Type.String(),
  createdAt: Type.String(),
  upsell: Nullable(UpsellSummary),
  offerId: Nullable(Type.String()),
});

const OrderPage = Type.Object({ orders: Type.Array(OrderSummary), nextCursor: Nullable(Type.String()) });

const Order = Type.Object({
  id: Type.String(),
  externalId: Nullable(Type.String()),
  currency: Type.String(),
  lines: Type.Array(
    Type.Object({
      id: Type.String(),
      productId: Type.String(),
      variantId: Type.String(),
      title: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Type.Integer(),
      source: Type.String(),
      upsellId: Type.Optional(Type.String()),
    }),
  ),
  subtotal: Type.Integer(),
  shippingTotal: Type.Integer(),
  taxTotal: Type.Integer(),
  total: Type.Integer(),
  customer: Type.Object({ country: Type.Optional(Type.String()) }),
  payment: Type.Object({ gateway: Type.String(), brand: Nullable(Type.String()), last4: Nullable(Type.String()) }),
  linkedOrders: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Type.String(),
});

const Reason = Type.Object({ code: Type.String(), message: Type.String() });

const Decision = Type.Object({
  decidedAt: Type.String(),
  offerId: Nullable(Type.String()),
  offer: Nullable(Type.Object({ title: Type.String(), variantTitle: Nullable(Type.String()), total: Type.Integer(), currency: Type.String() })),
  evaluations: Type.Array(
    Type.Object({
      offerId: Type.String(),
      name: Type.String(),
      priority: Type.Integer(),
      eligible: Type.Boolean(),
      chosen: Type.Boolean(),
      reasons: Type.Array(Reason),
    }),
  ),
  explanation: Type.Object({ computedOnRequest: Type.Boolean(), offersChangedSince: Type.Boolean() }),
});

const Upsell = Type.Object({
  id: Type.String(),
  state: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  undoUntil: Nullable(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), actor: Nullable(Type.String()), reason: Nullable(Type.String()), at: Type.String() })),
});

const Count = Type.Integer();
const MetricsRow = Type.Object({
  day: Type.Optional(Type.String()),
  currency: Type.String(),
  orders: Count,
  checkoutTotal: Count,
  views: Count,
  accepts: Count,
  declines: Count,
  undos: Count,
  captures: Count,
  captureFailures: Count,
  refunds: Count,
  netRevenue: Count,
  takeRate: Nullable(Type.Number()),
  revenuePerView: Nullable(Type.String()),
  aovLift: Nullable(Type.Number()),
});

const Metrics = Type.Object({ from: Type.String(), to: Type.String(), rows: Type.Array(MetricsRow) });

const Experiment = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  offerId: Type.String(),
  status: Type.String(),
  holdoutPercent: Type.Number(),
  winnerArmId: Nullable(Type.String()),
  arms: Type.Array(Type.Object({ id: Type.String(), name: Type.Optional(Nullable(Type.String())) })),
});

const Statistics = Type.Object({
  verdict: Type.String(),
  reason: Type.String(),
  winnerArmId: Nullable(Type.String()),
  holdout: Nullable(
    Type.Object({ orders: Count, incremental: Type.Array(Type.Object({ currency: Type.String(), aovLift: Nullable(Type.Number()) })) }),
  ),
});

const ErrorAnswer = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export type ShopView = Static<typeof Shop>;
export type OfferView = Static<typeof Offer>;
export type ProductView = Static<typeof Product>;
export type OrderSummaryView = Static<typeof OrderSummary>;
export type OrderPageView = Static<typeof OrderPage>;
export type OrderView = Static<typeof Order>;
export type DecisionView = Static<typeof Decision>;
export type UpsellView = Static<typeof Upsell>;
export type MetricsView = Static<typeof Metrics>;
export type MetricsRowView = Static<typeof MetricsRow>;
export type ExperimentView = Static<typeof Experiment>;
export type StatisticsView = Static<typeof Statistics>;

/** The API refused the request (4xx), with its stable code and its human message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ApiFailure };

/** The offer fields the admin's form sends (`POST /v1/offers`). */
export interface OfferInput {
  readonly name: string;
  readonly variantId: string;
  readonly discount: { readonly type: 'percentage'; readonly value: number } | null;
  readonly priority: number;
}

export interface MetricsQuery {
  readonly from: string;
  readonly to: string;
  readonly groupBy?: 'day';
}

/** A CSV answer passed through to the browser. */
export interface CsvFile {
  readonly text: string;
  readonly disposition: string;
}

function failureOf(response: ApiResponse, what: string): ApiFailure {
  if (response.statusCode >= 500) throw new Error(`Plusone answered ${response.statusCode} for ${what}`);
  let body: unknown = null;
  try {
    body = response.json();
  } catch {
    body = null;
  }
  if (Value.Check(ErrorAnswer, body)) return new ApiFailure(response.statusCode, body.error.code, body.error.message);
  return new ApiFailure(response.statusCode, 'unexpected_answer', `Plusone answered ${response.statusCode} for ${what}.`);
}

function query(fields: Record<string, string | undefined>): string {
  const entries = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : '';
}

const path = (id: string) => encodeURIComponent(id);

export class ShopApi {
  constructor(
    private readonly client: ApiClient,
    private readonly secretKey: string,
  ) {}

  /** The answer's body when the API answered `status`, else the refusal. */
  private async attempt<T extends TSchema>(request: Omit<ApiRequest, 'token'>, schema: T, status = 200): Promise<Outcome<Static<T>>> {
    const what = `${request.method} ${request.url.split('?')[0] ?? ''}`;
    const response = await this.client({ ...request, token: this.secretKey });
    if (response.statusCode !== status) return { ok: false, failure: failureOf(response, what) };
    const body: unknown = status === 204 ? null : response.json();
    if (!Value.Check(schema, body)) throw new Error(`Unexpected answer from Plusone for ${what}`);
    return { ok: true, value: body };
  }

  private async read<T extends TSchema>(url: string, schema: T): Promise<Static<T>> {
    const outcome = await this.attempt({ method: 'GET', url }, schema);
    if (!outcome.ok) throw outcome.failure;
    return outcome.value;
  }

  shop(): Promise<Outcome<ShopView>> {
    return this.attempt({ method: 'GET', url: '/v1/shop' }, Type.Object({ shop: Shop })).then((outcome) =>
      outcome.ok ? { ok: true, value: outcome.value.shop } : outcome,
    );
  }

  async offers(): Promise<OfferView[]> {
    return (await this.read('/v1/offers', Type.Object({ offers: Type.Array(Offer) }))).offers;
  }

  async products(): Promise<ProductView[]> {
    return (await this.read('/v1/products', Type.Object({ products: Type.Array(Product) }))).products;
  }

  async createOffer(input: OfferInput): Promise<Outcome<OfferView>> {
    const body = { name: input.name, variantId: input.variantId, priority: input.priority, ...(input.discount ? { discount: input.discount } : {}) };
    const outcome = await this.attempt({ method: 'POST', url: '/v1/offers', body }, Type.Object({ offer: Offer }), 201);
    return outcome.ok ? { ok: true, value: outcome.value.offer } : outcome;
  }

  async setOfferActive(offerId: string, active: boolean): Promise<void> {
    const outcome = await this.attempt({ method: 'PATCH', url: `/v1/offers/${path(offerId)}`, body: { active } }, Type.Object({ offer: Offer }));
    if (!outcome.ok) throw outcome.failure;
  }

  async deleteOffer(offerId: string): Promise<void> {
    const outcome = await this.attempt({ method: 'DELETE', url: `/v1/offers/${path(offerId)}` }, Type.Null(), 204);
    if (!outcome.ok) throw outcome.failure;
  }

  async offer(offerId: string): Promise<OfferView> {
    return (await this.read(`/v1/offers/${path(offerId)}`, Type.Object({ offer: Offer }))).offer;
  }

  orders(page: { limit: number; cursor?: string; q?: string }): Promise<OrderPageView> {
    return this.read(`/v1/orders${query({ limit: String(page.limit), cursor: page.cursor, q: page.q })}`, OrderPage);
  }

  async order(orderId: string): Promise<OrderView> {
    return (await this.read(`/v1/orders/${path(orderId)}`, Type.Object({ order: Order }))).order;
  }

  async decision(orderId: string): Promise<DecisionView> {
    return (await this.read(`/v1/orders/${path(orderId)}/decision`, Type.Object({ decision: Decision }))).decision;
  }

  /** The order's upsell with its events, or null when the buyer accepted nothing. */
  async upsellOfOrder(orderId: string): Promise<UpsellView | null> {
    const page = await this.read(
      `/v1/upsells${query({ orderId, limit: '1' })}`,
      Type.Object({ upsells: Type.Array(Type.Object({ id: Type.String() })) }),
    );
    const first = page.upsells[0];
    return first ? this.upsell(first.id) : null;
  }

  async upsell(upsellId: string): Promise<UpsellView> {
    return (await this.read(`/v1/upsells/${path(upsellId)}`, Type.Object({ upsell: Upsell }))).upsell;
  }

  metrics(range: MetricsQuery): Promise<Outcome<MetricsView>> {
    return this.attempt({ method: 'GET', url: `/v1/analytics/metrics${query({ ...range })}` }, Metrics);
  }

  async metricsCsv(range: MetricsQuery): Promise<Outcome<CsvFile>> {
    const url = `/v1/analytics/metrics.csv${query({ ...range })}`;
    const response = await this.client({ method: 'GET', url, token: this.secretKey });
    if (response.statusCode !== 200) return { ok: false, failure: failureOf(response, 'GET /v1/analytics/metrics.csv') };
    return { ok: true, value: { text: response.text, disposition: `attachment; filename="plusone-metrics-${range.from}-${range.to}.csv"` } };
  }

  async experiments(): Promise<ExperimentView[]> {
    return (await this.read('/v1/experiments', Type.Object({ experiments: Type.Array(Experiment) }))).experiments;
  }

  async experimentStatistics(experimentId: string): Promise<StatisticsView> {
    return (await this.read(`/v1/experiments/${path(experimentId)}`, Type.Object({ statistics: Statistics }))).statistics;
  }
}
