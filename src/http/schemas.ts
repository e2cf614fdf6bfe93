/**
 * Request schemas (TypeBox → JSON Schema; the answers' are in responses.ts): validated at the edge and
 * published as OpenAPI. Merchant write bodies are strict (`additionalProperties: false` at every level →
 * 400 invalid_request on an unknown field); checkout bodies are lenient (unknown fields are ignored,
 * prices are never read from them).
 */
import { Type, type Static, type TProperties } from 'typebox';
import { GATEWAYS, UPSELL_GATEWAYS } from '../core/gateways';
import { ORDER_STATUSES } from '../core/orders';
import { CAPTURE_MODES, ORDER_STRATEGIES } from '../core/settings';
import { UPSELL_STATES } from '../core/upsell-state';
import { WEBHOOK_EVENT_STATUSES } from '../engine/webhook-events';

/** Largest amount accepted, in minor units (far below 2^53, so sums of amounts stay exact). */
export const MAX_AMOUNT = 999_999_999_999;

const Strict = <T extends TProperties>(properties: T) => Type.Object(properties, { additionalProperties: false });
const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((value) => Type.Literal(value)));

export const Amount = Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'Integer minor units of the currency' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, upper case' });
/** Ids that merchants choose: unique within their shop; no whitespace or slash (they appear in paths). */
export const MerchantId = Type.String({ pattern: '^[^\\s/]{1,200}$' });
const Text = (maxLength = 500) => Type.String({ minLength: 1, maxLength });
const Origin = Type.String({ pattern: '^https?://[^/\\s]+/?$', maxLength: 300 });

/** Fields per PSP are checked by its adapter (docs/gateways/*.md); null removes a gateway's credentials. */
const CredentialsObject = Type.Union([Type.Record(Type.String({ maxLength: 100 }), Type.Unknown()), Type.Null()]);
const GatewayCredentialsInput = Strict({
  stripe: Type.Optional(CredentialsObject),
  braintree: Type.Optional(CredentialsObject),
  adyen: Type.Optional(CredentialsObject),
});

export const ShopSettingsInput = Strict({
  undoWindowSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
  captureMode: Type.Optional(Enum(CAPTURE_MODES)),
  orderStrategy: Type.Optional(Enum(ORDER_STRATEGIES)),
  sessionTtlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600 })),
  allowedOrigins: Type.Optional(Type.Array(Origin, { maxItems: 50 })),
  gateway: Type.Optional(Enum(GATEWAYS)),
  webhookUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://', maxLength: 2000 }), Type.Null()])),
  defaultLocale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' })),
  gatewayCredentials: Type.Optional(GatewayCredentialsInput),
  /** The shop's Shopify app (docs/shopify.md); secrets write-only; null removes it. */
  shopify: Type.Optional(
    Type.Union([
      Strict({
        shopDomain: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,60}\\.myshopify\\.com$', description: 'acme.myshopify.com' }),
        apiKey: Type.String({ minLength: 1, maxLength: 200, description: "The app's client id" }),
        apiSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 500, description: "The app's client secret (kept when omitted)" })),
        adminAccessToken: Type.Optional(
          Type.Union([Type.String({ minLength: 8, maxLength: 500 }), Type.Null()], { description: 'Admin API token for undo (refund + order edit)' }),
        ),
      }),
      Type.Null(),
    ]),
  ),
});

export const CreateShopBody = Strict({ name: Text(200), settings: Type.Optional(ShopSettingsInput) });
export const UpdateShopBody = Strict({ name: Type.Optional(Text(200)), settings: Type.Optional(ShopSettingsInput) });

const Price = Strict({ currency: Currency, amount: Amount });

export const ProductBody = Strict({
  title: Text(300),
  imageUrl: Type.Optional(Type.Union([Type.String({ pattern: '^(https?://|/)', maxLength: 2000 }), Type.Null()])),
  variants: Type.Array(
    Strict({
      id: MerchantId,
      title: Text(300),
      prices: Type.Array(Price, { maxItems: 200 }),
      stock: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()])),
    }),
    { maxItems: 500 },
  ),
});

const Discount = Type.Union([
  Strict({ type: Type.Literal('percentage'), value: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Percent, at most 2 decimals' }) }),
  Strict({ type: Type.Literal('fixed'), value: Amount, amounts: Type.Optional(Type.Array(Price, { maxItems: 200 })) }),
]);

const Rules = Strict({
  anyProductIds: Type.Optional(Type.Array(MerchantId, { maxItems: 1000 })),
  excludeProductIds: Type.Optional(Type.Array(MerchantId, { maxItems: 1000 })),
  minSubtotal: Type.Optional(Amount),
  maxSubtotal: Type.Optional(Amount),
  countries: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 300 })),
  customerTags: Type.Optional(Type.Array(Text(100), { maxItems: 100 })),
  firstOrderOnly: Type.Optional(Type.Boolean()),
  currencies: Type.Optional(Type.Array(Currency, { maxItems: 200 })),
});

const OfferFields = {
  name: Text(200),
  variantId: MerchantId,
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  discount: Type.Optional(Type.Union([Discount, Type.Null()])),
  priority: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
  active: Type.Optional(Type.Boolean()),
  rules: Type.Optional(Rules),
  buttonCopy: Type.Optional(Type.Array(Strict({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,50}$' }), text: Text(120) }), { maxItems: 20 })),
  shipping: Type.Optional(Type.Array(Price, { maxItems: 200 })),
  startsAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  endsAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
};

export const CreateOfferBody = Strict(OfferFields);
export const UpdateOfferBody = Strict({ ...OfferFields, name: Type.Optional(OfferFields.name), variantId: Type.Optional(OfferFields.variantId) });

export const OrderBody = Strict({
  externalId: Type.String({ minLength: 1, maxLength: 200 }),
  currency: Currency,
  lines: Type.Array(
    Strict({
      productId: MerchantId,
      variantId: MerchantId,
      title: Text(300),
      quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
      unitPrice: Amount,
    }),
    { minItems: 1, maxItems: 500 },
  ),
  subtotal: Amount,
  shippingTotal: Amount,
  taxTotal: Amount,
  total: Amount,
  taxRate: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.String({ pattern: '^0?\\.\\d{1,8}$|^0$' }), Type.Null()])),
  locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' })),
  customer: Strict({
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    tags: Type.Optional(Type.Array(Text(100), { maxItems: 100 })),
    orderCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  }),
  payment: Strict({
    gateway: Enum(GATEWAYS),
    customerRef: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    paymentMethodRef: Type.String({ minLength: 1, maxLength: 255 }),
    brand: Type.Optional(Type.String({ pattern: '^[a-z_]{2,30}$' })),
    last4: Type.Optional(Type.String({ pattern: '^\\d{4}$' })),
  }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** Query values arrive as text; the engine reads the numbers and times (engine/pages) and answers 400 for bad ones. */
const PageParams = {
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'Page size, 1–100 (default 25)' })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,1000}$', description: "The previous page's `nextCursor`, unchanged" })),
};
const ListId = Type.String({ minLength: 1, maxLength: 200 });
const Instant = (description: string) =>
  Type.Optional(Type.String({ minLength: 10, maxLength: 40, description: `${description}: ISO 8601, a UTC day or a date-time with Z or an offset` }));

export const OfferListQuerystring = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'Page size, 1–100 (default: every offer, on one page)' })),
    cursor: PageParams.cursor,
  },
  { additionalProperties: false },
);

/** One id, or the parameter repeated (`?variantId=a&variantId=b`), at most 100. */
export const IdList = (description: string) =>
  Type.Optional(Type.Union([MerchantId, Type.Array(MerchantId, { minItems: 1, maxItems: 100 })], { description }));

export const ProductListQuerystring = Type.Object(
  { variantId: IdList('Only the products with one of these variants (repeat the parameter for several, at most 100)') },
  { additionalProperties: false },
);

export const OrderListQuerystring = Type.Object(
  {
    ...PageParams,
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Exactly this externalId' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'externalId starts with this text' })),
    status: Type.Optional(Type.Enum(ORDER_STATUSES)),
    createdFrom: Instant('Registered at or after'),
    createdTo: Instant('Registered before'),
    hasUpsell: Type.Optional(Type.Enum(['true', 'false'] as const)),
  },
  { additionalProperties: false },
);

export const UpsellListQuerystring = Type.Object(
  {
    ...PageParams,
    state: Type.Optional(Type.Enum(UPSELL_STATES)),
    orderId: Type.Optional(ListId),
    offerId: Type.Optional(ListId),
    gateway: Type.Optional(Type.Enum(UPSELL_GATEWAYS)),
  },
  { additionalProperties: false },
);

export const AuditLogQuerystring = Type.Object(
  {
    ...PageParams,
    targetId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Only changes to this offer, product, key, experiment, upsell or shop' }),
    ),
    action: Type.Optional(Type.String({ minLength: 3, maxLength: 81, description: 'Only this action, e.g. offer.updated' })),
  },
  { additionalProperties: false },
);

/** No body at all is the same as `{}`. */
export const RefundBody = Type.Union([
  Strict({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "Kept on the upsell's event" })) }),
  Type.Null(),
]);
export const ProductParams = Type.Object({ productId: MerchantId });

export const WebhookEventListQuerystring = Type.Object(
  {
    ...PageParams,
    orderId: Type.Optional(ListId),
    upsellId: Type.Optional(ListId),
    status: Type.Optional(Type.Enum(WEBHOOK_EVENT_STATUSES)),
  },
  { additionalProperties: false },
);

export type CreateShopBody = Static<typeof CreateShopBody>;
export type OrderBody = Static<typeof OrderBody>;
