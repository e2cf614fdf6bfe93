/** Table types of the analytics part (migration 004), referenced from `store/schema.ts`. */
import type { ColumnType, Generated } from 'kysely';
import type { AnalyticsEventType } from './events';
import type { ExperimentArm, ExperimentSettings, ExperimentStatus } from './experiments/model';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface AnalyticsEventsTable {
  shop_id: string;
  id: Generated<string>;
  type: AnalyticsEventType;
  order_id: string;
  offer_id: string;
  upsell_id: string | null;
  experiment_id: string | null;
  arm_id: string | null;
  /** Minor units of `currency`: the offer's price for views and declines, the upsell's amount otherwise. */
  amount: number;
  currency: string;
  occurred_at: Timestamp;
}

export interface ExperimentsTable {
  shop_id: string;
  id: string;
  name: string;
  offer_id: string;
  status: ExperimentStatus;
  arms: Json<ExperimentArm[]>;
  holdout_basis_points: number;
  settings: Json<ExperimentSettings>;
  winner_arm_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: Timestamp | null;
}

/** Numeric sums come back from PostgreSQL as exact decimal text. */
type Sum = ColumnType<string, number | string | undefined, number | string>;

/** The daily rollup (see migration 004); '' in a key column means "none". */
export interface AnalyticsDailyTable {
  shop_id: string;
  day: ColumnType<string, string, string>;
  offer_id: string;
  experiment_id: string;
  arm_id: string;
  currency: string;
  slot: number;
  orders: Sum;
  checkout_total: Sum;
  views: Sum;
  accepts: Sum;
  declines: Sum;
  undos: Sum;
  captures: Sum;
  capture_failures: Sum;
  refunds: Sum;
  payment_declines: Sum;
  accepted_amount: Sum;
  captured_amount: Sum;
  refunded_amount: Sum;
  captured_squares: Sum;
  refunded_squares: Sum;
}
