/** The catalog's vocabulary: products with their variants, per-currency prices and optional stock. */

export interface VariantInput {
  id: string;
  title: string;
  prices: { currency: string; amount: number }[];
  /** Units available; absent or null means stock is not tracked. */
  stock?: number | null;
}

/** A product as `PUT` writes it: the whole product, its variant set replaced. */
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
