/** Helpers for the one-click suites: a shop with an offer, an order paid with a sandbox card, accept. */
import { randomUUID } from 'node:crypto';
import type { App } from '../../src/http/app';
import { call, createOffer, createShop, putProduct, registerOrder, type Shop } from './app';

export interface OfferShop {
  shop: Shop;
  offerId: string;
}

/** A shop selling `main` with an offer on `addon` (USD 19.99, 10 % off, 8.25 % tax → 19.47), stock 10. */
export async function offerShop(app: App, settings: Record<string, unknown> = {}, stock: number | null = 10): Promise<OfferShop> {
  const shop = await createShop(app, { name: 'One-click shop', settings });
  await putProduct(app, shop.secretKey, 'main', { prices: { USD: 5000 } });
  await putProduct(app, shop.secretKey, 'addon', { prices: { USD: 1999 }, stock, title: 'Add-on' });
  const offer = await createOffer(app, shop.secretKey, { variantId: 'addon-v', discount: { type: 'percentage', value: 10 } });
  return { shop, offerId: offer.id };
}

export const ADDON_TOTAL = 1947;

export interface PaidOrder {
  orderId: string;
  token: string;
  offerId: string;
}

export async function paidOrder(app: App, { shop, offerId }: OfferShop, paymentMethodRef = 'pm_sandbox_visa'): Promise<PaidOrder> {
  const registered = await registerOrder(app, shop.secretKey, {
    payment: { gateway: 'sandbox', customerRef: 'cus_1', paymentMethodRef, brand: 'visa', last4: '4242' },
  });
  if (registered.offer?.id !== offerId) throw new Error('the order did not get the offer');
  return { orderId: registered.order.id, token: registered.session.token, offerId };
}

export function accept(app: App, order: PaidOrder, key: string | null = randomUUID(), extra: Record<string, unknown> = {}) {
  return call(app, 'POST', '/v1/checkout/accept', order.token, { offerId: order.offerId, ...extra }, key ? { 'idempotency-key': key } : {});
}

export function undo(app: App, order: PaidOrder, upsellId: string) {
  return call(app, 'POST', '/v1/checkout/cancel', order.token, { upsellId });
}

export async function orderOf(app: App, shop: Shop, orderId: string) {
  return (await call(app, 'GET', `/v1/orders/${orderId}`, shop.secretKey)).json().order;
}

export async function upsellOf(app: App, shop: Shop, upsellId: string) {
  return (await call(app, 'GET', `/v1/upsells/${upsellId}`, shop.secretKey)).json().upsell;
}

export async function eventTypes(app: App, shop: Shop, upsellId: string): Promise<string[]> {
  return (await upsellOf(app, shop, upsellId)).events.map((event: { type: string }) => event.type);
}
