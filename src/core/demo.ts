/** The demo shop `npm start` seeds on an empty database (src/demo-seed.ts), as the demo pages know it. */
export interface DemoShop {
  shopId: string;
  secretKey: string;
  created: boolean;
  /** The demo's Shopify store (a second shop, configured for Shopify post-purchase; see docs/shopify.md). */
  shopify: DemoShopifyShop | null;
}

/** The Shopify app credentials of the demo's fake Shopify store, as a merchant's Plusone shop holds them. */
export interface DemoShopifyShop {
  shopId: string;
  secretKey: string;
  shopDomain: string;
  apiKey: string;
  apiSecret: string;
  adminAccessToken: string;
}

/** A product of the demo's Shopify store: numeric ids, as Shopify's are (some Luhn-valid on purpose). */
export interface DemoShopifyProduct {
  readonly productId: number;
  readonly variantId: number;
  readonly title: string;
  readonly variantTitle: string;
  /** USD minor units. */
  readonly price: number;
}

export const DEMO_SHOPIFY_DOMAIN = 'northwind-demo.myshopify.com';
export const DEMO_SHOPIFY_CURRENCY = 'USD';

/**
 * The demo Shopify store's catalog. The variant ids are 13-digit, Visa-prefixed, Luhn-valid numbers — the
 * shape of a card number, which the card screen's id allowance must let through (core/card-data rule 4).
 * The last one is the upsell.
 */
export const DEMO_SHOPIFY_PRODUCTS: readonly DemoShopifyProduct[] = [
  { productId: 8123456789017, variantId: 4123456789011, title: 'House Blend Coffee', variantTitle: '500 g, whole bean', price: 1800 },
  { productId: 8123456789025, variantId: 4123456789029, title: 'Ceramic Pour-Over Dripper', variantTitle: 'White', price: 2400 },
  { productId: 8123456789033, variantId: 4123456789037, title: 'Paper Filters', variantTitle: 'Pack of 100', price: 650 },
];
