/**
 * The orders' queries: registration's single statement (the order with its lines, decision and session),
 * the reads behind `GET /v1/orders/{id}` and the pages of `GET /v1/orders`, the built-in order sink's
 * line and totals changes (one upsell line's row mapping and one totals formula for adding and taking
 * back), linked orders, and the worker's finalization claim.
 */
import { sql, type Insertable } from 'kysely';
import { lineSubtotal, type OrderStatus, type UpsellLine } from '../core/orders';
import { UPSELL_STATES, isInProgress, type UpsellState } from '../core/upsell-state';
import { PLANNED_PER_CALL, type Db } from './database';
import { after, positionOf, prefixPattern, type PageQuery } from './pages';
import type { CheckoutSessionsTable, DecisionsTable, NewOrderLine, OrderLineRow, OrderRow, OrdersTable } from './schema';

export interface Registration {
  readonly order: Insertable<OrdersTable>;
  readonly lines: readonly NewOrderLine[];
  readonly decision: Insertable<DecisionsTable>;
  readonly session: Insertable<CheckoutSessionsTable>;
}

/**
 * One statement, so atomic without BEGIN/COMMIT round trips: the order, and in data-modifying CTEs its
 * lines, decision and session (their foreign keys are checked at the end of the statement). A second
 * registration of the externalId fails on the unique (shop, externalId) and writes nothing. Nothing is
 * returned: the caller built every value, and without `RETURNING *` the statement of an order of up to
 * `MAX_NAMED_LINES` lines is a named prepared one (store/database), parsed and planned once per connection.
 *
 * Its text depends only on the shape of the rows (their columns, the number of lines), so Kysely builds
 * and compiles it once per shape (`registrationStatement`); each registration only lists its values.
 */
export async function insertRegistration(db: Db, registration: Registration): Promise<void> {
  const shape = registrationShape(registration);
  const statement = shape && registrationStatement(db, registration, shape);
  if (!shape || !statement) {
    await registrationQuery(db, registration).execute();
    return;
  }
  const query = sql(statement, ...registrationParameters(registration, shape));
  // Each line count is a statement of its own: only the usual few are named (prepared on every connection).
  await (registration.lines.length > MAX_NAMED_LINES ? sql`${PLANNED_PER_CALL}${query}` : query).execute(db);
}

/** Orders with more lines are sent unnamed, as every registration was while it returned its row. */
const MAX_NAMED_LINES = 20;

function registrationQuery(db: Db, registration: Registration) {
  return db
    .with('new_lines', (cte) =>
      cte
        .insertInto('order_lines')
        .values([...registration.lines])
        .returning('id'),
    )
    .with('new_decision', (cte) => cte.insertInto('decisions').values(registration.decision).returning('order_id'))
    .with('new_session', (cte) => cte.insertInto('checkout_sessions').values(registration.session).returning('id'))
    .insertInto('orders')
    .values(registration.order);
}

/** The columns of each part of a registration, in the order Kysely writes their values. */
interface RegistrationShape {
  readonly key: string;
  readonly line: readonly string[];
  readonly decision: readonly string[];
  readonly session: readonly string[];
  readonly order: readonly string[];
}

/** The columns Kysely writes for a row: those whose value is defined, in the row's key order. */
function columnsOf(row: object): string[] {
  const values = row as Record<string, unknown>;
  return Object.keys(values).filter((column) => values[column] !== undefined);
}

/** Null when the lines differ in columns (Kysely then writes DEFAULT where one lacks a value): not cached. */
function registrationShape(registration: Registration): RegistrationShape | null {
  const [first] = registration.lines;
  if (!first) return null;
  const line = columnsOf(first);
  const lineKey = line.join();
  for (const other of registration.lines) if (columnsOf(other).join() !== lineKey) return null;
  const decision = columnsOf(registration.decision);
  const session = columnsOf(registration.session);
  const order = columnsOf(registration.order);
  const key = [registration.lines.length, lineKey, decision.join(), session.join(), order.join()].join('|');
  return { key, line, decision, session, order };
}

/** The registration's values in the statement's parameter order: lines, decision, session, order. */
function registrationParameters(registration: Registration, shape: RegistrationShape): unknown[] {
  const parameters: unknown[] = [];
  const add = (row: object, columns: readonly string[]) => {
    for (const column of columns) parameters.push((row as Record<string, unknown>)[column]);
  };
  for (const line of registration.lines) add(line, shape.line);
  add(registration.decision, shape.decision);
  add(registration.session, shape.session);
  add(registration.order, shape.order);
  return parameters;
}

/** Shapes kept (one per line count, 1–500); the others are compiled by Kysely for each registration. */
const MAX_REGISTRATION_SHAPES = 200;

/** Per shape, the statement Kysely compiled, cut at its placeholders; null: the shape is not cached. */
const registrationStatements = new Map<string, TemplateStringsArray | null>();

/**
 * The shape's statement, compiled by Kysely the first time it is seen. Kept only when Kysely's parameters
 * are exactly `registrationParameters` and its placeholders run $1…$n in order, so the cached text with
 * these values is the very statement Kysely would send (and the same prepared statement).
 */
function registrationStatement(db: Db, registration: Registration, shape: RegistrationShape): TemplateStringsArray | null {
  const known = registrationStatements.get(shape.key);
  if (known !== undefined) return known;
  const compiled = registrationQuery(db, registration).compile();
  const parameters = registrationParameters(registration, shape);
  const same = compiled.parameters.length === parameters.length && compiled.parameters.every((value, index) => value === parameters[index]);
  const statement = same ? cutAtPlaceholders(compiled.sql, parameters.length) : null;
  // Beyond the cap a shape is compiled each time, still cut, so it is sent as the same (unnamed) text.
  if (registrationStatements.size < MAX_REGISTRATION_SHAPES) registrationStatements.set(shape.key, statement);
  return statement;
}

/** The text between `$1` … `$count`, as `sql` takes it; null when the placeholders are not exactly those, in order. */
function cutAtPlaceholders(text: string, count: number): TemplateStringsArray | null {
  const fragments = text.split(/\$(\d+)/);
  if (fragments.length !== count * 2 + 1) return null;
  const parts: string[] = [];
  for (let index = 0; index < fragments.length; index += 2) {
    if (index > 0 && fragments[index - 1] !== String(index / 2)) return null;
    parts.push(fragments[index] ?? '');
  }
  return Object.assign(parts, { raw: [...parts] });
}

/** Whether the shop has an order of this customer (`customer_key`) already. */
export async function customerHasOrders(db: Db, shopId: string, customerKey: string): Promise<boolean> {
  const earlier = await db
    .selectFrom('orders')
    .select('id')
    .where('shop_id', '=', shopId)
    .where('customer_key', '=', customerKey)
    .limit(1)
    .executeTakeFirst();
  return earlier !== undefined;
}

export async function orderIdOfExternalId(db: Db, shopId: string, externalId: string): Promise<string | undefined> {
  const row = await db.selectFrom('orders').select('id').where('shop_id', '=', shopId).where('external_id', '=', externalId).executeTakeFirst();
  return row?.id;
}

/** A line with the state of its upsell (null for a checkout line), so a refunded upsell's line shows it. */
export type OrderLineWithUpsell = OrderLineRow & { upsell_state: UpsellState | null };

/** The order with its lines and the ids of its linked orders (oldest first); undefined when there is none. */
export async function orderWithLines(
  db: Db,
  shopId: string,
  orderId: string,
): Promise<{ row: OrderRow; lines: OrderLineWithUpsell[]; linkedOrderIds: string[] } | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('shop_id', '=', shopId).where('id', '=', orderId).executeTakeFirst();
  if (!row) return undefined;
  const [lines, linked] = await Promise.all([
    db
      .selectFrom('order_lines as l')
      .leftJoin('upsells as u', (join) => join.onRef('u.shop_id', '=', 'l.shop_id').onRef('u.id', '=', 'l.upsell_id'))
      .selectAll('l')
      .select('u.state as upsell_state')
      .where('l.shop_id', '=', shopId)
      .where('l.order_id', '=', orderId)
      .execute(),
    db.selectFrom('orders').select('id').where('shop_id', '=', shopId).where('parent_order_id', '=', orderId).orderBy('created_at').execute(),
  ]);
  return { row, lines, linkedOrderIds: linked.map((order) => order.id) };
}

/** What `GET /v1/orders` may filter on; every filter is optional and they all must hold. */
export interface OrderListFilter {
  readonly externalId?: string;
  /** Orders whose `externalId` starts with this text. */
  readonly externalIdPrefix?: string;
  readonly status?: OrderStatus;
  /** Inclusive. */
  readonly createdFrom?: Date;
  /** Exclusive. */
  readonly createdTo?: Date;
  /** With an upsell (in any state), or without one. */
  readonly hasUpsell?: boolean;
}

/**
 * A page of the shop's own orders (linked orders are reached through their parent), newest first, each
 * with its decided offer and its upsell (the newest, should an order ever hold several): one statement,
 * `limit` rows at most.
 */
export async function listOrderSummaries(db: Db, shopId: string, filter: OrderListFilter, page: PageQuery) {
  let query = db
    .selectFrom('orders as o')
    .leftJoin('decisions as d', (join) => join.onRef('d.shop_id', '=', 'o.shop_id').onRef('d.order_id', '=', 'o.id'))
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('upsells')
          .select(['upsells.id', 'upsells.state', 'upsells.amount'])
          .whereRef('upsells.shop_id', '=', 'o.shop_id')
          .whereRef('upsells.order_id', '=', 'o.id')
          .orderBy('upsells.created_at', 'desc')
          .orderBy('upsells.id', 'desc')
          .limit(1)
          .as('u'),
      (join) => join.onTrue(),
    )
    .select(['o.id', 'o.external_id', 'o.currency', 'o.total', 'o.status', 'o.created_at', 'd.offer_id'])
    .select(['u.id as upsell_id', 'u.state as upsell_state', 'u.amount as upsell_amount', positionOf('o.created_at').as('position_at')])
    .where('o.shop_id', '=', shopId)
    .where('o.parent_order_id', 'is', null);
  if (filter.externalId !== undefined) query = query.where('o.external_id', '=', filter.externalId);
  if (filter.externalIdPrefix !== undefined) query = query.where('o.external_id', 'like', prefixPattern(filter.externalIdPrefix));
  if (filter.status !== undefined) query = query.where('o.status', '=', filter.status);
  if (filter.createdFrom !== undefined) query = query.where('o.created_at', '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where('o.created_at', '<', filter.createdTo);
  if (filter.hasUpsell !== undefined) query = query.where('u.id', filter.hasUpsell ? 'is not' : 'is', null);
  if (page.after) query = query.where(after('o.created_at', 'o.id', page.after));
  return query.orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').limit(page.limit).execute();
}

/** The PSP's references to the order's card. */
export async function orderPayment(db: Db, shopId: string, orderId: string): Promise<OrderRow['payment']> {
  const row = await db.selectFrom('orders').select('payment').where('shop_id', '=', shopId).where('id', '=', orderId).executeTakeFirstOrThrow();
  return row.payment;
}

// ---- the built-in order sink ---------------------------------------------------------------------

/** The row of a line the checkout sold (its amounts are the order's, not the line's). */
export function checkoutLineValues(
  shopId: string,
  orderId: string,
  id: string,
  position: number,
  line: Omit<CheckoutLine, 'upsellId'>,
): NewOrderLine {
  return {
    shop_id: shopId,
    id,
    order_id: orderId,
    position,
    product_id: line.productId,
    variant_id: line.variantId,
    title: line.title,
    quantity: line.quantity,
    unit_price: line.unitPrice,
    source: 'checkout',
    upsell_id: null,
  };
}

/** The row of an upsell's line: a checkout line's columns with its own amounts and upsell. */
export function upsellLineValues(shopId: string, orderId: string, id: string, position: number, line: UpsellLine): NewOrderLine {
  return {
    ...checkoutLineValues(shopId, orderId, id, position, line),
    discount_amount: line.discountAmount,
    tax_amount: line.taxAmount,
    shipping_amount: line.shippingAmount,
    source: 'upsell',
    upsell_id: line.upsellId,
  };
}

type CheckoutLine = Pick<UpsellLine, 'upsellId' | 'productId' | 'variantId' | 'title' | 'quantity' | 'unitPrice'>;

/**
 * One statement: the line already added for this upsell (a retry), or a new last line with the order's
 * totals moved by it; the line's id. The caller holds the upsell's row lock, so no twin runs beside it.
 */
export async function addUpsellLine(trx: Db, shopId: string, orderId: string, lineId: string, line: UpsellLine): Promise<string | undefined> {
  const values = upsellLineValues(shopId, orderId, lineId, 0, line);
  const { rows } = await sql<{ id: string }>`
    WITH existing AS (
      SELECT id FROM order_lines WHERE shop_id = ${shopId} AND upsell_id = ${line.upsellId}
    ), added AS (
      INSERT INTO order_lines (shop_id, id, order_id, position, product_id, variant_id, title, quantity, unit_price,
        discount_amount, tax_amount, shipping_amount, source, upsell_id)
      SELECT ${values.shop_id}, ${values.id}, ${values.order_id},
        coalesce((SELECT max(position) FROM order_lines WHERE shop_id = ${shopId} AND order_id = ${orderId}), -1) + 1,
        ${values.product_id}, ${values.variant_id}, ${values.title}, ${values.quantity}::integer, ${values.unit_price}::bigint,
        ${values.discount_amount}::bigint, ${values.tax_amount}::bigint, ${values.shipping_amount}::bigint, ${values.source}, ${values.upsell_id}
      WHERE NOT EXISTS (SELECT 1 FROM existing)
      RETURNING id
    ), shifted AS (
      ${totalsShift(shopId, orderId, line, 1)} AND EXISTS (SELECT 1 FROM added)
    )
    SELECT id FROM existing UNION ALL SELECT id FROM added
  `.execute(trx);
  return rows[0]?.id;
}

/** Takes the upsell's line out of the order and its totals; nothing when there is no such line. */
export async function removeUpsellLine(trx: Db, shopId: string, orderId: string, upsellId: string): Promise<void> {
  const removed = await trx
    .deleteFrom('order_lines')
    .where('shop_id', '=', shopId)
    .where('upsell_id', '=', upsellId)
    .returning(['discount_amount', 'tax_amount', 'shipping_amount', 'quantity', 'unit_price'])
    .executeTakeFirst();
  if (!removed) return;
  const total = removed.quantity * removed.unit_price - removed.discount_amount + removed.tax_amount + removed.shipping_amount;
  await totalsShift(shopId, orderId, { total, taxAmount: removed.tax_amount, shippingAmount: removed.shipping_amount }, -1).execute(trx);
}

/** The one totals update of an upsell line, `sign` +1 to add it, −1 to take it back. */
function totalsShift(shopId: string, orderId: string, line: Pick<UpsellLine, 'total' | 'taxAmount' | 'shippingAmount'>, sign: 1 | -1) {
  return sql`UPDATE orders SET subtotal = subtotal + ${sign * lineSubtotal(line)}::bigint, tax_total = tax_total + ${sign * line.taxAmount}::bigint,
      shipping_total = shipping_total + ${sign * line.shippingAmount}::bigint, total = total + ${sign * line.total}::bigint
    WHERE shop_id = ${shopId} AND id = ${orderId}`;
}

/** The linked order made for this upsell, if one was. */
export async function linkedOrderOf(trx: Db, shopId: string, upsellId: string): Promise<string | undefined> {
  const row = await trx.selectFrom('orders').select('id').where('shop_id', '=', shopId).where('upsell_id', '=', upsellId).executeTakeFirst();
  return row?.id;
}

/** A new order holding only the upsell's line, with the parent's customer, card, locale and tax rate. */
export async function insertLinkedOrder(
  trx: Db,
  shopId: string,
  parentId: string,
  ids: { orderId: string; lineId: string },
  line: UpsellLine,
  now: Date,
): Promise<void> {
  const parent = await trx.selectFrom('orders').selectAll().where('shop_id', '=', shopId).where('id', '=', parentId).executeTakeFirstOrThrow();
  await trx
    .insertInto('orders')
    .values({
      shop_id: shopId,
      id: ids.orderId,
      external_id: null,
      parent_order_id: parentId,
      upsell_id: line.upsellId,
      currency: line.currency,
      subtotal: lineSubtotal(line),
      shipping_total: line.shippingAmount,
      tax_total: line.taxAmount,
      total: line.total,
      tax_rate: parent.tax_rate,
      locale: parent.locale,
      customer_key: parent.customer_key,
      customer: JSON.stringify(parent.customer),
      payment: JSON.stringify(parent.payment),
      status: 'open',
      created_at: now,
    })
    .execute();
  await trx
    .insertInto('order_lines')
    .values(upsellLineValues(shopId, ids.orderId, ids.lineId, 0, line))
    .execute();
}

/** Sets a linked order's status (`onlyFrom`: only if it is in that status now). */
export async function setOrderStatus(trx: Db, shopId: string, orderId: string, status: 'cancelled' | 'finalized', onlyFrom?: string): Promise<void> {
  let query = trx.updateTable('orders').set({ status }).where('shop_id', '=', shopId).where('id', '=', orderId);
  if (onlyFrom) query = query.where('status', '=', onlyFrom);
  await query.execute();
}

// ---- the worker ---------------------------------------------------------------------------------

const IN_PROGRESS: UpsellState[] = UPSELL_STATES.filter(isInProgress);
const MONEY_FINAL: UpsellState[] = ['captured', 'capture_failed', 'refunded'];

/**
 * Open original orders nothing can change any more (no upsell in progress, and either one reached a final
 * money state or every session has ended), not backed off, oldest first, locked, skipping others' rows.
 */
export async function finalizableOrders(trx: Db, now: Date, limit: number) {
  return trx
    .selectFrom('orders as o')
    .select(['o.shop_id', 'o.id', 'o.finalize_attempts'])
    .where('o.status', '=', 'open')
    .where('o.parent_order_id', 'is', null)
    .where((eb) => eb.or([eb('o.finalize_retry_at', 'is', null), eb('o.finalize_retry_at', '<=', now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('upsells as u')
            .select('u.id')
            .whereRef('u.shop_id', '=', 'o.shop_id')
            .whereRef('u.order_id', '=', 'o.id')
            .where('u.state', 'in', IN_PROGRESS),
        ),
      ),
    )
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('upsells as u')
            .select('u.id')
            .whereRef('u.shop_id', '=', 'o.shop_id')
            .whereRef('u.order_id', '=', 'o.id')
            .where('u.state', 'in', MONEY_FINAL),
        ),
        sql<boolean>`(select max(s.expires_at) from checkout_sessions s where s.shop_id = o.shop_id and s.order_id = o.id) <= ${now}`,
      ]),
    )
    .orderBy('o.created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markFinalized(trx: Db, order: { shop_id: string; id: string }, now: Date): Promise<void> {
  await trx
    .updateTable('orders')
    .set({ status: 'finalized', finalized_at: now })
    .where('shop_id', '=', order.shop_id)
    .where('id', '=', order.id)
    .execute();
}

export async function backOffFinalize(trx: Db, order: { shop_id: string; id: string }, attempts: number, retryAt: Date): Promise<void> {
  await trx
    .updateTable('orders')
    .set({ finalize_attempts: attempts, finalize_retry_at: retryAt })
    .where('shop_id', '=', order.shop_id)
    .where('id', '=', order.id)
    .execute();
}
