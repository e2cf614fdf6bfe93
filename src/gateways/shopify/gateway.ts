/**
 * Shopify as the gateway of an upsell it charged itself (the extension applied the signed changeset):
 * Plusone never authorizes or captures there. The one money movement left is the undo, a refund of
 * the changeset's charge plus an order edit that takes the added line out, both through the Admin API and
 * both safe to repeat: the refund carries the step key in its note and is not sent again once the order
 * shows it; the edit only runs while the line still has a quantity. A crash between the two leaves the
 * upsell marked for undo, and the worker's next `completeUndo` finishes what is left.
 */
import { orderGid, parseShopifyRef, type ShopifyUpsellRef } from '../../core/shopify';
import type { LookupResult, ModificationResult, PaymentGateway } from '../contract';
import { ShopifyAdminError, type ShopifyAdmin, type ShopifyOrderState, type ShopifyTransaction } from './admin';

/** Shopify's clock and ours may differ this much when telling the changeset's charge from the purchase's. */
const CLOCK_SKEW_MS = 30_000;

const notHere = (what: string) => Promise.reject(new Error(`Shopify charges post-purchase offers itself; Plusone does not ${what} there`));

/** Shopify's charge for the changeset: a successful sale or capture after it was signed, never the purchase's own (the first). */
export function changesetCharge(order: ShopifyOrderState, ref: ShopifyUpsellRef): ShopifyTransaction | null {
  const charges = order.transactions
    .filter((transaction) => (transaction.kind === 'SALE' || transaction.kind === 'CAPTURE') && transaction.status === 'SUCCESS')
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const after = ref.signedAt.getTime() - CLOCK_SKEW_MS;
  return charges.slice(1).find((transaction) => Date.parse(transaction.createdAt) >= after) ?? null;
}

function fromError(error: unknown): ModificationResult {
  if (error instanceof ShopifyAdminError) {
    return error.retryable ? { status: 'unknown', reason: error.message } : { status: 'failed', code: 'shopify_refused', message: error.message };
  }
  throw error;
}

export function createShopifyGateway(admin: ShopifyAdmin): PaymentGateway {
  /** The refund of the changeset's charge; with `removeLine` (an undo), then the order edit taking the line out. */
  async function undo(ref: ShopifyUpsellRef, idempotencyKey: string, removeLine: boolean): Promise<ModificationResult> {
    const orderId = orderGid(ref.referenceId);
    const order = await admin.order(orderId);
    if (!order) return { status: 'failed', code: 'order_not_found', message: `Shopify has no order ${orderId}` };
    const note = `plusone ${idempotencyKey}`;
    if (!order.refunds.some((refund) => refund.note === note)) {
      const charge = changesetCharge(order, ref);
      // Shopify may not show the charge yet: ask again later rather than refund the wrong transaction.
      if (!charge) return { status: 'unknown', reason: "the changeset's charge is not on the order yet" };
      await admin.refund({ orderId, parentId: charge.id, amount: charge.amountSet.shopMoney.amount, gateway: charge.gateway, note });
    }
    if (!removeLine) return { status: 'succeeded' };
    const upsellId = idempotencyKey.split(':')[0] ?? idempotencyKey;
    await admin.removeVariant(orderId, `gid://shopify/ProductVariant/${ref.variantId}`, `plusone ${upsellId}:remove`);
    return { status: 'succeeded' };
  }

  return {
    name: 'shopify',
    authorize: () => notHere('authorize'),
    completeAction: () => notHere('complete a 3-D Secure step'),
    // The window closing makes Shopify's charge final: nothing to capture.
    capture: async () => ({ status: 'succeeded' }),
    /**
     * Nothing was charged, but Shopify's order may hold the line (`partially_processed`: edited, payment
     * failed): the release takes the line out, so the buyer owes nothing for an item they did not pay for.
     */
    async void(refText, idempotencyKey) {
      const ref = parseShopifyRef(refText);
      if (!ref) return { status: 'failed', code: 'invalid_reference', message: `${refText} is not a Shopify upsell reference` };
      const upsellId = idempotencyKey.split(':')[0] ?? idempotencyKey;
      try {
        await admin.removeVariant(orderGid(ref.referenceId), `gid://shopify/ProductVariant/${ref.variantId}`, `plusone ${upsellId}:remove`);
        return { status: 'succeeded' };
      } catch (error) {
        return fromError(error);
      }
    },
    // `whole`: the undo (money back and the line out); without it, a merchant's refund after the window,
    // when the goods may have shipped: the money only.
    async refund(refText, _amount, _currency, idempotencyKey, options) {
      const ref = parseShopifyRef(refText);
      if (!ref) return { status: 'failed', code: 'invalid_reference', message: `${refText} is not a Shopify upsell reference` };
      try {
        return await undo(ref, idempotencyKey, options?.whole === true);
      } catch (error) {
        return fromError(error);
      }
    },
    lookup: async (): Promise<LookupResult> => ({ status: 'not_found' }),
  };
}
