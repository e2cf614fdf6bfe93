/**
 * The soak's ledger check (bench/soak/ledger.ts): a clean ledger passes, and each kind of breach the soak
 * must catch — a double capture, a capture of a cancelled upsell, a charge without its line, a line without
 * its charge, money the PSP holds for nobody, a total off by one minor unit — is reported.
 */
import { describe, expect, it } from 'vitest';
import { checkLedger, type LedgerLine, type LedgerPayment, type LedgerRows, type LedgerUpsell } from '../../bench/soak/ledger';

const upsell = (id: string, state: LedgerUpsell['state'], amount = 1250, overrides: Partial<LedgerUpsell> = {}): LedgerUpsell => ({
  id,
  orderId: `ord_${id}`,
  state,
  amount,
  currency: 'USD',
  authorizationRef: `pay_${id}`,
  capturedEvents: state === 'captured' ? 1 : 0,
  ...overrides,
});
const payment = (upsellId: string | null, status: string, captured: number, overrides: Partial<LedgerPayment> = {}): LedgerPayment => ({
  ref: `pay_${upsellId ?? 'stray'}`,
  upsellId,
  currency: 'USD',
  status,
  capturedAmount: captured,
  refundedAmount: 0,
  captureCount: captured > 0 ? 1 : 0,
  ...overrides,
});
const line = (upsellId: string | null, total = 1250, overrides: Partial<LedgerLine> = {}): LedgerLine => ({
  id: `line_${upsellId ?? 'stray'}`,
  upsellId,
  orderId: `ord_${upsellId}`,
  orderStatus: 'open',
  currency: 'USD',
  total,
  ...overrides,
});

/** A captured upsell with its charge and line, a cancelled one (voided, line removed), a declined one. */
function cleanRows(): LedgerRows {
  return {
    upsells: [upsell('a', 'captured'), upsell('b', 'cancelled'), upsell('c', 'declined'), upsell('d', 'captured', 990, { currency: 'EUR' })],
    payments: [payment('a', 'captured', 1250), payment('b', 'voided', 0), payment('d', 'captured', 990, { currency: 'EUR' })],
    lines: [line('a'), line('d', 990, { currency: 'EUR' }), line('b', 1250, { orderStatus: 'cancelled' })],
  };
}

const kinds = (rows: LedgerRows) => checkLedger(rows).breaches.map((breach) => `${breach.kind} ${breach.subject}`);

describe('the soak ledger check', () => {
  it('passes a clean ledger and sums each currency', () => {
    const report = checkLedger(cleanRows());
    expect(report.breaches).toEqual([]);
    expect(report.totals).toEqual([
      { currency: 'EUR', psp: 990, plusone: 990 },
      { currency: 'USD', psp: 1250, plusone: 1250 },
    ]);
    expect(report.upsellsByState).toMatchObject({ captured: 2, cancelled: 1, declined: 1, pending: 0 });
  });

  it('reports an upsell that is not final', () => {
    const rows = cleanRows();
    expect(
      kinds({ ...rows, upsells: [...rows.upsells, upsell('e', 'authorized')], payments: [...rows.payments, payment('e', 'authorized', 0)] }),
    ).toEqual(['not_final e']);
  });

  it('reports a double capture, at the PSP and in the event log', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, payments: [payment('a', 'captured', 1250, { captureCount: 2 }), ...rows.payments.slice(1)] })).toEqual([
      'double_capture pay_a',
    ]);
    expect(kinds({ ...rows, upsells: [upsell('a', 'captured', 1250, { capturedEvents: 2 }), ...rows.upsells.slice(1)] })).toEqual([
      'double_capture a',
    ]);
  });

  it('reports a capture of a cancelled upsell (and the currency total it throws off)', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, payments: [rows.payments[0]!, payment('b', 'captured', 1250), rows.payments[2]!] })).toEqual([
      'capture_of_uncaptured_upsell b',
      'currency_total_mismatch USD',
    ]);
  });

  it('reports a captured upsell the PSP holds less for, to the minor unit', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, payments: [payment('a', 'captured', 1249), ...rows.payments.slice(1)] })).toEqual([
      'capture_missing a',
      'currency_total_mismatch USD',
    ]);
    // A refund counts against what the PSP holds.
    expect(kinds({ ...rows, payments: [payment('a', 'captured', 1250, { refundedAmount: 1250 }), ...rows.payments.slice(1)] })).toEqual([
      'capture_missing a',
      'currency_total_mismatch USD',
    ]);
  });

  it('reports a charge without its line, and a line whose amount differs from the charge', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, lines: rows.lines.slice(1) })).toEqual(['charge_without_line a']);
    expect(kinds({ ...rows, lines: [line('a', 1200), ...rows.lines.slice(1)] })).toEqual(['charge_without_line a']);
    expect(kinds({ ...rows, lines: [line('a', 1250, { orderStatus: 'cancelled' }), ...rows.lines.slice(1)] })).toEqual(['charge_without_line a']);
  });

  it('reports a line without its charge: on a cancelled or declined upsell, or with no upsell at all', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, lines: [...rows.lines, line('c')] })).toEqual(['line_without_charge c']);
    expect(kinds({ ...rows, lines: [...rows.lines, line(null)] })).toEqual(['line_without_charge line_stray']);
  });

  it('reports money or a hold at the PSP for no upsell; a voided stray is fine', () => {
    const rows = cleanRows();
    expect(kinds({ ...rows, payments: [...rows.payments, payment(null, 'captured', 500)] })).toEqual([
      'payment_without_upsell pay_stray',
      'currency_total_mismatch USD',
    ]);
    expect(kinds({ ...rows, payments: [...rows.payments, payment('zzz', 'authorized', 0)] })).toEqual(['payment_without_upsell pay_zzz']);
    expect(kinds({ ...rows, payments: [...rows.payments, payment(null, 'voided', 0)] })).toEqual([]);
  });

  it('counts authorizations still held for finished upsells without calling them a breach', () => {
    const rows = cleanRows();
    const report = checkLedger({ ...rows, payments: [...rows.payments, payment('c', 'authorized', 0)] });
    expect(report.breaches).toEqual([]);
    expect(report.heldAuthorizations).toEqual({ declined: 1 });
  });
});
