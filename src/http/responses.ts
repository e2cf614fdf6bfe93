/**
 * Response schemas (TypeBox → JSON Schema → the OpenAPI document; Fastify also serializes the answer
 * through them, with fast-json-stringify). The views list their fields and allow more
 * (`additionalProperties: true`): the contract grows by new fields, and a field added to a view must never
 * be dropped on the way out because a schema here was not updated with it.
 *
 * What the serializer makes of these schemas decides what clients receive, so:
 * - nullable fields carry `nullable: true` rather than `anyOf [T, null]`: the serializer writes `null` for
 *   null and the value otherwise, where an `anyOf` is checked branch by branch and a value no branch takes
 *   (an interval's `Infinity`, which JSON has as `null`) would make the answer a 500;
 * - lists of words are `Type.Enum` (`enum`), which the serializer does not check, never the request
 *   schemas' union of literals (`anyOf` of `const`), where a word not listed would be a 500 (and a lone
 *   `Literal` is written as its constant, whatever the value);
 * - a field that may be absent is `Optional`: a missing required field makes the serializer throw.
 */
import { Type, type Static, type TProperties, type TSchema } from 'typebox';
import { CHECKOUT_STATUSES } from '../engine/buyer-state';
import { EXPERIMENT_STATUSES } from '../core/experiments';
import { GROUP_DIMENSIONS } from '../core/analytics';
import { GATEWAYS, UPSELL_GATEWAYS } from '../core/gateways';
import { REASON_CODES } from '../core/offers';
import { CAPTURE_MODES, ORDER_STRATEGIES } from '../core/settings';
import { UPSELL_STATES } from '../core/upsell-state';
import { WEBHOOK_EVENT_STATUSES } from '../engine/webhook-events';

const View = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
/** `nullable: true` (OpenAPI 3.0), which the serializer writes as `null` without checking the value (see above). */
const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
/**
 * One word of a list, as `enum` (see above). Typed `string` for the handlers: an answer built as an object
 * literal types its words as `string`, and the list is documentation, not a check.
 */
const Word = <Values extends string[]>(values: readonly [...Values], description?: string) =>
  Type.Unsafe<string>(Type.Enum(values, description ? { description } : {}));
/** An array; typed `readonly` so the engine's readonly lists are accepted as they are. */
const List = <T extends TSchema>(items: T, options?: { description: string }) => Type.Immutable(Type.Array(items, options));

const Id = Type.String();
const Time = Type.String({ format: 'date-time' });
const Day = Type.String({ format: 'date', description: 'A UTC day, YYYY-MM-DD' });
const Money = Type.Integer({ description: 'Integer minor units of `currency`' });
const Count = Type.Integer({ minimum: 0 });
const Currency = Type.String({ description: 'ISO 4217, upper case' });
const Ratio = (description: string) => Nullable(Type.Number({ description: `${description}; null when the denominator is 0` }));
const DecimalText = (description: string) => Nullable(Type.String({ description: `${description}, as exact decimal text; null when undefined` }));
const NextCursor = Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' }));
const Card = View({ brand: Nullable(Type.String()), last4: Nullable(Type.String()) }, 'The card charged, as the order named it');
const Price = View({ currency: Currency, amount: Money });
/** An open object: its keys are not fixed (a PSP's payload, an error's details). */
const Open = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

// ——— Errors

/** The one error object: `{ code, message, details? }` (http/errors). */
const ErrorDetail = View({
  code: Type.String({ description: 'Stable snake_case code (docs/api.md "Error codes")' }),
  message: Type.String({ description: 'A human sentence' }),
  details: Type.Optional(Open('What the code needs to be acted on, for a few codes')),
});

/** Every error answer: `{ error: { code, message, details? } }`. */
export const ErrorAnswer = View({ error: ErrorDetail });

/** The error answer with what it means on a route. */
export const errorAnswer = (description: string) => View({ error: ErrorDetail }, description);

const ERROR_MEANINGS = {
  400: 'Refused, nothing changed: `invalid_request` (the message names the field), `invalid_json`, `card_data_rejected`, or the route’s own code',
  401: '`unauthorized` (missing or unknown key or token) or `session_expired`',
  403: '`origin_not_allowed` (the page’s origin is not in `allowedOrigins`) or `operator_routes_disabled`',
  404: '`not_found` (also for an id of another shop) or `offer_not_available`',
  409: 'The current state does not allow it; the code says why (`offer_closed`, `undo_window_closed`, `idempotency_in_progress`, …)',
  413: '`payload_too_large`: the body is over 1 MiB',
  415: '`unsupported_media_type`: send JSON with `Content-Type: application/json`',
  422: '`idempotency_key_reused`: this Idempotency-Key came with another request',
  500: '`internal_error`: unexpected; the details are only in the log',
  503: '`notification_not_processed`: not handled yet, deliver it again',
} as const;

type ErrorStatus = keyof typeof ERROR_MEANINGS;

const OTHER_ERROR = errorAnswer('Any other error, with the same body (e.g. `429 rate_limited` after repeated failed authentications)');

/**
 * The error answers of a route, each with the one error body: the statuses named, `500 internal_error`,
 * and `default` for any other (which also lets a handler answer with a status it computed).
 */
export function errors<const S extends readonly ErrorStatus[]>(
  ...statuses: S
): Record<S[number] | 500, typeof ErrorAnswer> & { default: typeof ErrorAnswer } {
  const answers: Partial<Record<ErrorStatus, typeof ErrorAnswer>> = {};
  for (const status of [...statuses, 500 as const]) answers[status] = errorAnswer(ERROR_MEANINGS[status]);
  return { ...(answers as Record<S[number] | 500, typeof ErrorAnswer>), default: OTHER_ERROR };
}

/** The errors of a route that reads a JSON body (too large, not JSON). */
export const BODY_ERRORS = [400, 413, 415] as const;

/** A success without a body (`reply.send()` with nothing). */
export const NoContent = (description: string) => Type.Unsafe<undefined>(Type.Null({ description }));

/** A success whose body is text of one media type (HTML fragment, CSV, Adyen's `[accepted]`). */
export const TextAnswer = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: Type.String({ description }) } },
});

// ——— Health

export const HealthAnswer = View({ status: Word(['ok'] as const) }, 'The process serves');
export const ReadyAnswer = View({ status: Word(['ready'] as const) }, 'The process serves and its database answers');
export const NotReadyAnswer = View(
  { status: Word(['unavailable'] as const), error: ErrorDetail },
  '`database_unavailable`: the database does not answer',
);

// ——— Shops and keys

const ShopifySettings = View(
  {
    shopDomain: Type.String({ description: 'acme.myshopify.com' }),
    apiKey: Type.String(),
    apiSecret: Type.String({ description: 'Masked (`…last4`)' }),
    adminAccessToken: Nullable(Type.String({ description: 'Masked (`…last4`)' })),
    installed: Type.Boolean({ description: 'False once Shopify reported `app/uninstalled`' }),
  },
  "The shop's Shopify app, secrets masked",
);

const MaskedCredentials = Type.Record(Type.String(), Type.String(), { description: 'Non-secret fields as set, secrets masked (`…last4`)' });

const Settings = View({
  undoWindowSeconds: Type.Integer(),
  captureMode: Word(CAPTURE_MODES),
  orderStrategy: Word(ORDER_STRATEGIES),
  sessionTtlSeconds: Type.Integer(),
  allowedOrigins: List(Type.String()),
  gateway: Word(GATEWAYS),
  webhookUrl: Nullable(Type.String()),
  defaultLocale: Type.String({ description: 'BCP 47' }),
  shopify: Nullable(ShopifySettings),
  gatewayCredentials: View(
    { stripe: Type.Optional(MaskedCredentials), braintree: Type.Optional(MaskedCredentials), adyen: Type.Optional(MaskedCredentials) },
    'Per gateway, what may be shown of its credentials (never a secret in clear)',
  ),
});

const shopFields = { id: Id, name: Type.String(), settings: Settings, createdAt: Time };

export const ShopAnswer = View({ shop: View(shopFields) }, 'The shop and its settings');

export const CreatedShop = View(
  {
    ...shopFields,
    secretKey: Type.String({ description: 'sk_…: shown only in this answer' }),
    webhookSecret: Type.String({ description: 'whsec_…: signs the outbound webhooks; shown only in this answer' }),
  },
  'The new shop with its secret key and webhook secret',
);

const ApiKey = View({ id: Id, last4: Type.String(), createdAt: Time, revokedAt: Nullable(Time), lastUsedAt: Nullable(Time) });

export const ApiKeyAnswer = View({ apiKey: ApiKey }, 'The key (revoked now, when revoking)');
export const CreatedApiKey = View({ apiKey: ApiKey, secretKey: Type.String({ description: 'sk_…: shown only in this answer' }) }, 'The new key');
export const ApiKeyList = View({ apiKeys: List(ApiKey) }, "The shop's keys, revoked ones included");

// ——— Catalog and offers

const Product = View({
  id: Id,
  title: Type.String(),
  imageUrl: Nullable(Type.String()),
  variants: List(
    View({
      id: Id,
      title: Type.String(),
      prices: List(Price),
      stock: Nullable(Type.Integer({ description: 'Units available; null when untracked' })),
    }),
  ),
  updatedAt: Time,
});

export const ProductAnswer = View({ product: Product }, 'The product with its variants, prices and stock');
export const ProductList = View({ products: List(Product) }, "The shop's products, by id");

const Strings = Type.Optional(List(Type.String()));

const Offer = View({
  id: Id,
  name: Type.String(),
  variantId: Type.String(),
  quantity: Type.Integer(),
  discount: Nullable(
    View({
      type: Word(['percentage', 'fixed'] as const),
      value: Type.Number({ description: 'percentage: percent, at most 2 decimals; fixed: integer minor units of the order currency' }),
      amounts: Type.Optional(List(Price, { description: 'fixed: the amount per currency' })),
    }),
  ),
  priority: Type.Integer(),
  active: Type.Boolean(),
  rules: View({
    anyProductIds: Strings,
    excludeProductIds: Strings,
    minSubtotal: Type.Optional(Money),
    maxSubtotal: Type.Optional(Money),
    countries: Strings,
    customerTags: Strings,
    firstOrderOnly: Type.Optional(Type.Boolean()),
    currencies: Strings,
  }),
  buttonCopy: List(View({ id: Type.String(), text: Type.String() })),
  shipping: List(Price, { description: 'Shipping charged for the upsell, per currency (absent: free)' }),
  startsAt: Nullable(Time),
  endsAt: Nullable(Time),
  createdAt: Time,
  updatedAt: Time,
});

export const OfferAnswer = View({ offer: Offer }, 'The offer');
export const OfferList = View(
  { offers: List(Offer), nextCursor: NextCursor },
  "The shop's offers, highest priority first (deleted ones are not listed); with `limit`, a page of them",
);

/** The priced, worded offer of a decision (core/decisions `DecidedOffer`). */
const decidedOfferFields = {
  id: Id,
  productId: Type.String(),
  variantId: Type.String(),
  title: Type.String(),
  variantTitle: Type.String(),
  imageUrl: Nullable(Type.String()),
  quantity: Type.Integer(),
  currency: Currency,
  unitPrice: Money,
  compareAtPrice: Nullable(Type.Integer({ description: 'List price of the quantity before discount; null without a discount' })),
  discountAmount: Money,
  taxAmount: Money,
  shippingAmount: Money,
  total: Type.Integer({ description: 'The exact charge, integer minor units of `currency`' }),
  buttonCopyId: Nullable(Type.String()),
  buttonText: Type.String({ description: 'e.g. "Add for $19.99"' }),
  cardText: Type.String({ description: 'e.g. "Charged to your Visa ending 4242"' }),
  locale: Type.String({ description: 'BCP 47' }),
};

const checkoutOfferFields = {
  ...decidedOfferFields,
  expiresAt: Type.String({ format: 'date-time', description: 'When the session, and the offer, end' }),
};
const CheckoutOffer = View(checkoutOfferFields, 'The priced offer (`id` is what accept takes)');

// ——— Orders and decisions

const OrderLine = View({
  id: Id,
  productId: Type.String(),
  variantId: Type.String(),
  title: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Money,
  source: Word(['checkout', 'upsell'] as const),
  upsellId: Type.Optional(Id),
  refunded: Type.Optional(Type.Boolean({ description: "On an upsell's line: its money was refunded (the line stays)" })),
});

const Order = View({
  id: Id,
  externalId: Nullable(Type.String()),
  parentOrderId: Nullable(Type.String({ description: 'On a linked order: the order it was made for' })),
  currency: Currency,
  lines: List(OrderLine),
  subtotal: Money,
  shippingTotal: Money,
  taxTotal: Money,
  total: Money,
  taxRate: DecimalText('Tax rate applied to the upsell, e.g. "0.0825"'),
  locale: Type.String({ description: 'BCP 47' }),
  customer: View({
    id: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    country: Type.Optional(Type.String()),
    tags: Strings,
    orderCount: Type.Optional(Type.Integer()),
  }),
  payment: View({ gateway: Type.String(), brand: Nullable(Type.String()), last4: Nullable(Type.String()) }),
  linkedOrders: List(Id, { description: 'Linked orders made for its upsells (`linked_order` strategy)' }),
  status: Type.String({ description: '`open`, `finalized` (or `cancelled` for a linked order)' }),
  createdAt: Time,
});

export const OrderAnswer = View({ order: Order }, 'The order with its lines (checkout and upsell)');

export const RegisteredOrder = View(
  {
    order: Order,
    session: View({ token: Type.String({ description: 'ps_…: the post-purchase session token for the buyer’s page' }), expiresAt: Time }),
    offer: Nullable(CheckoutOffer),
  },
  'Registered (or, with the same Idempotency-Key, the same registration with a fresh session token)',
);

const Evaluation = View({
  offerId: Id,
  name: Type.String(),
  priority: Type.Integer(),
  eligible: Type.Boolean(),
  chosen: Type.Boolean(),
  expectedRevenue: Nullable(Type.Integer({ description: 'Price after discount, before tax and shipping (minor units)' })),
  reasons: List(View({ code: Word(REASON_CODES), message: Type.String() })),
});

export const DecisionAnswer = View(
  {
    decision: View({
      orderId: Id,
      decidedAt: Time,
      offerId: Nullable(Id),
      offer: Nullable(View(decidedOfferFields, 'The decided offer, priced and worded')),
      evaluations: List(Evaluation, { description: 'Every offer of the shop, and why it was or was not chosen' }),
      explanation: View({ computedOnRequest: Type.Boolean(), offersChangedSince: Type.Boolean() }),
    }),
  },
  'Why each offer was or was not chosen',
);

export const OrderSummarySchema = View(
  {
    id: Id,
    externalId: Nullable(Type.String()),
    currency: Currency,
    total: Money,
    status: Type.String({ description: '`open`, `finalized` (or `cancelled` for a linked order)' }),
    createdAt: Time,
    upsell: Nullable(View({ id: Id, state: Word(UPSELL_STATES), amount: Money })),
    offerId: Nullable(Type.String({ description: 'The offer decided at registration; null when none was' })),
  },
  'An order at a glance',
);

export const OrderPage = View({ orders: List(OrderSummarySchema), nextCursor: NextCursor }, 'A page of orders, newest first');

// ——— Upsells (merchant)

const upsellFields = {
  id: Id,
  orderId: Id,
  offerId: Id,
  state: Word(UPSELL_STATES),
  amount: Money,
  currency: Currency,
  card: Card,
  gateway: Word(UPSELL_GATEWAYS),
  paymentRef: Nullable(Type.String({ description: "The PSP's payment (PaymentIntent id, Braintree transaction, Adyen pspReference)" })),
  undoUntil: Nullable(Time),
  lineId: Nullable(Id),
  linkedOrderId: Nullable(Id),
  decline: Nullable(View({ code: Type.String(), message: Type.String() })),
  createdAt: Time,
};

/** `UpsellView` (engine/upsells) without its events. */
export const UpsellViewSchema = View(upsellFields, 'An upsell: one accepted offer of one order');

const UpsellEvent = View({
  type: Type.String({ description: 'The state entered, or work in progress (`refund_unknown`, `refund_failed`, …)' }),
  from: Nullable(Type.String()),
  actor: Type.String(),
  reason: Nullable(Type.String()),
  at: Time,
});

export const UpsellAnswer = View({ upsell: View({ ...upsellFields, events: List(UpsellEvent) }) }, 'The upsell with every event, oldest first');

export const UpsellPage = View({ upsells: List(UpsellViewSchema), nextCursor: NextCursor }, 'A page of upsells, newest first');

export const RefundedUpsell = View({ upsell: UpsellViewSchema }, 'Refunded (now, or before this request)');

export const RefundPending = View(
  { upsell: UpsellViewSchema, status: Word(['pending'] as const) },
  "The PSP's answer did not come: still captured; repeat the request to send the same refund again",
);

// ——— Audit log

const AuditActor = Type.Union(
  [View({ type: Word(['api_key'] as const), apiKeyId: Id, last4: Type.String() }), View({ type: Word(['operator'] as const) })],
  { description: 'Who: the secret key that made the change, or the operator' },
);

const AuditEntry = View({
  id: Id,
  at: Time,
  actor: AuditActor,
  via: Word(['api', 'admin'] as const, 'Through the API directly, or the merchant admin'),
  action: Type.String({ description: '`<target>.<what was done>`, e.g. `offer.updated`' }),
  target: View({ type: Type.String(), id: Id }),
  changes: Open('What the request changed, as sent; secrets masked as •••'),
});

export const AuditLogPage = View({ auditLog: List(AuditEntry), nextCursor: NextCursor }, 'A page of the audit log, newest first');

// ——— Checkout (buyer's page)

const checkoutUpsellFields = { id: Id, state: Word(UPSELL_STATES), amount: Money, currency: Currency, card: Card, undoUntil: Nullable(Time) };
const CheckoutUpsell = View(checkoutUpsellFields, "The buyer's view of the upsell");

export const CheckoutUpsellAnswer = View({ upsell: CheckoutUpsell }, 'The upsell as it is now');

/**
 * Sent as JSON text the engine serialized once per offer and session (engine/checkout), which the
 * serializer passes through as it is: this schema documents it.
 */
const PrebuiltJson = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | string>(schema);

export const CheckoutOfferAnswer = PrebuiltJson(
  View(
    {
      offer: Nullable(CheckoutOffer),
      status: Word(CHECKOUT_STATUSES, 'What the page shows (see the description)'),
      upsell: Nullable(
        View(
          {
            ...checkoutUpsellFields,
            offerId: Id,
            title: Type.String(),
            variantTitle: Type.String(),
            quantity: Type.Integer(),
            undoSecondsLeft: Type.Integer({ minimum: 0, description: 'Whole seconds left to undo by the server’s clock; 0 once closed' }),
          },
          "The order's upsell, once the buyer accepted",
        ),
      ),
    },
    'The live offer, or what became of it',
  ),
);

const ThreeDSecureAction = View(
  {
    type: Word(['three_d_secure'] as const),
    url: Type.Optional(Type.String({ description: 'A page to show in a dialog (sandbox challenge, Adyen redirect)' })),
    clientSecret: Type.Optional(Type.String({ description: 'Stripe: for `stripe.handleNextAction`' })),
    data: Type.Optional(Open('Adyen / Braintree action payload, for the widget')),
  },
  'The 3-D Secure step the buyer must take',
);

export const AcceptAnswer = View(
  {
    status: Word(['accepted', 'requires_action'] as const),
    upsell: CheckoutUpsell,
    action: Type.Optional(ThreeDSecureAction),
    completeUrl: Type.Optional(Type.String({ description: 'requires_action: POST here after the step' })),
  },
  '`accepted` (authorized, added to the order; undo until `upsell.undoUntil`), or `requires_action` with the 3-D Secure step',
);

export const AcceptPending = View(
  { status: Word(['pending'] as const), upsell: CheckoutUpsell },
  'The PSP outcome is not known yet: poll the upsell',
);

export const AcceptDeclined = View(
  { status: Word(['declined'] as const), upsell: CheckoutUpsell, error: ErrorDetail },
  'Declined (`card_declined`, `insufficient_funds`, `expired_card`, `authentication_failed`, …); the order is unchanged',
);

export const UndoAnswer = View({ status: Word(['cancelled'] as const), upsell: CheckoutUpsell }, 'Undone: released and taken out of the order');
export const UndoPending = View(
  { status: Word(['pending'] as const), upsell: CheckoutUpsell },
  'The undo stands; the release is not confirmed yet and is retried (the upsell is never captured)',
);

// ——— Analytics and experiments

const MetricsRow = View({
  day: Type.Optional(Day),
  offerId: Type.Optional(Nullable(Type.String())),
  experimentId: Type.Optional(Nullable(Type.String())),
  armId: Type.Optional(Nullable(Type.String())),
  currency: Currency,
  orders: Count,
  views: Count,
  accepts: Count,
  declines: Count,
  undos: Count,
  captures: Count,
  captureFailures: Count,
  refunds: Count,
  paymentDeclines: Count,
  acceptedAmount: Money,
  capturedAmount: Money,
  refundedAmount: Money,
  netRevenue: Type.Integer({ description: 'capturedAmount − refundedAmount (minor units)' }),
  checkoutTotal: Money,
  takeRate: Ratio('(accepts − undos) ÷ views'),
  undoRate: Ratio('undos ÷ accepts'),
  revenuePerView: DecimalText('netRevenue ÷ views in minor units'),
  offerShare: Ratio('views ÷ orders'),
  averageUpsellValue: DecimalText('capturedAmount ÷ captures in minor units'),
  aovLift: Ratio('netRevenue ÷ checkoutTotal'),
  holdout: Nullable(
    View(
      {
        heldOutOrders: Count,
        exposedOrders: Count,
        heldOutAov: Nullable(Type.Integer({ description: 'Average order value of the held-out orders, integer minor units' })),
        exposedAov: Nullable(Type.Integer({ description: 'Average order value of the exposed orders, upsell money kept included' })),
        aovLift: Ratio('exposedAov ÷ heldOutAov − 1'),
        aovLiftLower: Ratio('Lower end of the 95 % interval of aovLift'),
        aovLiftUpper: Ratio('Upper end of the 95 % interval of aovLift'),
      },
      'Orders held out by the experiments with a holdout against those shown an offer; null when none was held out (docs/analytics.md)',
    ),
  ),
});

export const MetricsAnswer = View(
  { from: Day, to: Day, groupBy: List(Word(GROUP_DIMENSIONS)), rows: List(MetricsRow) },
  'One row per currency and group (docs/analytics.md)',
);

const ExperimentArm = View({
  id: Type.String(),
  name: Type.String(),
  weight: Type.Integer(),
  copy: Type.Optional(Type.String()),
  offerId: Type.Optional(Type.String()),
});

const Experiment = View({
  id: Id,
  name: Type.String(),
  offerId: Id,
  status: Word(EXPERIMENT_STATUSES),
  arms: List(ExperimentArm, { description: 'The first arm is the control' }),
  holdoutPercent: Type.Number(),
  settings: View({
    alpha: Type.Number(),
    minViewsPerArm: Type.Integer(),
    equivalenceMargin: Type.Number(),
    maxViewsPerArm: Nullable(Type.Integer()),
    autoPromote: Type.Boolean(),
  }),
  winnerArmId: Nullable(Type.String()),
  createdAt: Time,
  updatedAt: Time,
  endedAt: Nullable(Time),
});

export const ExperimentAnswer = View({ experiment: Experiment }, 'The experiment');
export const ExperimentList = View({ experiments: List(Experiment) }, "The shop's experiments");

/** A bound is `null` while it is unbounded (too little data): JSON has no Infinity. */
const Bound = Type.Number({ nullable: true });
const Interval = View({ estimate: Type.Number(), lower: Bound, upper: Bound }, 'Always-valid (1 − α) interval; a bound is null while unbounded');

const ArmStatistics = View({
  armId: Type.String(),
  name: Type.String(),
  orders: Count,
  views: Count,
  accepts: Count,
  undos: Count,
  declines: Count,
  takeRate: Interval,
  undoRate: Interval,
  revenue: List(View({ currency: Currency, netRevenue: Type.Integer(), revenuePerView: Interval })),
  guardrailBreached: Type.Boolean(),
});

const Statistics = View({
  verdict: Word(['keep_running', 'winner', 'no_difference'] as const),
  winnerArmId: Nullable(Type.String()),
  reason: Type.String({ description: 'minimum_sample, significant, control_best, undo_guardrail, equivalent, max_sample, inconclusive' }),
  alpha: Type.Number(),
  controlArmId: Type.String(),
  arms: List(ArmStatistics),
  comparisons: List(View({ armId: Type.String(), difference: Interval, alwaysValidPValue: Type.Number() })),
  holdout: Nullable(
    View({
      orders: Count,
      incremental: List(
        View({
          currency: Currency,
          treatmentOrders: Count,
          holdoutOrders: Count,
          incrementalRevenuePerOrder: Interval,
          aovLift: Nullable(Type.Number()),
        }),
      ),
    }),
  ),
});

export const ExperimentReport = View({ experiment: Experiment, statistics: Statistics }, 'The experiment with its statistics and verdict');

// ——— Shopify post-purchase and webhooks

const ShopifyChange = View({
  type: Word(['add_variant'] as const),
  variantId: Type.Integer({ description: "Shopify's numeric variant id" }),
  quantity: Type.Integer(),
  discount: Type.Optional(View({ value: Type.Number(), valueType: Word(['percentage', 'fixed_amount'] as const), title: Type.String() })),
});

export const ShopifyOfferAnswer = View(
  {
    referenceId: Type.String(),
    orderId: Id,
    offer: Nullable(View({ ...checkoutOfferFields, changes: List(ShopifyChange) }, 'The CheckoutOffer fields plus the changeset')),
  },
  'The purchase registered as an order, and its offer (the same decision on every call)',
);

export const SignedChangeset = View({ token: Type.String({ description: 'The changeset JWT for `applyChangeset`' }) }, 'Signed');

export const ShopifyOutcome = View(
  {
    status: Word(['accepted', 'declined'] as const),
    upsell: Type.Optional(View({ id: Id, state: Word(UPSELL_STATES), amount: Money, currency: Currency, undoUntil: Nullable(Time) })),
    reason: Type.Optional(Nullable(Type.String({ description: 'declined: the code Shopify gave, if any' }))),
  },
  'Recorded: `accepted` with the upsell (its undo window started), or `declined`',
);

export const ShopifyWebhookAnswer = View(
  { received: Type.Boolean(), duplicate: Type.Boolean() },
  'Verified and handled (a redelivery changes nothing)',
);

export const PspWebhookAnswer = {
  description: 'Verified and handled; Adyen gets `[accepted]` (text/plain), the others `{ received, duplicates }`',
  content: {
    'application/json': { schema: View({ received: Count, duplicates: Count }) },
    'text/plain': { schema: Type.String({ description: '[accepted]' }) },
  },
};

// ——— Webhook events (outbound, merchant)

const WebhookDelivery = View({
  attempt: Type.Integer({ minimum: 1 }),
  at: Time,
  statusCode: Nullable(Type.Integer({ description: "The receiver's HTTP status; null when no answer came (refused, timeout, connection)" })),
  error: Nullable(Type.String({ description: 'Why it failed (`HTTP 500`, `refused: …`); null on a 2xx' })),
  durationMs: Count,
});

const WebhookEvent = View({
  id: Id,
  type: Type.String({ description: '`upsell.accepted`, `upsell.captured`, `order.finalized`, …' }),
  createdAt: Time,
  orderId: Nullable(Id),
  upsellId: Nullable(Id),
  status: Word(WEBHOOK_EVENT_STATUSES, '`pending`, `retrying` (the last attempt failed), `delivered` or `dropped`'),
  attempts: Count,
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time', description: 'When it is sent next; null once delivered or dropped' })),
  deliveredAt: Nullable(Type.String({ format: 'date-time', description: 'When a receiver took it; null unless delivered' })),
  deliveries: List(WebhookDelivery, { description: 'The latest 20 attempts, newest first' }),
});

export const WebhookEventAnswer = View({ webhookEvent: WebhookEvent }, 'The event, where it stands and its latest attempts');
export const WebhookEventPage = View({ webhookEvents: List(WebhookEvent), nextCursor: NextCursor }, 'A page of webhook events, newest first');

export const WebhookTestAnswer = View(
  {
    delivery: View({
      url: Type.String({ description: "The shop's webhookUrl" }),
      ok: Type.Boolean({ description: 'The receiver answered 2xx' }),
      statusCode: Nullable(Type.Integer({ description: 'null when no answer came' })),
      error: Nullable(Type.String({ description: 'Why it failed; null on a 2xx' })),
      durationMs: Count,
    }),
  },
  'Sent (not queued, not retried): what the receiver answered, whatever it was',
);
