/**
 * The first `npm start` on an empty database creates a demo shop with a small catalog and two offers, so
 * the product can be tried at once. Its secret key is kept in `<dataDir>/demo-shop.json` (mode 600, next
 * to the embedded database) so later starts can print it again.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_SHOPIFY_CURRENCY, DEMO_SHOPIFY_DOMAIN, DEMO_SHOPIFY_PRODUCTS, type DemoShop, type DemoShopifyShop } from './core/demo';
import { putProduct } from './engine/catalog';
import type { EngineContext } from './engine/context';
import type { UpsellContext } from './engine/context';
import { createOffer } from './engine/offers';
import { countShops, createShop, getShop } from './engine/shops';

export type { DemoShop };

const DEMO_PRODUCTS = [
  {
    id: 'house-blend',
    title: 'House Blend Coffee',
    variant: { id: 'house-blend-500g', title: '500 g, whole bean', usd: 1800, eur: 1700, stock: 250 },
  },
  { id: 'pour-over', title: 'Ceramic Pour-Over Dripper', variant: { id: 'pour-over-white', title: 'White', usd: 2400, eur: 2300, stock: 40 } },
  { id: 'filters', title: 'Paper Filters', variant: { id: 'filters-100', title: 'Pack of 100', usd: 650, eur: 600, stock: 500 } },
  { id: 'travel-mug', title: 'Insulated Travel Mug', variant: { id: 'travel-mug-black', title: 'Black, 350 ml', usd: 2200, eur: 2100, stock: 60 } },
];

export async function ensureDemoShop(ctx: UpsellContext, dataDir: string, publicUrl: string): Promise<DemoShop | null> {
  const keyFile = path.join(dataDir, 'demo-shop.json');
  const saved = await readSaved(keyFile);
  if (saved && (await shopExists(ctx, saved.shopId))) {
    // A data folder from before the Shopify demo gets its Shopify store now.
    const shopify = saved.shopify && (await shopExists(ctx, saved.shopify.shopId)) ? saved.shopify : await seedShopifyDemo(ctx);
    if (shopify !== saved.shopify) await save(keyFile, { shopId: saved.shopId, secretKey: saved.secretKey, shopify });
    return { shopId: saved.shopId, secretKey: saved.secretKey, shopify, created: false };
  }
  if ((await countShops(ctx)) > 0) return null;

  const shop = await createShop(ctx, {
    name: 'Northwind Coffee (demo)',
    settings: { allowedOrigins: [publicUrl] },
  });
  for (const product of DEMO_PRODUCTS) {
    await putProduct(ctx, shop.id, product.id, {
      title: product.title,
      imageUrl: `/demo/images/${product.id}.svg`,
      variants: [
        {
          id: product.variant.id,
          title: product.variant.title,
          stock: product.variant.stock,
          prices: [
            { currency: 'USD', amount: product.variant.usd },
            { currency: 'EUR', amount: product.variant.eur },
          ],
        },
      ],
    });
  }
  await createOffer(ctx, shop.id, {
    name: 'Filters for coffee buyers',
    variantId: 'filters-100',
    discount: { type: 'percentage', value: 20 },
    priority: 10,
    rules: { anyProductIds: ['house-blend', 'pour-over'] },
  });
  await createOffer(ctx, shop.id, {
    name: 'Travel mug, 15% off',
    variantId: 'travel-mug-black',
    discount: { type: 'percentage', value: 15 },
    priority: 0,
  });
  const shopify = await seedShopifyDemo(ctx);
  await save(keyFile, { shopId: shop.id, secretKey: shop.secretKey, shopify });
  return { shopId: shop.id, secretKey: shop.secretKey, shopify, created: true };
}

interface SavedDemo {
  shopId: string;
  secretKey: string;
  shopify: DemoShopifyShop | null;
}

async function save(keyFile: string, saved: SavedDemo): Promise<void> {
  await writeFile(keyFile, JSON.stringify(saved, null, 2));
  await chmod(keyFile, 0o600);
}

/**
 * The demo's Shopify store (`/demo/shopify`): a second shop configured for Shopify post-purchase, its
 * app credentials made up here (the demo's fake Shopify signs with them), the store's catalog with
 * Shopify's numeric ids, and one offer — paper filters, 20% off, for buyers of coffee or the dripper.
 */
async function seedShopifyDemo(ctx: UpsellContext): Promise<DemoShopifyShop> {
  const app = { apiKey: ctx.ids.secret('demo_app'), apiSecret: ctx.ids.secret('shpss_demo'), adminAccessToken: ctx.ids.secret('shpat_demo') };
  const shop = await createShop(ctx, {
    name: 'Northwind Coffee on Shopify (demo)',
    settings: { shopify: { shopDomain: DEMO_SHOPIFY_DOMAIN, ...app } },
  });
  const images = ['house-blend', 'pour-over', 'filters'];
  for (const [index, product] of DEMO_SHOPIFY_PRODUCTS.entries()) {
    await putProduct(ctx, shop.id, String(product.productId), {
      title: product.title,
      imageUrl: images[index] ? `/demo/images/${images[index]}.svg` : null,
      variants: [
        { id: String(product.variantId), title: product.variantTitle, prices: [{ currency: DEMO_SHOPIFY_CURRENCY, amount: product.price }] },
      ],
    });
  }
  const [coffee, dripper, filters] = DEMO_SHOPIFY_PRODUCTS;
  if (coffee && dripper && filters) {
    await createOffer(ctx, shop.id, {
      name: 'Filters for coffee buyers (Shopify)',
      variantId: String(filters.variantId),
      discount: { type: 'percentage', value: 20 },
      priority: 10,
      rules: { anyProductIds: [String(coffee.productId), String(dripper.productId)] },
    });
  }
  return { shopId: shop.id, secretKey: shop.secretKey, shopDomain: DEMO_SHOPIFY_DOMAIN, ...app };
}

async function readSaved(keyFile: string): Promise<SavedDemo | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(keyFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'shopId' in parsed && 'secretKey' in parsed) {
      const { shopId, secretKey } = parsed;
      const shopify = 'shopify' in parsed ? (parsed.shopify as DemoShopifyShop | null) : null;
      if (typeof shopId === 'string' && typeof secretKey === 'string') return { shopId, secretKey, shopify: shopify ?? null };
    }
  } catch {
    // no saved demo shop
  }
  return null;
}

async function shopExists(ctx: EngineContext, shopId: string): Promise<boolean> {
  return getShop(ctx, shopId).then(
    () => true,
    () => false,
  );
}
