import { sql, type Kysely } from 'kysely';

/**
 * `release_due_at`: a hold the PSP still has to release for an upsell that will never be captured (its
 * capture failed after the window). Set in the same transaction as the upsell's final state, cleared once
 * the PSP answered the void; while set, the worker asks again, so a buyer's bank never keeps a hold for
 * a line that was removed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE upsells ADD COLUMN release_due_at timestamptz;
    CREATE INDEX upsells_release_due ON upsells (release_due_at) WHERE release_due_at IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX upsells_release_due;
    ALTER TABLE upsells DROP COLUMN release_due_at;
  `.execute(db);
}
