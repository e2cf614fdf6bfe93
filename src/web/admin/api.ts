/**
 * The admin talking to Plusone's public API with the signed-in shop's secret key, as any merchant tool
 * would (in process through `ApiClient`). Each answer is checked against the fields the pages read; an
 * answer of another shape is an error, not a guess. A refusal (4xx) is an `ApiFailure` with the API's
 * code and human message, which the pages show as it is (escaped) and never as raw JSON.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { viaHeaders } from '../../http/internal-caller';
import type { ApiClient, ApiRequest, ApiResponse } from '../api-client';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Price = Type.Object({ currency: Type.String(), amount: Type.Integer() });

const Shop = Type.Object({ id: Type.String(), name: Type.String(), settings: Type.Record(Type.String(), Type.Unknown()), createdAt: Type.String() });

const Strings = Type.Optional(Type.Array(Type.String()));

const Rules = Type.Object({
  anyProductIds: Strings,
  excludeProductIds: Strings,
  minSubtotal: Type.Optional(Type.Integer()),
  maxSubtotal: Type.Optional(Type.Integer()),
  countries: Strings,
  customerTags: Strings,
  firstOrderOnly: Type.Optional(Type.Boolean()),
  currencies: Strings,
});

const Discount = Type.Union([
  Type.Object({ type: Type.Literal('percentage'), value: Type.Number() }),
  Type.Object({ type: Type.Literal('fixed'), value: Type.Integer(), amounts: Type.Optional(Type.Array(Price)) }),
]);

const Offer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  variantId: Type.String(),
  quantity: Type.Integer(),
  discount: Nullable(Discount),
  priority: Type.Integer(),
  active: Type.Boolean(),
  rules: Rules,
  buttonCopy: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })),
  shipping: Type.Array(Price),
  startsAt: Nullable(Type.String()),
  endsAt: Nullable(Type.String()),
});

const Product = Type.Object({
  id: Type.String(),
  title: Type.String(),
  imageUrl: Type.Optional(Nullable(Type.String())),
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
      refunded: Type.Optional(Type.Boolean()),
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

const Card = Type.Object({ brand: Nullable(Type.String()), last4: Nullable(Type.String()) });

const Upsell = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  state: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  card: Card,
  gateway: Type.String(),
  paymentRef: Type.Optional(Nullable(Type.String())),
  undoUntil: Nullable(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), actor: Nullable(Type.String()), reason: Nullable(Type.String()), at: Type.String() })),
});

const WebhookDelivery = Type.Object({
  attempt: Type.Integer(),
  at: Type.String(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});

const WebhookEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  createdAt: Type.String(),
  orderId: Nullable(Type.String()),
  upsellId: Nullable(Type.String()),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
  deliveries: Type.Array(WebhookDelivery),
});

const WebhookEventPage = Type.Object({ webhookEvents: Type.Array(WebhookEvent), nextCursor: Nullable(Type.String()) });

/** What `POST /v1/webhook-events/test` answers: what the receiver did, whatever it was. */
const WebhookTest = Type.Object({
  url: Type.String(),
  ok: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});

export type WebhookEventView = Static<typeof WebhookEvent>;
export type WebhookEventPageView = Static<typeof WebhookEventPage>;
export type WebhookTestView = Static<typeof WebhookTest>;

/** The filters of `GET /v1/webhook-events`, all optional. */
export interface WebhookEventQuery {
  readonly orderId?: string;
  readonly upsellId?: string;
  readonly status?: 'pending' | 'retrying' | 'delivered' | 'dropped';
  readonly limit?: number;
  readonly cursor?: string;
}

const Count = Type.Integer();
const MetricsRow = Type.Object({
  day: Type.Optional(Type.String()),
  offerId: Type.Optional(Nullable(Type.String())),
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
  holdout: Nullable(
    Type.Object({
      heldOutOrders: Count,
      exposedOrders: Count,
      heldOutAov: Nullable(Type.Integer()),
      exposedAov: Nullable(Type.Integer()),
      aovLift: Nullable(Type.Number()),
      aovLiftLower: Nullable(Type.Number()),
      aovLiftUpper: Nullable(Type.Number()),
    }),
  ),
});

const Metrics = Type.Object({ from: Type.String(), to: Type.String(), rows: Type.Array(MetricsRow) });

const Experiment = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  offerId: Type.String(),
  status: Type.String(),
  holdoutPercent: Type.Number(),
  winnerArmId: Nullable(Type.String()),
  arms: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.Optional(Nullable(Type.String())),
      weight: Type.Optional(Type.Integer()),
      copy: Type.Optional(Type.String()),
      offerId: Type.Optional(Type.String()),
    }),
  ),
  settings: Type.Optional(
    Type.Object({ alpha: Type.Optional(Type.Number()), minViewsPerArm: Type.Optional(Type.Integer()), autoPromote: Type.Optional(Type.Boolean()) }),
  ),
  createdAt: Type.Optional(Type.String()),
  endedAt: Type.Optional(Nullable(Type.String())),
});

/** An always-valid interval (a confidence sequence): the estimate and its bounds (null: no bound yet, too few views). */
const Interval = Type.Object({ estimate: Type.Number(), lower: Nullable(Type.Number()), upper: Nullable(Type.Number()) });

const ArmStatistics = Type.Object({
  armId: Type.String(),
  name: Type.String(),
  orders: Count,
  views: Count,
  accepts: Count,
  undos: Count,
  declines: Count,
  takeRate: Interval,
  undoRate: Interval,
  revenue: Type.Array(Type.Object({ currency: Type.String(), netRevenue: Type.Integer(), revenuePerView: Interval })),
  guardrailBreached: Type.Boolean(),
});

const Statistics = Type.Object({
  verdict: Type.String(),
  reason: Type.String(),
  winnerArmId: Nullable(Type.String()),
  alpha: Type.Optional(Type.Number()),
  controlArmId: Type.Optional(Type.String()),
  arms: Type.Optional(Type.Array(ArmStatistics)),
  comparisons: Type.Optional(Type.Array(Type.Object({ armId: Type.String(), difference: Interval, alwaysValidPValue: Type.Number() }))),
  holdout: Nullable(
    Type.Object({
      orders: Count,
      incremental: Type.Array(
        Type.Object({
          currency: Type.String(),
          treatmentOrders: Type.Optional(Count),
          holdoutOrders: Type.Optional(Count),
          incrementalRevenuePerOrder: Type.Optional(Interval),
          aovLift: Nullable(Type.Number()),
        }),
      ),
    }),
  ),
});

const ApiKey = Type.Object({
  id: Type.String(),
  last4: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
export type ApiKeyView = Static<typeof ApiKey>;

const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.Union([
    Type.Object({ type: Type.Literal('api_key'), apiKeyId: Type.String(), last4: Type.String() }),
    Type.Object({ type: Type.Literal('operator') }),
  ]),
  via: Type.Union([Type.Literal('api'), Type.Literal('admin')]),
  action: Type.String(),
  target: Type.Object({ type: Type.String(), id: Type.String() }),
  changes: Type.Record(Type.String(), Type.Unknown()),
});
const AuditPage = Type.Object({ auditLog: Type.Array(AuditEntry), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type AuditEntryView = Static<typeof AuditEntry>;
export type AuditPageView = Static<typeof AuditPage>;

/** A refund's answer carries the upsell without its events. */
const RefundedUpsell = Type.Object({ id: Type.String(), state: Type.String(), amount: Type.Integer(), currency: Type.String() });
export type RefundedUpsellView = Static<typeof RefundedUpsell>;

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
export type ArmStatisticsView = Static<typeof ArmStatistics>;
export type IntervalView = Static<typeof Interval>;
export type RulesView = Static<typeof Rules>;
export type DiscountView = Static<typeof Discount>;
export type PriceView = Static<typeof Price>;

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

/** Every field of an offer, as the admin's form sends it (`POST /v1/offers`, and whole to `PATCH /v1/offers/{id}`). */
export interface OfferBody {
  readonly name: string;
  readonly variantId: string;
  readonly quantity: number;
  readonly discount: DiscountView | null;
  readonly priority: number;
  readonly active: boolean;
  readonly rules: RulesView;
  readonly buttonCopy: ReadonlyArray<{ readonly id: string; readonly text: string }>;
  readonly shipping: readonly PriceView[];
  readonly startsAt: string | null;
  readonly endsAt: string | null;
}

/** What `POST /v1/upsells/{id}/refund` answered: refunded, still pending at the PSP, or refused (with the API's words). */
export type RefundOutcome =
  | { readonly kind: 'refunded'; readonly upsell: RefundedUpsellView }
  | { readonly kind: 'pending'; readonly upsell: RefundedUpsellView }
  | { readonly kind: 'refused'; readonly failure: ApiFailure };

/** The body of `POST /v1/experiments` as the admin's form builds it. */
export interface ExperimentBody {
  readonly name?: string;
  readonly offerId: string;
  readonly arms: ReadonlyArray<{ id: string; name?: string; weight?: number; copy?: string; offerId?: string }>;
  readonly holdoutPercent: number;
  readonly settings?: { readonly autoPromote: boolean };
}

export interface ExperimentReport {
  readonly experiment: ExperimentView;
  readonly statistics: StatisticsView;
}

export interface MetricsQuery {
  readonly from: string;
  readonly to: string;
  readonly groupBy?: 'day' | 'offer';
  /** Only these offers' rows (sent as `offerId` repeated). */
  readonly offerIds?: readonly string[];
}

/** A page of the offers list: at most `limit` after the position `cursor` names. */
export interface OfferPage {
  readonly offers: OfferView[];
  readonly nextCursor: string | null;
}

/** A CSV answer passed through to the browser. */
export interface CsvFile {
  readonly text: string;
  readonly disposition: string;
}

/** The answers the pages read, each one schema object, so each is compiled once (`checker`). */
const Answers = {
  upsellIds: Type.Object({ upsells: Type.Array(Type.Object({ id: Type.String() })) }),
  createdKey: Type.Object({ apiKey: ApiKey, secretKey: Type.String() }),
  experimentReport: Type.Object({ experiment: Experiment, statistics: Statistics }),
  shop: Type.Object({ shop: Shop }),
  offers: Type.Object({ offers: Type.Array(Offer) }),
  offerPage: Type.Object({ offers: Type.Array(Offer), nextCursor: Nullable(Type.String()) }),
  offer: Type.Object({ offer: Offer }),
  products: Type.Object({ products: Type.Array(Product) }),
  order: Type.Object({ order: Order }),
  decision: Type.Object({ decision: Decision }),
  upsell: Type.Object({ upsell: Upsell }),
  refunded: Type.Object({ upsell: RefundedUpsell }),
  webhookEvent: Type.Object({ webhookEvent: WebhookEvent }),
  delivery: Type.Object({ delivery: WebhookTest }),
  apiKeys: Type.Object({ apiKeys: Type.Array(ApiKey) }),
  apiKey: Type.Object({ apiKey: ApiKey }),
  experiments: Type.Object({ experiments: Type.Array(Experiment) }),
  experiment: Type.Object({ experiment: Experiment }),
  none: Type.Null(),
};

/**
 * A compiled validator per schema object: an offers list of 1,000 offers is checked in a fraction of the
 * time the interpreting `Value.Check` takes (issue #15's page budget; docs/benchmarks.md).
 */
const validators = new WeakMap<TSchema, Validator>();
function checker<T extends TSchema>(schema: T): Validator<Record<never, never>, T> {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  return validator as Validator<Record<never, never>, T>;
}

function failureOf(response: ApiResponse, what: string): ApiFailure {
  // 502/503 with an error body are a PSP's or a dependency's answer the page can explain; any other 5xx is ours.
  if (response.statusCode >= 500 && response.statusCode !== 502 && response.statusCode !== 503)
    throw new Error(`Plusone answered ${response.statusCode} for ${what}`);
  let body: unknown = null;
  try {
    body = response.json();
  } catch {
    body = null;
  }
  if (checker(ErrorAnswer).Check(body)) return new ApiFailure(response.statusCode, body.error.code, body.error.message);
  return new ApiFailure(response.statusCode, 'unexpected_answer', `Plusone answered ${response.statusCode} for ${what}.`);
}

/** A query string; a list is sent as the parameter repeated. */
function query(fields: Record<string, string | readonly string[] | undefined>): string {
  const entries = Object.entries(fields).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : (value ?? [])).filter((text) => text !== '').map((text): [string, string] => [name, text]),
  );
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : '';
}

const path = (id: string) => encodeURIComponent(id);

const metricsQuery = (range: MetricsQuery) => query({ from: range.from, to: range.to, groupBy: range.groupBy, offerId: range.offerIds });

export class ShopApi {
  constructor(
    private readonly client: ApiClient,
    private readonly secretKey: string,
  ) {}

  /** The answer's body when the API answered `status`, else the refusal. */
  private async attempt<T extends TSchema>(request: Omit<ApiRequest, 'token'>, schema: T, status = 200): Promise<Outcome<Static<T>>> {
    const what = `${request.method} ${request.url.split('?')[0] ?? ''}`;
    // Marked as the admin's call (in process only), so the audit log says the change came through the admin.
    const response = await this.client({ ...request, token: this.secretKey, headers: { ...request.headers, ...viaHeaders('admin') } });
    if (response.statusCode !== status) return { ok: false, failure: failureOf(response, what) };
    const body: unknown = status === 204 ? null : response.json();
    if (!checker(schema).Check(body)) throw new Error(`Unexpected answer from Plusone for ${what}`);
    return { ok: true, value: body };
  }

  private async read<T extends TSchema>(url: string, schema: T): Promise<Static<T>> {
    const outcome = await this.attempt({ method: 'GET', url }, schema);
    if (!outcome.ok) throw outcome.failure;
    return outcome.value;
  }

  shop(): Promise<Outcome<ShopView>> {
    return this.attempt({ method: 'GET', url: '/v1/shop' }, Answers.shop).then((outcome) =>
      outcome.ok ? { ok: true, value: outcome.value.shop } : outcome,
    );
  }

  async offers(): Promise<OfferView[]> {
    return (await this.read('/v1/offers', Answers.offers)).offers;
  }

  /** A page of the offers, highest priority first. */
  offerPage(page: { limit: number; cursor?: string }): Promise<OfferPage> {
    return this.read(`/v1/offers${query({ limit: String(page.limit), cursor: page.cursor })}`, Answers.offerPage);
  }

  /** The catalog, or only the products holding `variantIds`. */
  async products(variantIds?: readonly string[]): Promise<ProductView[]> {
    return (await this.read(`/v1/products${query({ variantId: variantIds })}`, Answers.products)).products;
  }

  async createOffer(body: OfferBody): Promise<Outcome<OfferView>> {
    const outcome = await this.attempt({ method: 'POST', url: '/v1/offers', body }, Answers.offer, 201);
    return outcome.ok ? { ok: true, value: outcome.value.offer } : outcome;
  }

  /** Sends every field: `rules`, `buttonCopy` and `shipping` replace the offer's own, so what the form shows is what is saved. */
  async updateOffer(offerId: string, body: OfferBody): Promise<Outcome<OfferView>> {
    const outcome = await this.attempt({ method: 'PATCH', url: `/v1/offers/${path(offerId)}`, body }, Answers.offer);
    return outcome.ok ? { ok: true, value: outcome.value.offer } : outcome;
  }

  async setOfferActive(offerId: string, active: boolean): Promise<void> {
    const outcome = await this.attempt({ method: 'PATCH', url: `/v1/offers/${path(offerId)}`, body: { active } }, Answers.offer);
    if (!outcome.ok) throw outcome.failure;
  }

  async deleteOffer(offerId: string): Promise<void> {
    const outcome = await this.attempt({ method: 'DELETE', url: `/v1/offers/${path(offerId)}` }, Answers.none, 204);
    if (!outcome.ok) throw outcome.failure;
  }

  async offer(offerId: string): Promise<OfferView> {
    return (await this.read(`/v1/offers/${path(offerId)}`, Answers.offer)).offer;
  }

  orders(page: { limit: number; cursor?: string; q?: string }): Promise<OrderPageView> {
    return this.read(`/v1/orders${query({ limit: String(page.limit), cursor: page.cursor, q: page.q })}`, OrderPage);
  }

  async order(orderId: string): Promise<OrderView> {
    return (await this.read(`/v1/orders/${path(orderId)}`, Answers.order)).order;
  }

  async decision(orderId: string): Promise<DecisionView> {
    return (await this.read(`/v1/orders/${path(orderId)}/decision`, Answers.decision)).decision;
  }

  /** The order's upsell with its events, or null when the buyer accepted nothing. */
  async upsellOfOrder(orderId: string): Promise<UpsellView | null> {
    const page = await this.read(`/v1/upsells${query({ orderId, limit: '1' })}`, Answers.upsellIds);
    const first = page.upsells[0];
    return first ? this.upsell(first.id) : null;
  }

  async upsell(upsellId: string): Promise<UpsellView> {
    return (await this.read(`/v1/upsells/${path(upsellId)}`, Answers.upsell)).upsell;
  }

  /** The shop's outbound webhook events, newest first, each with its latest attempts. */
  webhookEvents(filter: WebhookEventQuery = {}): Promise<WebhookEventPageView> {
    const { limit, ...words } = filter;
    return this.read(`/v1/webhook-events${query({ ...words, limit: limit === undefined ? undefined : String(limit) })}`, WebhookEventPage);
  }

  /** Makes the event due now, with the same id and body; refused (`webhook_url_not_set`) while the shop has no webhookUrl. */
  async resendWebhookEvent(eventId: string): Promise<Outcome<WebhookEventView>> {
    const request = { method: 'POST' as const, url: `/v1/webhook-events/${path(eventId)}/resend` };
    const outcome = await this.attempt(request, Answers.webhookEvent);
    return outcome.ok ? { ok: true, value: outcome.value.webhookEvent } : outcome;
  }

  /** Sends a signed `webhook.test` event to the shop's webhookUrl now; refused (`webhook_url_not_set`) without one. */
  async testWebhook(): Promise<Outcome<WebhookTestView>> {
    const outcome = await this.attempt({ method: 'POST', url: '/v1/webhook-events/test' }, Answers.delivery);
    return outcome.ok ? { ok: true, value: outcome.value.delivery } : outcome;
  }

  /**
   * Refunds a captured upsell in full. The same `idempotencyKey` (one per confirmation form) gets the same
   * answer, so a form sent twice refunds once; a `202` is the PSP not having answered yet.
   */
  async refund(upsellId: string, idempotencyKey: string, reason: string | null): Promise<RefundOutcome> {
    const url = `/v1/upsells/${path(upsellId)}/refund`;
    const body = reason ? { reason } : {};
    const response = await this.client({
      method: 'POST',
      url,
      body,
      token: this.secretKey,
      headers: { 'idempotency-key': idempotencyKey, ...viaHeaders('admin') },
    });
    if (response.statusCode !== 200 && response.statusCode !== 202) return { kind: 'refused', failure: failureOf(response, `POST ${url}`) };
    const answer: unknown = response.json();
    if (!checker(Answers.refunded).Check(answer)) throw new Error(`Unexpected answer from Plusone for POST ${url}`);
    return { kind: response.statusCode === 200 ? 'refunded' : 'pending', upsell: answer.upsell };
  }

  metrics(range: MetricsQuery): Promise<Outcome<MetricsView>> {
    return this.attempt({ method: 'GET', url: `/v1/analytics/metrics${metricsQuery(range)}` }, Metrics);
  }

  async metricsCsv(range: MetricsQuery): Promise<Outcome<CsvFile>> {
    const url = `/v1/analytics/metrics.csv${metricsQuery(range)}`;
    const response = await this.client({ method: 'GET', url, token: this.secretKey });
    if (response.statusCode !== 200) return { ok: false, failure: failureOf(response, 'GET /v1/analytics/metrics.csv') };
    return { ok: true, value: { text: response.text, disposition: `attachment; filename="plusone-metrics-${range.from}-${range.to}.csv"` } };
  }

  /** `PATCH /v1/shop`: only the fields sent change; a refusal comes back with the API's words. */
  async updateShop(body: { name?: string; settings?: Record<string, unknown> }): Promise<Outcome<ShopView>> {
    const outcome = await this.attempt({ method: 'PATCH', url: '/v1/shop', body }, Answers.shop);
    return outcome.ok ? { ok: true, value: outcome.value.shop } : outcome;
  }

  async apiKeys(): Promise<ApiKeyView[]> {
    return (await this.read('/v1/api-keys', Answers.apiKeys)).apiKeys;
  }

  /** A new secret key: `secretKey` is in this answer only. */
  async createApiKey(): Promise<Outcome<{ apiKey: ApiKeyView; secretKey: string }>> {
    return this.attempt({ method: 'POST', url: '/v1/api-keys' }, Answers.createdKey, 201);
  }

  async revokeApiKey(keyId: string): Promise<Outcome<ApiKeyView>> {
    const outcome = await this.attempt({ method: 'DELETE', url: `/v1/api-keys/${path(keyId)}` }, Answers.apiKey);
    return outcome.ok ? { ok: true, value: outcome.value.apiKey } : outcome;
  }

  auditLog(page: { cursor?: string; targetId?: string; limit?: string }): Promise<Outcome<AuditPageView>> {
    return this.attempt({ method: 'GET', url: `/v1/audit-log${query({ ...page })}` }, AuditPage);
  }

  async experiments(): Promise<ExperimentView[]> {
    return (await this.read('/v1/experiments', Answers.experiments)).experiments;
  }

  async experimentStatistics(experimentId: string): Promise<StatisticsView> {
    return (await this.experiment(experimentId)).statistics;
  }

  experiment(experimentId: string): Promise<ExperimentReport> {
    return this.read(`/v1/experiments/${path(experimentId)}`, Answers.experimentReport);
  }

  async createExperiment(body: ExperimentBody): Promise<Outcome<ExperimentView>> {
    const outcome = await this.attempt({ method: 'POST', url: '/v1/experiments', body }, Answers.experiment, 201);
    return outcome.ok ? { ok: true, value: outcome.value.experiment } : outcome;
  }

  async stopExperiment(experimentId: string): Promise<Outcome<ExperimentView>> {
    const outcome = await this.attempt({ method: 'POST', url: `/v1/experiments/${path(experimentId)}/stop` }, Answers.experiment);
    return outcome.ok ? { ok: true, value: outcome.value.experiment } : outcome;
  }

  async promoteArm(experimentId: string, armId: string): Promise<Outcome<ExperimentView>> {
    const request = { method: 'POST' as const, url: `/v1/experiments/${path(experimentId)}/promote`, body: { armId } };
    const outcome = await this.attempt(request, Answers.experiment);
    return outcome.ok ? { ok: true, value: outcome.value.experiment } : outcome;
  }
}
