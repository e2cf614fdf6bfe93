/** Products, variants, per-currency prices and optional stock. `PUT` replaces a product as a whole. */
import { DomainError, notFound } from '../core/errors';
import { isCurrency } from '../core/money';
import type { Db } from '../store/database';
import type { EngineContext } from './context';
import { bumpOffersVersion } from '../store/offers';

export interface VariantInput {
  id: string;
  title: string;
  prices: { currency: string; amount: number }[];
  /** Units available; absent or null means stock is not tracked. */
  stock?: number | null;
}

export interface ProductInput {
  title: string;
  imageUrl?: string | null;
  variants: VariantInput[];
}

export interface ProductView {
  id: string;
  title: string;
  imageUrl: string | null;
  variants: { id: string; title: string; prices: { currency: string; amount: number }[]; stock: number | null }[];
  updatedAt: string;
}

function validate(input: ProductInput): void {
  const seen = new Set<string>();
  for (const variant of input.variants) {
    if (seen.has(variant.id)) throw new DomainError('invalid_request', `Variant ${variant.id} appears twice`);
    seen.add(variant.id);
    const currencies = new Set<string>();
    for (const price of variant.prices) {
      if (!isCurrency(price.currency)) throw new DomainError('invalid_currency', `${price.currency} is not an ISO 4217 currency code`);
      if (currencies.has(price.currency)) throw new DomainError('invalid_request', `Variant ${variant.id} has two ${price.currency} prices`);
      currencies.add(price.currency);
    }
  }
}

export async function putProduct(ctx: EngineContext, shopId: string, productId: string, input: ProductInput): Promise<ProductView> {
  validate(input);
  const now = ctx.clock.now();
  // Titles, prices and stock tracking are part of the compiled offers: every change bumps their version.
  const version = await ctx.db.transaction().execute(async (trx) => {
    const variantIds = input.variants.map((variant) => variant.id);
    if (variantIds.length > 0) {
      const taken = await trx
        .selectFrom('variants')
        .select(['id', 'product_id'])
        .where('shop_id', '=', shopId)
        .where('id', 'in', variantIds)
        .where('product_id', '!=', productId)
        .executeTakeFirst();
      if (taken) {
        throw new DomainError('invalid_request', `Variant ${taken.id} already belongs to product ${taken.product_id}`);
      }
    }
    await trx
      .insertInto('products')
      .values({ shop_id: shopId, id: productId, title: input.title, image_url: input.imageUrl ?? null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['shop_id', 'id']).doUpdateSet({ title: input.title, image_url: input.imageUrl ?? null, updated_at: now }))
      .execute();
    // Replace the variant set: prices cascade with their variant.
    await trx.deleteFrom('variants').where('shop_id', '=', shopId).where('product_id', '=', productId).execute();
    if (input.variants.length === 0) return bumpOffersVersion(trx, shopId);
    await trx
      .insertInto('variants')
      .values(input.variants.map((variant, position) => ({
        shop_id: shopId, id: variant.id, product_id: productId, title: variant.title, stock: variant.stock ?? null, position,
      })))
      .execute();
    const prices = input.variants.flatMap((variant) =>
      variant.prices.map((price) => ({ shop_id: shopId, variant_id: variant.id, currency: price.currency, amount: price.amount })));
    if (prices.length > 0) await trx.insertInto('variant_prices').values(prices).execute();
    // Last, so the shop row (which every change of this shop bumps) is locked only until the commit.
    return bumpOffersVersion(trx, shopId);
  });
  ctx.caches?.offers.forget(shopId, version);
  return getProduct(ctx.db, shopId, productId);
}

export async function getProduct(db: Db, shopId: string, productId: string): Promise<ProductView> {
  const [product] = await listProductsWhere(db, shopId, [productId]);
  if (!product) throw notFound('Product');
  return product;
}

export async function listProducts(db: Db, shopId: string): Promise<ProductView[]> {
  return listProductsWhere(db, shopId, null);
}

async function listProductsWhere(db: Db, shopId: string, productIds: string[] | null): Promise<ProductView[]> {
  let productQuery = db.selectFrom('products').selectAll().where('shop_id', '=', shopId);
  if (productIds) productQuery = productQuery.where('id', 'in', productIds);
  const products = await productQuery.orderBy('id').execute();
  if (products.length === 0) return [];
  const ids = products.map((product) => product.id);
  const variants = await db
    .selectFrom('variants')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('product_id', 'in', ids)
    .orderBy('position')
    .execute();
  const prices = variants.length === 0 ? [] : await db
    .selectFrom('variant_prices')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('variant_id', 'in', variants.map((variant) => variant.id))
    .orderBy('currency')
    .execute();
  return products.map((product) => ({
    id: product.id,
    title: product.title,
    imageUrl: product.image_url,
    updatedAt: product.updated_at.toISOString(),
    variants: variants
      .filter((variant) => variant.product_id === product.id)
      .map((variant) => ({
        id: variant.id,
        title: variant.title,
        stock: variant.stock,
        prices: prices.filter((price) => price.variant_id === variant.id).map((price) => ({ currency: price.currency, amount: price.amount })),
      })),
  }));
}

export async function deleteProduct(ctx: EngineContext, shopId: string, productId: string): Promise<void> {
  const version = await ctx.db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('products').where('shop_id', '=', shopId).where('id', '=', productId).executeTakeFirst();
    // Thrown inside the transaction: an unknown product bumps no version (a refused request writes nothing).
    if (result.numDeletedRows === 0n) throw notFound('Product');
    return bumpOffersVersion(trx, shopId);
  });
  ctx.caches?.offers.forget(shopId, version);
}
