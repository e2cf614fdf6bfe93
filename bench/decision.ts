/**
 * Decision micro-benchmark: the pure `decide` from src/core/offers.ts over 1,000 offers (the same offers
 * the HTTP scenarios seed), in-process, after a warm-up. Time-boxed so a slow decide cannot stall the run.
 */
import { decimalFromJson } from '../src/core/money';
import { decide, type Candidate, type Offer, type OrderFacts } from '../src/core/offers';
import { offerInputs, orderInput, productInputs, random, unitPriceOf } from './fixtures';

export interface DecisionResult {
  readonly iterations: number;
  readonly offers: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
}

function candidates(): Candidate[] {
  const products = productInputs();
  const byVariant = new Map(products.map((product, index) => [`${product.id}-v`, { product, index }]));
  const createdAt = new Date('2025-01-01T00:00:00Z');
  return offerInputs(42).map((input, index): Candidate => {
    const offer: Offer = {
      id: `off_bench_${index}`,
      name: input.name,
      variantId: input.variantId,
      quantity: input.quantity,
      discount: input.discount ?? null,
      priority: input.priority,
      active: true,
      rules: input.rules ?? {},
      buttonCopy: [],
      shipping: [],
      startsAt: null,
      endsAt: null,
      createdAt: new Date(createdAt.getTime() + index),
    };
    const found = byVariant.get(input.variantId);
    const variant = found
      ? {
          id: input.variantId,
          productId: found.product.id,
          productTitle: found.product.body.title,
          title: 'Default',
          imageUrl: null,
          prices: { USD: unitPriceOf(found.index) },
          stock: null,
        }
      : null;
    return { offer, variant };
  });
}

function orders(count: number): OrderFacts[] {
  const rand = random(99);
  const taxRate = decimalFromJson('0.0825');
  return Array.from({ length: count }, (_, index) => {
    const order = orderInput(`micro-${index}`, rand);
    return {
      currency: order.currency,
      subtotal: order.subtotal,
      productIds: new Set(order.lines.map((line) => line.productId)),
      taxRate,
      country: order.customer.country ?? null,
      customerTags: new Set<string>(),
      firstOrder: null,
    };
  });
}

const nowNs = () => process.hrtime.bigint();

export function runDecisionBenchmark(options: { warmupMs: number; measureMs: number; maxIterations: number }): DecisionResult {
  const pool = candidates();
  const facts = orders(64);
  const now = new Date();
  let sink = 0;
  const warmupEnd = Date.now() + options.warmupMs;
  for (let i = 0; Date.now() < warmupEnd; i += 1) {
    sink += decide(pool, facts[i % facts.length] as OrderFacts, now).evaluations.length;
  }
  const samples: number[] = [];
  const measureEnd = Date.now() + options.measureMs;
  for (let i = 0; i < options.maxIterations && Date.now() < measureEnd; i += 1) {
    const order = facts[i % facts.length] as OrderFacts;
    const start = nowNs();
    const decision = decide(pool, order, now);
    samples.push(Number(nowNs() - start) / 1000);
    sink += decision.chosen ? 1 : 0;
  }
  if (sink < 0) process.stdout.write('');
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] ?? Number.NaN;
  return { iterations: samples.length, offers: pool.length, p50Us: at(50), p99Us: at(99), p999Us: at(99.9) };
}
