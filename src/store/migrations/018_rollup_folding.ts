import { sql, type Kysely } from 'kysely';

/**
 * The rollup's closed days, folded (store/analytics `foldClosedDay`, run by the worker). The triggers
 * spread each day's writes over 8 slots so concurrent writers never queue on one row; once a day is
 * over nobody writes it any more, and its slots only make every read sum up to 8 rows where one would do.
 * The worker moves a closed day's slot rows into one row per key at slot -1 (`FOLDED_SLOT`) and adds the
 * same sums, without the offer, to `analytics_shop_daily`, in one statement.
 *
 * So, at any moment: a key's sums are the sum of all its `analytics_daily` rows (folded or not), and a
 * shop's sums without the offer are its `analytics_shop_daily` rows plus its unfolded (`slot >= 0`)
 * `analytics_daily` rows, which the partial index finds: today's and whatever has not been folded yet.
 * Writers are unchanged (they write slots 0–7); a late write to a folded day lands in a slot again and
 * is folded by the next sweep.
 *
 * And an index by offer, for the numbers of a few offers (a page of the admin's offers list).
 */
const COUNTERS = [
  'orders',
  'checkout_total',
  'checkout_squares',
  'views',
  'accepts',
  'declines',
  'undos',
  'captures',
  'capture_failures',
  'refunds',
  'payment_declines',
  'accepted_amount',
  'captured_amount',
  'refunded_amount',
  'captured_squares',
  'refunded_squares',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE analytics_shop_daily (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      day date NOT NULL,
      experiment_id text NOT NULL,
      arm_id text NOT NULL,
      currency char(3) NOT NULL,
      orders bigint NOT NULL DEFAULT 0,
      checkout_total numeric NOT NULL DEFAULT 0,
      checkout_squares numeric NOT NULL DEFAULT 0,
      views bigint NOT NULL DEFAULT 0,
      accepts bigint NOT NULL DEFAULT 0,
      declines bigint NOT NULL DEFAULT 0,
      undos bigint NOT NULL DEFAULT 0,
      captures bigint NOT NULL DEFAULT 0,
      capture_failures bigint NOT NULL DEFAULT 0,
      refunds bigint NOT NULL DEFAULT 0,
      payment_declines bigint NOT NULL DEFAULT 0,
      accepted_amount numeric NOT NULL DEFAULT 0,
      captured_amount numeric NOT NULL DEFAULT 0,
      refunded_amount numeric NOT NULL DEFAULT 0,
      captured_squares numeric NOT NULL DEFAULT 0,
      refunded_squares numeric NOT NULL DEFAULT 0,
      PRIMARY KEY (shop_id, day, experiment_id, arm_id, currency)
    );
    CREATE INDEX analytics_daily_unfolded ON analytics_daily (shop_id, day) WHERE slot >= 0;
    -- A page of offers' numbers (the admin's list asks for 50 offers over 30 days): their rows, not the range's.
    CREATE INDEX analytics_daily_offer ON analytics_daily (shop_id, offer_id, day);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX analytics_daily_offer;
    DROP INDEX analytics_daily_unfolded;
    DROP TABLE analytics_shop_daily;
  `.execute(db);
  // The folded rows back into slot 0, added to what slot 0 holds.
  const counters = COUNTERS.map((column) => sql.ref(column));
  await sql`
    WITH moved AS (DELETE FROM analytics_daily WHERE slot = -1 RETURNING *)
    INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, ${sql.join(counters)})
    SELECT shop_id, day, offer_id, experiment_id, arm_id, currency, 0, ${sql.join(counters)} FROM moved
    ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
      ${sql.join(COUNTERS.map((column) => sql`${sql.ref(column)} = ${sql.ref(`d.${column}`)} + ${sql.ref(`excluded.${column}`)}`))}
  `.execute(db);
}
