/** Products, variants, per-currency prices and optional stock. `PUT` replaces a product as a whole. */
import type { ProductInput, ProductView } from '../core/catalog';
import { DomainError, notFound } from '../core/errors';
import { isCurrency } from '../core/money';
import { deleteProductRow, findProducts, productIdsOfVariants, replaceProduct, variantOfOtherProduct } from '../store/catalog';
import type { Db } from '../store/database';
import type { EngineContext } from './context';
import { bumpOffersVersion } from '../store/offers';

export type { ProductInput, ProductView, VariantInput } from '../core/catalog';

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
    const taken = await variantOfOtherProduct(
      trx,
      shopId,
      productId,
      input.variants.map((variant) => variant.id),
    );
    if (taken) {
      throw new DomainError('invalid_request', `Variant ${taken.id} already belongs to product ${taken.product_id}`);
    }
    await replaceProduct(trx, shopId, productId, input, now);
    // Last, so the shop row (which every change of this shop bumps) is locked only until the commit.
    return bumpOffersVersion(trx, shopId);
  });
  ctx.caches.offers.forget(shopId, version);
  return getProduct(ctx.db, shopId, productId);
}

export async function getProduct(db: Db, shopId: string, productId: string): Promise<ProductView> {
  const [product] = await findProducts(db, shopId, [productId]);
  if (!product) throw notFound('Product');
  return product;
}

/** The shop's products, or only those holding one of `variantIds` (the admin's list of offers names their variants). */
export async function listProducts(db: Db, shopId: string, variantIds?: string | readonly string[]): Promise<ProductView[]> {
  if (variantIds === undefined) return findProducts(db, shopId, null);
  const productIds = await productIdsOfVariants(db, shopId, typeof variantIds === 'string' ? [variantIds] : variantIds);
  return productIds.length === 0 ? [] : findProducts(db, shopId, productIds);
}

export async function deleteProduct(ctx: EngineContext, shopId: string, productId: string): Promise<void> {
  const version = await ctx.db.transaction().execute(async (trx) => {
    // Thrown inside the transaction: an unknown product bumps no version (a refused request writes nothing).
    if (!(await deleteProductRow(trx, shopId, productId))) throw notFound('Product');
    return bumpOffersVersion(trx, shopId);
  });
  ctx.caches.offers.forget(shopId, version);
}
