/** The post-purchase sessions' queries: a session by its token's hash (never the token), and a new one. */
import type { Insertable } from 'kysely';
import type { Db } from './database';
import type { CheckoutSessionsTable } from './schema';

/** The session of a token hash, with its shop's settings (for the allowed origins). */
export async function sessionByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('checkout_sessions')
    .innerJoin('shops', 'shops.id', 'checkout_sessions.shop_id')
    .select(['checkout_sessions.id', 'checkout_sessions.shop_id', 'checkout_sessions.order_id', 'checkout_sessions.expires_at', 'shops.settings'])
    .where('checkout_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function insertSession(db: Db, session: Insertable<CheckoutSessionsTable>): Promise<void> {
  await db.insertInto('checkout_sessions').values(session).execute();
}
