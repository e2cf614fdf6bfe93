/**
 * Shopify's webhooks in (`POST /v1/webhooks/shopify`): routed by `X-Shopify-Shop-Domain`, verified by
 * `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the exact body bytes with the app's API secret, compared
 * in constant time), handled once per `X-Shopify-Webhook-Id` (Shopify redelivers until it gets a 2xx).
 * - `app/uninstalled`: the shop's Shopify settings are disabled (the extension routes refuse it).
 * - `orders/updated`: what becomes of a purchase (fulfilled, partly fulfilled = released, cancelled) is
 *   kept, so a late undo answers `409 undo_window_closed` instead of editing an order being shipped; and
 *   a changeset Shopify applied whose outcome never arrived (its line is on the order) is recorded.
 * Other topics are acknowledged and ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../core/errors';
import { claimPspEvent, releasePspEvent } from '../store/psp-events';
import type { ShopifyPurchaseState } from '../store/schema';
import { announceShopChange, lockShop, saveShop } from '../store/shops';
import { markShopifyUninstalled, shopifyShopByDomain, updateShopifyPurchase } from '../store/shopify';
import type { UpsellContext } from './context';
import { DEFAULT_SETTINGS } from '../core/settings';
import { reconcileFromOrder } from './shopify-purchase';

export interface ShopifyWebhook {
  readonly rawBody: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export type ShopifyWebhookOutcome = { readonly handled: boolean; readonly duplicate: boolean; readonly topic: string };

const unauthorized = (why: string) => new DomainError('unauthorized', `The Shopify webhook is not verified: ${why}`);

function verified(rawBody: string, secret: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The purchase state an `orders/updated` body reports, or null when it says nothing new. */
export function purchaseStateOf(order: { fulfillment_status?: unknown; cancelled_at?: unknown }): ShopifyPurchaseState | null {
  if (order.cancelled_at) return 'cancelled';
  if (order.fulfillment_status === 'fulfilled') return 'fulfilled';
  if (order.fulfillment_status === 'partial') return 'released';
  return null;
}

/**
 * The `line_items` of a REST order body as variant and quantity now (`current_quantity`, which an edit
 * lowers; `quantity` stays as bought), lines without a variant skipped.
 */
function linesOf(items: unknown): { variantId: number; quantity: number }[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: { variant_id?: unknown; quantity?: unknown; current_quantity?: unknown }) => {
    const quantity = typeof item.current_quantity === 'number' ? item.current_quantity : item.quantity;
    return typeof item.variant_id === 'number' && typeof quantity === 'number' ? [{ variantId: item.variant_id, quantity }] : [];
  });
}

async function uninstall(ctx: UpsellContext, shopId: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await markShopifyUninstalled(trx, shopId, now);
    const shop = await lockShop(trx, shopId);
    const current = shop ? { ...DEFAULT_SETTINGS, ...shop.settings } : null;
    if (!shop || !current?.shopify) return;
    const credentials = { sealed: shop.gateway_credentials, view: shop.gateway_credentials_view };
    await saveShop(trx, shopId, { name: shop.name, settings: { ...current, shopify: { ...current.shopify, installed: false } }, credentials, now });
    await announceShopChange(trx, shopId);
  });
  ctx.caches.shops.forget(shopId);
}

async function handle(ctx: UpsellContext, shopId: string, topic: string, body: unknown): Promise<boolean> {
  switch (topic) {
    case 'app/uninstalled':
      await uninstall(ctx, shopId);
      return true;
    case 'orders/updated': {
      const order = (body ?? {}) as { id?: unknown; fulfillment_status?: unknown; cancelled_at?: unknown; line_items?: unknown };
      if (typeof order.id !== 'number' && typeof order.id !== 'string') return false;
      const referenceId = String(order.id);
      // A changeset Shopify applied whose outcome never reached Plusone: recorded before the state moves on.
      const reconciled = await reconcileFromOrder(ctx, shopId, referenceId, linesOf(order.line_items));
      const state = purchaseStateOf(order);
      if (state) await updateShopifyPurchase(ctx.db, shopId, referenceId, { state }, ctx.clock.now());
      return reconciled || state !== null;
    }
    default:
      return false;
  }
}

export async function receiveShopifyWebhook(ctx: UpsellContext, webhook: ShopifyWebhook): Promise<ShopifyWebhookOutcome> {
  const domain = webhook.headers['x-shopify-shop-domain']?.toLowerCase();
  const shopify = domain ? await shopifyShopByDomain(ctx.db, domain) : undefined;
  if (!shopify) throw unauthorized('no shop is set up for that store domain');
  const { apiSecret } = ctx.gateways.openShopify(shopify.shop_id, shopify.secrets);
  if (!verified(webhook.rawBody, apiSecret, webhook.headers['x-shopify-hmac-sha256'])) throw unauthorized('the HMAC does not match');
  const topic = webhook.headers['x-shopify-topic'] ?? '';
  let body: unknown;
  try {
    body = JSON.parse(webhook.rawBody);
  } catch {
    throw new DomainError('invalid_json', 'The Shopify webhook body is not JSON');
  }
  const webhookId = webhook.headers['x-shopify-webhook-id'];
  if (webhookId && !(await claimPspEvent(ctx.db, shopify.shop_id, 'shopify', webhookId, ctx.clock.now()))) {
    return { handled: false, duplicate: true, topic };
  }
  try {
    return { handled: await handle(ctx, shopify.shop_id, topic, body), duplicate: false, topic };
  } catch (error) {
    // Not handled: the id is given back, so Shopify's redelivery is.
    if (webhookId) await releasePspEvent(ctx.db, shopify.shop_id, 'shopify', webhookId);
    throw error;
  }
}
