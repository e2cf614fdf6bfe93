/**
 * Kysely types of the sandbox's own tables (migration `002_sandbox`), kept here rather than in
 * `store/schema.ts` because they are the simulated PSP's database, not Plusone's. Amounts are `bigint`
 * minor units, read back as JS numbers.
 */
import type { ColumnType } from 'kysely';
import type { ChallengeResult } from '../../core/sandbox';
import type { AuthorizeResult, DeclineCode, ModificationResult } from '../contract';

export type { ChallengeResult };

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: written as JSON text, read back parsed. */
type Json<T> = ColumnType<T, string, string>;
type Counter = ColumnType<number, number | undefined, number>;

export const SANDBOX_PAYMENT_STATUSES = ['requires_action', 'authorized', 'captured', 'refunded', 'voided', 'declined'] as const;
export type SandboxPaymentStatus = (typeof SANDBOX_PAYMENT_STATUSES)[number];

export type SandboxOperation = 'authorize' | 'complete_action' | 'capture' | 'void' | 'refund';

/** What `sandbox_requests.response` holds: the first answer given for an idempotency key. */
export type StoredResponse =
  { readonly kind: 'authorize'; readonly result: AuthorizeResult } | { readonly kind: 'modification'; readonly result: ModificationResult };

export type SandboxPaymentsTable = {
  ref: string;
  merchant_ref: string;
  payment_method_ref: string;
  customer_ref: string | null;
  amount: number;
  currency: string;
  capture_mode: 'manual' | 'immediate';
  status: SandboxPaymentStatus;
  decline_code: DeclineCode | null;
  decline_message: string | null;
  card_brand: string | null;
  card_last4: string | null;
  /** Set once the buyer finished the 3-D Secure challenge page. */
  challenge_result: ColumnType<ChallengeResult | null, ChallengeResult | null | undefined, ChallengeResult | null>;
  captured_amount: Counter;
  refunded_amount: Counter;
  capture_count: Counter;
  void_count: Counter;
  refund_count: Counter;
  metadata: Json<Readonly<Record<string, string>>>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type SandboxRequestsTable = {
  idempotency_key: string;
  operation: SandboxOperation;
  request_hash: string;
  payment_ref: string | null;
  /** Null only inside the transaction that claimed the key; committed rows always carry the answer. */
  response: ColumnType<StoredResponse | null, string | undefined, string>;
  created_at: Timestamp;
};

export type SandboxDatabase = {
  sandbox_payments: SandboxPaymentsTable;
  sandbox_requests: SandboxRequestsTable;
};
