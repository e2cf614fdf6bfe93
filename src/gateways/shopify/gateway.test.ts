import { describe, expect, it } from 'vitest';
import type { ShopifyOrderState, ShopifyTransaction } from './admin';
import { changesetCharge } from './gateway';

const transaction = (id: string, kind: string, status: string, createdAt: string, amount = '5.62'): ShopifyTransaction => ({
  id: `gid://shopify/OrderTransaction/${id}`,
  kind,
  status,
  gateway: 'bogus',
  createdAt,
  amountSet: { shopMoney: { amount, currencyCode: 'USD' } },
});

const order = (transactions: ShopifyTransaction[]): ShopifyOrderState => ({
  id: 'gid://shopify/Order/1',
  displayFulfillmentStatus: 'UNFULFILLED',
  cancelledAt: null,
  refunds: [],
  transactions,
});

const ref = { referenceId: '1', variantId: 2, quantity: 1, signedAt: new Date('2026-12-03T12:00:10Z') };

describe("the changeset's charge on Shopify's order", () => {
  it('is the first successful sale or capture after the signing, never the purchase’s own', () => {
    const found = changesetCharge(
      order([
        transaction('3', 'SALE', 'SUCCESS', '2026-12-03T12:00:20Z'),
        transaction('1', 'SALE', 'SUCCESS', '2026-12-03T12:00:00Z', '45.49'),
        transaction('2', 'SALE', 'FAILURE', '2026-12-03T12:00:15Z'),
      ]),
      ref,
    );
    expect(found?.id).toBe('gid://shopify/OrderTransaction/3');
  });

  it('is none while Shopify shows only the purchase (ask again later), or only sales from before the signing', () => {
    expect(changesetCharge(order([transaction('1', 'SALE', 'SUCCESS', '2026-12-03T12:00:00Z')]), ref)).toBeNull();
    const early = [transaction('1', 'SALE', 'SUCCESS', '2026-12-03T11:00:00Z'), transaction('2', 'CAPTURE', 'SUCCESS', '2026-12-03T11:10:00Z')];
    expect(changesetCharge(order(early), ref)).toBeNull();
    expect(changesetCharge(order([...early, transaction('3', 'REFUND', 'SUCCESS', '2026-12-03T12:01:00Z')]), ref)).toBeNull();
  });
});
