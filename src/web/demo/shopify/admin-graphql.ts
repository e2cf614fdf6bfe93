/**
 * The fake Shopify's Admin GraphQL API (version 2025-07): the five documents Plusone sends, and nothing
 * else. This file holds its own copy of them (compared after collapsing whitespace), so a change to
 * Plusone's client shows up as a refused query instead of passing against a copy of itself. Variables are
 * checked as GraphQL coerces them — names declared by the document, types, ids as `gid://shopify/<Type>/<n>`
 * of the right type, input objects with exactly their fields — and answered as Shopify does: HTTP 200 with
 * `{ errors }` for a bad query or variable, `{ data }` with `userErrors` for a refused mutation.
 */
import { toMajorUnitString } from '../../../core/money';
import { fulfillmentStatus, type OrderBook, type OrderState, type RefundTransactionInput, type UserError } from './orders';

export const ADMIN_API_VERSION = '2025-07';
export const ADMIN_GRAPHQL_PATH = `/admin/api/${ADMIN_API_VERSION}/graphql.json`;

const DOCUMENTS = {
  PlusoneOrder: `query PlusoneOrder($id: ID!) { order(id: $id) { id displayFulfillmentStatus cancelledAt refunds { id note }
    transactions { id kind status gateway createdAt amountSet { shopMoney { amount currencyCode } } } } }`,
  PlusoneRefund: `mutation PlusoneRefund($input: RefundInput!) { refundCreate(input: $input) { refund { id note } userErrors { field message } } }`,
  PlusoneEditBegin: `mutation PlusoneEditBegin($id: ID!) { orderEditBegin(id: $id) { calculatedOrder { id lineItems(first: 250) {
    nodes { id quantity variant { id } } } } userErrors { field message } } }`,
  PlusoneEditSetQuantity: `mutation PlusoneEditSetQuantity($id: ID!, $lineItemId: ID!, $quantity: Int!) { orderEditSetQuantity(id: $id,
    lineItemId: $lineItemId, quantity: $quantity, restock: true) { calculatedLineItem { id quantity } userErrors { field message } } }`,
  PlusoneEditCommit: `mutation PlusoneEditCommit($id: ID!, $staffNote: String) { orderEditCommit(id: $id, notifyCustomer: false,
    staffNote: $staffNote) { order { id } userErrors { field message } } }`,
} as const;

export type AdminOperation = keyof typeof DOCUMENTS;

/** The variables each document declares, with their GraphQL types (for the error messages). */
const DECLARED: Readonly<Record<AdminOperation, Readonly<Record<string, string>>>> = {
  PlusoneOrder: { id: 'ID!' },
  PlusoneRefund: { input: 'RefundInput!' },
  PlusoneEditBegin: { id: 'ID!' },
  PlusoneEditSetQuantity: { id: 'ID!', lineItemId: 'ID!', quantity: 'Int!' },
  PlusoneEditCommit: { id: 'ID!', staffNote: 'String' },
};

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();
const KNOWN = new Map(Object.entries(DOCUMENTS).map(([name, document]) => [collapse(document), name as AdminOperation]));

/** The operation a query is, or null when it is not one of the five documents. */
export function operationOf(query: string): AdminOperation | null {
  return KNOWN.get(collapse(query)) ?? null;
}

export interface GraphqlError {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

export type AdminAnswer = { readonly data: Record<string, unknown> } | { readonly errors: readonly GraphqlError[] };

const TRANSACTION_KINDS = new Set(['AUTHORIZATION', 'CAPTURE', 'CHANGE', 'EMV_AUTHORIZATION', 'REFUND', 'SALE', 'SUGGESTED_REFUND', 'VOID']);
const REFUND_INPUT_FIELDS = new Set(['orderId', 'note', 'notify', 'transactions']);
const TRANSACTION_INPUT_FIELDS = new Set(['orderId', 'parentId', 'amount', 'gateway', 'kind']);

export const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;
const dateTime = (date: Date | null) => (date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

/** Collects the problems of one variable, GraphQL style (`path` inside the variable's value). */
class Problems {
  readonly list: { path: (string | number)[]; explanation: string }[] = [];
  add(path: (string | number)[], explanation: string): null {
    this.list.push({ path, explanation });
    return null;
  }
}

function readGid(value: unknown, type: string, problems: Problems, path: (string | number)[] = []): number | null {
  if (typeof value !== 'string') return problems.add(path, `Could not coerce value ${JSON.stringify(value) ?? 'undefined'} to ID`);
  const match = new RegExp(`^gid://shopify/${type}/(\\d{1,16})$`).exec(value);
  if (!match?.[1]) return problems.add(path, `Invalid global id '${value}': expected gid://shopify/${type}/<id>`);
  return Number(match[1]);
}

function readOptionalString(value: unknown, problems: Problems, path: (string | number)[]): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : problems.add(path, `Could not coerce value ${JSON.stringify(value)} to String`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(value: Record<string, unknown>, allowed: ReadonlySet<string>, type: string, problems: Problems, path: (string | number)[]) {
  for (const key of Object.keys(value)) if (!allowed.has(key)) problems.add([...path, key], `Field is not defined on ${type}`);
}

function readTransactionInput(value: unknown, problems: Problems, path: (string | number)[]): RefundTransactionInput | null {
  if (!isRecord(value)) return problems.add(path, 'Expected value to be an OrderTransactionInput object');
  checkFields(value, TRANSACTION_INPUT_FIELDS, 'OrderTransactionInput', problems, path);
  const orderId = readGid(value.orderId, 'Order', problems, [...path, 'orderId']);
  const parentId =
    value.parentId === null || value.parentId === undefined ? null : readGid(value.parentId, 'OrderTransaction', problems, [...path, 'parentId']);
  const { amount, gateway, kind } = value;
  if (typeof amount !== 'string' || !/^\d+(\.\d+)?$/.test(amount)) problems.add([...path, 'amount'], 'Expected a Money value such as "19.99"');
  if (typeof gateway !== 'string' || gateway === '') problems.add([...path, 'gateway'], 'Expected value to be a non-empty String');
  if (typeof kind !== 'string' || !TRANSACTION_KINDS.has(kind)) problems.add([...path, 'kind'], 'Expected value to be an OrderTransactionKind');
  if (orderId === null || typeof amount !== 'string' || typeof gateway !== 'string' || typeof kind !== 'string') return null;
  return { orderId, parentId, amount, gateway, kind };
}

interface RefundInput {
  readonly orderId: number;
  readonly note: string | null;
  readonly notify: boolean;
  readonly transactions: readonly RefundTransactionInput[];
}

function readRefundInput(value: unknown, problems: Problems): RefundInput | null {
  if (!isRecord(value)) return problems.add([], 'Expected value to be a RefundInput object');
  checkFields(value, REFUND_INPUT_FIELDS, 'RefundInput', problems, []);
  const orderId = readGid(value.orderId, 'Order', problems, ['orderId']);
  const note = readOptionalString(value.note, problems, ['note']);
  if (value.notify !== undefined && value.notify !== null && typeof value.notify !== 'boolean')
    problems.add(['notify'], 'Expected value to be a Boolean');
  if (!Array.isArray(value.transactions)) return problems.add(['transactions'], 'Expected value to be a list of OrderTransactionInput');
  const transactions = (value.transactions as unknown[]).map((each, index) => readTransactionInput(each, problems, ['transactions', index]));
  if (orderId === null || problems.list.length > 0) return null;
  return { orderId, note, notify: value.notify === true, transactions: transactions.filter((each) => each !== null) };
}

function variableError(name: string, type: string, value: unknown, problems: Problems): GraphqlError {
  return {
    message: `Variable $${name} of type ${type} was provided invalid value`,
    extensions: { code: 'INVALID_VARIABLE', value, problems: problems.list },
  };
}

/** Variables the document does not declare, or declared ones missing when required. */
function declarationErrors(operation: AdminOperation, variables: Record<string, unknown>): GraphqlError[] {
  const declared = DECLARED[operation];
  const errors: GraphqlError[] = Object.keys(variables)
    .filter((name) => !Object.hasOwn(declared, name))
    .map((name) => ({ message: `Variable $${name} is not defined by operation '${operation}'`, extensions: { code: 'UNDEFINED_VARIABLE' } }));
  for (const [name, type] of Object.entries(declared)) {
    if (type.endsWith('!') && (variables[name] === undefined || variables[name] === null)) {
      errors.push({ message: `Variable $${name} of type ${type} was provided invalid value`, extensions: { code: 'INVALID_VARIABLE', value: null } });
    }
  }
  return errors;
}

/** Reads the declared variables (null when one has problems); any problem answers the whole request with errors. */
function readVariables<T>(
  operation: AdminOperation,
  variables: Record<string, unknown>,
  read: (problems: Map<string, Problems>) => T | null,
): T | AdminAnswer {
  const undeclared = declarationErrors(operation, variables);
  if (undeclared.length > 0) return { errors: undeclared };
  const problems = new Map(Object.keys(DECLARED[operation]).map((name) => [name, new Problems()]));
  const value = read(problems);
  const errors = [...problems]
    .filter(([, each]) => each.list.length > 0)
    .map(([name, each]) => variableError(name, DECLARED[operation][name] ?? '', variables[name], each));
  if (errors.length > 0) return { errors };
  return value ?? { errors: [{ message: `Invalid variables for operation '${operation}'` }] };
}

const problemsOf = (problems: Map<string, Problems>, name: string) => problems.get(name) ?? new Problems();
const isAnswer = (value: unknown): value is AdminAnswer => isRecord(value) && ('errors' in value || 'data' in value);
const mutation = (field: string, payload: Record<string, unknown>): AdminAnswer => ({ data: { [field]: payload } });
const userErrors = (errors: readonly UserError[]) => errors.map(({ field, message }) => ({ field, message }));

function orderData(book: OrderBook, id: number): Record<string, unknown> | null {
  const order = book.get(id);
  if (!order) return null;
  const money = (amount: number) => ({ shopMoney: { amount: toMajorUnitString(amount, order.currency), currencyCode: order.currency } });
  return {
    id: gid('Order', order.id),
    displayFulfillmentStatus: fulfillmentStatus(order),
    cancelledAt: dateTime(order.cancelledAt),
    refunds: order.refunds.map((refund) => ({ id: gid('Refund', refund.id), note: refund.note })),
    transactions: order.transactions.map((each) => ({
      id: gid('OrderTransaction', each.id),
      kind: each.kind,
      status: each.status,
      gateway: each.gateway,
      createdAt: dateTime(each.createdAt),
      amountSet: money(each.amount),
    })),
  };
}

function calculatedOrderData(book: OrderBook, id: number, order: OrderState): Record<string, unknown> {
  return {
    id: gid('CalculatedOrder', id),
    lineItems: {
      nodes: order.lines.map((line) => ({
        id: gid('CalculatedLineItem', line.id),
        quantity: book.stagedQuantity(id, line),
        variant: { id: gid('ProductVariant', line.product.variantId) },
      })),
    },
  };
}

function refundCreate(book: OrderBook, variables: Record<string, unknown>): AdminAnswer {
  const input = readVariables('PlusoneRefund', variables, (problems) => readRefundInput(variables.input, problemsOf(problems, 'input')));
  if (isAnswer(input)) return input;
  const refund = book.refund(input.orderId, input.note, input.notify, input.transactions);
  return refund.ok
    ? mutation('refundCreate', { refund: { id: gid('Refund', refund.value.id), note: refund.value.note }, userErrors: [] })
    : mutation('refundCreate', { refund: null, userErrors: userErrors(refund.userErrors) });
}

function editBegin(book: OrderBook, variables: Record<string, unknown>): AdminAnswer {
  const id = readVariables('PlusoneEditBegin', variables, (problems) => readGid(variables.id, 'Order', problemsOf(problems, 'id')));
  if (isAnswer(id)) return id;
  const begun = book.beginEdit(id);
  return begun.ok
    ? mutation('orderEditBegin', { calculatedOrder: calculatedOrderData(book, begun.value.id, begun.value.order), userErrors: [] })
    : mutation('orderEditBegin', { calculatedOrder: null, userErrors: userErrors(begun.userErrors) });
}

function readSetQuantity(variables: Record<string, unknown>, problems: Map<string, Problems>) {
  const id = readGid(variables.id, 'CalculatedOrder', problemsOf(problems, 'id'));
  const lineId = readGid(variables.lineItemId, 'CalculatedLineItem', problemsOf(problems, 'lineItemId'));
  const { quantity } = variables;
  const isInt = typeof quantity === 'number' && Number.isInteger(quantity) && Math.abs(quantity) <= 2 ** 31 - 1;
  if (!isInt) problemsOf(problems, 'quantity').add([], `Could not coerce value ${JSON.stringify(quantity)} to Int`);
  return id === null || lineId === null || !isInt ? null : { id, lineId, quantity };
}

function editSetQuantity(book: OrderBook, variables: Record<string, unknown>): AdminAnswer {
  const read = readVariables('PlusoneEditSetQuantity', variables, (problems) => readSetQuantity(variables, problems));
  if (isAnswer(read)) return read;
  const set = book.setQuantity(read.id, read.lineId, read.quantity);
  return set.ok
    ? mutation('orderEditSetQuantity', {
        calculatedLineItem: { id: gid('CalculatedLineItem', set.value.lineId), quantity: set.value.quantity },
        userErrors: [],
      })
    : mutation('orderEditSetQuantity', { calculatedLineItem: null, userErrors: userErrors(set.userErrors) });
}

function editCommit(book: OrderBook, variables: Record<string, unknown>): AdminAnswer {
  const read = readVariables('PlusoneEditCommit', variables, (problems) => {
    const id = readGid(variables.id, 'CalculatedOrder', problemsOf(problems, 'id'));
    const staffNote = readOptionalString(variables.staffNote, problemsOf(problems, 'staffNote'), []);
    return id === null ? null : { id, staffNote };
  });
  if (isAnswer(read)) return read;
  const committed = book.commit(read.id, read.staffNote);
  return committed.ok
    ? mutation('orderEditCommit', { order: { id: gid('Order', committed.value.id) }, userErrors: [] })
    : mutation('orderEditCommit', { order: null, userErrors: userErrors(committed.userErrors) });
}

/** Runs one of the five operations against the orders. */
export function executeAdmin(book: OrderBook, operation: AdminOperation, variables: Record<string, unknown>): AdminAnswer {
  switch (operation) {
    case 'PlusoneOrder': {
      const id = readVariables(operation, variables, (problems) => readGid(variables.id, 'Order', problemsOf(problems, 'id')));
      if (isAnswer(id)) return id;
      return { data: { order: orderData(book, id) } };
    }
    case 'PlusoneRefund':
      return refundCreate(book, variables);
    case 'PlusoneEditBegin':
      return editBegin(book, variables);
    case 'PlusoneEditSetQuantity':
      return editSetQuantity(book, variables);
    case 'PlusoneEditCommit':
      return editCommit(book, variables);
    default: {
      const never: never = operation;
      return { errors: [{ message: `Unknown operation ${String(never)}` }] };
    }
  }
}
