import { sql, type Kysely } from 'kysely';

/**
 * The sandbox PSP's own database: its payments and the first answer to every idempotency key. Plusone's
 * tables never reference these; only `gateways/sandbox` reads them, as a real PSP's API would.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sandbox_payments (
      ref text PRIMARY KEY,
      merchant_ref text NOT NULL,
      payment_method_ref text NOT NULL,
      customer_ref text,
      amount bigint NOT NULL CHECK (amount > 0),
      currency char(3) NOT NULL,
      capture_mode text NOT NULL CHECK (capture_mode IN ('manual', 'immediate')),
      status text NOT NULL
        CHECK (status IN ('requires_action', 'authorized', 'captured', 'refunded', 'voided', 'declined')),
      decline_code text,
      decline_message text,
      card_brand text,
      card_last4 text,
      challenge_result text CHECK (challenge_result IN ('success', 'failure')),
      captured_amount bigint NOT NULL DEFAULT 0 CHECK (captured_amount BETWEEN 0 AND amount),
      refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND captured_amount),
      capture_count integer NOT NULL DEFAULT 0,
      void_count integer NOT NULL DEFAULT 0,
      refund_count integer NOT NULL DEFAULT 0,
      metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((status = 'declined') = (decline_code IS NOT NULL))
    );
    CREATE INDEX sandbox_payments_merchant ON sandbox_payments (merchant_ref, created_at);

    CREATE TABLE sandbox_requests (
      idempotency_key text PRIMARY KEY,
      operation text NOT NULL
        CHECK (operation IN ('authorize', 'complete_action', 'capture', 'void', 'refund')),
      request_hash text NOT NULL,
      payment_ref text REFERENCES sandbox_payments (ref) ON DELETE CASCADE,
      response jsonb,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX sandbox_requests_payment ON sandbox_requests (payment_ref);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE sandbox_requests, sandbox_payments;`.execute(db);
}
