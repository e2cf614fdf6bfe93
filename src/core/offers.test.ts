import { describe, expect, it } from 'vitest';
import { parseDecimal, type Decimal } from './money';
import {
  compileOffers,
  decide,
  decideCompiled,
  ineligibilityReasons,
  priceOffer,
  type Candidate,
  type Discount,
  type Offer,
  type OfferVariant,
  type OrderFacts,
  type ReasonCode,
} from './offers';

const NOW = new Date('2026-03-01T12:00:00Z');

const rate = (text: string): Decimal => {
  const parsed = parseDecimal(text);
  if (!parsed) throw new Error(`test fixture ${text} is not a decimal`);
  return parsed;
};

const offer = (overrides: Partial<Offer> = {}): Offer => ({
  id: 'offer-1',
  name: 'Mug',
  variantId: 'mug-white',
  quantity: 1,
  discount: null,
  priority: 0,
  active: true,
  rules: {},
  buttonCopy: [],
  shipping: [],
  startsAt: null,
  endsAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

const variant = (overrides: Partial<OfferVariant> = {}): OfferVariant => ({
  id: 'mug-white',
  productId: 'mug',
  productTitle: 'Mug',
  title: 'White',
  imageUrl: null,
  prices: { USD: 1000 },
  stock: null,
  ...overrides,
});

const orderFacts = (overrides: Partial<OrderFacts> = {}): OrderFacts => ({
  currency: 'USD',
  subtotal: 5000,
  productIds: new Set(['coffee']),
  taxRate: null,
  country: 'US',
  customerTags: new Set<string>(),
  firstOrder: true,
  ...overrides,
});

const candidate = (offerOverrides: Partial<Offer> = {}, variantOverrides: Partial<OfferVariant> = {}): Candidate => ({
  offer: offer(offerOverrides),
  variant: variant(variantOverrides),
});

const codes = (c: Candidate, order: OrderFacts = orderFacts(), now: Date = NOW): ReasonCode[] =>
  ineligibilityReasons(c, order, now).map((reason) => reason.code);

const price = (input: { unitPrice: number; quantity?: number; discount?: Discount | null; taxRate?: string; shipping?: number; currency?: string }) =>
  priceOffer({
    currency: input.currency ?? 'USD',
    unitPrice: input.unitPrice,
    quantity: input.quantity ?? 1,
    discount: input.discount ?? null,
    taxRate: input.taxRate ? rate(input.taxRate) : null,
    shippingAmount: input.shipping ?? 0,
  });

describe('priceOffer', () => {
  it('charges the list price when there is no discount, tax or shipping', () => {
    expect(price({ unitPrice: 1999 })).toEqual({
      currency: 'USD',
      quantity: 1,
      unitPrice: 1999,
      listTotal: 1999,
      discountAmount: 0,
      taxAmount: 0,
      shippingAmount: 0,
      total: 1999,
    });
  });

  it('rounds a percentage discount half away from zero', () => {
    expect(price({ unitPrice: 25, discount: { type: 'percentage', value: 10 } }).discountAmount).toBe(3); // 2.5
    expect(price({ unitPrice: 1999, discount: { type: 'percentage', value: 12.5 } }).discountAmount).toBe(250); // 249.875
    expect(price({ unitPrice: 1999, discount: { type: 'percentage', value: 15 } }).total).toBe(1699); // 1999 − 299.85→300
  });

  it('subtracts a fixed discount, preferring the amount given for the currency', () => {
    const discount: Discount = { type: 'fixed', value: 500, amounts: [{ currency: 'EUR', amount: 300 }] };
    expect(price({ unitPrice: 2000, discount }).discountAmount).toBe(500);
    expect(price({ unitPrice: 2000, discount, currency: 'EUR' }).discountAmount).toBe(300);
  });

  it('never discounts more than the list total', () => {
    const fixed = price({ unitPrice: 400, discount: { type: 'fixed', value: 500 }, taxRate: '0.1', shipping: 200 });
    expect(fixed).toMatchObject({ discountAmount: 400, taxAmount: 0, total: 200 });
    expect(price({ unitPrice: 400, discount: { type: 'percentage', value: 100 } }).total).toBe(0);
  });

  it('taxes the discounted price and rounds the tax half away from zero', () => {
    const result = price({ unitPrice: 650, discount: { type: 'fixed', value: 130 }, taxRate: '0.0825' });
    expect(result).toMatchObject({ listTotal: 650, discountAmount: 130, taxAmount: 43, total: 563 }); // 520 × 0.0825 = 42.9
    expect(price({ unitPrice: 10, taxRate: '0.05' }).taxAmount).toBe(1); // 0.5
  });

  it('adds shipping without taxing it', () => {
    expect(price({ unitPrice: 1000, taxRate: '0.1', shipping: 500 })).toMatchObject({ taxAmount: 100, shippingAmount: 500, total: 1600 });
  });

  it('prices several units and discounts the line total', () => {
    const result = price({ unitPrice: 333, quantity: 3, discount: { type: 'percentage', value: 10 }, taxRate: '0.2' });
    expect(result).toMatchObject({ unitPrice: 333, listTotal: 999, discountAmount: 100, taxAmount: 180, total: 1079 });
  });

  it('works in the minor units of zero- and three-digit currencies', () => {
    expect(price({ currency: 'JPY', unitPrice: 1999, discount: { type: 'percentage', value: 10 }, taxRate: '0.1' })).toMatchObject({
      discountAmount: 200,
      taxAmount: 180,
      total: 1979,
    });
    expect(price({ currency: 'KWD', unitPrice: 1999, discount: { type: 'percentage', value: 10 }, taxRate: '0.05' })).toMatchObject({
      discountAmount: 200,
      taxAmount: 90,
      total: 1889,
    });
  });
});

describe('ineligibilityReasons', () => {
  it('returns no reasons when every rule is satisfied', () => {
    const c = candidate(
      {
        startsAt: new Date('2026-02-01T00:00:00Z'),
        endsAt: new Date('2026-04-01T00:00:00Z'),
        rules: {
          anyProductIds: ['coffee'],
          excludeProductIds: ['tea'],
          minSubtotal: 5000,
          maxSubtotal: 5000,
          countries: ['US'],
          customerTags: ['vip'],
          firstOrderOnly: true,
          currencies: ['USD'],
        },
      },
      { stock: 1 },
    );
    expect(codes(c, orderFacts({ customerTags: new Set(['vip']) }))).toEqual([]);
  });

  it.each<[ReasonCode, Candidate, Partial<OrderFacts>]>([
    ['inactive', candidate({ active: false }), {}],
    ['not_started', candidate({ startsAt: new Date(NOW.getTime() + 1) }), {}],
    ['ended', candidate({ endsAt: NOW }), {}],
    ['ended', candidate({ endsAt: new Date(NOW.getTime() - 1) }), {}],
    ['no_price_in_currency', candidate({}, { prices: { EUR: 900 } }), {}],
    ['out_of_stock', candidate({ quantity: 2 }, { stock: 1 }), {}],
    ['out_of_stock', candidate({}, { stock: 0 }), {}],
    ['already_in_order', candidate({}, { productId: 'coffee' }), {}],
    ['currency_not_targeted', candidate({ rules: { currencies: ['EUR'] } }, { prices: { USD: 1000, EUR: 900 } }), {}],
    ['required_product_missing', candidate({ rules: { anyProductIds: ['tea', 'cocoa'] } }), {}],
    ['excluded_product_in_order', candidate({ rules: { excludeProductIds: ['coffee'] } }), {}],
    ['subtotal_below_minimum', candidate({ rules: { minSubtotal: 5001 } }), {}],
    ['subtotal_above_maximum', candidate({ rules: { maxSubtotal: 4999 } }), {}],
    ['country_not_targeted', candidate({ rules: { countries: ['DE', 'FR'] } }), {}],
    ['country_not_targeted', candidate({ rules: { countries: ['US'] } }), { country: null }],
    ['customer_tag_missing', candidate({ rules: { customerTags: ['vip'] } }), { customerTags: new Set(['new']) }],
    ['not_first_order', candidate({ rules: { firstOrderOnly: true } }), { firstOrder: false }],
    ['not_first_order', candidate({ rules: { firstOrderOnly: true } }), { firstOrder: null }],
  ])('gives %s on its own', (code, c, order) => {
    expect(codes(c, orderFacts(order))).toEqual([code]);
  });

  it('gives variant_missing when the catalog no longer has the variant', () => {
    expect(codes({ offer: offer(), variant: null })).toEqual(['variant_missing']);
  });

  it('treats startsAt as inclusive and endsAt as exclusive', () => {
    expect(codes(candidate({ startsAt: NOW, endsAt: new Date(NOW.getTime() + 1) }))).toEqual([]);
  });

  it('accepts stock equal to the quantity and untracked stock', () => {
    expect(codes(candidate({ quantity: 3 }, { stock: 3 }))).toEqual([]);
    expect(codes(candidate({ quantity: 1000 }, { stock: null }))).toEqual([]);
  });

  it('treats subtotal bounds as inclusive', () => {
    expect(codes(candidate({ rules: { minSubtotal: 5000 } }))).toEqual([]);
    expect(codes(candidate({ rules: { maxSubtotal: 5000 } }))).toEqual([]);
  });
});

describe('ineligibilityReasons, several rules at once', () => {
  it('lists every failing rule at once', () => {
    const c = candidate(
      { active: false, quantity: 2, rules: { countries: ['DE'], minSubtotal: 10_000, firstOrderOnly: true } },
      { stock: 1, productId: 'coffee' },
    );
    expect(codes(c, orderFacts({ firstOrder: false }))).toEqual([
      'inactive',
      'out_of_stock',
      'already_in_order',
      'subtotal_below_minimum',
      'country_not_targeted',
      'not_first_order',
    ]);
  });

  it('explains each reason in its message', () => {
    const [reason] = ineligibilityReasons(candidate({ rules: { countries: ['DE'] } }), orderFacts({ country: null }), NOW);
    expect(reason?.message).toContain('unknown');
  });
});

describe('decide', () => {
  const entry = (id: string, overrides: Partial<Offer> = {}, prices: Record<string, number> = { USD: 1000 }): Candidate =>
    candidate({ id, name: id, ...overrides }, { id: `${id}-variant`, productId: `${id}-product`, prices });

  it('picks the eligible offer with the highest priority', () => {
    const low = entry('low', { priority: 1 }, { USD: 9000 });
    const high = entry('high', { priority: 5 });
    const decision = decide([low, high], orderFacts({ taxRate: rate('0.1') }), NOW);
    expect(decision.chosen?.candidate).toBe(high);
    expect(decision.chosen?.price).toMatchObject({ listTotal: 1000, taxAmount: 100, total: 1100 });
    expect(decision.evaluations).toEqual([
      {
        offerId: 'low',
        name: 'low',
        priority: 1,
        eligible: true,
        chosen: false,
        expectedRevenue: 9000,
        reasons: [expect.objectContaining({ code: 'lower_priority' })],
      },
      { offerId: 'high', name: 'high', priority: 5, eligible: true, chosen: true, expectedRevenue: 1000, reasons: [] },
    ]);
  });

  it('breaks a priority tie by expected revenue after discount, ignoring tax and shipping', () => {
    const discounted = entry(
      'discounted',
      { discount: { type: 'percentage', value: 50 }, shipping: [{ currency: 'USD', amount: 5000 }] },
      { USD: 1800 },
    );
    const plain = entry('plain', {}, { USD: 1000 });
    const decision = decide([discounted, plain], orderFacts(), NOW);
    expect(decision.chosen?.candidate).toBe(plain);
    expect(decision.evaluations[0]).toMatchObject({ expectedRevenue: 900, reasons: [{ code: 'lower_expected_revenue' }] });
  });

  it('breaks a full tie by age, then by id', () => {
    const newer = entry('a-newer', { createdAt: new Date('2026-02-01T00:00:00Z') });
    const older = entry('z-older', { createdAt: new Date('2026-01-01T00:00:00Z') });
    const byAge = decide([newer, older], orderFacts(), NOW);
    expect(byAge.chosen?.candidate).toBe(older);
    expect(byAge.evaluations[0]?.reasons).toEqual([expect.objectContaining({ code: 'tie_broken_by_age' })]);

    const b = entry('b');
    const a = entry('a');
    expect(decide([b, a], orderFacts(), NOW).chosen?.candidate).toBe(a);
  });

  it('does not let an ineligible high-priority offer block a lower eligible one', () => {
    const blocked = entry('blocked', { priority: 10, active: false });
    const open = entry('open', { priority: 1 });
    const decision = decide([blocked, open], orderFacts(), NOW);
    expect(decision.chosen?.candidate).toBe(open);
    expect(decision.evaluations[0]).toMatchObject({ eligible: false, chosen: false, expectedRevenue: null, reasons: [{ code: 'inactive' }] });
  });

  it('chooses nothing when no offer is eligible, and says why for each', () => {
    const decision = decide(
      [entry('ended', { endsAt: NOW }), entry('euro-only', {}, { EUR: 900 }), { offer: offer({ id: 'gone' }), variant: null }],
      orderFacts(),
      NOW,
    );
    expect(decision.chosen).toBeNull();
    expect(decision.evaluations.map((e) => [e.offerId, e.eligible, e.reasons.map((r) => r.code)])).toEqual([
      ['ended', false, ['ended']],
      ['euro-only', false, ['no_price_in_currency']],
      ['gone', false, ['variant_missing']],
    ]);
  });

  it('chooses nothing for no candidates', () => {
    expect(decide([], orderFacts(), NOW)).toEqual({ chosen: null, evaluations: [] });
  });
});

describe('an offer is never free', () => {
  it.each<[string, Discount | null, number]>([
    ['a 100 % discount', { type: 'percentage', value: 100 }, 1000],
    ['a fixed discount equal to the price', { type: 'fixed', value: 1000 }, 1000],
    ['a fixed discount above the price', { type: 'fixed', value: 5000 }, 1000],
    ['a price of 0', null, 0],
  ])('skips %s, with price_not_positive, in decide and decideCompiled alike', (_name, discount, unitPrice) => {
    const free = candidate({ id: 'free', priority: 10, discount }, { prices: { USD: unitPrice } });
    const paid = candidate({ id: 'paid', variantId: 'cup', discount: null }, { id: 'cup', productId: 'cup', prices: { USD: 800 } });
    const decision = decide([free, paid], orderFacts({ taxRate: rate('0.2') }), NOW);
    expect(decision.chosen?.candidate.offer.id).toBe('paid');
    expect(decision.evaluations.find((entry) => entry.offerId === 'free')).toMatchObject({
      eligible: false,
      reasons: [expect.objectContaining({ code: 'price_not_positive' })],
    });
    expect(decideCompiled(compileOffers([free, paid]), orderFacts({ taxRate: rate('0.2') }), NOW)?.candidate.offer.id).toBe('paid');
  });
});
