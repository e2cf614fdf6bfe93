/**
 * `npm run bench -- --scale-out`: two Plusone processes on one PostgreSQL, both running the worker, the
 * load split across them by one load generator per node. Reports combined throughput (checkout offer with
 * tokens registered on the *other* node, register order, accept) and then proves, from PostgreSQL, that
 * the two workers captured every upsell exactly once and that an accept clicked on both nodes at the same
 * moment made one upsell and one authorization.
 */
import path from 'node:path';
import pg from 'pg';
import { RSS_TARGET_MB, type Check, type ScenarioResult } from './report';
import { acceptScenario, checkoutOfferScenario, measure, registerOrderScenario, type Measured } from './scenarios';
import { api, createShop, inParallel, registerOrders, seedCatalog, type RegisteredOrder } from './seed';
import { startPlusone, type Child, type Database } from './server';

const SECONDS = 6;
const UNDO_WINDOW_SECONDS = 5;
const DOUBLE_CLICKS = 100;

type Log = (message: string) => void;

/** Runs one load generator per node at the same time; rps adds up, latencies are the worse node's. */
async function onBothNodes(
  tempDir: string,
  nodes: readonly Child[],
  scenario: (node: Child, index: number) => Parameters<typeof measure>[1],
): Promise<Measured> {
  const results = await Promise.all(nodes.map((node, index) => measure(tempDir, scenario(node, index), node.pid)));
  const worst = (pick: (result: Measured) => number) => Math.max(...results.map(pick));
  return {
    rps: results.reduce((sum, result) => sum + result.rps, 0),
    p50Ms: worst((result) => result.p50Ms),
    p99Ms: worst((result) => result.p99Ms),
    p999Ms: worst((result) => result.p999Ms),
    rssMb: worst((result) => result.rssMb ?? 0),
    notes: results.map(
      (result, index) => `node ${index + 1}: ${result.rps.toFixed(0)} rps, p99 ${result.p99Ms.toFixed(1)} ms; ${result.notes.join('; ')}`,
    ),
  };
}

function row(id: string, name: string, measured: Measured, checks: Check[], notes: string[] = []): ScenarioResult {
  return {
    id,
    name,
    rps: measured.rps,
    p50Ms: measured.p50Ms,
    p99Ms: measured.p99Ms,
    p999Ms: measured.p999Ms,
    rssMb: measured.rssMb,
    ratio: null,
    checks: [...checks, ...(measured.rssMb === null ? [] : [{ label: `RSS ≤ ${RSS_TARGET_MB} MB per node`, pass: measured.rssMb <= RSS_TARGET_MB }])],
    notes: [...measured.notes, ...notes],
  };
}

const half = <T>(items: readonly T[], index: number): T[] => items.filter((_, position) => position % 2 === index);

/** The same order accepted on both nodes at once, each click with its own Idempotency-Key. */
async function doubleClickAcrossNodes(nodes: readonly Child[], orders: readonly RegisteredOrder[]): Promise<void> {
  await inParallel(
    orders.length,
    async (index) => {
      const order = orders[index];
      if (!order) throw new Error('order index out of range');
      await Promise.all(
        nodes.map((node, nodeIndex) =>
          api(
            node.url,
            'POST',
            '/v1/checkout/accept',
            order.token,
            { offerId: order.offerId },
            { 'idempotency-key': `double-${nodeIndex}-${order.orderId}` },
          ).catch((error: unknown) => {
            // The slower click may meet the first one still authorizing (409 in progress) — never a charge.
            if (!String(error).includes('→ 409') && !String(error).includes('→ 202')) throw error;
          }),
        ),
      );
    },
    20,
  );
}

interface Audit {
  upsells: number;
  captured: number;
  capturedTwice: number;
  capturesAtPsp: number;
  paymentsCapturedTwice: number;
  ordersWithTwoUpsells: number;
  authorizationsForDoubleClicks: number;
}

async function audit(client: pg.Client, shopId: string, doubleClicked: readonly string[]): Promise<Audit> {
  const one = async (text: string, values: unknown[]) => Number((await client.query<{ n: string }>(text, values)).rows[0]?.n ?? 0);
  return {
    upsells: await one(`SELECT count(*) AS n FROM upsells WHERE shop_id = $1`, [shopId]),
    captured: await one(`SELECT count(*) AS n FROM upsells WHERE shop_id = $1 AND state = 'captured'`, [shopId]),
    capturedTwice: await one(
      `SELECT count(*) AS n FROM (SELECT upsell_id FROM upsell_events WHERE shop_id = $1 AND type = 'captured' GROUP BY upsell_id HAVING count(*) > 1) twice`,
      [shopId],
    ),
    capturesAtPsp: await one(`SELECT coalesce(sum(capture_count), 0) AS n FROM sandbox_payments WHERE merchant_ref = $1`, [shopId]),
    paymentsCapturedTwice: await one(`SELECT count(*) AS n FROM sandbox_payments WHERE merchant_ref = $1 AND capture_count > 1`, [shopId]),
    ordersWithTwoUpsells: await one(
      `SELECT count(*) AS n FROM (SELECT order_id FROM upsells WHERE shop_id = $1 GROUP BY order_id HAVING count(*) > 1) twice`,
      [shopId],
    ),
    authorizationsForDoubleClicks: await one(
      `SELECT count(*) AS n FROM sandbox_payments WHERE merchant_ref = $1 AND metadata->>'order_id' = ANY($2)`,
      [shopId, doubleClicked],
    ),
  };
}

export async function runScaleOut(tempDir: string, database: Database, log: Log, ordersPerNode: number): Promise<ScenarioResult[]> {
  const nodes = await Promise.all(
    [1, 2].map((n) => startPlusone({ databaseUrl: database.url, dataDir: path.join(tempDir, `node-${n}`), sandboxLatencyMs: 0, worker: true })),
  );
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const [one, two] = nodes as [Child, Child];
    const shop = await createShop(one.url, 'Scale-out shop', UNDO_WINDOW_SECONDS);
    log('seeding 1,000 products + 1,000 offers through node 1');
    await seedCatalog(one.url, shop, 42);
    const sessions = [...(await registerOrders(one.url, shop, 100, 'so-tokens-1')), ...(await registerOrders(two.url, shop, 100, 'so-tokens-2'))];
    const results: ScenarioResult[] = [];

    log('checkout offer on both nodes');
    // Each node serves the tokens the other node registered: nothing is node-local.
    const offer = await onBothNodes(tempDir, nodes, (node, index) => checkoutOfferScenario(node, half(sessions, 1 - index), 25, SECONDS));
    results.push(
      row('scale_out_offer', 'Scale-out ×2: GET /v1/checkout/offer', offer, [], ['25 connections per node; tokens registered on the other node']),
    );

    log('register order on both nodes');
    const register = await onBothNodes(tempDir, nodes, (node) => registerOrderScenario(node, shop, 25, SECONDS));
    results.push(row('scale_out_register', 'Scale-out ×2: POST /v1/orders', register, [], ['25 connections per node']));

    log(`registering ${2 * ordersPerNode + DOUBLE_CLICKS} orders for accept`);
    const pool = (await registerOrders(one.url, shop, 2 * ordersPerNode, 'so-accept')).filter((order) => order.offerId !== null);
    const doubles = (await registerOrders(two.url, shop, DOUBLE_CLICKS, 'so-double')).filter((order) => order.offerId !== null);

    log('accept on both nodes (each order once, split across the nodes), then the same orders clicked on both nodes at once');
    const accept = await onBothNodes(tempDir, nodes, (node, index) => acceptScenario(node, half(pool, index), 10, SECONDS, `so-${index}`));
    await doubleClickAcrossNodes(nodes, doubles);
    const acceptedAt = Date.now();

    log('waiting for both workers to capture every upsell');
    const deadline = acceptedAt + (UNDO_WINDOW_SECONDS + 120) * 1000;
    let state = await audit(
      client,
      shop.id,
      doubles.map((order) => order.orderId),
    );
    while (state.captured < state.upsells && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = await audit(
        client,
        shop.id,
        doubles.map((order) => order.orderId),
      );
    }
    const capturedAfter = (Date.now() - acceptedAt) / 1000;
    results.push(
      row(
        'scale_out_accept',
        'Scale-out ×2: POST /v1/checkout/accept (PSP 0 ms)',
        accept,
        [
          { label: 'one upsell per order', pass: state.ordersWithTwoUpsells === 0 },
          { label: 'one authorization per double-clicked order', pass: state.authorizationsForDoubleClicks === doubles.length },
        ],
        [
          '10 connections per node, each order accepted once',
          `${doubles.length} further orders clicked on both nodes at the same moment (two keys): ${state.authorizationsForDoubleClicks} authorizations, ` +
            `${state.ordersWithTwoUpsells} orders with two upsells`,
        ],
      ),
    );
    results.push({
      id: 'scale_out_capture',
      name: 'Scale-out ×2: captures by two workers',
      rps: null,
      p50Ms: null,
      p99Ms: null,
      p999Ms: null,
      rssMb: null,
      ratio: null,
      checks: [
        { label: 'all captured', pass: state.captured === state.upsells },
        {
          label: 'none captured twice',
          pass: state.capturedTwice === 0 && state.paymentsCapturedTwice === 0 && state.capturesAtPsp === state.captured,
        },
      ],
      notes: [
        `${state.captured}/${state.upsells} upsells captured ${capturedAfter.toFixed(1)} s after the last accept (undo window ${UNDO_WINDOW_SECONDS} s); ` +
          `upsells with two 'captured' events: ${state.capturedTwice}; sandbox PSP captures: ${state.capturesAtPsp}, payments captured twice: ${state.paymentsCapturedTwice}`,
      ],
    });
    return results;
  } finally {
    await client.end();
    await Promise.all(nodes.map((node) => node.stop()));
  }
}
