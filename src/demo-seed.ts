/**
 * The first `npm start` on an empty database creates a demo shop with a small catalog and two offers, so
 * the product can be tried at once. Its secret key is kept in `<dataDir>/demo-shop.json` (mode 600, next
 * to the embedded database) so later starts can print it again.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DemoShop } from './core/demo';
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
  if (saved && (await shopExists(ctx, saved.shopId))) return { ...saved, created: false };
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
  await writeFile(keyFile, JSON.stringify({ shopId: shop.id, secretKey: shop.secretKey }, null, 2));
  await chmod(keyFile, 0o600);
  return { shopId: shop.id, secretKey: shop.secretKey, created: true };
}

async function readSaved(keyFile: string): Promise<{ shopId: string; secretKey: string } | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(keyFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'shopId' in parsed && 'secretKey' in parsed) {
      const { shopId, secretKey } = parsed;
      if (typeof shopId === 'string' && typeof secretKey === 'string') return { shopId, secretKey };
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
