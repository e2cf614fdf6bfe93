import { describe, expect, it } from 'vitest';
import { decimalFromJson } from './money';
import { mulberry32 } from './random';
import { compileOffers, decide, decideCompiled, type Candidate, type Discount, type OrderFacts } from './offers';

/** mulberry32, so a failure names a reproducible seed. */
const random = mulberry32;

const NOW = new Date('2026-11-22T12:00:00Z');
const PRODUCTS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

function randomCandidates(rand: () => number, count: number): Candidate[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const maybe = (p: number) => rand() < p;
  return Array.from({ length: count }, (_, index): Candidate => {
    const product = pick(PRODUCTS);
    const discounts: (Discount | null)[] = [
      null,
      { type: 'percentage', value: pick([5, 10, 12.5, 33.33]) },
      { type: 'fixed', value: pick([50, 100, 5000]), amounts: [{ currency: 'EUR', amount: 70 }] },
    ];
    return {
      offer: {
        id: `off_${String(index).padStart(3, '0')}`,
        name: `Offer ${index}`,
        variantId: `${product}-v`,
        quantity: pick([1, 1, 2]),
        discount: pick(discounts),
        priority: pick([0, 1, 1, 2, 5]),
        active: !maybe(0.1),
        rules: {
          ...(maybe(0.2) ? { anyProductIds: [pick(PRODUCTS), pick(PRODUCTS)] } : {}),
          ...(maybe(0.1) ? { excludeProductIds: [pick(PRODUCTS)] } : {}),
          ...(maybe(0.2) ? { minSubtotal: pick([1000, 3000, 6000]) } : {}),
          ...(maybe(0.1) ? { maxSubtotal: pick([2000, 8000]) } : {}),
          ...(maybe(0.2) ? { countries: [pick(['US', 'DE', 'FR'])] } : {}),
          ...(maybe(0.1) ? { customerTags: ['vip'] } : {}),
          ...(maybe(0.1) ? { firstOrderOnly: true } : {}),
          ...(maybe(0.1) ? { currencies: [pick(['USD', 'EUR'])] } : {}),
        },
        buttonCopy: [],
        shipping: maybe(0.2) ? [{ currency: 'USD', amount: 300 }] : [],
        startsAt: maybe(0.1) ? new Date(NOW.getTime() + pick([-1000, 1000])) : null,
        endsAt: maybe(0.1) ? new Date(NOW.getTime() + pick([0, 1000])) : null,
        // Many offers share a creation time, so ties fall through to the id.
        createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + pick([0, 1, 2])),
      },
      variant: maybe(0.05)
        ? null
        : {
            id: `${product}-v`,
            productId: product,
            productTitle: product,
            title: 'Default',
            imageUrl: null,
            prices: maybe(0.1) ? { EUR: 900 } : { USD: pick([500, 1000, 1500]), EUR: 900 },
            stock: maybe(0.2) ? pick([0, 1, 5]) : null,
          },
    };
  });
}

function randomOrder(rand: () => number): OrderFacts {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  return {
    currency: pick(['USD', 'USD', 'EUR']),
    subtotal: pick([500, 2500, 7000, 9000]),
    productIds: new Set([pick(PRODUCTS)]),
    taxRate: pick([null, decimalFromJson('0.0825')]),
    country: pick([null, 'US', 'DE']),
    customerTags: new Set(rand() < 0.3 ? ['vip'] : []),
    firstOrder: pick([null, true, false]),
  };
}

describe('decideCompiled', () => {
  it('chooses exactly what decide chooses, at the same price, on random offers and orders', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const rand = random(seed);
      const candidates = randomCandidates(rand, 1 + Math.floor(rand() * 40));
      const compiled = compileOffers(candidates);
      for (let i = 0; i < 10; i += 1) {
        const order = randomOrder(rand);
        const full = decide(candidates, order, NOW).chosen;
        const fast = decideCompiled(compiled, order, NOW);
        expect({ seed, offer: fast?.candidate.offer.id ?? null, price: fast?.price ?? null }).toEqual({
          seed,
          offer: full?.candidate.offer.id ?? null,
          price: full?.price ?? null,
        });
      }
    }
  });

  it('uses the live stock it is given over the compiled one', () => {
    const [candidate] = randomCandidates(random(7), 1);
    if (!candidate?.variant) throw new Error('fixture');
    const open: Candidate = {
      offer: { ...candidate.offer, active: true, rules: {}, startsAt: null, endsAt: null, quantity: 1 },
      variant: { ...candidate.variant, productId: 'other', prices: { USD: 1000 }, stock: 5 },
    };
    const order: OrderFacts = {
      currency: 'USD',
      subtotal: 1000,
      productIds: new Set(),
      taxRate: null,
      country: null,
      customerTags: new Set(),
      firstOrder: null,
    };
    const compiled = compileOffers([open]);
    expect(decideCompiled(compiled, order, NOW)?.candidate.offer.id).toBe(open.offer.id);
    expect(decideCompiled(compiled, order, NOW, () => 0)).toBeNull();
  });
});
