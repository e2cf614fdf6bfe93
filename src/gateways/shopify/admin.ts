/**
 * The few Admin GraphQL calls an undo on Shopify needs (API version `SHOPIFY_API_VERSION`, scopes
 * `read_orders`, `write_orders`, `write_order_edits`): read the order, refund a transaction
 * (`refundCreate`), and take a line out (`orderEditBegin` → `orderEditSetQuantity` 0 → `orderEditCommit`).
 * `POST https://<shop>.myshopify.com/admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`, or
 * the same path under `PLUSONE_SHOPIFY_API_BASE` (a fake in tests).
 */
import { SHOPIFY_API_VERSION } from '../../core/shopify';

export interface ShopifyAdminOptions {
  readonly shopDomain: string;
  readonly accessToken: string;
  /** Instead of `https://<shopDomain>` (`PLUSONE_SHOPIFY_API_BASE`). */
  readonly apiBase?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs: number;
}

/** An Admin API call that did not do what it asked: `retryable` when asking again later may succeed. */
export class ShopifyAdminError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ShopifyAdminError';
  }
}

export interface ShopifyTransaction {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly gateway: string;
  readonly createdAt: string;
  readonly amountSet: { readonly shopMoney: { readonly amount: string; readonly currencyCode: string } };
}

export interface ShopifyOrderState {
  readonly id: string;
  readonly displayFulfillmentStatus: string;
  readonly cancelledAt: string | null;
  readonly refunds: readonly { readonly id: string; readonly note: string | null }[];
  readonly transactions: readonly ShopifyTransaction[];
}

interface UserErrors {
  readonly userErrors: readonly { readonly field?: readonly string[] | null; readonly message: string }[];
}

const ORDER_QUERY = `query PlusoneOrder($id: ID!) { order(id: $id) { id displayFulfillmentStatus cancelledAt refunds { id note }
  transactions { id kind status gateway createdAt amountSet { shopMoney { amount currencyCode } } } } }`;
const REFUND_MUTATION = `mutation PlusoneRefund($input: RefundInput!) { refundCreate(input: $input) { refund { id note } userErrors { field message } } }`;
const EDIT_BEGIN_MUTATION = `mutation PlusoneEditBegin($id: ID!) { orderEditBegin(id: $id) {
  calculatedOrder { id lineItems(first: 250) { nodes { id quantity variant { id } } } } userErrors { field message } } }`;
const EDIT_SET_QUANTITY_MUTATION = `mutation PlusoneEditSetQuantity($id: ID!, $lineItemId: ID!, $quantity: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $lineItemId, quantity: $quantity, restock: true) { calculatedLineItem { id quantity } userErrors { field message } } }`;
const EDIT_COMMIT_MUTATION = `mutation PlusoneEditCommit($id: ID!, $staffNote: String) {
  orderEditCommit(id: $id, notifyCustomer: false, staffNote: $staffNote) { order { id } userErrors { field message } } }`;

interface CalculatedOrder {
  readonly id: string;
  readonly lineItems: {
    readonly nodes: readonly { readonly id: string; readonly quantity: number; readonly variant: { readonly id: string } | null }[];
  };
}

export interface ShopifyAdmin {
  order(orderId: string): Promise<ShopifyOrderState | null>;
  refund(input: { orderId: string; parentId: string; amount: string; gateway: string; note: string }): Promise<void>;
  /** Sets every line of the variant to quantity 0 (restocked) in one committed edit; false when none had any left. */
  removeVariant(orderId: string, variantGid: string, staffNote: string): Promise<boolean>;
}

export function createShopifyAdmin(options: ShopifyAdminOptions): ShopifyAdmin {
  const base = (options.apiBase ?? `https://${options.shopDomain}`).replace(/\/+$/, '');
  const url = `${base}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
  const send = options.fetch ?? fetch;

  async function call<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Shopify-Access-Token': options.accessToken },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new ShopifyAdminError(`Shopify's Admin API did not answer (${error instanceof Error ? error.name : 'error'})`, true);
    }
    // 429 (throttled) and 5xx pass; 401/403/404 are the app's access, which waiting does not fix.
    if (!response.ok)
      throw new ShopifyAdminError(`Shopify's Admin API answered ${response.status}`, response.status === 429 || response.status >= 500);
    const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | null;
    if (body?.errors?.length) {
      const throttled = body.errors.some((error) => error.extensions?.code === 'THROTTLED');
      throw new ShopifyAdminError(`Shopify's Admin API refused the query: ${body.errors.map((error) => error.message).join('; ')}`, throttled);
    }
    if (!body?.data) throw new ShopifyAdminError("Shopify's Admin API answered without data", true);
    return body.data;
  }

  function checkUserErrors(what: string, payload: UserErrors | null | undefined): void {
    if (!payload) throw new ShopifyAdminError(`${what}: no answer`, true);
    if (payload.userErrors.length > 0) throw new ShopifyAdminError(`${what}: ${payload.userErrors.map((error) => error.message).join('; ')}`, false);
  }

  return {
    async order(orderId) {
      const data = await call<{ order: ShopifyOrderState | null }>(ORDER_QUERY, { id: orderId });
      return data.order;
    },

    async refund(input) {
      const variables = {
        input: {
          orderId: input.orderId,
          note: input.note,
          notify: true,
          transactions: [{ orderId: input.orderId, parentId: input.parentId, amount: input.amount, gateway: input.gateway, kind: 'REFUND' }],
        },
      };
      const data = await call<{ refundCreate: UserErrors | null }>(REFUND_MUTATION, variables);
      checkUserErrors('refundCreate', data.refundCreate);
    },

    async removeVariant(orderId, variantGid, staffNote) {
      const begun = await call<{ orderEditBegin: (UserErrors & { calculatedOrder: CalculatedOrder | null }) | null }>(EDIT_BEGIN_MUTATION, {
        id: orderId,
      });
      checkUserErrors('orderEditBegin', begun.orderEditBegin);
      const calculated = begun.orderEditBegin?.calculatedOrder;
      if (!calculated) throw new ShopifyAdminError('orderEditBegin: no calculated order', true);
      const lines = calculated.lineItems.nodes.filter((line) => line.variant?.id === variantGid && line.quantity > 0);
      // Nothing left to take out (a retry after the commit): the edit is simply not committed.
      if (lines.length === 0) return false;
      for (const line of lines) {
        const set = await call<{ orderEditSetQuantity: UserErrors | null }>(EDIT_SET_QUANTITY_MUTATION, {
          id: calculated.id,
          lineItemId: line.id,
          quantity: 0,
        });
        checkUserErrors('orderEditSetQuantity', set.orderEditSetQuantity);
      }
      const committed = await call<{ orderEditCommit: UserErrors | null }>(EDIT_COMMIT_MUTATION, { id: calculated.id, staffNote });
      checkUserErrors('orderEditCommit', committed.orderEditCommit);
      return true;
    },
  };
}
