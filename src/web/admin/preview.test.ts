import { describe, expect, it } from 'vitest';
import { buyerPreview, offerVariant, sampleCurrency, taxRateOf } from './preview';

const products = [
  {
    id: 'addon',
    title: 'Add-on',
    imageUrl: null,
    variants: [{ id: 'addon-v', title: 'Default', stock: null, prices: [{ currency: 'USD', amount: 1999 }] }],
  },
];
const offer = { variantId: 'addon-v', quantity: 1, discount: { type: 'percentage' as const, value: 10 }, buttonCopy: [], shipping: [] };
const now = new Date('2026-11-22T12:00:00Z');

describe('the buyer’s widget preview', () => {
  it('prices and words the offer as the buyer gets it: 10 % off 19.99 with 8.25 % tax is 19.47', () => {
    const variant = offerVariant(products, 'addon-v');
    const result = buyerPreview(offer, variant, { currency: 'USD', taxRate: '8.25', locale: 'en-US' }, now);
    if (!result.ok) throw new Error(result.problem);
    expect(result.html).toContain('<h2 class="plusone-offer__title"');
    expect(result.html).toContain('<del class="plusone-offer__compare">$19.99</del> <ins class="plusone-offer__net">$17.99</ins>');
    expect(result.html).toContain('Add for $19.47</button>');
    expect(result.html).toContain('Charged to your Visa ending 4242');
    expect(result.html).toContain('Includes $1.48 tax');
  });

  it('uses the first button copy and the buyer’s language', () => {
    const variant = offerVariant(products, 'addon-v');
    const copy = { ...offer, buttonCopy: [{ id: 'a', text: 'Grab it: {price}' }] };
    const english = buyerPreview(copy, variant, { currency: 'USD', taxRate: '', locale: 'en-US' }, now);
    expect(english.ok && english.html).toContain('Grab it: $17.99</button>');
    const german = buyerPreview(offer, variant, { currency: 'USD', taxRate: '', locale: 'de-DE' }, now);
    expect(german.ok && german.html).toContain('Für 17,99');
  });

  it('says why there is nothing to show', () => {
    const variant = offerVariant(products, 'addon-v');
    expect(buyerPreview(offer, null, { currency: 'USD', taxRate: '', locale: 'en-US' }, now)).toMatchObject({ ok: false });
    expect(buyerPreview(offer, variant, { currency: 'EUR', taxRate: '', locale: 'en-US' }, now)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('EUR'),
    });
    expect(buyerPreview(offer, variant, { currency: 'USD', taxRate: 'lots', locale: 'en-US' }, now)).toMatchObject({ ok: false });
    expect(sampleCurrency(variant, 'EUR', 'USD')).toBe('USD');
    expect(taxRateOf('8.25')).toEqual({ units: 825n, scale: 4 });
    expect(taxRateOf('')).toBeNull();
  });
});
