import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetMessages } from '../../src/core/messages';
import { widgetBundle } from '../../src/web/widget/routes';
import { buildTestApp, call, registerOrder, type TestApp } from '../support/app';
import { ADDON_TOTAL, offerShop, paidOrder, type OfferShop } from '../support/upsell';

const MAX_GZIP_BYTES = 10 * 1024;

let t: TestApp;
let shop: OfferShop;
beforeAll(async () => {
  t = await buildTestApp();
  shop = await offerShop(t.app);
});
afterAll(() => t.close());

/** The value of one attribute on the fragment's section, HTML entities decoded. */
function sectionAttribute(html: string, name: string): string {
  const match = new RegExp(`<section [^>]*${name}="([^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no ${name} on the section`);
  return match[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

async function fragmentFor(locale?: string): Promise<string> {
  const registered = await registerOrder(t.app, shop.shop.secretKey, locale ? { locale } : {});
  const response = await call(t.app, 'GET', '/v1/checkout/offer.html', registered.session.token);
  expect(response.statusCode).toBe(200);
  return response.body;
}

describe('GET /widget.js', () => {
  it('serves the bundled widget as cacheable JavaScript that parses', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers.etag).toMatch(/^W\/".+"$/);
    expect(response.body.length).toBeGreaterThan(1000);
    expect(() => new Function(response.body)).not.toThrow();
  });

  it('stays within 10 KB gzipped', async () => {
    const bundle = await widgetBundle();
    expect(bundle.gzipBytes).toBeLessThanOrEqual(MAX_GZIP_BYTES);
    const served = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(served.body).toBe(bundle.code);
  });

  it('sends the gzipped bytes to clients that accept them', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.vary).toContain('Accept-Encoding');
    expect(response.rawPayload.byteLength).toBeLessThanOrEqual(MAX_GZIP_BYTES);
    expect(gunzipSync(response.rawPayload).toString('utf8')).toBe((await widgetBundle()).code);
  });

  it('answers 304 when the browser still has this version', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/widget.js' });
    const etag = String(first.headers.etag);
    const again = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': 'W/"older"' } });
    expect(changed.statusCode).toBe(200);
  });

  it('ships no copy of the message catalogue', async () => {
    const { code } = await widgetBundle();
    expect(code).not.toContain('Undo');
    expect(code).not.toContain('ckgängig');
    expect(code).not.toContain('Added to your order');
  });

  it('is not part of the API document', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(Object.keys(spec.paths)).not.toContain('/widget.js');
  });
});

describe('the fragment for the widget', () => {
  it('carries the widget strings, the offer id and the exact charge', async () => {
    const html = await fragmentFor();
    expect(JSON.parse(sectionAttribute(html, 'data-plusone-messages'))).toEqual(widgetMessages('en-US'));
    expect(sectionAttribute(html, 'data-plusone-offer')).toBe(shop.offerId);
    expect(sectionAttribute(html, 'data-plusone-amount')).toBe(String(ADDON_TOTAL));
    expect(sectionAttribute(html, 'data-plusone-currency')).toBe('USD');
    expect(html).toContain('data-plusone-messages="{&quot;adding&quot;:&quot;Adding…&quot;');
    expect(html).toContain('Didn&#39;t mean to? Undo');
    expect(html).not.toMatch(/<script/i);
  });

  it("writes the widget strings in the order's language", async () => {
    const html = await fragmentFor('de-DE');
    expect(html).toContain('lang="de-DE"');
    const messages = JSON.parse(sectionAttribute(html, 'data-plusone-messages'));
    expect(messages).toEqual(widgetMessages('de-DE'));
    expect(messages.undo).toBe('Versehentlich? Rückgängig machen');
    expect(messages.addedWithDeadline).toBe('Zu Ihrer Bestellung hinzugefügt. Sie können das bis {time} rückgängig machen.');
    expect(messages.removed).toBe('Entfernt – Ihnen wird nichts berechnet');
  });

  it('keeps the accept button usable by the widget for a real accept', async () => {
    const order = await paidOrder(t.app, shop);
    const html = (await call(t.app, 'GET', '/v1/checkout/offer.html', order.token)).body;
    expect(html).toContain(`data-plusone-action="accept" data-plusone-offer-id="${order.offerId}"`);
    expect(html).toContain('data-plusone-action="decline"');
    expect(html).toMatch(/<p class="plusone-offer__status" role="status" aria-live="polite"><\/p>/);
  });
});
