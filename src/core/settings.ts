/** Shop settings (API.md "Operator"): defaults, and the merge of a partial update onto stored settings. */

import type { GatewayName } from './gateways';

export const CAPTURE_MODES = ['after_window', 'immediate'] as const;
export const ORDER_STRATEGIES = ['update_original', 'linked_order'] as const;

export type CaptureMode = (typeof CAPTURE_MODES)[number];
export type OrderStrategy = (typeof ORDER_STRATEGIES)[number];

export interface ShopSettings {
  /** How long after authorization the buyer can undo; the capture happens after it. */
  undoWindowSeconds: number;
  captureMode: CaptureMode;
  orderStrategy: OrderStrategy;
  /** Lifetime of a post-purchase session token from order registration. */
  sessionTtlSeconds: number;
  /** Origins allowed to call the checkout API from a browser (exact `scheme://host[:port]`). */
  allowedOrigins: string[];
  gateway: GatewayName;
  /** Where outbound webhooks go; null sends none. */
  webhookUrl: string | null;
  /** Locale for buyer-facing text when an order carries none. */
  defaultLocale: string;
  /** The shop's Shopify app (docs/shopify.md), secrets masked; null when the shop is not on Shopify. */
  shopify: ShopifySettingsView | null;
}

/** `settings.shopify` as the API shows it: secrets as `…last4` (they are sealed apart, see store/shopify). */
export interface ShopifySettingsView {
  shopDomain: string;
  apiKey: string;
  apiSecret: string;
  adminAccessToken: string | null;
  /** False once Shopify reported `app/uninstalled`: the extension routes refuse the shop until it is set again. */
  installed: boolean;
}

export const DEFAULT_SETTINGS: ShopSettings = {
  undoWindowSeconds: 60,
  captureMode: 'after_window',
  orderStrategy: 'update_original',
  sessionTtlSeconds: 900,
  allowedOrigins: [],
  gateway: 'sandbox',
  webhookUrl: null,
  defaultLocale: 'en-US',
  shopify: null,
};

export function mergeSettings(current: ShopSettings, update: Partial<ShopSettings>): ShopSettings {
  const merged = { ...current };
  for (const [key, value] of Object.entries(update) as [keyof ShopSettings, ShopSettings[keyof ShopSettings]][]) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  merged.allowedOrigins = merged.allowedOrigins.map(normalizeOrigin);
  return merged;
}

/** "https://Shop.example.com/" → "https://shop.example.com": the form browsers send in `Origin`. */
export function normalizeOrigin(origin: string): string {
  const url = new URL(origin);
  return url.origin;
}
