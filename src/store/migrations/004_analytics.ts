import { sql, type Kysely } from 'kysely';

/**
 * Analytics (docs/analytics.md): the event log, the daily rollup that metrics read (kept by triggers in the
 * writer's transaction), experiments, and the experiment arm stored with each order's decision (so
 * assignment is sticky).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE analytics_events (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id bigserial NOT NULL,
      type text NOT NULL CHECK (type IN (
        'offer_viewed', 'offer_accepted', 'offer_declined', 'upsell_undone',
        'upsell_captured', 'upsell_capture_failed', 'upsell_refunded', 'upsell_payment_declined',
        'upsell_capture_reversed')),
      order_id text NOT NULL,
      offer_id text NOT NULL,
      upsell_id text,
      experiment_id text,
      arm_id text,
      amount bigint NOT NULL CHECK (amount >= 0),
      currency char(3) NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, id)
    );
    CREATE INDEX analytics_events_time ON analytics_events (shop_id, occurred_at);
    -- A view or a "no thanks" counts once per order and offer; a lifecycle event once per upsell.
    CREATE UNIQUE INDEX analytics_events_once_per_order ON analytics_events (shop_id, order_id, offer_id, type) WHERE upsell_id IS NULL;
    CREATE UNIQUE INDEX analytics_events_once_per_upsell ON analytics_events (shop_id, upsell_id, type) WHERE upsell_id IS NOT NULL;

    CREATE TABLE experiments (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id text NOT NULL,
      name text NOT NULL,
      offer_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'stopped', 'completed')),
      arms jsonb NOT NULL,
      holdout_basis_points integer NOT NULL CHECK (holdout_basis_points BETWEEN 0 AND 5000),
      settings jsonb NOT NULL,
      winner_arm_id text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      ended_at timestamptz,
      PRIMARY KEY (shop_id, id)
    );
    -- At most one live experiment (running, or completed and serving its winner) per offer.
    CREATE UNIQUE INDEX experiments_one_live_per_offer ON experiments (shop_id, offer_id) WHERE status IN ('running', 'completed');

    ALTER TABLE decisions ADD COLUMN experiment_id text, ADD COLUMN arm_id text;

    -- The daily rollup that metrics read: one row per shop, UTC day, offer, experiment arm, currency and
    -- slot ('' stands for "none" in the key columns). Triggers keep it exact in the same transaction as
    -- the event or the order; the slot (backend pid mod 8) spreads concurrent writers over 8 rows so no
    -- two transactions queue on one hot row. Readers sum the slots.
    CREATE TABLE analytics_daily (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      day date NOT NULL,
      offer_id text NOT NULL,
      experiment_id text NOT NULL,
      arm_id text NOT NULL,
      currency char(3) NOT NULL,
      slot smallint NOT NULL,
      orders bigint NOT NULL DEFAULT 0,
      checkout_total numeric NOT NULL DEFAULT 0,
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
      -- Sums of squared amounts, for the variance of revenue per view in experiment statistics.
      captured_squares numeric NOT NULL DEFAULT 0,
      refunded_squares numeric NOT NULL DEFAULT 0,
      PRIMARY KEY (shop_id, day, offer_id, experiment_id, arm_id, currency, slot)
    );
    CREATE INDEX analytics_daily_experiment ON analytics_daily (shop_id, experiment_id) WHERE experiment_id <> '';

    CREATE FUNCTION analytics_roll_up_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO analytics_daily AS d (shop_id, day, offer_id, experiment_id, arm_id, currency, slot,
        views, accepts, declines, undos, captures, capture_failures, refunds, payment_declines,
        accepted_amount, captured_amount, refunded_amount, captured_squares, refunded_squares)
      SELECT shop_id, (occurred_at AT TIME ZONE 'UTC')::date, offer_id, coalesce(experiment_id, ''), coalesce(arm_id, ''),
        currency, pg_backend_pid() % 8,
        count(*) FILTER (WHERE type = 'offer_viewed'), count(*) FILTER (WHERE type = 'offer_accepted'),
        count(*) FILTER (WHERE type = 'offer_declined'), count(*) FILTER (WHERE type = 'upsell_undone'),
        -- A reversed capture (accepted by the PSP, reported failed later) is taken back from the captures.
        count(*) FILTER (WHERE type = 'upsell_captured') - count(*) FILTER (WHERE type = 'upsell_capture_reversed'),
        count(*) FILTER (WHERE type = 'upsell_capture_failed'),
        count(*) FILTER (WHERE type = 'upsell_refunded'), count(*) FILTER (WHERE type = 'upsell_payment_declined'),
        coalesce(sum(amount) FILTER (WHERE type = 'offer_accepted'), 0),
        coalesce(sum(amount) FILTER (WHERE type = 'upsell_captured'), 0)
          - coalesce(sum(amount) FILTER (WHERE type = 'upsell_capture_reversed'), 0),
        coalesce(sum(amount) FILTER (WHERE type = 'upsell_refunded'), 0),
        coalesce(sum(amount::numeric * amount) FILTER (WHERE type = 'upsell_captured'), 0)
          - coalesce(sum(amount::numeric * amount) FILTER (WHERE type = 'upsell_capture_reversed'), 0),
        coalesce(sum(amount::numeric * amount) FILTER (WHERE type = 'upsell_refunded'), 0)
      FROM new_events
      GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY 1, 2, 3, 4, 5, 6
      ON CONFLICT (shop_id, day, offer_id, experiment_id, arm_id, currency, slot) DO UPDATE SET
        views = d.views + excluded.views, accepts = d.accepts + excluded.accepts, declines = d.declines + excluded.declines,
        undos = d.undos + excluded.undos, captures = d.captures + excluded.captures,
        capture_failures = d.capture_failures + excluded.capture_failures, refunds = d.refunds + excluded.refunds,
        payment_declines = d.payment_declines + excluded.payment_declines,
        accepted_amount = d.accepted_amount + excluded.accepted_amount,
        captured_amount = d.captured_amount + excluded.captured_amount,
        refunded_amount = d.refunded_amount + excluded.refunded_amount,
        captured_squares = d.captured_squares + excluded.captured_squares,
        refunded_squares = d.refunded_squares + excluded.refunded_squares;
      RETURN NULL;
    END $$;
    CREATE TRIGGER analytics_events_roll_up AFTER INSERT ON analytics_events
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics_roll_up_events();

    -- Every registered order has one decision row, inserted right after the order and before any upsell
    -- can change the order's total: it counts the order and its checkout total under the offer it was
    -- decided for (for the holdout, the experiment's offer) and its arm.
    CREATE FUNCTION analytics_roll_up_order() RETURNS trigger LANGUAGE plpgsql AS $$
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
    CREATE TRIGGER decisions_roll_up AFTER INSERT ON decisions FOR EACH ROW EXECUTE FUNCTION analytics_roll_up_order();

    -- Orders registered before this migration.
    INSERT INTO analytics_daily (shop_id, day, offer_id, experiment_id, arm_id, currency, slot, orders, checkout_total)
    SELECT d.shop_id, (d.decided_at AT TIME ZONE 'UTC')::date, coalesce(d.offer_id, ''), '', '', o.currency, 0, count(*), sum(o.total)
    FROM decisions d JOIN orders o ON o.shop_id = d.shop_id AND o.id = d.order_id
    GROUP BY 1, 2, 3, 6;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER decisions_roll_up ON decisions;
    DROP FUNCTION analytics_roll_up_order();
    DROP TABLE analytics_daily;
    DROP FUNCTION analytics_roll_up_events() CASCADE;
    ALTER TABLE decisions DROP COLUMN experiment_id, DROP COLUMN arm_id;
    DROP TABLE experiments, analytics_events;
  `.execute(db);
}
