import { describe, expect, it } from 'vitest';
import { catalogCurrencies, copyName, mainCurrency } from './offer-routes';

const product = (currencies: string[]) => ({
  id: currencies.join('-'),
  title: 'Thing',
  variants: [{ id: 'v', title: 'Default', stock: null, prices: currencies.map((currency) => ({ currency, amount: 100 })) }],
});

describe('the offer editor’s currencies and copies', () => {
  it('takes the shop’s main currency from its newest orders, else from the catalog', () => {
    const products = [product(['EUR', 'USD']), product(['EUR'])];
    expect(catalogCurrencies(products)).toEqual(['EUR', 'USD']);
    expect(mainCurrency([], products)).toBe('EUR');
    const order = (currency: string) => ({
      id: 'o',
      externalId: null,
      currency,
      total: 1,
      status: 'registered',
      createdAt: '',
      upsell: null,
      offerId: null,
    });
    expect(mainCurrency([order('USD'), order('USD'), order('EUR')], products)).toBe('USD');
    expect(mainCurrency([], [])).toBe('USD');
  });

  it('names a copy “… (copy)” within 200 characters', () => {
    expect(copyName('Mugs')).toBe('Mugs (copy)');
    expect(copyName('x'.repeat(200))).toHaveLength(200);
    expect(copyName('x'.repeat(200)).endsWith(' (copy)')).toBe(true);
  });
});
