/** Inbound PSP notifications already handled, by the PSP's event id per shop and PSP (a replay is skipped). */
import type { Db } from './database';

/** True when this event id is new for the shop and PSP (and now taken): the primary key picks one winner. */
export async function claimPspEvent(db: Db, shopId: string, gateway: string, eventId: string, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('psp_events')
    .values({ shop_id: shopId, gateway, event_id: eventId, received_at: now })
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Gives an event id back (its handling threw), so the PSP's redelivery is handled. */
export async function releasePspEvent(db: Db, shopId: string, gateway: string, eventId: string): Promise<void> {
  await db.deleteFrom('psp_events').where('shop_id', '=', shopId).where('gateway', '=', gateway).where('event_id', '=', eventId).execute();
}
