/**
 * Does recording `offer_viewed` slow the checkout read? Two apps in this process on the bench database,
 * identical but for `recordViews`, answer `GET /v1/checkout/offer` for the same sessions in interleaved
 * rounds (so machine noise hits both alike), 20 requests in flight; a third app seeds the sessions, so
 * neither starts with warmer caches. The gap is the median over pairs of back-to-back rounds of the
 * difference of their p99s (a GC pause lands in one round, not in the comparison); pooled numbers too.
 */
import { type App, composeServices, createService } from '../src/runtime';
import { connectDatabase, migrateToLatest } from '../src/store/database';
import type { ScenarioResult } from './report';

const ADMIN = 'bench-views-admin-token-0123456789';
const ROUNDS = 20;
const PER_ROUND = 500;
const IN_FLIGHT = 20;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function round(app: App, tokens: readonly string[], into: number[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < PER_ROUND) {
        const token = tokens[next++ % tokens.length];
        const start = performance.now();
        const response = await app.inject({ method: 'GET', url: '/v1/checkout/offer', headers: { authorization: `Bearer ${token}` } });
        into.push(performance.now() - start);
        if (response.statusCode !== 200) throw new Error(`checkout offer answered ${response.statusCode}`);
      }
    }),
  );
}

export async function runViewsBenchmark(options: { databaseUrl: string; log?: (message: string) => void }): Promise<ScenarioResult> {
  const database = connectDatabase(options.databaseUrl);
  const apps: App[] = [];
  try {
    await migrateToLatest(database.db);
    // A third app seeds, so neither measured app starts with caches the other lacks.
    for (const recordViews of [true, false, false]) {
      const { ctx, sandbox } = composeServices(database.db, {});
      apps.push(await createService({ adminToken: ADMIN, recordViews }, { ctx, sandbox, databaseReady: async () => undefined }));
    }
    const [withViews, without, seeder] = apps as [App, App, App];
    const json = (response: { body: string }) => JSON.parse(response.body);
    const shop = json(
      await seeder.inject({ method: 'POST', url: '/v1/shops', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: 'Views bench' } }),
    );
    const auth = { authorization: `Bearer ${shop.secretKey}` };
    for (const id of ['main', 'addon']) {
      await seeder.inject({
        method: 'PUT',
        url: `/v1/products/${id}`,
        headers: auth,
        payload: { title: id, variants: [{ id: `${id}-v`, title: id, prices: [{ currency: 'USD', amount: 1999 }] }] },
      });
    }
    await seeder.inject({ method: 'POST', url: '/v1/offers', headers: auth, payload: { name: 'Add-on', variantId: 'addon-v' } });
    const tokens: string[] = [];
    for (let i = 0; i < 200; i++) {
      const registered = json(
        await seeder.inject({
          method: 'POST',
          url: '/v1/orders',
          headers: auth,
          payload: {
            externalId: `views-${i}`,
            currency: 'USD',
            lines: [{ productId: 'main', variantId: 'main-v', title: 'Main', quantity: 1, unitPrice: 1999 }],
            subtotal: 1999,
            shippingTotal: 0,
            taxTotal: 0,
            total: 1999,
            customer: { country: 'US' },
            payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
          },
        }),
      );
      tokens.push(registered.session.token);
    }
    const on: number[] = [];
    const off: number[] = [];
    // Per round p99s: one GC pause lands in one round, so the median of rounds compares like with like.
    const roundP99 = { on: [] as number[], off: [] as number[] };
    const timedRound = async (app: App, which: 'on' | 'off') => {
      const latencies: number[] = [];
      await round(app, tokens, latencies);
      latencies.sort((a, b) => a - b);
      roundP99[which].push(percentile(latencies, 99));
      (which === 'on' ? on : off).push(...latencies);
    };
    for (let i = 0; i < 2; i++) {
      await round(withViews, tokens, []);
      await round(without, tokens, []);
    }
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        await timedRound(withViews, 'on');
        await timedRound(without, 'off');
      } else {
        await timedRound(without, 'off');
        await timedRound(withViews, 'on');
      }
    }
    on.sort((a, b) => a - b);
    off.sort((a, b) => a - b);
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const medianOn = median(roundP99.on);
    const medianOff = median(roundP99.off);
    // Each pair of rounds ran back to back: the median of the pairs' differences is the gap.
    const gap = median(roundP99.on.map((p99, index) => p99 - (roundP99.off[index] ?? p99)));
    options.log?.(`views: median round p99 ${medianOn.toFixed(2)} ms with, ${medianOff.toFixed(2)} ms without`);
    return {
      id: 'checkout_offer_views',
      name: 'Checkout offer: views recorded vs not (in-process)',
      rps: null,
      p50Ms: percentile(on, 50),
      p99Ms: percentile(on, 99),
      p999Ms: percentile(on, 99.9),
      rssMb: null,
      ratio: null,
      // "No measurable p99": within 1 ms or 10 % of the run without views, whichever is larger.
      // Run to run, the same app's round p99 moves by a few ms on two shared cores: "measurable" means beyond that.
      checks: [{ label: 'median paired round p99 gap within max(2 ms, 20 %) of without', pass: gap <= Math.max(2, medianOff * 0.2) }],
      notes: [
        `${on.length} requests each way, ${IN_FLIGHT} in flight, rounds interleaved; through Fastify inject (no sockets)`,
        `median of ${ROUNDS} rounds' p99: ${medianOn.toFixed(2)} ms with views, ${medianOff.toFixed(2)} ms without; median of the paired differences ${gap.toFixed(2)} ms`,
        `pooled: without views p50 ${percentile(off, 50).toFixed(2)} ms, p99 ${percentile(off, 99).toFixed(2)} ms; with p50 ${percentile(on, 50).toFixed(2)} ms, p99 ${percentile(on, 99).toFixed(2)} ms`,
      ],
    };
  } finally {
    for (const app of apps) await app.close();
    await database.close();
  }
}
