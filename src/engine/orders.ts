/**
 * `registerOrder`: store a paid order with its payment *reference*, decide its offer at once, store the
 * decision and open a post-purchase session — all in one transaction, so a retry or a crash never leaves
 * an order without its decision or session.
 */
import { analyticsColumns, applyExperiment, type ExperimentAssignment } from '../analytics/experiments/decide';
import { DomainError, notFound } from '../core/errors';
import { decimalFromJson, decimalToString, isCurrency, trimDecimalText, type Decimal } from '../core/money';
import { isUniqueViolation } from '../store/database';
import { isRealGateway } from '../core/gateways';
import { CREDENTIALS } from '../gateways/index';
import { decide, decideCompiled, type ChannelLimits, type OfferEvaluation, type OrderFacts } from '../core/offers';
import type { Db } from '../store/database';
import { decisionRow } from '../store/decisions';
import { checkoutLineValues, customerHasOrders, insertRegistration, orderIdOfExternalId, orderWithLines } from '../store/orders';
import { insertSession } from '../store/sessions';
import type { OrderLineRow, OrderRow, StoredOrderFacts } from '../store/schema';
import { hashSecret } from '../core/clock';
import type { EngineContext } from './context';
import type { OrderCustomer, OrderPayment } from '../core/orders';
import type { UpsellState } from '../core/upsell-state';
import { presentDecision, type CheckoutOffer, type DecidedOffer } from '../core/decisions';
import { claimIdempotencyKey, requestHash, storeIdempotentResponse } from './idempotency';
import { loadShopOffers } from './offer-cache';
import { shopSettings } from './shops';

export interface OrderLineInput {
  productId: string;
  variantId: string;
  title: string;
  quantity: number;
  unitPrice: number;
}

export interface OrderInput {
  externalId: string;
  currency: string;
  lines: OrderLineInput[];
  subtotal: number;
  shippingTotal: number;
  taxTotal: number;
  total: number;
  /** Tax rate applied to the upsell, e.g. 0.0825; kept as exact decimal text. */
  taxRate?: number | string | null;
  /** BCP 47 locale of the buyer's page, e.g. "de-DE"; the shop's default when absent. */
  locale?: string;
  customer: OrderCustomer;
  payment: OrderPayment;
}

export interface OrderLineView {
  id: string;
  productId: string;
  variantId: string;
  title: string;
  quantity: number;
  unitPrice: number;
  source: 'checkout' | 'upsell';
  upsellId?: string;
  /**
   * On an upsell's line: its money was refunded (`POST /v1/upsells/{id}/refund`). The line stays on the
   * order, and in its totals, since the goods may have shipped; the refund is shown, not hidden.
   */
  refunded?: boolean;
}

export interface OrderView {
  id: string;
  externalId: string | null;
  parentOrderId: string | null;
  currency: string;
  lines: OrderLineView[];
  subtotal: number;
  shippingTotal: number;
  taxTotal: number;
  total: number;
  taxRate: string | null;
  locale: string;
  customer: OrderCustomer;
  payment: { gateway: string; brand: string | null; last4: string | null };
  linkedOrders: string[];
  status: string;
  createdAt: string;
}

export interface RegisteredOrder {
  order: OrderView;
  session: { token: string; expiresAt: string };
  offer: CheckoutOffer | null;
}

const ORDER_SCOPE = 'orders';

function parseTaxRate(value: OrderInput['taxRate']): Decimal | null {
  if (value === undefined || value === null) return null;
  const rate = decimalFromJson(value);
  if (!rate || rate.units < 0n || rate.units >= 10n ** BigInt(rate.scale) || rate.scale > 8) {
    throw new DomainError('invalid_request', 'taxRate is a decimal between 0 and 1 with at most 8 digits, e.g. 0.0825');
  }
  return rate;
}

function parseLocale(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (canonical) return canonical;
  } catch {
    // fall through to the error below
  }
  throw new DomainError('invalid_request', `locale ${value} is not a BCP 47 language tag`);
}

function customerKey(customer: OrderCustomer): string | null {
  if (customer.id) return `id:${customer.id}`;
  if (customer.email) return `email:${customer.email.trim().toLowerCase()}`;
  return null;
}

async function isFirstOrder(db: Db, shopId: string, customer: OrderCustomer): Promise<boolean | null> {
  if (customer.orderCount !== undefined) return customer.orderCount <= 1;
  const key = customerKey(customer);
  if (!key) return null;
  return !(await customerHasOrders(db, shopId, key));
}

/** The order's card must be one the shop's PSP holds, in a form it will take at the accept (named field on refusal). */
function checkPayment(payment: OrderPayment, shopGateway: string): void {
  if (payment.gateway !== shopGateway) {
    throw new DomainError('gateway_mismatch', `This shop charges through ${shopGateway}, the order names ${payment.gateway}`);
  }
  if (isRealGateway(payment.gateway)) {
    CREDENTIALS[payment.gateway].checkPayment?.({ paymentMethodRef: payment.paymentMethodRef, customerRef: payment.customerRef ?? null });
  }
}

/**
 * `channel`: the order came through a sales channel with its own limits (Shopify post-purchase), which the
 * decision applies as targeting rules; its payment is the channel's, not the shop's PSP.
 */
export async function registerOrder(
  ctx: EngineContext,
  shopId: string,
  input: OrderInput,
  idempotencyKey: string | null,
  channel: ChannelLimits | null = null,
): Promise<{ statusCode: number; body: RegisteredOrder }> {
  if (!isCurrency(input.currency)) throw new DomainError('invalid_currency', `${input.currency} is not an ISO 4217 currency code`);
  const settings = await shopSettings(ctx, ctx.db, shopId);
  if (!channel) checkPayment(input.payment, settings.gateway);
  const taxRate = parseTaxRate(input.taxRate);
  const locale = parseLocale(input.locale, settings.defaultLocale);
  const now = ctx.clock.now();

  // The shop's offers compiled in memory, tracked stock from the stock cache. The per-offer explanation is
  // not built here: GET /v1/orders/{id}/decision computes it from the stored facts when asked.
  const offers = await ctx.caches.offers.get(ctx.db, shopId);
  const { candidates } = offers;
  const facts: OrderFacts = {
    currency: input.currency,
    subtotal: input.subtotal,
    productIds: new Set(input.lines.map((line) => line.productId)),
    taxRate,
    country: input.customer.country ?? null,
    customerTags: new Set(input.customer.tags ?? []),
    // The earlier-orders lookup only when an offer of the shop is for first orders (unknown otherwise).
    firstOrder: offers.needsFirstOrder || input.customer.orderCount !== undefined ? await isFirstOrder(ctx.db, shopId, input.customer) : null,
    channel,
  };
  const stock = offers.trackedVariantIds.length > 0 ? await ctx.caches.stock.get(ctx.db, offers) : null;
  const chosen = decideCompiled(offers.compiled, facts, now, stock && ((variantId) => stock.get(variantId)));
  // A live experiment on the chosen offer may swap the offer, its button copy, or hide it (holdout).
  const experimental = applyExperiment(offers.experiments, chosen, { candidates, facts, orderKey: input.externalId, now });
  const decided = presentDecision(experimental.chosen, {
    locale,
    card: { brand: input.payment.brand ?? null, last4: input.payment.last4 ?? null },
  });

  const claim = idempotencyKey ? { shopId, scope: ORDER_SCOPE, key: idempotencyKey, hash: requestHash(input), now } : null;
  const registration: Registration = {
    shopId,
    input,
    taxRate,
    locale,
    now,
    decided,
    facts,
    offersVersion: offers.version,
    assignment: experimental.assignment,
    expiresAt: new Date(now.getTime() + settings.sessionTtlSeconds * 1000),
  };
  const register = async (trx: Trx | null) => {
    const { stored, token, tokenHash, sessionId } = await storeRegistration(ctx, trx ?? ctx.db, registration);
    if (claim && trx) await storeIdempotentResponse(trx, claim, { statusCode: 201, body: stored });
    // The buyer's page usually asks this node next: it knows the session and the decision already.
    const remember = () => rememberRegistration(ctx, registration, stored.order.id, sessionId, tokenHash);
    return { statusCode: 201, body: { ...stored, session: { ...stored.session, token } }, remember };
  };
  try {
    // Without a key the registration is one statement; with one, the key is claimed in the same transaction.
    const answer = claim
      ? await ctx.db.transaction().execute(async (trx) => {
          const replay = await claimIdempotencyKey(trx, claim);
          // The session token is never stored in clear: a replay opens a new session on the same order.
          if (replay) return { statusCode: replay.statusCode, body: await reopenSession(ctx, trx, shopId, replay.body), remember: null };
          return register(trx);
        })
      : await register(null);
    answer.remember?.();
    return { statusCode: answer.statusCode, body: answer.body };
  } catch (error) {
    throw await registrationError(ctx, shopId, input.externalId, error);
  }
}

/** A registration of the same externalId came first: the unique constraint decided, nothing was written. */
async function registrationError(ctx: EngineContext, shopId: string, externalId: string, error: unknown): Promise<unknown> {
  if (!isUniqueViolation(error, 'orders_shop_id_external_id_key')) return error;
  const existing = await orderIdOfExternalId(ctx.db, shopId, externalId);
  return new DomainError(
    'order_already_registered',
    `Order ${externalId} is already registered${existing ? ` as ${existing}` : ''}`,
    existing ? { orderId: existing } : undefined,
  );
}

interface Registration {
  shopId: string;
  input: OrderInput;
  taxRate: Decimal | null;
  locale: string;
  now: Date;
  decided: DecidedOffer | null;
  facts: OrderFacts;
  offersVersion: number;
  assignment: ExperimentAssignment | null;
  expiresAt: Date;
}

function rememberRegistration(ctx: EngineContext, registration: Registration, orderId: string, sessionId: string, tokenHash: string): void {
  const { shopId, expiresAt } = registration;
  ctx.caches.sessions.set(tokenHash, { id: sessionId, shopId, orderId, expiresAt });
  ctx.caches.decisions.set(`${shopId}:${orderId}`, registration.decided);
}

function storedFacts(facts: OrderFacts): StoredOrderFacts {
  return {
    currency: facts.currency,
    subtotal: facts.subtotal,
    productIds: [...facts.productIds],
    taxRate: facts.taxRate ? decimalToString(facts.taxRate) : null,
    country: facts.country,
    customerTags: [...facts.customerTags],
    firstOrder: facts.firstOrder,
    ...(facts.channel ? { channel: { ...facts.channel, variantIdPattern: facts.channel.variantIdPattern.source } } : {}),
  };
}

function orderFacts(stored: StoredOrderFacts): OrderFacts {
  return {
    currency: stored.currency,
    subtotal: stored.subtotal,
    productIds: new Set(stored.productIds),
    taxRate: stored.taxRate === null ? null : decimalFromJson(stored.taxRate),
    country: stored.country,
    customerTags: new Set(stored.customerTags),
    firstOrder: stored.firstOrder,
    channel: stored.channel ? { ...stored.channel, variantIdPattern: new RegExp(stored.channel.variantIdPattern) } : null,
  };
}

type Trx = Db;

/**
 * Inserts the order, its lines, its decision and its session; returns the answer, the clear token and its
 * hash. The answer is built from the values written (the statement returns nothing), as `orderView` would
 * show the stored row: every column of the view is one of these values, stored unchanged.
 */
async function storeRegistration(
  ctx: EngineContext,
  db: Db,
  registration: Registration,
): Promise<{ stored: Omit<RegisteredOrder, 'session'> & { session: { expiresAt: string } }; token: string; tokenHash: string; sessionId: string }> {
  const { shopId, input, now } = registration;
  const orderId = ctx.ids.id('ord');
  const token = ctx.ids.secret('ps');
  const tokenHash = hashSecret(token);
  const sessionId = ctx.ids.id('pss');
  const lines = input.lines.map((line, position) => checkoutLineValues(shopId, orderId, ctx.ids.id('line'), position, line));
  const taxRate = registration.taxRate ? decimalToString(registration.taxRate) : null;
  await insertRegistration(db, {
    lines,
    decision: {
      shop_id: shopId,
      order_id: orderId,
      offer_id: registration.decided?.id ?? null,
      offer: JSON.stringify(registration.decided),
      evaluations: null,
      facts: JSON.stringify(storedFacts(registration.facts)),
      offers_version: registration.offersVersion,
      decided_at: now,
      ...analyticsColumns(registration.assignment),
    },
    session: {
      shop_id: shopId,
      id: sessionId,
      order_id: orderId,
      token_hash: tokenHash,
      expires_at: registration.expiresAt,
      created_at: now,
    },
    order: {
      shop_id: shopId,
      id: orderId,
      external_id: input.externalId,
      parent_order_id: null,
      currency: input.currency,
      subtotal: input.subtotal,
      shipping_total: input.shippingTotal,
      tax_total: input.taxTotal,
      total: input.total,
      tax_rate: taxRate,
      locale: registration.locale,
      customer_key: customerKey(input.customer),
      customer: JSON.stringify(input.customer),
      payment: JSON.stringify(input.payment),
      status: 'open',
      created_at: now,
    },
  });
  const order: OrderView = {
    id: orderId,
    externalId: input.externalId,
    parentOrderId: null,
    currency: input.currency,
    lines: lines.map(lineView),
    subtotal: input.subtotal,
    shippingTotal: input.shippingTotal,
    taxTotal: input.taxTotal,
    total: input.total,
    // As the numeric(12, 8) column reads back: the same number, without trailing zeros.
    taxRate: taxRate === null ? null : trimDecimalText(taxRate),
    locale: registration.locale,
    customer: input.customer,
    payment: paymentView(input.payment),
    linkedOrders: [],
    status: 'open',
    createdAt: now.toISOString(),
  };
  // `toCheckoutOffer`, with the deadline's text made once for the offer and the session.
  const expiresAt = registration.expiresAt.toISOString();
  const offer: CheckoutOffer | null = registration.decided ? { ...registration.decided, expiresAt } : null;
  return { stored: { order, session: { expiresAt }, offer }, token, tokenHash, sessionId };
}

/** The card as an order shows it: the PSP, brand and last four digits, never its references. */
function paymentView(payment: Pick<OrderPayment, 'gateway' | 'brand' | 'last4'>): OrderView['payment'] {
  return { gateway: payment.gateway, brand: payment.brand ?? null, last4: payment.last4 ?? null };
}

/** Replays a stored registration with a fresh session token for the same order and deadline. */
async function reopenSession(ctx: EngineContext, trx: Trx, shopId: string, stored: unknown): Promise<RegisteredOrder> {
  const body = stored as Omit<RegisteredOrder, 'session'> & { session: { expiresAt: string } };
  const token = ctx.ids.secret('ps');
  await insertSession(trx, {
    shop_id: shopId,
    id: ctx.ids.id('pss'),
    order_id: body.order.id,
    token_hash: hashSecret(token),
    expires_at: body.session.expiresAt,
    created_at: ctx.clock.now(),
  });
  return { ...body, session: { token, expiresAt: body.session.expiresAt } };
}

type StoredLine = Pick<OrderLineRow, 'id' | 'product_id' | 'variant_id' | 'title' | 'quantity' | 'unit_price' | 'source'> & {
  upsell_id?: string | null;
  /** The state of the line's upsell, when it was read with it. */
  upsell_state?: UpsellState | null;
};

/** A line as the API shows it (`upsellId` and `refunded` only on an upsell's line). */
function lineView(line: StoredLine): OrderLineView {
  return {
    id: line.id,
    productId: line.product_id,
    variantId: line.variant_id,
    title: line.title,
    quantity: line.quantity,
    unitPrice: line.unit_price,
    source: line.source,
    ...(line.upsell_id ? { upsellId: line.upsell_id, refunded: line.upsell_state === 'refunded' } : {}),
  };
}

function orderView(row: OrderRow, lines: readonly (StoredLine & Pick<OrderLineRow, 'position'>)[], linkedOrders: string[]): OrderView {
  return {
    id: row.id,
    externalId: row.external_id,
    parentOrderId: row.parent_order_id,
    currency: row.currency,
    lines: [...lines].sort((a, b) => a.position - b.position).map(lineView),
    subtotal: row.subtotal,
    shippingTotal: row.shipping_total,
    taxTotal: row.tax_total,
    total: row.total,
    taxRate: row.tax_rate === null ? null : trimDecimalText(row.tax_rate),
    locale: row.locale,
    customer: row.customer,
    payment: paymentView(row.payment),
    linkedOrders,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

export async function getOrder(db: Db, shopId: string, orderId: string): Promise<OrderView> {
  const found = await orderWithLines(db, shopId, orderId);
  if (!found) throw notFound('Order');
  return orderView(found.row, found.lines, found.linkedOrderIds);
}

export interface DecisionView {
  orderId: string;
  decidedAt: string;
  offerId: string | null;
  offer: DecidedOffer | null;
  evaluations: readonly OfferEvaluation[];
  /**
   * How `evaluations` was made: stored at registration (orders from before the fast path), or computed
   * now from the facts the decision was made on, the shop's current offers and the decision's time.
   * `offersChangedSince` says the offers or catalog changed after the decision, so the explanation may
   * differ from what was weighed then (the decided `offer` itself never changes).
   */
  explanation: { computedOnRequest: boolean; offersChangedSince: boolean };
}

export async function getDecision(db: Db, shopId: string, orderId: string): Promise<DecisionView> {
  const row = await decisionRow(db, shopId, orderId);
  if (!row) throw notFound('Order');
  const view = { orderId: row.order_id, decidedAt: row.decided_at.toISOString(), offerId: row.offer_id, offer: row.offer };
  if (row.evaluations !== null || row.facts === null) {
    return { ...view, evaluations: row.evaluations ?? [], explanation: { computedOnRequest: false, offersChangedSince: false } };
  }
  const offers = await loadShopOffers(db, shopId);
  const { evaluations } = decide(offers.candidates, orderFacts(row.facts), row.decided_at);
  return { ...view, evaluations, explanation: { computedOnRequest: true, offersChangedSince: offers.version !== row.offers_version } };
}
