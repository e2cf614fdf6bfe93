/**
 * The fake Shopify's orders: lines, transactions, refunds, order edits and the post-purchase fulfilment
 * hold, as the Admin API and the post-purchase page see them. Amounts are integer minor units; ids are
 * 13-digit numbers that only grow (seeded from the clock, so a restarted demo never reuses an order id).
 */
import { currencyExponent, divideRoundHalfAwayFromZero, parseDecimal, toMajorUnitString } from '../../../core/money';
import type { DemoShopifyProduct } from '../../../core/demo';
import type { PricedLine } from './changeset';

export type TransactionKind = 'SALE' | 'CAPTURE' | 'AUTHORIZATION' | 'REFUND' | 'VOID';
export type TransactionStatus = 'SUCCESS' | 'FAILURE' | 'PENDING';
export type FulfillmentStatus = 'ON_HOLD' | 'UNFULFILLED' | 'FULFILLED';

/** Shopify's own test gateway. */
export const GATEWAY = 'bogus';
/** The post-purchase hold ends by itself an hour after checkout if the buyer never leaves the page. */
export const HOLD_MS = 60 * 60 * 1000;
const MIN_ID = 1_000_000_000_000;

export interface LineState {
  readonly id: number;
  readonly product: DemoShopifyProduct;
  readonly quantity: number;
  currentQuantity: number;
  /** For the original quantity: list price total, discount, tax. */
  readonly listTotal: number;
  readonly discount: number;
  readonly discountTitle: string | null;
  readonly tax: number;
  readonly source: 'checkout' | 'changeset';
}

export interface TransactionState {
  readonly id: number;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly gateway: string;
  readonly amount: number;
  readonly parentId: number | null;
  readonly createdAt: Date;
}

export interface RefundState {
  readonly id: number;
  readonly note: string | null;
  readonly notify: boolean;
  readonly createdAt: Date;
  readonly transactionIds: readonly number[];
}

export interface OrderState {
  readonly id: number;
  readonly number: number;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly currency: string;
  readonly customerId: string | null;
  readonly destinationCountryCode: string | null;
  readonly locale: string;
  readonly lines: LineState[];
  readonly transactions: TransactionState[];
  readonly refunds: RefundState[];
  readonly staffNotes: string[];
  releasedAt: Date | null;
  fulfilledAt: Date | null;
  cancelledAt: Date | null;
  changesetApplications: number;
}

interface CalculatedOrderState {
  readonly id: number;
  readonly order: OrderState;
  readonly staged: Map<number, number>;
  committed: boolean;
}

export interface UserError {
  readonly field: readonly string[] | null;
  readonly message: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly userErrors: readonly UserError[] };

export interface RefundTransactionInput {
  readonly orderId: number;
  readonly parentId: number | null;
  readonly amount: string;
  readonly gateway: string;
  readonly kind: string;
}

const refused = (field: readonly string[] | null, message: string): { ok: false; userErrors: UserError[] } => ({
  ok: false,
  userErrors: [{ field, message }],
});

/** A line's amount for its current quantity (a removed line counts 0). */
export function currentShare(amount: number, line: LineState): number {
  return Number(divideRoundHalfAwayFromZero(BigInt(amount) * BigInt(line.currentQuantity), BigInt(line.quantity)));
}

export class OrderBook {
  private readonly orders = new Map<number, OrderState>();
  private readonly calculated = new Map<number, CalculatedOrderState>();
  private lastId = 0;
  private orderCount = 0;

  constructor(
    private readonly currency: string,
    private readonly now: () => Date,
  ) {}

  nextId(): number {
    this.lastId = Math.max(this.lastId + 1, this.now().getTime(), MIN_ID);
    return this.lastId;
  }

  create(
    lines: readonly { product: DemoShopifyProduct; quantity: number }[],
    buyer: { customerId: string | null; destination: string | null; locale: string },
  ) {
    const createdAt = this.now();
    const order: OrderState = {
      id: this.nextId(),
      number: 1001 + this.orderCount++,
      createdAt,
      updatedAt: createdAt,
      currency: this.currency,
      customerId: buyer.customerId,
      destinationCountryCode: buyer.destination,
      locale: buyer.locale,
      lines: lines.map(({ product, quantity }) => ({
        id: this.nextId(),
        product,
        quantity,
        currentQuantity: quantity,
        listTotal: product.price * quantity,
        discount: 0,
        discountTitle: null,
        tax: 0,
        source: 'checkout',
      })),
      transactions: [],
      refunds: [],
      staffNotes: [],
      releasedAt: null,
      fulfilledAt: null,
      cancelledAt: null,
      changesetApplications: 0,
    };
    order.transactions.push(this.transaction('SALE', totals(order).total, null));
    this.orders.set(order.id, order);
    return order;
  }

  /** The order, with its hold ended if the hour is over. */
  get(id: number): OrderState | undefined {
    const order = this.orders.get(id);
    if (order && !order.releasedAt && this.now().getTime() - order.createdAt.getTime() >= HOLD_MS) {
      order.releasedAt = new Date(order.createdAt.getTime() + HOLD_MS);
    }
    return order;
  }

  /** Whether edits and changesets are closed: the hold ended, or the order was fulfilled or cancelled. */
  closed(order: OrderState): boolean {
    return order.releasedAt !== null || order.fulfilledAt !== null || order.cancelledAt !== null;
  }

  release(order: OrderState): void {
    order.releasedAt ??= this.now();
    order.updatedAt = this.now();
  }

  fulfil(order: OrderState): void {
    this.release(order);
    order.fulfilledAt ??= this.now();
  }

  cancel(order: OrderState): void {
    this.release(order);
    order.cancelledAt ??= this.now();
  }

  /** An applied changeset: its lines join the order, and the buyer is charged what it added. */
  addChangeset(order: OrderState, lines: readonly PricedLine[], outstanding: number): void {
    for (const line of lines) {
      order.lines.push({
        id: this.nextId(),
        product: line.product,
        quantity: line.quantity,
        currentQuantity: line.quantity,
        listTotal: line.listTotal,
        discount: line.discount,
        discountTitle: line.discountTitle,
        tax: line.tax,
        source: 'changeset',
      });
    }
    order.transactions.push(this.transaction('SALE', outstanding, null));
    order.changesetApplications += 1;
    order.updatedAt = this.now();
  }

  private transaction(kind: TransactionKind, amount: number, parentId: number | null): TransactionState {
    return { id: this.nextId(), kind, status: 'SUCCESS', gateway: GATEWAY, amount, parentId, createdAt: this.now() };
  }

  beginEdit(orderId: number): Outcome<{ id: number; order: OrderState }> {
    const order = this.get(orderId);
    if (!order) return refused(['id'], 'The order does not exist.');
    if (this.closed(order)) return refused(['id'], 'The order cannot be edited: it was released to fulfillment.');
    const calculated: CalculatedOrderState = { id: this.nextId(), order, staged: new Map(), committed: false };
    this.calculated.set(calculated.id, calculated);
    return { ok: true, value: { id: calculated.id, order } };
  }

  /** The quantity of a line in an open edit: what was staged, else what the order holds. */
  stagedQuantity(calculatedId: number, line: LineState): number {
    return this.calculated.get(calculatedId)?.staged.get(line.id) ?? line.currentQuantity;
  }

  setQuantity(calculatedId: number, lineId: number, quantity: number): Outcome<{ lineId: number; quantity: number }> {
    const calculated = this.openEdit(calculatedId);
    if (!calculated.ok) return calculated;
    const line = calculated.value.order.lines.find((candidate) => candidate.id === lineId);
    if (!line) return refused(['lineItemId'], 'The line item does not belong to this calculated order.');
    if (quantity < 0) return refused(['quantity'], 'The quantity must be 0 or more.');
    calculated.value.staged.set(line.id, quantity);
    return { ok: true, value: { lineId: line.id, quantity } };
  }

  commit(calculatedId: number, staffNote: string | null): Outcome<OrderState> {
    const calculated = this.openEdit(calculatedId);
    if (!calculated.ok) return calculated;
    const { order, staged } = calculated.value;
    for (const line of order.lines) line.currentQuantity = staged.get(line.id) ?? line.currentQuantity;
    if (staffNote) order.staffNotes.push(staffNote);
    calculated.value.committed = true;
    order.updatedAt = this.now();
    return { ok: true, value: order };
  }

  private openEdit(calculatedId: number): Outcome<CalculatedOrderState> {
    const calculated = this.calculated.get(calculatedId);
    if (!calculated) return refused(['id'], 'The calculated order does not exist.');
    if (calculated.committed) return refused(['id'], 'The calculated order was already committed.');
    if (this.closed(this.get(calculated.order.id) ?? calculated.order)) {
      return refused(['id'], 'The order cannot be edited: it was released to fulfillment.');
    }
    return { ok: true, value: calculated };
  }

  /** Money back on the order's own payments: each refund names a successful sale or capture it refunds. */
  refund(orderId: number, note: string | null, notify: boolean, inputs: readonly RefundTransactionInput[]): Outcome<RefundState> {
    const order = this.get(orderId);
    if (!order) return refused(['orderId'], 'The order does not exist.');
    if (inputs.length === 0) return refused(['transactions'], 'A refund needs at least one transaction.');
    const planned = new Map<number, number>();
    for (const [index, input] of inputs.entries()) {
      const checked = this.checkRefund(order, input, planned, ['transactions', String(index)]);
      if (!checked.ok) return checked;
      planned.set(checked.value.parent.id, (planned.get(checked.value.parent.id) ?? 0) + checked.value.amount);
    }
    const transactions = [...planned].map(([parentId, amount]) => this.transaction('REFUND', amount, parentId));
    order.transactions.push(...transactions);
    const refund: RefundState = { id: this.nextId(), note, notify, createdAt: this.now(), transactionIds: transactions.map((each) => each.id) };
    order.refunds.push(refund);
    order.updatedAt = this.now();
    return { ok: true, value: refund };
  }

  private checkRefund(
    order: OrderState,
    input: RefundTransactionInput,
    planned: ReadonlyMap<number, number>,
    field: readonly string[],
  ): Outcome<{ parent: TransactionState; amount: number }> {
    if (input.orderId !== order.id) return refused([...field, 'orderId'], 'The transaction belongs to another order.');
    if (input.kind !== 'REFUND') return refused([...field, 'kind'], 'A refund transaction has kind REFUND.');
    const parent = order.transactions.find((each) => each.id === input.parentId);
    if (!parent || (parent.kind !== 'SALE' && parent.kind !== 'CAPTURE') || parent.status !== 'SUCCESS') {
      return refused([...field, 'parentId'], 'The parent transaction is not a successful sale or capture of this order.');
    }
    if (input.gateway !== parent.gateway) return refused([...field, 'gateway'], `The parent transaction was made on the ${parent.gateway} gateway.`);
    const amount = minorUnits(input.amount, order.currency);
    if (amount === null || amount <= 0) return refused([...field, 'amount'], `The amount must be a positive ${order.currency} amount.`);
    const left = parent.amount - refundedOn(order, parent.id) - (planned.get(parent.id) ?? 0);
    if (amount > left)
      return refused(
        [...field, 'amount'],
        `The amount exceeds what is left to refund on the transaction (${toMajorUnitString(left, order.currency)}).`,
      );
    return { ok: true, value: { parent, amount } };
  }
}

/** "19.99" in USD → 1999; null when it is not a plain amount of that currency. */
export function minorUnits(text: string, currency: string): number | null {
  const decimal = /^\d+(\.\d+)?$/.test(text) ? parseDecimal(text) : null;
  const exponent = currencyExponent(currency);
  if (!decimal || decimal.scale > exponent) return null;
  const amount = decimal.units * 10n ** BigInt(exponent - decimal.scale);
  return amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : null;
}

export function refundedOn(order: OrderState, parentId: number): number {
  return order.transactions
    .filter((each) => each.kind === 'REFUND' && each.status === 'SUCCESS' && each.parentId === parentId)
    .reduce((sum, each) => sum + each.amount, 0);
}

/** The order's money as it stands: lines at their current quantities, what was paid and refunded. */
export function totals(order: OrderState) {
  const current = order.lines.filter((line) => line.currentQuantity > 0);
  const listTotal = current.reduce((sum, line) => sum + currentShare(line.listTotal, line), 0);
  const subtotal = current.reduce((sum, line) => sum + currentShare(line.listTotal - line.discount, line), 0);
  const tax = current.reduce((sum, line) => sum + currentShare(line.tax, line), 0);
  const paid = order.transactions
    .filter((each) => (each.kind === 'SALE' || each.kind === 'CAPTURE') && each.status === 'SUCCESS')
    .reduce((sum, each) => sum + each.amount, 0);
  const refunded = order.transactions
    .filter((each) => each.kind === 'REFUND' && each.status === 'SUCCESS')
    .reduce((sum, each) => sum + each.amount, 0);
  return { listTotal, discount: listTotal - subtotal, subtotal, tax, total: subtotal + tax, paid, refunded };
}

export function fulfillmentStatus(order: OrderState): FulfillmentStatus {
  if (order.fulfilledAt) return 'FULFILLED';
  return order.releasedAt ? 'UNFULFILLED' : 'ON_HOLD';
}
