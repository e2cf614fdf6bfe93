/**
 * The upsells' queries: the row and its event log, the merchant's pages of them, the accept's first read
 * and its single-statement insert, the guarded state change, the worker's claims (captures due,
 * reconciliation sweeps, back-off), and the reserved stock an upsell holds. What the states mean and
 * which moves are allowed is the engine's (engine/upsells `transition`); every statement here filters by
 * `shop_id`, except the worker's cross-shop claims, which return whole rows for the engine to act on.
 */
import { sql, type Insertable, type SelectQueryBuilder, type Updateable } from 'kysely';
import type { UpsellGateway } from '../core/gateways';
import type { UpsellState } from '../core/upsell-state';
import type { Db } from './database';
import { claimKeyQuery, type KeyClaim } from './idempotency';
import { after, positionOf, type PageQuery } from './pages';
import type { Database, UpsellEventsTable, UpsellRow, UpsellsTable } from './schema';

type UpsellKey = Pick<UpsellRow, 'shop_id' | 'id'>;

export async function findUpsell(db: Db, shopId: string, upsellId: string): Promise<UpsellRow | undefined> {
  return db.selectFrom('upsells').selectAll().where('shop_id', '=', shopId).where('id', '=', upsellId).executeTakeFirst();
}

/** What `GET /v1/upsells` may filter on; every filter is optional and they all must hold. */
export interface UpsellListFilter {
  readonly state?: UpsellState;
  readonly orderId?: string;
  readonly offerId?: string;
  readonly gateway?: UpsellGateway;
}

/** A page of the shop's upsells, newest first, with each one's page position: one statement. */
export async function listUpsellRows(db: Db, shopId: string, filter: UpsellListFilter, page: PageQuery) {
  let query = db.selectFrom('upsells').selectAll().select(positionOf('upsells.created_at').as('position_at')).where('shop_id', '=', shopId);
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.offerId !== undefined) query = query.where('offer_id', '=', filter.offerId);
  if (filter.gateway !== undefined) query = query.where('gateway', '=', filter.gateway);
  if (page.after) query = query.where(after('upsells.created_at', 'upsells.id', page.after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** The row, locked for the rest of the transaction. */
export async function lockUpsell(trx: Db, shopId: string, upsellId: string): Promise<UpsellRow | undefined> {
  return trx.selectFrom('upsells').selectAll().where('shop_id', '=', shopId).where('id', '=', upsellId).forUpdate().executeTakeFirst();
}

/** The upsell of this offer on this order (at most one: unique on shop, order, offer). */
export async function upsellOfOffer(db: Db, shopId: string, orderId: string, offerId: string): Promise<UpsellRow | undefined> {
  return db
    .selectFrom('upsells')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('order_id', '=', orderId)
    .where('offer_id', '=', offerId)
    .executeTakeFirst();
}

/** An upsell of the order that is still pending, or inside its undo window at `now`. */
export async function hasUndoableUpsell(db: Db, shopId: string, orderId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('upsells')
    .select('id')
    .where('shop_id', '=', shopId)
    .where('order_id', '=', orderId)
    .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', 'in', ['authorized', 'cancelled']), eb('undo_until', '>', now)])]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Moves the row to `set.state` only if it is still in the state it was read in (so two nodes never both
 * move it); undefined when it moved on.
 */
export async function moveUpsell(
  trx: Db,
  upsell: UpsellKey & Pick<UpsellRow, 'state'>,
  set: Updateable<UpsellsTable> & { state: UpsellState },
): Promise<UpsellRow | undefined> {
  return trx
    .updateTable('upsells')
    .set(set)
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.id)
    .where('state', '=', upsell.state)
    .returningAll()
    .executeTakeFirst();
}

/** Sets the row's lease and attempts after its work threw (the worker's back-off). */
export async function backOff(db: Db, upsell: UpsellKey, attempts: number, leaseUntil: Date): Promise<void> {
  await db
    .updateTable('upsells')
    .set({ attempts, lease_until: leaseUntil })
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.id)
    .execute();
}

/** Changes columns of the row (the caller holds its lock, or the change is state-independent). */
export async function updateUpsell(db: Db, upsell: UpsellKey, set: Updateable<UpsellsTable>): Promise<UpsellRow> {
  return db
    .updateTable('upsells')
    .set(set)
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertUpsellEvent(db: Db, event: Insertable<UpsellEventsTable>): Promise<void> {
  await db.insertInto('upsell_events').values(event).execute();
}

export async function upsellEvents(db: Db, shopId: string, upsellId: string) {
  return db
    .selectFrom('upsell_events')
    .select(['type', 'from_state', 'actor', 'reason', 'at'])
    .where('shop_id', '=', shopId)
    .where('upsell_id', '=', upsellId)
    .orderBy('id')
    .execute();
}

/**
 * The accept's first read, in one round trip after locking the decision row: claims the key and reads
 * the decision (declined?), its offer and variant as they are now, the order's card and customer, and
 * any upsell of this offer on this order (another key clicked first). Undefined: the order has no
 * decision. The decision row is locked first in its own statement (a decline locks it too), so an accept
 * and a decline at the same instant are serialized, and every accept takes the two locks in one order.
 */
export async function acceptFacts(trx: Db, claim: KeyClaim, orderId: string, offerId: string) {
  const { shopId } = claim;
  await trx.selectFrom('decisions').select('order_id').where('shop_id', '=', shopId).where('order_id', '=', orderId).forUpdate().execute();
  return trx
    .with('claimed', (cte) => claimKeyQuery(cte, claim))
    .selectFrom('decisions')
    .innerJoin('orders', (join) => join.onRef('orders.shop_id', '=', 'decisions.shop_id').onRef('orders.id', '=', 'decisions.order_id'))
    .leftJoin('offers', (join) => join.onRef('offers.shop_id', '=', 'decisions.shop_id').onRef('offers.id', '=', 'decisions.offer_id'))
    .leftJoin('variants', (join) => join.onRef('variants.shop_id', '=', 'offers.shop_id').onRef('variants.id', '=', 'offers.variant_id'))
    .leftJoin('upsells', (join) =>
      join
        .onRef('upsells.shop_id', '=', 'decisions.shop_id')
        .onRef('upsells.order_id', '=', 'decisions.order_id')
        .on('upsells.offer_id', '=', offerId),
    )
    .select((eb) => [
      eb.selectFrom('claimed').select('key').as('claimed_key'),
      'decisions.declined_at',
      'decisions.offer',
      'offers.active',
      'offers.deleted_at',
      'offers.ends_at',
      'offers.quantity',
      'variants.id as variant_id',
      'variants.stock',
      'orders.payment',
      'orders.customer',
      'upsells.id as existing_id',
    ])
    .where('decisions.shop_id', '=', shopId)
    .where('decisions.order_id', '=', orderId)
    .executeTakeFirst();
}

/**
 * Inserts a new `pending` upsell and its first event in one statement (the event only if the upsell was
 * written); undefined when an upsell of the same order and offer exists (another click won).
 */
export async function insertPendingUpsell(
  trx: Db,
  values: Insertable<UpsellsTable>,
  event: Insertable<UpsellEventsTable>,
): Promise<UpsellRow | undefined> {
  return trx
    .with('created', (cte) =>
      cte
        .insertInto('upsells')
        .values(values)
        .onConflict((oc) => oc.columns(['shop_id', 'order_id', 'offer_id']).doNothing())
        .returningAll(),
    )
    .with('logged', (cte) =>
      cte
        .insertInto('upsell_events')
        .columns(['shop_id', 'upsell_id', 'type', 'from_state', 'actor', 'reason', 'data', 'at'])
        .expression((eb) =>
          eb
            .selectFrom('created')
            .select([
              'created.shop_id',
              'created.id',
              sql<string>`${event.type}::text`.as('type'),
              sql<null>`NULL::text`.as('from_state'),
              sql<string>`${event.actor}::text`.as('actor'),
              sql<string | null>`${event.reason ?? null}::text`.as('reason'),
              sql<null>`NULL::jsonb`.as('data'),
              sql<Date>`${event.at}::timestamptz`.as('at'),
            ]),
        )
        .returning('id'),
    )
    .selectFrom('created')
    .selectAll()
    .executeTakeFirst();
}

/**
 * Takes `quantity` units of the variant for the upsell by one guarded update (no lock held across
 * accepts of the same variant) and records them on the upsell, with the units the variant has left;
 * undefined, and nothing written, when they are gone.
 */
export async function reserveUnits(
  trx: Db,
  upsell: UpsellKey,
  variantId: string,
  quantity: number,
): Promise<{ upsell: UpsellRow; stockLeft: number } | undefined> {
  const taken = await trx
    .updateTable('variants')
    .set((eb) => ({ stock: eb('stock', '-', quantity) }))
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', variantId)
    .where('stock', '>=', quantity)
    .returning('stock')
    .executeTakeFirst();
  if (!taken || taken.stock === null) return undefined;
  return { upsell: await updateUpsell(trx, upsell, { reserved_quantity: quantity }), stockLeft: taken.stock };
}

/** Gives the upsell's reserved units back to its variant (a variant that still tracks stock). */
export async function returnUnits(trx: Db, upsell: Pick<UpsellRow, 'shop_id' | 'reserved_quantity' | 'offer'>): Promise<void> {
  if (upsell.reserved_quantity === 0) return;
  await trx
    .updateTable('variants')
    .set((eb) => ({ stock: eb('stock', '+', upsell.reserved_quantity) }))
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.offer.variantId)
    .where('stock', 'is not', null)
    .execute();
}

/**
 * Marks an authorized upsell for undo (keeping the first mark), if it is inside its window or was marked
 * before; undefined when it cannot be undone now.
 */
export async function markForUndo(db: Db, upsell: UpsellKey, now: Date): Promise<UpsellRow | undefined> {
  return db
    .updateTable('upsells')
    .set({ cancel_requested_at: sql<Date>`coalesce(cancel_requested_at, ${now})` })
    .where('shop_id', '=', upsell.shop_id)
    .where('id', '=', upsell.id)
    .where('state', '=', 'authorized')
    .where((eb) => eb.or([eb('undo_until', '>', now), eb('cancel_requested_at', 'is not', null)]))
    .returningAll()
    .executeTakeFirst();
}

/** The upsell a PSP notification is about, in this shop only: by our id when the PSP echoed it, else by its ref. */
export async function upsellByIdOrRef(db: Db, shopId: string, ids: { upsellId: string | null; ref: string }): Promise<UpsellRow | undefined> {
  let query = db.selectFrom('upsells').selectAll().where('shop_id', '=', shopId);
  query = ids.upsellId ? query.where('id', '=', ids.upsellId) : query.where('authorization_ref', '=', ids.ref);
  return query.executeTakeFirst();
}

// ---- the worker ---------------------------------------------------------------------------------

/**
 * Authorizations due for capture (window closed, not marked for undo, lease free) and captures whose
 * lease ran out, oldest first, locked and skipping rows other workers hold.
 */
export async function dueForCapture(trx: Db, now: Date, limit: number): Promise<UpsellRow[]> {
  return trx
    .selectFrom('upsells')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([
          eb('state', '=', 'authorized'),
          eb('undo_until', '<=', now),
          eb('cancel_requested_at', 'is', null),
          // A row whose claim threw is backed off by its lease.
          eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
        ]),
        eb.and([eb('state', '=', 'capturing'), eb('lease_until', '<=', now)]),
      ]),
    )
    .orderBy('undo_until')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The reconciliation sweeps: which rows each one takes. */
export type Sweep =
  | { readonly kind: 'pending'; readonly updatedBefore: Date }
  | { readonly kind: 'abandoned_action'; readonly updatedBefore: Date }
  | { readonly kind: 'undo_requested' }
  | { readonly kind: 'release_due' };

type Candidates = SelectQueryBuilder<Database, 'upsells', UpsellRow>;

function sweepRows(query: Candidates, sweep: Sweep): Candidates {
  switch (sweep.kind) {
    case 'pending':
      return query.where('state', '=', 'pending').where('updated_at', '<=', sweep.updatedBefore);
    case 'abandoned_action':
      return query.where('state', '=', 'requires_action').where('updated_at', '<=', sweep.updatedBefore);
    case 'undo_requested':
      return query.where('state', '=', 'authorized').where('cancel_requested_at', 'is not', null);
    case 'release_due':
      return query.where('release_due_at', 'is not', null);
    default: {
      const exhaustive: never = sweep;
      return exhaustive;
    }
  }
}

/** Claims up to `limit` rows of the sweep whose lease is free: their lease runs to `leaseUntil`, `attempts` grows. */
export async function claimForSweep(db: Db, sweep: Sweep, now: Date, leaseUntil: Date, limit: number): Promise<UpsellRow[]> {
  return db.transaction().execute(async (trx) => {
    const free = trx
      .selectFrom('upsells')
      .selectAll()
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]));
    const rows = await sweepRows(free, sweep).limit(limit).forUpdate().skipLocked().execute();
    if (rows.length === 0) return [];
    return trx
      .updateTable('upsells')
      .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where(sql<boolean>`(shop_id, id) in (${sql.join(rows.map((row) => sql`(${row.shop_id}, ${row.id})`))})`)
      .returningAll()
      .execute();
  });
}

/** The earliest `undo_until` of authorizations past their window still waiting for capture. */
export async function oldestDueCapture(db: Db, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('upsells')
    .select((eb) => eb.fn.min('undo_until').as('oldest'))
    .where('state', 'in', ['authorized', 'capturing'])
    .where('cancel_requested_at', 'is', null)
    .where('undo_until', '<=', now)
    .executeTakeFirst();
  return row?.oldest ? new Date(row.oldest) : null;
}
