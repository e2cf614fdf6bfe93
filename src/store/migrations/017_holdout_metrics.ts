import { sql, type Kysely } from 'kysely';

/**
 * The metrics' comparison with the holdout (docs/analytics.md, "Against the holdout") gives an interval
 * for the AOV lift, so it needs the spread of order values, not only their sum: `checkout_squares` is the
 * sum of the squared checkout totals of the orders a rollup row counts, kept by the order trigger beside
 * `checkout_total`. Orders registered before this migration are backfilled from their orders, with any
 * upsell line taken back out of the total (an upsell moves `orders.total`), so the square is of the total
 * as paid at checkout, as the trigger saw it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE analytics_daily ADD COLUMN checkout_squares numeric NOT NULL DEFAULT 0;

    CREATE OR REPLACE FUNCTION analytics_roll_up_order() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      order_currency text;
      order_total bigint;
      offer text := NEW.offer_id;
    BEGIN
      SELECT currency, total INTO order_currency, order_total FROM orders WHERE shop_id = NEW.shop_id AND id = NEW.order_id;
      IF order_currency IS NULL THEN RETURN NULL; END IF;
      IF offer IS NULL AND NEW.experiment_id IS NOT NULL THEN
        SELECT offer_id INTO offer FROM experiments WHERE shop_id = NEW.shop_id AND id = NEW.experiment_id;
      END IF;
      INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, orders, checkout_total, checkout_squares)
      VALUES (NEW.shop_id, (NEW.decided_at AT TIME ZONE 'UTC')::date, coalesce(offer, ''), coalesce(NEW.experiment_id, ''),
        coalesce(NEW.arm_id, ''), order_currency, pg_backend_pid() % 8, 1, order_total, order_total::numeric * order_total)
      ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
        orders = d.orders + 1, checkout_total = d.checkout_total + excluded.checkout_total,
        checkout_squares = d.checkout_squares + excluded.checkout_squares;
      RETURN NULL;
    END $$;

    -- Orders registered before this migration, under the key the trigger gave them (slot 0).
    INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, checkout_squares)
    SELECT dec.shop_id, (dec.decided_at AT TIME ZONE 'UTC')::date, coalesce(dec.offer_id, e.offer_id, ''), coalesce(dec.experiment_id, ''),
      coalesce(dec.arm_id, ''), o.currency, 0, sum(paid.total::numeric * paid.total)
    FROM decisions dec
    JOIN orders o ON o.shop_id = dec.shop_id AND o.id = dec.order_id
    LEFT JOIN experiments e ON dec.offer_id IS NULL AND e.shop_id = dec.shop_id AND e.id = dec.experiment_id
    CROSS JOIN LATERAL (
      SELECT o.total - coalesce(sum(l.quantity::bigint * l.unit_price - l.discount_amount + l.tax_amount + l.shipping_amount), 0) AS total
      FROM order_lines l WHERE l.shop_id = o.shop_id AND l.order_id = o.id AND l.source = 'upsell'
    ) paid
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
      checkout_squares = d.checkout_squares + excluded.checkout_squares;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION analytics_roll_up_order() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      order_currency text;
      order_total bigint;
      offer text := NEW.offer_id;
    BEGIN
      SELECT currency, total INTO order_currency, order_total FROM orders WHERE shop_id = NEW.shop_id AND id = NEW.order_id;
      IF order_currency IS NULL THEN RETURN NULL; END IF;
      IF offer IS NULL AND NEW.experiment_id IS NOT NULL THEN
        SELECT offer_id INTO offer FROM experiments WHERE shop_id = NEW.shop_id AND id = NEW.experiment_id;
      END IF;
      INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, orders, checkout_total)
      VALUES (NEW.shop_id, (NEW.decided_at AT TIME ZONE 'UTC')::date, coalesce(offer, ''), coalesce(NEW.experiment_id, ''),
        coalesce(NEW.arm_id, ''), order_currency, pg_backend_pid() % 8, 1, order_total)
      ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
        orders = d.orders + 1, checkout_total = d.checkout_total + excluded.checkout_total;
      RETURN NULL;
    END $$;
    ALTER TABLE analytics_daily DROP COLUMN checkout_squares;
  `.execute(db);
}
