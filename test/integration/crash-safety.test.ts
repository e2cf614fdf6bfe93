/**
 * Crash safety: the process dies at a fault point between two steps (nothing after the point runs, no
 * compensation, no cleanup — as with `kill -9`); a fresh process on the same database must then settle
 * everything: no authorization without its line, no line without its authorization, one capture.
 * (test/process/crash.test.ts does the same with a real `kill -9` of a real server.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultPoint, Faults } from '../../src/engine/context';
import { sandboxStats } from '../../src/gateways/sandbox/sandbox';
import { buildTestApp, FakeClock, type TestApp } from '../support/app';
import { accept, eventTypes, offerShop, orderOf, paidOrder, undo, upsellOf, type OfferShop } from '../support/upsell';

class SimulatedCrash extends Error {}

/** Crashes the first time `point` is reached. */
function crashAt(point: FaultPoint): Faults {
  let armed = true;
  return {
    reach(reached) {
      if (armed && reached === point) {
        armed = false;
        throw new SimulatedCrash(`crash at ${point}`);
      }
    },
  };
}

const open: TestApp[] = [];
async function node(clock: FakeClock, faults?: Faults): Promise<TestApp> {
  const app = await buildTestApp({ clock, ...(faults ? { faults } : {}) });
  open.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

/** Every sandbox payment of the shop agrees with Plusone's records. */
async function expectConsistent(t: TestApp, setup: OfferShop, orderId: string) {
  const upsells = await t.database.db.selectFrom('upsells').selectAll().where('order_id', '=', orderId).execute();
  const order = await orderOf(t.app, setup.shop, orderId);
  const upsellLines = order.lines.filter((line: { source: string }) => line.source === 'upsell');
  for (const upsell of upsells) {
    const payment = upsell.authorization_ref ? await sandboxStats(t.database.db, upsell.authorization_ref) : null;
    const hasLine = upsellLines.some((line: { upsellId: string }) => line.upsellId === upsell.id);
    if (upsell.state === 'authorized' || upsell.state === 'captured' || upsell.state === 'capturing') {
      expect(hasLine).toBe(true);
      expect(['authorized', 'captured']).toContain(payment?.status);
    } else {
      expect(hasLine).toBe(false);
      expect(payment?.status ?? 'none').not.toBe('authorized');
      expect(payment?.captures ?? 0).toBe(0);
    }
    expect(payment?.captures ?? 0).toBeLessThanOrEqual(1);
  }
  expect(upsellLines.length).toBeLessThanOrEqual(1);
}

/** An accepted upsell whose undo crashed after the PSP's void, before it was recorded (the buyer got a 500). */
async function undoCrashedAfterVoid() {
  const clock = new FakeClock();
  const first = await node(clock, crashAt('cancel.after_psp'));
  const setup = await offerShop(first.app);
  const order = await paidOrder(first.app, setup);
  const upsellId: string = (await accept(first.app, order)).json().upsell.id;
  expect((await undo(first.app, order, upsellId)).statusCode).toBe(500);
  return { clock, first, setup, order, upsellId };
}

describe('a crash at any step loses nothing', () => {
  it('after the authorization, before the order change: the restarted worker adds the line', async () => {
    const clock = new FakeClock();
    const crashing = await node(clock, crashAt('accept.after_authorize'));
    const setup = await offerShop(crashing.app);
    const order = await paidOrder(crashing.app, setup);
    expect((await accept(crashing.app, order)).statusCode).toBe(500);
    const [upsell] = await crashing.database.db.selectFrom('upsells').selectAll().where('order_id', '=', order.orderId).execute();
    expect(upsell?.state).toBe('pending');
    expect((await orderOf(crashing.app, setup.shop, order.orderId)).lines).toHaveLength(1);

    const restarted = await node(clock);
    clock.advance(5);
    await restarted.worker.runOnce();
    expect((await upsellOf(restarted.app, setup.shop, upsell?.id ?? '')).state).toBe('authorized');
    await expectConsistent(restarted, setup, order.orderId);
    clock.advance(61);
    await restarted.worker.runOnce();
    expect((await upsellOf(restarted.app, setup.shop, upsell?.id ?? '')).state).toBe('captured');
    await expectConsistent(restarted, setup, order.orderId);
  });

  it('after the order change, before the answer: a retry with the same key gets accepted', async () => {
    const clock = new FakeClock();
    const crashing = await node(clock, crashAt('accept.after_order_change'));
    const setup = await offerShop(crashing.app);
    const order = await paidOrder(crashing.app, setup);
    expect((await accept(crashing.app, order, 'retry-me')).statusCode).toBe(500);

    const restarted = await node(clock);
    const retry = await accept(restarted.app, order, 'retry-me');
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ status: 'accepted', upsell: { state: 'authorized' } });
    await expectConsistent(restarted, setup, order.orderId);
  });

  it('after claiming a capture, before the PSP call: captured once after the lease', async () => {
    const clock = new FakeClock();
    const first = await node(clock, crashAt('capture.after_claim'));
    const setup = await offerShop(first.app);
    const order = await paidOrder(first.app, setup);
    const upsellId = (await accept(first.app, order)).json().upsell.id;
    clock.advance(61);
    // The worker isolates a row that throws (here: the simulated crash); the round ends, the row is retried.
    await first.worker.runOnce();
    expect((await upsellOf(first.app, setup.shop, upsellId)).state).toBe('capturing');

    const restarted = await node(clock);
    await restarted.worker.runOnce();
    expect((await upsellOf(restarted.app, setup.shop, upsellId)).state).toBe('capturing');
    clock.advance(61);
    await restarted.worker.runOnce();
    expect((await upsellOf(restarted.app, setup.shop, upsellId)).state).toBe('captured');
    await expectConsistent(restarted, setup, order.orderId);
  });

  it('after the PSP captured, before it was recorded: the retry does not capture twice', async () => {
    const clock = new FakeClock();
    const first = await node(clock, crashAt('capture.after_psp'));
    const setup = await offerShop(first.app);
    const order = await paidOrder(first.app, setup);
    const upsellId = (await accept(first.app, order)).json().upsell.id;
    clock.advance(61);
    // The worker isolates a row that throws (here: the simulated crash); the round ends, the row is retried.
    await first.worker.runOnce();

    const restarted = await node(clock);
    clock.advance(61);
    await restarted.worker.runOnce();
    const upsell = await upsellOf(restarted.app, setup.shop, upsellId);
    expect(upsell.state).toBe('captured');
    expect((await eventTypes(restarted.app, setup.shop, upsellId)).filter((type) => type === 'captured')).toHaveLength(1);
    await expectConsistent(restarted, setup, order.orderId);
  });

  it('after the void of an undo, before it was recorded: the worker finishes the undo and never captures', async () => {
    const { clock, setup, order, upsellId } = await undoCrashedAfterVoid();
    const restarted = await node(clock);
    clock.advance(61);
    await restarted.worker.runOnce();
    expect((await upsellOf(restarted.app, setup.shop, upsellId)).state).toBe('cancelled');
    await restarted.worker.runOnce();
    await expectConsistent(restarted, setup, order.orderId);
  });
});

describe('an undo whose answer was lost', () => {
  it('retried after the window (before the worker finished it): the undo asked in time stands, answered cancelled, never 409', async () => {
    // The undo was marked and the PSP voided, then the answer was lost (500): the buyer clicks again later.
    const { clock, first, setup, order, upsellId } = await undoCrashedAfterVoid();
    clock.advance(61);

    const retried = await undo(first.app, order, upsellId);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ status: 'cancelled', upsell: { id: upsellId, state: 'cancelled' } });
    await first.worker.runOnce();
    expect((await upsellOf(first.app, setup.shop, upsellId)).state).toBe('cancelled');
    await expectConsistent(first, setup, order.orderId);
  });

  it('an undo first asked after the window is still refused with 409 undo_window_closed', async () => {
    const clock = new FakeClock();
    const t = await node(clock);
    const setup = await offerShop(t.app);
    const order = await paidOrder(t.app, setup);
    const upsellId = (await accept(t.app, order)).json().upsell.id;
    clock.advance(61);
    const late = await undo(t.app, order, upsellId);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('undo_window_closed');
  });
});

describe('several workers', () => {
  it('two workers on one database capture every due upsell exactly once', async () => {
    const clock = new FakeClock();
    const a = await node(clock);
    const b = await node(clock);
    const setup = await offerShop(a.app, {}, null);
    const upsellIds: string[] = [];
    for (let index = 0; index < 24; index += 1) {
      const order = await paidOrder(a.app, setup);
      upsellIds.push((await accept(a.app, order)).json().upsell.id);
    }
    clock.advance(61);
    await Promise.all([a.worker.runOnce(), b.worker.runOnce(), a.worker.runOnce(), b.worker.runOnce()]);
    // A capture slower than the (short, test) gateway timeout stays `capturing` and is asked again with
    // the same key once its lease ends: let the leases run out until every upsell is settled.
    for (let pass = 0; pass < 5; pass += 1) {
      const open = await a.database.db.selectFrom('upsells').select('id').where('id', 'in', upsellIds).where('state', '=', 'capturing').execute();
      if (open.length === 0) break;
      clock.advance(61);
      await Promise.all([a.worker.runOnce(), b.worker.runOnce()]);
    }
    for (const upsellId of upsellIds) {
      const row = await a.database.db
        .selectFrom('upsells')
        .select(['state', 'authorization_ref'])
        .where('id', '=', upsellId)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe('captured');
      expect(await sandboxStats(a.database.db, row.authorization_ref ?? '')).toMatchObject({ captures: 1 });
      expect((await eventTypes(a.app, setup.shop, upsellId)).filter((type) => type === 'captured')).toHaveLength(1);
    }
  });
});
