/**
 * Table types for Kysely. Money columns are `bigint` minor units, read back as JS numbers (amounts are
 * bounded far below 2^53 by the API schemas). Every shop-owned table has `shop_id`, and every query on it
 * filters by `shop_id`.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: written as JSON text, read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface ShopsTable {
  id: string;
  name: string;
  settings: Json<import('../core/settings').ShopSettings>;
  webhook_secret: string;
  /** Sealed JSON `{ stripe?, braintree?, adyen? }` (core/secret-box), or null when none are set. */
  gateway_credentials: string | null;
  /** Masked description of the same credentials, safe to return from the API. */
  gateway_credentials_view: ColumnType<GatewayCredentialsView, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Per gateway, its credentials as the API may show them (non-secret fields, secrets as `…last4`). */
export type GatewayCredentialsView = Partial<Record<import('../core/gateways').RealGatewayName, Record<string, string>>>;

/** Bumped (and NOTIFY'd) with every change to a shop's offers or catalog; see engine/offer-cache. */
export interface OfferVersionsTable {
  shop_id: string;
  version: number;
}

export interface ApiKeysTable {
  id: string;
  shop_id: string;
  key_hash: string;
  last4: string;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface ProductsTable {
  shop_id: string;
  id: string;
  title: string;
  image_url: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface VariantsTable {
  shop_id: string;
  id: string;
  product_id: string;
  title: string;
  stock: number | null;
  position: number;
}

export interface VariantPricesTable {
  shop_id: string;
  variant_id: string;
  currency: string;
  amount: number;
}

export interface OffersTable {
  shop_id: string;
  id: string;
  name: string;
  variant_id: string;
  quantity: number;
  discount: Json<import('../core/offers').Discount | null>;
  priority: number;
  active: boolean;
  rules: Json<import('../core/offers').OfferRules>;
  button_copy: Json<import('../core/offers').ButtonCopy[]>;
  shipping: Json<import('../core/offers').CurrencyAmount[]>;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface OrdersTable {
  shop_id: string;
  id: string;
  external_id: string | null;
  parent_order_id: string | null;
  currency: string;
  subtotal: number;
  shipping_total: number;
  tax_total: number;
  total: number;
  /** Exact decimal text ("0.0825"), never a float. */
  tax_rate: string | null;
  locale: string;
  customer_key: string | null;
  customer: Json<import('../core/orders').OrderCustomer>;
  payment: Json<import('../core/orders').OrderPayment>;
  status: string;
  created_at: Timestamp;
  finalized_at: Timestamp | null;
  /** Set on a linked order: the upsell it was created for. */
  upsell_id: string | null;
  /** Finalizations of this order that threw, and when the next may run (per-row backoff). */
  finalize_attempts: ColumnType<number, number | undefined, number>;
  finalize_retry_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Inbound PSP events already handled (by the PSP's event id), so a replay is not processed again. */
export interface PspEventsTable {
  shop_id: string;
  gateway: string;
  event_id: string;
  received_at: Timestamp;
}

export interface OrderLinesTable {
  shop_id: string;
  id: string;
  order_id: string;
  position: number;
  product_id: string;
  variant_id: string;
  title: string;
  quantity: number;
  unit_price: number;
  source: 'checkout' | 'upsell';
  upsell_id: string | null;
  discount_amount: ColumnType<number, number | undefined, number>;
  tax_amount: ColumnType<number, number | undefined, number>;
  shipping_amount: ColumnType<number, number | undefined, number>;
}

export interface CheckoutSessionsTable {
  shop_id: string;
  id: string;
  order_id: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** The merchant admin's sessions (migration 016): keyed by the cookie id's SHA-256, key and form token sealed. */
export interface AdminSessionsTable {
  id_hash: string;
  seq: Generated<number>;
  shop_id: string;
  shop_name: string;
  secret_key_sealed: string;
  csrf_token_sealed: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  idle_until: Timestamp;
}

/** `OrderFacts` as JSON: sets as arrays, the tax rate as exact decimal text. */
export interface StoredOrderFacts {
  currency: string;
  subtotal: number;
  productIds: string[];
  taxRate: string | null;
  country: string | null;
  customerTags: string[];
  firstOrder: boolean | null;
  /** The sales channel's limits (Shopify post-purchase), the pattern as its source text; absent for the API. */
  channel?: { name: string; notEditable: string | null; minimumCharge: number; variantIdPattern: string } | null;
}

export interface DecisionsTable {
  shop_id: string;
  order_id: string;
  offer_id: string | null;
  offer: Json<import('../core/decisions').DecidedOffer | null>;
  /** The per-offer explanation as stored before the fast path; null: computed when asked. */
  evaluations: ColumnType<readonly import('../core/offers').OfferEvaluation[] | null, string | null | undefined, string | null>;
  /** The order facts the decision was made on (the order's subtotal changes with upsells). */
  facts: ColumnType<StoredOrderFacts | null, string | null | undefined, string | null>;
  offers_version: ColumnType<number | null, number | null | undefined, number | null>;
  decided_at: Timestamp;
  declined_at: Timestamp | null;
  /** Analytics (migration 004): the experiment and arm the order was assigned to. */
  experiment_id: ColumnType<string | null, string | null | undefined, string | null>;
  arm_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IdempotencyKeysTable {
  shop_id: string;
  scope: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: Json<unknown> | null;
  created_at: Timestamp;
}

export interface UpsellsTable {
  shop_id: string;
  id: string;
  order_id: string;
  offer_id: string;
  state: import('../core/upsell-state').UpsellState;
  amount: number;
  currency: string;
  /** The priced offer as accepted (from the stored decision, never from the client). */
  offer: Json<import('../core/decisions').DecidedOffer>;
  card: Json<import('../core/payments').CardSummary>;
  gateway: import('../core/gateways').UpsellGateway;
  capture_mode: import('../core/settings').CaptureMode;
  order_strategy: import('../core/settings').OrderStrategy;
  undo_window_seconds: number;
  authorization_ref: string | null;
  captured_at_authorization: ColumnType<boolean, boolean | undefined, boolean>;
  undo_until: Timestamp | null;
  action: Json<import('../core/payments').ThreeDSecureAction | null> | null;
  decline_code: string | null;
  decline_message: string | null;
  line_id: string | null;
  linked_order_id: string | null;
  reserved_quantity: number;
  cancel_requested_at: Timestamp | null;
  /**
   * Who clicked (page origin, browser, IP, email) for the PSP's 3-D Secure 2 and risk checks; kept only
   * while the authorization may be sent again, cleared when the upsell leaves pending/requires_action (migration 011).
   */
  buyer: ColumnType<import('../core/payments').BuyerContext | null, string | null | undefined, string | null>;
  /** A hold still to be released at the PSP for an upsell that will never be captured (migration 010). */
  release_due_at: Timestamp | null;
  lease_until: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UpsellEventsTable {
  shop_id: string;
  id: Generated<string>;
  upsell_id: string;
  type: string;
  from_state: string | null;
  actor: 'buyer' | 'merchant' | 'worker' | 'psp' | 'system';
  reason: string | null;
  data: Json<Record<string, unknown> | null> | null;
  at: Timestamp;
}

export interface WebhookOutboxTable {
  shop_id: string;
  id: string;
  type: string;
  payload: Json<unknown>;
  created_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  delivered_at: Timestamp | null;
  last_error: string | null;
  /** The queue's order: deliveries due at the same time leave in this order. */
  seq: Generated<string>;
  /** The order and upsell the event reports (`data.order.id`, `data.upsell.id`; migration 015). */
  order_id: string | null;
  upsell_id: string | null;
}

/** One attempt to deliver an outbox event: one POST, or a target refused before connecting (migration 015). */
export interface WebhookDeliveriesTable {
  shop_id: string;
  event_id: string;
  /** The event's `attempts` after this one: 1 for the first. */
  attempt: number;
  at: Timestamp;
  /** The receiver's HTTP status; null when no answer came (refused, timed out, connection failed). */
  status_code: number | null;
  /** Why it failed; null on a 2xx. */
  error: string | null;
  duration_ms: number;
}

/** A shop's Shopify app (migration 012); `secrets` sealed like PSP credentials. */
export interface ShopifyShopsTable {
  shop_id: string;
  shop_domain: string;
  api_key: string;
  /** Sealed JSON `{ apiSecret, adminAccessToken? }` (core/secret-box, owner = the shop id). */
  secrets: string;
  /** `{ apiSecret: '…last4', adminAccessToken: '…last4' | null }`, safe to return from the API. */
  secrets_view: Json<{ apiSecret: string; adminAccessToken: string | null }>;
  uninstalled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ShopifyPurchaseState = 'on_hold' | 'released' | 'fulfilled' | 'cancelled';

export interface ShopifyPurchasesTable {
  shop_id: string;
  order_id: string;
  reference_id: string;
  state: ColumnType<ShopifyPurchaseState, ShopifyPurchaseState | undefined, ShopifyPurchaseState>;
  applications_remaining: number | null;
  updated_at: Timestamp;
}

export interface ShopifyChangesetsTable {
  jti: string;
  shop_id: string;
  order_id: string;
  offer_id: string;
  changes: Json<unknown[]>;
  issued_at: Timestamp;
}

/** Who changed what (migration 014). */
export interface AuditLogTable {
  shop_id: string;
  id: string;
  /** bigserial (a number or decimal text, as the driver gives it): the order of entries written in one clock tick. */
  seq: Generated<string | number>;
  at: Timestamp;
  actor_type: 'api_key' | 'operator';
  api_key_id: string | null;
  api_key_last4: string | null;
  via: 'api' | 'admin';
  action: string;
  target_type: string;
  target_id: string;
  changes: Json<Record<string, unknown>>;
}

export interface Database {
  shops: ShopsTable;
  shopify_shops: ShopifyShopsTable;
  shopify_purchases: ShopifyPurchasesTable;
  shopify_changesets: ShopifyChangesetsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  offer_versions: OfferVersionsTable;
  products: ProductsTable;
  variants: VariantsTable;
  variant_prices: VariantPricesTable;
  offers: OffersTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  checkout_sessions: CheckoutSessionsTable;
  admin_sessions: AdminSessionsTable;
  decisions: DecisionsTable;
  idempotency_keys: IdempotencyKeysTable;
  upsells: UpsellsTable;
  upsell_events: UpsellEventsTable;
  webhook_outbox: WebhookOutboxTable;
  webhook_deliveries: WebhookDeliveriesTable;
  psp_events: PspEventsTable;
  analytics_events: AnalyticsEventsTable;
  experiments: ExperimentsTable;
  analytics_daily: AnalyticsDailyTable;
  analytics_shop_daily: AnalyticsShopDailyTable;
}

export type UpsellRow = Selectable<UpsellsTable>;

export type OfferRow = Selectable<OffersTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;
export type NewOrderLine = Insertable<OrderLinesTable>;
export type ShopRow = Selectable<ShopsTable>;

/* Analytics (migration 004). */

export interface AnalyticsEventsTable {
  shop_id: string;
  id: Generated<string>;
  type: import('../core/analytics').AnalyticsEventType;
  order_id: string;
  offer_id: string;
  upsell_id: string | null;
  experiment_id: string | null;
  arm_id: string | null;
  /** Minor units of `currency`: the offer's price for views and declines, the upsell's amount otherwise. */
  amount: number;
  currency: string;
  occurred_at: Timestamp;
}

export interface ExperimentsTable {
  shop_id: string;
  id: string;
  name: string;
  offer_id: string;
  status: import('../core/experiments').ExperimentStatus;
  arms: Json<import('../core/experiments').ExperimentArm[]>;
  holdout_basis_points: number;
  settings: Json<import('../core/experiments').ExperimentSettings>;
  winner_arm_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: Timestamp | null;
}

/** Numeric sums come back from PostgreSQL as exact decimal text. */
type Sum = ColumnType<string, number | string | undefined, number | string>;

/** The daily rollup (see migration 004); '' in a key column means "none". */
export interface AnalyticsDailyTable {
  shop_id: string;
  day: ColumnType<string, string, string>;
  offer_id: string;
  experiment_id: string;
  arm_id: string;
  currency: string;
  slot: number;
  orders: Sum;
  checkout_total: Sum;
  views: Sum;
  accepts: Sum;
  declines: Sum;
  undos: Sum;
  captures: Sum;
  capture_failures: Sum;
  refunds: Sum;
  payment_declines: Sum;
  accepted_amount: Sum;
  captured_amount: Sum;
  refunded_amount: Sum;
  captured_squares: Sum;
  refunded_squares: Sum;
  /** Σ of each order's checkout total squared (migration 017): the spread of order values, for the holdout's interval. */
  checkout_squares: Sum;
}

/** The folded days of `analytics_daily` summed over the offers (migration 018). */
export type AnalyticsShopDailyTable = Omit<AnalyticsDailyTable, 'offer_id' | 'slot'>;
