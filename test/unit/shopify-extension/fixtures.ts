/**
 * One purchase on Shopify's post-purchase page, shaped exactly like the library's types: the input data
 * both extension points get, Plusone's offer for it (Paper Filters, 20% off) and Shopify's answers to the
 * offer's changeset.
 */
import type { PostPurchaseRenderApi } from '@shopify/post-purchase-ui-extensions';

export type InputData = PostPurchaseRenderApi['inputData'];
export type CalculateResult = Awaited<ReturnType<PostPurchaseRenderApi['calculateChangeset']>>;
export type ApplyResult = Awaited<ReturnType<PostPurchaseRenderApi['applyChangeset']>>;
export type ChangesetErrorCode = ApplyResult['errors'][number]['code'];

export const API_BASE = 'https://plusone.test';
export const INPUT_TOKEN = 'shopify-input-token';
export const REFERENCE_ID = '7010101';
export const CHANGESET_TOKEN = 'signed-changeset-jwt';

const usd = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' }, presentmentMoney: { amount, currencyCode: 'USD' } });

export function inputData(overrides: Partial<InputData> = {}): InputData {
  return {
    extensionPoint: 'Checkout::PostPurchase::Render',
    initialPurchase: {
      referenceId: REFERENCE_ID,
      customerId: '5001',
      destinationCountryCode: 'US',
      totalPriceSet: usd('54.00'),
      lineItems: [
        {
          product: { id: 8001, title: 'Pour-over Kettle', variant: { id: 44001, title: 'Matte black', metafields: [] }, metafields: [] },
          quantity: 1,
          totalPriceSet: usd('54.00'),
        },
      ],
    },
    locale: 'en-US',
    shop: { id: 6001, domain: 'plusone-demo.myshopify.com', metafields: [] },
    token: INPUT_TOKEN,
    version: 'unstable',
    ...overrides,
  };
}

/** Plusone's offer: the variant with 20% off, $7.00 listed, $5.60 net, $0.42 tax, $6.02 in all. */
export const OFFER = {
  id: 'off_paper_filters',
  title: 'Paper Filters',
  variantTitle: 'Pack of 100',
  imageUrl: 'https://cdn.shopify.test/paper-filters.png',
  quantity: 1,
  currency: 'USD',
  unitPrice: 700,
  compareAtPrice: 700,
  discountAmount: 140,
  taxAmount: 42,
  shippingAmount: 0,
  total: 602,
  buttonText: 'Add for $6.02',
  cardText: null,
  expiresAt: '2025-07-01T13:00:00.000Z',
  changes: [{ type: 'add_variant', variantId: 44003, quantity: 1, discount: { value: 20, valueType: 'percentage', title: 'Plusone 20% off' } }],
};

export const OFFER_ANSWER = { referenceId: REFERENCE_ID, orderId: 'ord_1', offer: OFFER };

/** What ShouldRender stores and Render reads back. */
export const STORED = { referenceId: REFERENCE_ID, offer: OFFER };

/**
 * Shopify's calculation: the filters' line $5.60, $1.00 shipping, $0.42 tax, $7.02 to pay now. The
 * purchase's subtotal ($59.60) counts the kettle already paid for too.
 */
export const CALCULATED: CalculateResult = {
  status: 'processed',
  errors: [],
  calculatedPurchase: {
    subtotalPriceSet: usd('59.60'),
    totalPriceSet: usd('61.02'),
    addedTaxLines: [{ priceSet: usd('0.42'), rate: 0.075, title: 'State tax' }],
    updatedLineItems: [
      { totalPriceSet: usd('5.60'), priceSet: usd('7.00'), productId: 8003, variantId: 44003, productHandle: 'paper-filters', quantity: 1 },
    ],
    addedShippingLines: [{ priceSet: usd('1.00'), presentmentTitle: 'Standard' }],
    totalOutstandingSet: usd('7.02'),
  },
};

export const PROCESSED: ApplyResult = { status: 'processed', errors: [], changesetApplicationsRemaining: 2 };

export function unprocessed(code: ChangesetErrorCode, status: ApplyResult['status'] = 'unprocessed'): ApplyResult {
  return { status, errors: [{ code, message: `Shopify says ${code}` }], changesetApplicationsRemaining: 3 };
}
