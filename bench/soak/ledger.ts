/**
 * The soak's ledger check, straight from the database after the drain: Plusone's upsells and order lines
 * against the sandbox PSP's own tables (the PSP's books). `checkLedger` is pure (rows in, breaches out;
 * test/unit/soak-ledger.test.ts gives it each kind of breach); `readLedger` reads the rows.
 *
 * Money "at the PSP" for a payment is what it captured minus what it refunded; a captured upsell must have
 * exactly its amount there, any other upsell nothing. An upsell line counts while its order is not
 * cancelled (an undo removes an `update_original` line, and cancels a `linked_order` order).
 */
import type pg from 'pg';
import { isInProgress, UPSELL_STATES, type UpsellState } from '../../src/core/upsell-state';

export interface LedgerUpsell {
  readonly id: string;
  readonly orderId: string;
  readonly state: UpsellState;
  readonly amount: number;
  readonly currency: string;
  readonly authorizationRef: string | null;
  /** `captured` events in its log (a finished capture is recorded exactly once). */
  readonly capturedEvents: number;
}

export interface LedgerPayment {
  readonly ref: string;
  /** From the authorization's metadata; null when the PSP holds a payment nobody asked for. */
  readonly upsellId: string | null;
  readonly currency: string;
  readonly status: string;
  readonly capturedAmount: number;
  readonly refundedAmount: number;
  readonly captureCount: number;
}

export interface LedgerLine {
  readonly id: string;
  readonly upsellId: string | null;
  readonly orderId: string;
  readonly orderStatus: string;
  readonly currency: string;
  /** quantity × unit price − discount + tax + shipping: what the buyer pays for the line. */
  readonly total: number;
}

export interface LedgerRows {
  readonly upsells: readonly LedgerUpsell[];
  readonly payments: readonly LedgerPayment[];
  readonly lines: readonly LedgerLine[];
}

export const BREACH_KINDS = [
  'not_final',
  'double_capture',
  'capture_of_uncaptured_upsell',
  'capture_missing',
  'line_without_charge',
  'charge_without_line',
  'payment_without_upsell',
  'currency_total_mismatch',
] as const;
export type BreachKind = (typeof BREACH_KINDS)[number];

export interface Breach {
  readonly kind: BreachKind;
  /** The upsell, payment, line or currency it is about. */
  readonly subject: string;
  readonly detail: string;
}

export interface CurrencyTotals {
  readonly currency: string;
  /** Net captured at the PSP, minor units. */
  readonly psp: number;
  /** Sum of captured upsells' amounts, minor units. */
  readonly plusone: number;
}

export interface LedgerReport {
  readonly upsellsByState: Readonly<Record<UpsellState, number>>;
  readonly totals: readonly CurrencyTotals[];
  /** Authorizations still held at the PSP although their upsell is finished (the issuer lets them lapse), by the upsell's state. */
  readonly heldAuthorizations: Readonly<Partial<Record<UpsellState, number>>>;
  readonly breaches: readonly Breach[];
}

const net = (payment: LedgerPayment): number => payment.capturedAmount - payment.refundedAmount;

export function checkLedger(rows: LedgerRows): LedgerReport {
  const breaches: Breach[] = [];
  const breach = (kind: BreachKind, subject: string, detail: string) => breaches.push({ kind, subject, detail });
  const upsells = new Map(rows.upsells.map((upsell) => [upsell.id, upsell]));
  const paymentsOf = groupBy(rows.payments, (payment) => payment.upsellId);
  const liveLinesOf = groupBy(
    rows.lines.filter((line) => line.orderStatus !== 'cancelled'),
    (line) => line.upsellId,
  );
  const byState = Object.fromEntries(UPSELL_STATES.map((state) => [state, 0])) as Record<UpsellState, number>;
  const heldAuthorizations: Partial<Record<UpsellState, number>> = {};

  for (const upsell of rows.upsells) {
    byState[upsell.state] += 1;
    if (isInProgress(upsell.state)) breach('not_final', upsell.id, `still ${upsell.state}`);
    const payments = paymentsOf.get(upsell.id) ?? [];
    const atPsp = payments.reduce((sum, payment) => sum + net(payment), 0);
    const lines = liveLinesOf.get(upsell.id) ?? [];
    if (upsell.capturedEvents > 1) breach('double_capture', upsell.id, `${upsell.capturedEvents} captured events`);
    if (upsell.state === 'captured') {
      if (atPsp !== upsell.amount) breach('capture_missing', upsell.id, `captured ${upsell.amount} ${upsell.currency}, the PSP holds ${atPsp}`);
      if (lines.length !== 1) breach('charge_without_line', upsell.id, `captured with ${lines.length} order lines`);
      for (const line of lines) {
        if (line.total !== upsell.amount || line.currency !== upsell.currency) {
          breach(
            'charge_without_line',
            upsell.id,
            `line ${line.id} is ${line.total} ${line.currency}, the charge ${upsell.amount} ${upsell.currency}`,
          );
        }
      }
    } else if (!isInProgress(upsell.state)) {
      if (atPsp !== 0) breach('capture_of_uncaptured_upsell', upsell.id, `${upsell.state}, yet the PSP holds ${atPsp} ${upsell.currency}`);
      if (lines.length > 0) breach('line_without_charge', upsell.id, `${upsell.state} with ${lines.length} order lines`);
      const held = payments.filter((payment) => payment.status === 'authorized').length;
      if (held > 0) heldAuthorizations[upsell.state] = (heldAuthorizations[upsell.state] ?? 0) + held;
    }
  }
  for (const payment of rows.payments) {
    if (payment.captureCount > 1) breach('double_capture', payment.ref, `captured ${payment.captureCount} times at the PSP`);
    if (payment.upsellId === null || !upsells.has(payment.upsellId)) {
      if (net(payment) !== 0 || payment.status === 'authorized')
        breach('payment_without_upsell', payment.ref, `${payment.status}, ${net(payment)} ${payment.currency}`);
    }
  }
  for (const line of rows.lines) {
    if (line.upsellId === null || !upsells.has(line.upsellId)) breach('line_without_charge', line.id, 'an upsell line without its upsell');
  }
  const totals = currencyTotals(rows);
  for (const total of totals) {
    if (total.psp !== total.plusone) breach('currency_total_mismatch', total.currency, `PSP ${total.psp}, Plusone ${total.plusone}`);
  }
  return { upsellsByState: byState, totals, heldAuthorizations, breaches };
}

function currencyTotals(rows: LedgerRows): CurrencyTotals[] {
  const totals = new Map<string, { psp: number; plusone: number }>();
  const entry = (currency: string) => {
    let found = totals.get(currency);
    if (!found) totals.set(currency, (found = { psp: 0, plusone: 0 }));
    return found;
  };
  for (const payment of rows.payments) entry(payment.currency).psp += net(payment);
  for (const upsell of rows.upsells) if (upsell.state === 'captured') entry(upsell.currency).plusone += upsell.amount;
  return [...totals].map(([currency, { psp, plusone }]) => ({ currency, psp, plusone })).sort((a, b) => a.currency.localeCompare(b.currency));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const value = key(item);
    if (value === null) continue;
    const group = groups.get(value);
    if (group) group.push(item);
    else groups.set(value, [item]);
  }
  return groups;
}

/** Every row the check needs, read in one repeatable-read snapshot. */
export async function readLedger(client: pg.ClientBase): Promise<LedgerRows> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const upsells = await client.query<{
      id: string;
      order_id: string;
      state: UpsellState;
      amount: string;
      currency: string;
      authorization_ref: string | null;
      captured_events: string;
    }>(`
      SELECT u.id, u.order_id, u.state, u.amount, u.currency, u.authorization_ref,
        (SELECT count(*) FROM upsell_events e WHERE e.shop_id = u.shop_id AND e.upsell_id = u.id AND e.type = 'captured') AS captured_events
      FROM upsells u`);
    const payments = await client.query<{
      ref: string;
      upsell_id: string | null;
      currency: string;
      status: string;
      captured_amount: string;
      refunded_amount: string;
      capture_count: number;
    }>(`
      SELECT ref, metadata->>'upsell_id' AS upsell_id, currency, status, captured_amount, refunded_amount, capture_count FROM sandbox_payments`);
    const lines = await client.query<{ id: string; upsell_id: string | null; order_id: string; status: string; currency: string; total: string }>(`
      SELECT l.id, l.upsell_id, l.order_id, o.status, o.currency,
        l.quantity * l.unit_price - l.discount_amount + l.tax_amount + l.shipping_amount AS total
      FROM order_lines l JOIN orders o ON o.shop_id = l.shop_id AND o.id = l.order_id
      WHERE l.source = 'upsell'`);
    return {
      upsells: upsells.rows.map((row) => ({
        id: row.id,
        orderId: row.order_id,
        state: row.state,
        amount: Number(row.amount),
        currency: row.currency,
        authorizationRef: row.authorization_ref,
        capturedEvents: Number(row.captured_events),
      })),
      payments: payments.rows.map((row) => ({
        ref: row.ref,
        upsellId: row.upsell_id,
        currency: row.currency,
        status: row.status,
        capturedAmount: Number(row.captured_amount),
        refundedAmount: Number(row.refunded_amount),
        captureCount: row.capture_count,
      })),
      lines: lines.rows.map((row) => ({
        id: row.id,
        upsellId: row.upsell_id,
        orderId: row.order_id,
        orderStatus: row.status,
        currency: row.currency,
        total: Number(row.total),
      })),
    };
  } finally {
    await client.query('COMMIT');
  }
}
