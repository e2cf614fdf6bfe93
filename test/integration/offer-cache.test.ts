/**
 * Two Plusone nodes on one database, each with its own compiled-offers and shop cache: a change made
 * through one node (offers, catalog, experiments, shop settings, a revoked key) reaches the other by
 * NOTIFY, and — when no notification arrives — by the version re-check or the shop cache's 1 s bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/runtime';
import { call, createOffer, createShop, putProduct, registerOrder, type Shop } from '../support/app';
import { startNode, stopNode, type TestNode } from '../support/nodes';

type Node = TestNode;

async function shopWithCatalog(app: App): Promise<Shop> {
  const shop = await createShop(app);
  await putProduct(app, shop.secretKey, 'main', { prices: { USD: 5000 } });
  await putProduct(app, shop.secretKey, 'filters', { prices: { USD: 1999 } });
  await putProduct(app, shop.secretKey, 'mug', { prices: { USD: 1500 } });
  return shop;
}

/** Polls `probe` until it returns `expected` or `ms` pass; returns the last value. */
async function eventually<T>(probe: () => Promise<T>, expected: T, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}

describe('offer cache across nodes', () => {
  describe('with LISTEN/NOTIFY (the version re-check set to a minute, so only a notification can help)', () => {
    let a: Node;
    let b: Node;
    beforeAll(async () => {
      a = await startNode({ listen: true, recheckMs: 60_000, shopTtlMs: 60_000 });
      b = await startNode({ listen: true, recheckMs: 60_000, shopTtlMs: 60_000 });
    });
    afterAll(async () => {
      await stopNode(a);
      await stopNode(b);
    });

    it('a new offer created on one node is decided on the other', async () => {
      const shop = await shopWithCatalog(a.app);
      const first = await createOffer(a.app, shop.secretKey, { variantId: 'filters-v', priority: 1 });
      expect((await registerOrder(b.app, shop.secretKey)).offer.id).toBe(first.id);
      const better = await createOffer(a.app, shop.secretKey, { variantId: 'mug-v', priority: 9 });
      const decidedOnB = await eventually(async () => (await registerOrder(b.app, shop.secretKey)).offer.id, better.id);
      expect(decidedOnB).toBe(better.id);
    });

    it('an offer switched off on one node disappears from the other node’s confirmation page', async () => {
      const shop = await shopWithCatalog(a.app);
      const offer = await createOffer(a.app, shop.secretKey, { variantId: 'filters-v' });
      const order = await registerOrder(a.app, shop.secretKey);
      const shown = async () => (await call(b.app, 'GET', '/v1/checkout/offer', order.session.token)).json().offer?.id ?? null;
      expect(await shown()).toBe(offer.id);
      expect((await call(a.app, 'PATCH', `/v1/offers/${offer.id}`, shop.secretKey, { active: false })).statusCode).toBe(200);
      expect(await eventually(shown, null)).toBeNull();
    });

    it('explains a decision on request, and says when the offers changed since it was made', async () => {
      const shop = await shopWithCatalog(a.app);
      const winner = await createOffer(a.app, shop.secretKey, { variantId: 'filters-v', priority: 5 });
      const loser = await createOffer(a.app, shop.secretKey, { variantId: 'mug-v', priority: 1 });
      const order = await registerOrder(a.app, shop.secretKey);
      const explain = async () => (await call(b.app, 'GET', `/v1/orders/${order.order.id}/decision`, shop.secretKey)).json().decision;
      const before = await explain();
      expect(before.explanation).toEqual({ computedOnRequest: true, offersChangedSince: false });
      expect(before.evaluations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ offerId: winner.id, chosen: true }),
          expect.objectContaining({ offerId: loser.id, eligible: true, reasons: [expect.objectContaining({ code: 'lower_priority' })] }),
        ]),
      );
      await call(a.app, 'PATCH', `/v1/offers/${loser.id}`, shop.secretKey, { priority: 9 });
      const after = await explain();
      expect(after.offerId).toBe(winner.id);
      expect(after.explanation).toEqual({ computedOnRequest: true, offersChangedSince: true });
    });

    it('a key revoked on one node is refused by the other, and a settings change reaches it', async () => {
      const shop = await shopWithCatalog(a.app);
      const second = (await call(a.app, 'POST', '/v1/api-keys', shop.secretKey)).json().secretKey as string;
      const status = async () => (await call(b.app, 'GET', '/v1/shop', shop.secretKey)).statusCode;
      expect(await status()).toBe(200);
      const keys = (await call(a.app, 'GET', '/v1/api-keys', second)).json().apiKeys as { id: string; last4: string }[];
      const first = keys.find((key) => key.last4 === shop.secretKey.slice(-4));
      expect((await call(a.app, 'DELETE', `/v1/api-keys/${first?.id}`, second)).statusCode).toBe(200);
      expect(await eventually(status, 401)).toBe(401);

      const undoWindow = async () => (await call(b.app, 'GET', '/v1/shop', second)).json().shop.settings.undoWindowSeconds;
      expect(await undoWindow()).toBe(60);
      expect((await call(a.app, 'PATCH', '/v1/shop', second, { settings: { undoWindowSeconds: 120 } })).statusCode).toBe(200);
      expect(await eventually(undoWindow, 120)).toBe(120);
    });

    it('an experiment started on one node decides orders on the other, and its stop does too', async () => {
      const shop = await shopWithCatalog(a.app);
      const offer = await createOffer(a.app, shop.secretKey, { variantId: 'filters-v' });
      const buttonText = async () => (await registerOrder(b.app, shop.secretKey)).offer.buttonText as string;
      const plain = await buttonText();
      const started = await call(a.app, 'POST', '/v1/experiments', shop.secretKey, {
        offerId: offer.id,
        arms: [
          { id: 'one', copy: 'Grab it too' },
          { id: 'two', copy: 'Grab it too' },
        ],
      });
      expect(started.statusCode).toBe(201);
      expect(await eventually(buttonText, 'Grab it too')).toBe('Grab it too');
      expect((await call(a.app, 'POST', `/v1/experiments/${started.json().experiment.id}/stop`, shop.secretKey)).statusCode).toBe(200);
      expect(await eventually(buttonText, plain)).toBe(plain);
    });

    it('a price change in the catalog on one node prices the next decision on the other', async () => {
      const shop = await shopWithCatalog(a.app);
      await createOffer(a.app, shop.secretKey, { variantId: 'filters-v' });
      expect((await registerOrder(b.app, shop.secretKey, { taxRate: null })).offer.total).toBe(1999);
      await putProduct(a.app, shop.secretKey, 'filters', { prices: { USD: 2499 } });
      expect(await eventually(async () => (await registerOrder(b.app, shop.secretKey, { taxRate: null })).offer.total, 2499)).toBe(2499);
    });
  });

  describe('without a notification (no listener): the version re-check', () => {
    let monotonic = 0;
    let a: Node;
    let b: Node;
    beforeAll(async () => {
      a = await startNode({ listen: true, recheckMs: 60_000 });
      b = await startNode({ listen: false, recheckMs: 1_000, monotonicNow: () => monotonic });
    });
    afterAll(async () => {
      await stopNode(a);
      await stopNode(b);
    });

    it('serves the old offers for at most the re-check interval, then the new ones', async () => {
      const shop = await shopWithCatalog(a.app);
      const first = await createOffer(a.app, shop.secretKey, { variantId: 'filters-v', priority: 1 });
      expect((await registerOrder(b.app, shop.secretKey)).offer.id).toBe(first.id);
      const better = await createOffer(a.app, shop.secretKey, { variantId: 'mug-v', priority: 9 });
      // Within the bound B may still decide with what it compiled (this is the documented staleness)…
      monotonic += 999;
      expect((await registerOrder(b.app, shop.secretKey)).offer.id).toBe(first.id);
      // …and once the bound has passed, B re-reads the version and sees the change.
      monotonic += 1;
      expect((await registerOrder(b.app, shop.secretKey)).offer.id).toBe(better.id);
    });

    it('accepts a revoked key on the other node for at most 1 s', async () => {
      const shop = await shopWithCatalog(a.app);
      const second = (await call(a.app, 'POST', '/v1/api-keys', shop.secretKey)).json().secretKey as string;
      expect((await call(b.app, 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(200);
      const keys = (await call(a.app, 'GET', '/v1/api-keys', second)).json().apiKeys as { id: string; last4: string }[];
      const first = keys.find((key) => key.last4 === shop.secretKey.slice(-4));
      expect((await call(a.app, 'DELETE', `/v1/api-keys/${first?.id}`, second)).statusCode).toBe(200);
      // The revoking node refuses it at once; the other, hearing nothing, within the bound.
      expect((await call(a.app, 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(401);
      monotonic += 999;
      expect((await call(b.app, 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(200);
      monotonic += 1;
      expect((await call(b.app, 'GET', '/v1/shop', shop.secretKey)).statusCode).toBe(401);
    });

    it('keeps shops apart: one shop’s change leaves another shop’s offers alone', async () => {
      const one = await shopWithCatalog(a.app);
      const two = await shopWithCatalog(a.app);
      const offerOne = await createOffer(a.app, one.secretKey, { variantId: 'filters-v' });
      const offerTwo = await createOffer(a.app, two.secretKey, { variantId: 'mug-v' });
      expect((await registerOrder(b.app, one.secretKey)).offer.id).toBe(offerOne.id);
      expect((await registerOrder(b.app, two.secretKey)).offer.id).toBe(offerTwo.id);
      await call(a.app, 'DELETE', `/v1/offers/${offerOne.id}`, one.secretKey);
      monotonic += 1_000;
      expect((await registerOrder(b.app, one.secretKey)).offer).toBeNull();
      expect((await registerOrder(b.app, two.secretKey)).offer.id).toBe(offerTwo.id);
    });
  });
});
