/**
 * The buyer's page remembers what happened: `GET /v1/checkout/offer` and the fragment answer the current
 * state of the order's upsell on every load (accepted with the undo time left by the server's clock,
 * removed, "No thanks", declined, pending, 3-D Secure, captured, capture failed), never the offer as new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../support/app';
import { accept, ADDON_TOTAL, offerShop, paidOrder, undo, type OfferShop, type PaidOrder } from '../support/upsell';

let t: TestApp;
let setup: OfferShop;
beforeAll(async () => {
  t = await buildTestApp();
  setup = await offerShop(t.app, {}, null);
});
afterAll(() => t.close());

async function offerOf(order: PaidOrder) {
  const response = await call(t.app, 'GET', '/v1/checkout/offer', order.token);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function fragmentOf(order: PaidOrder) {
  const response = await call(t.app, 'GET', '/v1/checkout/offer.html', order.token);
  return { status: response.statusCode, html: response.body };
}

const statusLine = (html: string) => /<p class="plusone-offer__status"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];

async function accepted(card = 'pm_sandbox_visa'): Promise<{ order: PaidOrder; upsellId: string }> {
  const order = await paidOrder(t.app, setup, card);
  const answer = await accept(t.app, order);
  return { order, upsellId: answer.json().upsell.id };
}

describe("GET /v1/checkout/offer › the order's current state", () => {
  it('answers the live offer with status open before the buyer answered', async () => {
    const order = await paidOrder(t.app, setup);
    const body = await offerOf(order);
    expect(body).toMatchObject({ status: 'open', upsell: null, offer: { id: order.offerId, total: ADDON_TOTAL } });
    const fragment = await fragmentOf(order);
    expect(fragment.status).toBe(200);
    expect(fragment.html).toContain('data-plusone-action="accept"');
    expect(fragment.html).not.toContain('data-plusone-status');
  });

  it('after an accept: accepted, no live offer, the undo time left by the server clock; after a reload too', async () => {
    const { order, upsellId } = await accepted();
    t.clock.advance(20);
    const body = await offerOf(order);
    expect(body.status).toBe('accepted');
    expect(body.offer).toBeNull();
    expect(body.upsell).toMatchObject({
      id: upsellId,
      state: 'authorized',
      amount: ADDON_TOTAL,
      currency: 'USD',
      offerId: order.offerId,
      title: 'Add-on',
      undoSecondsLeft: 40,
    });
    expect(Date.parse(body.upsell.undoUntil) - t.clock.now().getTime()).toBe(40_000);

    const fragment = await fragmentOf(order);
    expect(fragment.status).toBe(200);
    expect(fragment.html).not.toContain('data-plusone-action="accept"');
    expect(fragment.html).not.toContain('Add for');
    expect(fragment.html).toContain('data-plusone-status="accepted"');
    expect(fragment.html).toContain(`data-plusone-upsell="${upsellId}"`);
    expect(fragment.html).toContain('data-plusone-undo-seconds-left="40"');
    expect(statusLine(fragment.html)).toBe('Added to your order');

    t.clock.advance(30);
    expect((await offerOf(order)).upsell.undoSecondsLeft).toBe(10);
    t.clock.advance(10);
    expect((await offerOf(order)).upsell.undoSecondsLeft).toBe(0);
    expect((await fragmentOf(order)).html).not.toContain('data-plusone-undo-seconds-left');
  });

  it('after an undo: removed', async () => {
    const { order, upsellId } = await accepted();
    expect((await undo(t.app, order, upsellId)).statusCode).toBe(200);
    const body = await offerOf(order);
    expect(body).toMatchObject({ status: 'removed', offer: null, upsell: { id: upsellId, state: 'cancelled', undoSecondsLeft: 0 } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="removed"');
    expect(statusLine(fragment.html)).toBe('Removed — you will not be charged');
  });

  it('after "No thanks": dismissed, and the fragment shows nothing (204)', async () => {
    const order = await paidOrder(t.app, setup);
    expect((await call(t.app, 'POST', '/v1/checkout/decline', order.token, { offerId: order.offerId })).statusCode).toBe(204);
    expect(await offerOf(order)).toEqual({ offer: null, status: 'dismissed', upsell: null });
    expect((await fragmentOf(order)).status).toBe(204);
  });

  it('after a declined card: declined, with the decline message', async () => {
    const { order } = await accepted('pm_sandbox_declined');
    const body = await offerOf(order);
    expect(body).toMatchObject({ status: 'declined', offer: null, upsell: { state: 'declined' } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="declined"');
    expect(statusLine(fragment.html)).toBe('Your card was declined. You have not been charged.');
  });

  it('while the bank has not answered: pending, the offer rendered busy for the widget to poll', async () => {
    const { order, upsellId } = await accepted('pm_sandbox_timeout');
    expect(await offerOf(order)).toMatchObject({ status: 'pending', offer: null, upsell: { id: upsellId, state: 'pending' } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="pending"');
    expect(fragment.html).toContain(`data-plusone-upsell="${upsellId}"`);
    expect(statusLine(fragment.html)).toBe('Confirming…');
  });

  it("while 3-D Secure is open: requires_action, the offer rendered so a click reopens the bank's step", async () => {
    const { order, upsellId } = await accepted('pm_sandbox_3ds_required');
    expect(await offerOf(order)).toMatchObject({ status: 'requires_action', upsell: { id: upsellId, state: 'requires_action' } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="requires_action"');
    expect(fragment.html).toContain('data-plusone-action="accept"');
  });

  it('after the capture: captured ("added and charged")', async () => {
    const { order, upsellId } = await accepted();
    t.clock.advance(61);
    await t.worker.runOnce();
    expect(await offerOf(order)).toMatchObject({ status: 'captured', offer: null, upsell: { id: upsellId, state: 'captured', undoSecondsLeft: 0 } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="captured"');
    expect(statusLine(fragment.html)).toBe('Added to your order and charged to your card.');
  });

  it('after a failed capture: capture_failed, told to the buyer', async () => {
    const { order, upsellId } = await accepted('pm_sandbox_capture_fails');
    t.clock.advance(61);
    await t.worker.runOnce();
    expect(await offerOf(order)).toMatchObject({ status: 'capture_failed', offer: null, upsell: { id: upsellId, state: 'capture_failed' } });
    const fragment = await fragmentOf(order);
    expect(fragment.html).toContain('data-plusone-status="capture_failed"');
    expect(statusLine(fragment.html)).toBe('We couldn’t charge your card, so this item was not added to your order. You have not been charged.');
  });

  it('keeps answering through the undo window after the session TTL ended', async () => {
    const shop = await offerShop(t.app, { sessionTtlSeconds: 60, undoWindowSeconds: 600 }, null);
    const order = await paidOrder(t.app, shop);
    await accept(t.app, order);
    t.clock.advance(120);
    const body = await offerOf(order);
    expect(body).toMatchObject({ status: 'accepted', upsell: { undoSecondsLeft: 480 } });
    expect((await fragmentOf(order)).html).toContain('data-plusone-undo-seconds-left="480"');
  });
});

describe("security headers on what the merchant's page loads", () => {
  it('the fragment and /widget.js: nosniff, a CSP, no framing; the script loadable cross-origin', async () => {
    const order = await paidOrder(t.app, setup);
    const fragment = await call(t.app, 'GET', '/v1/checkout/offer.html', order.token);
    expect(fragment.statusCode).toBe(200);
    expect(fragment.headers['x-content-type-options']).toBe('nosniff');
    expect(String(fragment.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(fragment.headers['x-frame-options']).toBe('DENY');

    const script = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect(String(script.headers['content-type'])).toContain('javascript');
    expect(String(script.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });
});
