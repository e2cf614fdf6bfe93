/**
 * The catalog's queries: products with their variants and per-currency prices (a product is written
 * whole, its variant set replaced), and the reads offers and decisions make of it (a variant's prices,
 * live stock). Every statement filters by shop id. Bumping the offers version that a catalog change
 * requires is the caller's, in the same transaction (store/offers `bumpOffersVersion`).
 */
import type { ProductInput, ProductView } from '../core/catalog';
import type { Db } from './database';

/** A variant of `variantIds` that belongs to a product other than `productId`, if any. */
export async function variantOfOtherProduct(
  db: Db,
  shopId: string,
  productId: string,
  variantIds: readonly string[],
): Promise<{ id: string; product_id: string } | undefined> {
  if (variantIds.length === 0) return undefined;
  return db
    .selectFrom('variants')
    .select(['id', 'product_id'])
    .where('shop_id', '=', shopId)
    .where('id', 'in', [...variantIds])
    .where('product_id', '!=', productId)
    .executeTakeFirst();
}

/** Creates or replaces the product: its title and image, and its whole variant set with their prices. */
export async function replaceProduct(trx: Db, shopId: string, productId: string, input: ProductInput, now: Date): Promise<void> {
  await trx
    .insertInto('products')
    .values({ shop_id: shopId, id: productId, title: input.title, image_url: input.imageUrl ?? null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['shop_id', 'id']).doUpdateSet({ title: input.title, image_url: input.imageUrl ?? null, updated_at: now }))
    .execute();
  // Replace the variant set: prices cascade with their variant.
  await trx.deleteFrom('variants').where('shop_id', '=', shopId).where('product_id', '=', productId).execute();
  if (input.variants.length === 0) return;
  await trx
    .insertInto('variants')
    .values(
      input.variants.map((variant, position) => ({
        shop_id: shopId,
        id: variant.id,
        product_id: productId,
        title: variant.title,
        stock: variant.stock ?? null,
        position,
      })),
    )
    .execute();
  const prices = input.variants.flatMap((variant) =>
    variant.prices.map((price) => ({ shop_id: shopId, variant_id: variant.id, currency: price.currency, amount: price.amount })),
  );
  if (prices.length > 0) await trx.insertInto('variant_prices').values(prices).execute();
}

/** Deletes the product (its variants and prices cascade); false when the shop has no such product. */
export async function deleteProductRow(trx: Db, shopId: string, productId: string): Promise<boolean> {
  const result = await trx.deleteFrom('products').where('shop_id', '=', shopId).where('id', '=', productId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The shop's products (all, or those of `productIds`) by id, each with its variants and their prices. */
export async function findProducts(db: Db, shopId: string, productIds: readonly string[] | null): Promise<ProductView[]> {
  let productQuery = db.selectFrom('products').selectAll().where('shop_id', '=', shopId);
  if (productIds) productQuery = productQuery.where('id', 'in', [...productIds]);
  const products = await productQuery.orderBy('id').execute();
  if (products.length === 0) return [];
  // The whole catalog (the admin's picker) is read by shop, not by a list of a thousand ids.
  let variantQuery = db.selectFrom('variants').selectAll().where('shop_id', '=', shopId);
  if (productIds)
    variantQuery = variantQuery.where(
      'product_id',
      'in',
      products.map((product) => product.id),
    );
  const variants = await variantQuery.orderBy('position').execute();
  let priceQuery = db.selectFrom('variant_prices').selectAll().where('shop_id', '=', shopId);
  if (productIds && variants.length > 0)
    priceQuery = priceQuery.where(
      'variant_id',
      'in',
      variants.map((variant) => variant.id),
    );
  const prices = variants.length === 0 ? [] : await priceQuery.orderBy('currency').execute();
  // Grouped once, in their query's order: not filtered again for every product and every variant.
  const pricesOf = groupBy(prices, (price) => price.variant_id);
  const variantsOf = groupBy(variants, (variant) => variant.product_id);
  return products.map((product) => ({
    id: product.id,
    title: product.title,
    imageUrl: product.image_url,
    updatedAt: product.updated_at.toISOString(),
    variants: (variantsOf.get(product.id) ?? []).map((variant) => ({
      id: variant.id,
      title: variant.title,
      stock: variant.stock,
      prices: (pricesOf.get(variant.id) ?? []).map((price) => ({ currency: price.currency, amount: price.amount })),
    })),
  }));
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** The products (ids) holding any of these variants. */
export async function productIdsOfVariants(db: Db, shopId: string, variantIds: readonly string[]): Promise<string[]> {
  if (variantIds.length === 0) return [];
  const rows = await db
    .selectFrom('variants')
    .select('product_id')
    .distinct()
    .where('shop_id', '=', shopId)
    .where('id', 'in', [...variantIds])
    .execute();
  return rows.map((row) => row.product_id);
}

export async function variantExists(db: Db, shopId: string, variantId: string): Promise<boolean> {
  const row = await db.selectFrom('variants').select('id').where('shop_id', '=', shopId).where('id', '=', variantId).executeTakeFirst();
  return row !== undefined;
}

/** The variant's price per currency, minor units per unit. */
export async function variantPrices(db: Db, shopId: string, variantId: string): Promise<{ currency: string; amount: number }[]> {
  return db.selectFrom('variant_prices').select(['currency', 'amount']).where('shop_id', '=', shopId).where('variant_id', '=', variantId).execute();
}

/** Current stock of the given variants (tracked ones only), by variant id. */
export async function liveStock(db: Db, shopId: string, variantIds: readonly string[]): Promise<Map<string, number | null>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('variants')
    .select(['id', 'stock'])
    .where('shop_id', '=', shopId)
    .where('id', 'in', [...variantIds])
    .execute();
  return new Map(rows.map((row) => [row.id, row.stock]));
}
