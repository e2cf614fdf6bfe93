/**
 * Decision micro-benchmark: the decision as the server makes it — `decideCompiled` from src/core/offers.ts
 * over a shop's 1,000 offers compiled once (the same offers the HTTP scenarios seed), in-process, after a
 * warm-up. Also reports the full explanation (`decide`, what `GET /v1/orders/{id}/decision` computes) for
 * comparison. Time-boxed so a slow decide cannot stall the run.
 */
import { decimalFromJson } from '../src/core/money';
import { compileOffers, decide, decideCompiled, type Candidate, type Offer, type OrderFacts } from '../src/core/offers';
import { offerInputs, orderInput, productInputs, random, unitPriceOf } from './fixtures';

export interface DecisionResult {
  readonly iterations: number;
  readonly offers: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  /** p50 of the full per-offer explanation (`decide`), µs. */
  readonly explainP50Us: number;
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
  const compiled = compileOffers(pool);
  const facts = orders(64);
  const now = new Date();
  let sink = 0;
  const warmupEnd = Date.now() + options.warmupMs;
  for (let i = 0; Date.now() < warmupEnd; i += 1) {
    sink += decideCompiled(compiled, facts[i % facts.length] as OrderFacts, now) ? 1 : 0;
  }
  const explainSamples: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const start = nowNs();
    sink += decide(pool, facts[i % facts.length] as OrderFacts, now).evaluations.length;
    explainSamples.push(Number(nowNs() - start) / 1000);
  }
  explainSamples.sort((a, b) => a - b);
  const samples: number[] = [];
  const measureEnd = Date.now() + options.measureMs;
  for (let i = 0; i < options.maxIterations && Date.now() < measureEnd; i += 1) {
    const order = facts[i % facts.length] as OrderFacts;
    const start = nowNs();
    const chosen = decideCompiled(compiled, order, now);
    samples.push(Number(nowNs() - start) / 1000);
    sink += chosen ? 1 : 0;
  }
  if (sink < 0) process.stdout.write('');
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] ?? Number.NaN;
  return {
    iterations: samples.length,
    offers: pool.length,
    p50Us: at(50),
    p99Us: at(99),
    p999Us: at(99.9),
    explainP50Us: explainSamples[Math.floor(explainSamples.length / 2)] ?? Number.NaN,
  };
}
