/**
 * Response schemas (TypeBox → JSON Schema → the OpenAPI document; Fastify also serializes the answer
 * through them). The views list their fields and allow more (`additionalProperties: true`): the contract
 * grows by new fields, and a field added to a view must never be dropped on the way out because a
 * schema here was not updated with it.
 */
import { Type, type TProperties } from 'typebox';
import { UPSELL_GATEWAYS } from '../core/gateways';
import { UPSELL_STATES } from '../core/upsell-state';

const View = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Id = Type.String();
const Time = Type.String({ format: 'date-time' });
const Money = Type.Integer({ description: 'Integer minor units of `currency`' });
const Currency = Type.String({ description: 'ISO 4217, upper case' });
const NextCursor = Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' }));

const upsellFields = {
  id: Id,
  orderId: Id,
  offerId: Id,
  state: Type.Enum(UPSELL_STATES),
  amount: Money,
  currency: Currency,
  card: View({ brand: Nullable(Type.String()), last4: Nullable(Type.String()) }),
  gateway: Type.Enum(UPSELL_GATEWAYS),
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

export const UpsellAnswer = View({ upsell: View({ ...upsellFields, events: Type.Array(UpsellEvent) }) }, 'The upsell with every event, oldest first');

export const UpsellPage = View({ upsells: Type.Array(UpsellViewSchema), nextCursor: NextCursor }, 'A page of upsells, newest first');

export const RefundedUpsell = View({ upsell: UpsellViewSchema }, 'Refunded (now, or before this request)');

export const RefundPending = View(
  { upsell: UpsellViewSchema, status: Type.Literal('pending') },
  "The PSP's answer did not come: still captured; repeat the request to send the same refund again",
);

/** Every error answer: `{ error: { code, message, details? } }` (http/errors). */
export const ErrorAnswer = View({
  error: View({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
});

export const OrderSummarySchema = View(
  {
    id: Id,
    externalId: Nullable(Type.String()),
    currency: Currency,
    total: Money,
    status: Type.String({ description: '`open`, `finalized` (or `cancelled` for a linked order)' }),
    createdAt: Time,
    upsell: Nullable(View({ id: Id, state: Type.Enum(UPSELL_STATES), amount: Money })),
    offerId: Nullable(Type.String({ description: 'The offer decided at registration; null when none was' })),
  },
  'An order at a glance',
);

export const OrderPage = View({ orders: Type.Array(OrderSummarySchema), nextCursor: NextCursor }, 'A page of orders, newest first');
