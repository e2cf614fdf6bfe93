import { describe, expect, it } from 'vitest';
import type { DecidedOffer } from './decisions';
import {
  changesFor,
  formatShopifyRef,
  moneyToMinor,
  notEditableReason,
  parseShopifyRef,
  purchaseOrder,
  shopifyMinimumCharge,
  shopifyVariantNumber,
  type ShopifyInputData,
} from './shopify';

const usd = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' }, presentmentMoney: { amount, currencyCode: 'USD' } });

function input(overrides: Partial<ShopifyInputData['initialPurchase']> = {}): ShopifyInputData {
  return {
    shop: { domain: 'acme.myshopify.com' },
    locale: 'en',
    initialPurchase: {
      referenceId: '5012345678901',
      destinationCountryCode: 'US',
      totalPriceSet: usd('45.49'),
      lineItems: [
        { product: { id: 8123456789017, title: 'Coffee', variant: { id: 4123456789011, title: '500 g' } }, quantity: 2, totalPriceSet: usd('36.00') },
      ],
      ...overrides,
    },
  };
}

const offer: DecidedOffer = {
  id: 'off_1',
  productId: '8123456789033',
  variantId: '4123456789037',
  title: 'Filters',
  variantTitle: '100',
  imageUrl: null,
  quantity: 1,
  currency: 'USD',
  unitPrice: 650,
  compareAtPrice: 650,
  discountAmount: 130,
  taxAmount: 0,
  shippingAmount: 0,
  total: 520,
  buttonCopyId: null,
  buttonText: 'Add for $5.20',
  cardText: '',
  locale: 'en-US',
};

describe('Shopify money and purchases', () => {
  it('reads decimal strings exactly as minor units, and refuses more digits than the currency has', () => {
    expect(moneyToMinor({ amount: '19.99', currencyCode: 'USD' })).toBe(1999);
    expect(moneyToMinor({ amount: '7', currencyCode: 'USD' })).toBe(700);
    expect(moneyToMinor({ amount: '1999', currencyCode: 'JPY' })).toBe(1999);
    expect(moneyToMinor({ amount: '1.005', currencyCode: 'USD' })).toBeNull();
    expect(moneyToMinor({ amount: '-1.00', currencyCode: 'USD' })).toBeNull();
    expect(moneyToMinor({ amount: '1.00', currencyCode: 'XYZ' })).toBeNull();
  });

  it('turns the purchase into an order with numeric ids as strings, the rest of the total as shipping', () => {
    expect(purchaseOrder(input())).toEqual({
      externalId: '5012345678901',
      currency: 'USD',
      lines: [{ productId: '8123456789017', variantId: '4123456789011', title: 'Coffee — 500 g', quantity: 2, unitPrice: 1800 }],
      subtotal: 3600,
      shippingTotal: 949,
      taxTotal: 0,
      total: 4549,
      locale: 'en',
      customer: { country: 'US' },
    });
  });

  it('says why Shopify cannot edit a purchase', () => {
    expect(notEditableReason(input())).toBeNull();
    expect(notEditableReason(input({ destinationCountryCode: undefined }))).toMatch(/shipping address/);
    const euros = { shopMoney: { amount: '45.49', currencyCode: 'USD' }, presentmentMoney: { amount: '42.00', currencyCode: 'EUR' } };
    expect(notEditableReason(input({ totalPriceSet: euros }))).toMatch(/EUR/);
  });

  it('has a $0.50 minimum', () => {
    expect(shopifyMinimumCharge('USD')).toBe(50);
    expect(shopifyMinimumCharge('JPY')).toBe(50);
    expect(shopifyMinimumCharge('KWD')).toBe(500);
  });
});

describe('changesets', () => {
  it('builds add_variant with the numeric variant id and the discount from the decision', () => {
    expect(changesFor(offer, { type: 'percentage', value: 20 }, '20% off')).toEqual([
      { type: 'add_variant', variantId: 4123456789037, quantity: 1, discount: { value: 20, valueType: 'percentage', title: '20% off' } },
    ]);
    expect(changesFor(offer, { type: 'fixed' }, '$1.30 off')).toEqual([
      { type: 'add_variant', variantId: 4123456789037, quantity: 1, discount: { value: 1.3, valueType: 'fixed_amount', title: '$1.30 off' } },
    ]);
    expect(changesFor({ ...offer, discountAmount: 0 }, null, '')).toEqual([{ type: 'add_variant', variantId: 4123456789037, quantity: 1 }]);
    expect(changesFor({ ...offer, variantId: 'filters-100' }, null, '')).toBeNull();
  });

  it('reads variant ids as numbers or Admin API gids', () => {
    expect(shopifyVariantNumber('44123456789012')).toBe(44123456789012);
    expect(shopifyVariantNumber('gid://shopify/ProductVariant/44123456789012')).toBe(44123456789012);
    expect(shopifyVariantNumber('gid://shopify/Product/1')).toBeNull();
    expect(shopifyVariantNumber('0')).toBeNull();
  });

  it('keeps what an undo needs in the upsell reference, and reads it back', () => {
    const ref = { referenceId: '5012345678901', variantId: 4123456789037, quantity: 1, signedAt: new Date('2026-12-03T12:00:00Z') };
    const text = formatShopifyRef(ref);
    expect(text).toBe('shopify:v1:5012345678901:4123456789037:1:1796299200');
    expect(parseShopifyRef(text)).toEqual(ref);
    expect(parseShopifyRef('sbx_123')).toBeNull();
  });
});
