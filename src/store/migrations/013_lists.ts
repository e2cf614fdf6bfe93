import { sql, type Kysely } from 'kysely';

/**
 * The merchant's lists (`GET /v1/orders`, `GET /v1/upsells`): newest first by keyset on `(created_at, id)`,
 * per shop, and the `externalId` prefix search. Original orders only: linked orders are reached through
 * their parent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX orders_recent ON orders (shop_id, created_at DESC, id DESC) WHERE parent_order_id IS NULL;
    CREATE INDEX orders_external_id_prefix ON orders (shop_id, external_id text_pattern_ops) WHERE parent_order_id IS NULL;
    CREATE INDEX upsells_recent ON upsells (shop_id, created_at DESC, id DESC);
    CREATE INDEX upsells_state_recent ON upsells (shop_id, state, created_at DESC, id DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX upsells_state_recent;
    DROP INDEX upsells_recent;
    DROP INDEX orders_external_id_prefix;
    DROP INDEX orders_recent;
  `.execute(db);
}
