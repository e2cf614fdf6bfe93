/**
 * The Shopify post-purchase extension, as Shopify runs it: the bundle `buildExtension` makes, evaluated in a
 * fake of Shopify's sandbox (`self.shopify.extend`), both extension points driven with the library's api
 * shapes, Render drawn into a real `@remote-ui/core` receiver, Plusone answered by a fake `fetch`, and the
 * undo's countdown on vitest's fake clock.
 */
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildExtension, type BuiltExtension } from '../../extensions/post-purchase/build';
import {
  API_BASE,
  CALCULATED,
  CHANGESET_TOKEN,
  INPUT_TOKEN,
  OFFER,
  OFFER_ANSWER,
  PROCESSED,
  REFERENCE_ID,
  STORED,
  inputData,
  unprocessed,
  type ApplyResult,
  type ChangesetErrorCode,
} from './shopify-extension/fixtures';
import {
  deferred,
  loadBundle,
  renderApi,
  renderPage,
  settle,
  shouldRenderApi,
  textOf,
  type Sandbox,
  type ShopifyAnswers,
} from './shopify-extension/harness';

const NOW = new Date('2025-07-01T12:00:00.000Z');
const IDS = { token: INPUT_TOKEN, referenceId: REFERENCE_ID, offerId: OFFER.id };
/** Shopify's "compressed" bundle limit for UI extensions (https://shopify.dev/docs/apps/build/app-extensions/optimize-bundle-size). */
const SHOPIFY_COMPRESSED_LIMIT = 64 * 1024;

let built: BuiltExtension;

beforeAll(async () => {
  built = await buildExtension({ apiBase: API_BASE });
}, 60_000);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: NOW });
});

afterEach(() => {
  vi.useRealTimers();
});

const undoUntil = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const acceptedAnswer = (seconds = 300) => ({
  status: 200,
  body: { status: 'accepted', upsell: { id: 'ups_1', state: 'authorized', amount: 702, currency: 'USD', undoUntil: undoUntil(seconds) } },
});

/** Render with the stored offer, once Shopify's calculation has answered. */
async function openPage(answers: ShopifyAnswers = {}, data = inputData()) {
  const sandbox = loadBundle(built.code);
  const page = renderPage(sandbox, renderApi(sandbox, STORED, answers, data));
  await settle();
  return { sandbox, page };
}

/** Plusone signs the changeset and records an accept with an undo window of `seconds`. */
function acceptRoutes(sandbox: Sandbox, seconds = 300): void {
  sandbox.routes['/v1/shopify/sign-changeset'] = () => ({ status: 200, body: { token: CHANGESET_TOKEN } });
  sandbox.routes['/v1/shopify/outcome'] = (body) =>
    (body as { status: string }).status === 'accepted' ? acceptedAnswer(seconds) : { status: 200, body: { status: 'declined', reason: null } };
}

async function acceptedPage(seconds = 300) {
  const opened = await openPage();
  acceptRoutes(opened.sandbox, seconds);
  opened.page.press('Pay now');
  await settle();
  return opened;
}

describe('bundle', () => {
  it('registers both extension points through self.shopify.extend', () => {
    expect(loadBundle(built.code).points.sort()).toEqual(['Checkout::PostPurchase::Render', 'Checkout::PostPurchase::ShouldRender']);
  });

  it("stays within Shopify's 64 KB compressed limit, with React in production mode", () => {
    expect(built.gzipBytes).toBeLessThanOrEqual(SHOPIFY_COMPRESSED_LIMIT);
    expect(built.bytes).toBe(Buffer.byteLength(built.code));
    expect(built.code).not.toContain('react.development');
    expect(built.code).toContain(API_BASE);
  });

  it('calls the page’s own origin when built with an empty apiBase', async () => {
    const sameOrigin = await buildExtension({ apiBase: '' });
    const sandbox = loadBundle(sameOrigin.code, { base: '' });
    sandbox.routes['/v1/shopify/offer'] = () => ({ status: 200, body: OFFER_ANSWER });
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: true });
    expect(sandbox.log[0]).toEqual({ call: '/v1/shopify/offer', body: { token: INPUT_TOKEN } });
  });
});

describe("Shopify CLI's own bundling", () => {
  /** The esbuild options `shopify app deploy` bundles UI extensions with (Shopify/cli services/extensions/bundle.ts). */
  async function bundleLikeShopifyCli(env: Record<string, string>): Promise<string> {
    const define: Record<string, string> = { 'process.env.NODE_ENV': JSON.stringify('production') };
    for (const [name, value] of Object.entries(env)) define[`process.env.${name}`] = JSON.stringify(value);
    const result = await esbuild({
      entryPoints: [fileURLToPath(new URL('../../extensions/post-purchase/src/index.tsx', import.meta.url))],
      bundle: true,
      write: false,
      define,
      jsx: 'automatic',
      loader: { '.esnext': 'ts', '.js': 'jsx' },
      legalComments: 'none',
      minify: true,
      target: 'es6',
    });
    return result.outputFiles[0]!.text;
  }

  it('reads PLUSONE_API_BASE from the environment it defines', async () => {
    const sandbox = loadBundle(await bundleLikeShopifyCli({ PLUSONE_API_BASE: API_BASE }));
    sandbox.routes['/v1/shopify/offer'] = () => ({ status: 200, body: OFFER_ANSWER });
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: true });
  });

  it('without PLUSONE_API_BASE, asks its own origin (and so shows nothing) rather than failing', async () => {
    const sandbox = loadBundle(await bundleLikeShopifyCli({}), { base: '' });
    sandbox.routes['/v1/shopify/offer'] = () => ({ status: 404, body: { error: { code: 'not_found', message: 'Not found' } } });
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: false });
    expect(sandbox.log[0]?.call).toBe('/v1/shopify/offer');
  });
});

describe('ShouldRender', () => {
  it('asks Plusone with the input token, stores { referenceId, offer } and then renders', async () => {
    const sandbox = loadBundle(built.code);
    sandbox.routes['/v1/shopify/offer'] = () => ({ status: 200, body: OFFER_ANSWER });
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: true });
    expect(sandbox.log).toEqual([
      { call: '/v1/shopify/offer', body: { token: INPUT_TOKEN } },
      { call: 'storage.update', args: [{ referenceId: REFERENCE_ID, offer: expect.objectContaining({ id: OFFER.id, changes: OFFER.changes }) }] },
    ]);
  });

  it('does not render when Plusone has no offer for the purchase', async () => {
    const sandbox = loadBundle(built.code);
    sandbox.routes['/v1/shopify/offer'] = () => ({ status: 200, body: { ...OFFER_ANSWER, offer: null } });
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: false });
    expect(sandbox.log.map((entry) => entry.call)).toEqual(['/v1/shopify/offer']);
  });

  it.each([
    ['a network failure', () => 'network' as const],
    ['a 500', () => ({ status: 500, body: { error: { code: 'internal_error', message: 'boom' } } })],
    ['a 401 for a bad token', () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } })],
    ['a body that is not JSON', () => ({ status: 200, text: '<html>oops</html>' })],
    ['an offer missing its changes', () => ({ status: 200, body: { ...OFFER_ANSWER, offer: { ...OFFER, changes: [] } } })],
  ])('never blocks the buyer: %s answers { render: false }', async (_name, route) => {
    const sandbox = loadBundle(built.code);
    sandbox.routes['/v1/shopify/offer'] = route;
    await expect(sandbox.shouldRender(shouldRenderApi(sandbox))).resolves.toEqual({ render: false });
    expect(sandbox.log.some((entry) => entry.call === 'storage.update')).toBe(false);
  });

  it('gives up on an offer that takes longer than 5 seconds', async () => {
    const sandbox = loadBundle(built.code);
    sandbox.routes['/v1/shopify/offer'] = () => new Promise(() => {});
    const answer = sandbox.shouldRender(shouldRenderApi(sandbox));
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(answer).resolves.toEqual({ render: false });
  });
});

describe('Render › the offer and the exact charge', () => {
  it("shows the offer's own button text, disabled, until Shopify has calculated the charge", async () => {
    const sandbox = loadBundle(built.code);
    const calculation = deferred<typeof CALCULATED>();
    const page = renderPage(sandbox, renderApi(sandbox, STORED, { calculate: () => calculation.promise }));
    await settle();
    expect(page.button('Add for $6.02')?.props).toMatchObject({ disabled: true, subdued: true });
    expect(page.button('Pay now')).toBeUndefined();
    expect(page.button('No thanks')?.props).toMatchObject({ plain: true, disabled: false });
    expect(sandbox.log).toEqual([{ call: 'calculateChangeset', args: [{ changes: OFFER.changes }] }]);

    calculation.resolve(CALCULATED);
    await settle();
    expect(page.button('Pay now · $7.02')?.props).toMatchObject({ subdued: true, disabled: false });
  });

  it('shows one offer: image, title, variant, the struck compare-at price, the net price and the saving', async () => {
    const { page } = await openPage();
    expect(page.all('Image').map((node) => node.props)).toEqual([expect.objectContaining({ source: OFFER.imageUrl, description: 'Paper Filters' })]);
    expect(page.all('Heading').map(textOf)).toEqual(['Paper Filters']);
    expect(page.text).toContain('Pack of 100');
    const prices = page.all('Text').filter((node) => /^\$/.test(textOf(node)) && node.props.size === 'large');
    expect(prices.map(textOf)).toEqual(['$5.60']);
    const struck = page.all('Text').filter((node) => node.props.role === 'deletion');
    expect(struck.map(textOf)).toEqual(['$7.00']);
    expect(page.all('VisuallyHidden').map(textOf)).toEqual(['Original price', 'Price']);
    expect(page.text).toContain('You save $1.40');
  });

  it("shows Shopify's subtotal, shipping, taxes and total, and the button says the total", async () => {
    const { page } = await openPage();
    const rows = page.all('Bookend').map((row) => row.children.map(textOf));
    expect(rows).toEqual([
      ['Subtotal', '$5.60'],
      ['Shipping', '$1.00'],
      ['Taxes', '$0.42'],
      ['Total charged now', '$7.02'],
    ]);
    expect(page.all('Button').map(textOf)).toEqual(['Pay now · $7.02', 'No thanks']);
  });

  it("counts the added items' line as the subtotal, not the whole purchase's", async () => {
    const { page } = await openPage();
    expect(CALCULATED.calculatedPurchase?.subtotalPriceSet.presentmentMoney.amount).toBe('59.60');
    expect(page.all('Bookend').map((row) => row.children.map(textOf))[0]).toEqual(['Subtotal', '$5.60']);
  });

  it('without the added line, takes the subtotal as the total less its taxes and shipping', async () => {
    const calculatedPurchase = { ...CALCULATED.calculatedPurchase!, updatedLineItems: [] };
    const { page } = await openPage({ calculate: async () => ({ status: 'processed', errors: [], calculatedPurchase }) });
    expect(page.all('Bookend').map((row) => row.children.map(textOf))).toEqual([
      ['Subtotal', '$5.60'],
      ['Shipping', '$1.00'],
      ['Taxes', '$0.42'],
      ['Total charged now', '$7.02'],
    ]);
  });

  it("formats with the buyer's locale and presentment currency", async () => {
    const eur = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' }, presentmentMoney: { amount, currencyCode: 'EUR' } });
    const calculatedPurchase = {
      ...CALCULATED.calculatedPurchase!,
      subtotalPriceSet: eur('59.20'),
      updatedLineItems: [{ ...CALCULATED.calculatedPurchase!.updatedLineItems[0]!, totalPriceSet: eur('5.20') }],
      addedTaxLines: [{ priceSet: eur('0.99'), rate: 0.19, title: 'MwSt' }],
      addedShippingLines: [],
      totalOutstandingSet: eur('6.19'),
    };
    const { page } = await openPage(
      { calculate: async () => ({ status: 'processed', errors: [], calculatedPurchase }) },
      inputData({ locale: 'de-DE' }),
    );
    const total = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(6.19);
    expect(page.button('Pay now')?.children.map(textOf).join('')).toBe(`Pay now · ${total}`);
    expect(page.all('Bookend').map((row) => textOf(row.children[1]!))).toEqual([
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(5.2),
      'Free',
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(0.99),
      total,
    ]);
  });

  it('explains, and only offers Continue, when Shopify cannot calculate the changeset', async () => {
    const { sandbox, page } = await openPage({
      calculate: async () => ({ status: 'unprocessed', errors: [{ code: 'insufficient_inventory', message: 'Sold out' }] }),
    });
    expect(page.banner()).toMatchObject({
      status: 'warning',
      title: 'Not added to your order',
      text: 'Sorry, this item just sold out. Your card was not charged.',
    });
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
    page.press('Continue');
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: 'done' });
  });

  it('leaves at once when ShouldRender stored no offer', async () => {
    const sandbox = loadBundle(built.code);
    const page = renderPage(sandbox, renderApi(sandbox, undefined));
    await settle();
    expect(page.nodes).toEqual([]);
    expect(sandbox.log).toEqual([{ call: 'done' }]);
  });
});

describe('Render › one click', () => {
  it('signs, applies, records, and confirms only after Shopify answers processed', async () => {
    const sandbox = loadBundle(built.code);
    const signing = deferred<{ status: number; body: unknown }>();
    const applying = deferred<ApplyResult>();
    sandbox.routes['/v1/shopify/sign-changeset'] = () => signing.promise;
    sandbox.routes['/v1/shopify/outcome'] = () => acceptedAnswer();
    const page = renderPage(sandbox, renderApi(sandbox, STORED, { apply: () => applying.promise }));
    await settle();
    sandbox.log.length = 0;

    page.press('Pay now');
    await settle();
    expect(page.button('Pay now')?.props).toMatchObject({ disabled: true, loading: true, loadingLabel: 'Paying…' });
    expect(page.button('No thanks')?.props).toMatchObject({ disabled: true });
    (page.button('Pay now')!.props.onPress as () => void)();

    signing.resolve({ status: 200, body: { token: CHANGESET_TOKEN } });
    await settle();
    expect(page.text).not.toContain('Added to your order');

    applying.resolve(PROCESSED);
    await settle();
    expect(page.banner()).toMatchObject({ status: 'success', title: 'Added to your order', text: '$7.02 was charged to the card you paid with.' });
    expect(sandbox.log).toEqual([
      { call: '/v1/shopify/sign-changeset', body: IDS },
      { call: 'applyChangeset', args: [CHANGESET_TOKEN] },
      { call: '/v1/shopify/outcome', body: { ...IDS, status: 'accepted', result: PROCESSED } },
    ]);
    expect(page.button('Pay now')).toBeUndefined();
    expect(page.button("Didn't mean to? Undo")?.props).toMatchObject({ plain: true, disabled: false });
    expect(page.all('Button').map(textOf)).toEqual(["Didn't mean to? Undo", 'Continue']);

    page.press('Continue');
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: 'done' });
  });

  it('keeps the confirmation (Shopify charged) when Plusone cannot record it, asking again, without an undo', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/sign-changeset'] = () => ({ status: 200, body: { token: CHANGESET_TOKEN } });
    sandbox.routes['/v1/shopify/outcome'] = () => 'network';
    page.press('Pay now');
    await settle();
    expect(page.banner()?.title).toBe('Added to your order');
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(sandbox.log.filter((entry) => entry.call === '/v1/shopify/outcome')).toHaveLength(3);
    expect(page.button("Didn't mean to? Undo")).toBeUndefined();
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
  });

  it('says the card was not charged and lets the buyer try again when Plusone cannot be reached', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/sign-changeset'] = () => 'network';
    page.press('Pay now');
    await settle();
    expect(page.banner()).toMatchObject({
      status: 'critical',
      title: "We couldn't add it yet",
      text: "We couldn't reach the shop. Your card was not charged. Please try again.",
    });
    expect(sandbox.log.some((entry) => entry.call === 'applyChangeset')).toBe(false);
    expect(page.button('Pay now · $7.02')?.props).toMatchObject({ disabled: false });

    acceptRoutes(sandbox);
    page.press('Pay now');
    await settle();
    expect(page.banner()?.title).toBe('Added to your order');
  });

  it('treats a 5xx from the signer as retry-able, never as success', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/sign-changeset'] = () => ({ status: 503, body: { error: { code: 'unavailable', message: 'later' } } });
    page.press('Pay now');
    await settle();
    expect(page.banner()?.title).toBe("We couldn't add it yet");
    expect(page.button('Pay now')?.props.disabled).toBe(false);
  });

  it('closes the offer when Plusone answers 409 offer_closed, without calling Shopify', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/sign-changeset'] = () => ({ status: 409, body: { error: { code: 'offer_closed', message: 'closed' } } });
    page.press('Pay now');
    await settle();
    expect(page.banner()).toMatchObject({ title: 'This offer is no longer available', text: 'Your card was not charged.' });
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
    expect(sandbox.log.map((entry) => entry.call)).toEqual(['calculateChangeset', '/v1/shopify/sign-changeset']);
  });

  it('claims neither a charge nor none when applyChangeset fails without an answer', async () => {
    const { sandbox, page } = await openPage({ apply: async () => Promise.reject(new Error('host gone')) });
    sandbox.routes['/v1/shopify/sign-changeset'] = () => ({ status: 200, body: { token: CHANGESET_TOKEN } });
    page.press('Pay now');
    await settle();
    expect(page.banner()).toMatchObject({ title: "We couldn't confirm the change" });
    expect(page.text).not.toContain('Added to your order');
    expect(page.text).not.toContain('not charged');
    expect(sandbox.log.some((entry) => entry.call === '/v1/shopify/outcome')).toBe(false);
  });
});

describe('Render › Shopify declines the changeset', () => {
  const cases: [ChangesetErrorCode, string][] = [
    ['payment_required', "Your card couldn't be charged for this item, so it wasn't added. Your card was not charged."],
    ['insufficient_inventory', 'Sorry, this item just sold out. Your card was not charged.'],
    ['changeset_already_applied', "This item is already on your order, so you won't be charged for it again."],
    ['unsupported_payment_method', "This offer can't be paid with the payment method you used for your order. Your card was not charged."],
    ['order_released_error', "Your order is already being prepared, so it can't be changed now. Your card was not charged."],
    ['invalid_request', "Something was wrong with this offer, so the item wasn't added. Your card was not charged."],
    ['server_error', "Shopify couldn't add the item just now. Your card was not charged."],
    ['buyer_consent_required', "This item needs your consent to a subscription, so it wasn't added. Your card was not charged."],
    ['subscription_vaulting_error', "The subscription for this item couldn't be set up, so it wasn't added. Your card was not charged."],
    ['subscription_contract_creation_error', "The subscription for this item couldn't be set up, so it wasn't added. Your card was not charged."],
    [
      'subscription_no_shipping_address_error',
      "A subscription needs a shipping address, and this order has none, so it wasn't added. Your card was not charged.",
    ],
    ['subscription_limit_error', 'No more subscriptions can be added to this order. Your card was not charged.'],
  ];

  it.each(cases)('%s: says why, records the decline with Shopify’s answer, and offers Continue', async (code, text) => {
    const result = unprocessed(code);
    const { sandbox, page } = await openPage({ apply: async () => result });
    acceptRoutes(sandbox);
    page.press('Pay now');
    await settle();
    expect(page.banner()?.text).toBe(text);
    expect(page.text).not.toContain('Added to your order');
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
    expect(sandbox.log.at(-1)).toEqual({ call: '/v1/shopify/outcome', body: { ...IDS, status: 'declined', result } });
    page.press('Continue');
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: 'done' });
  });

  it('partially_processed (edited, payment failed) is a decline, not a confirmation', async () => {
    const result = unprocessed('payment_required', 'partially_processed');
    const { sandbox, page } = await openPage({ apply: async () => result });
    acceptRoutes(sandbox);
    page.press('Pay now');
    await settle();
    expect(page.banner()).toMatchObject({ status: 'warning', title: 'Not added to your order' });
    expect(sandbox.log.at(-1)).toEqual({ call: '/v1/shopify/outcome', body: { ...IDS, status: 'declined', result } });
  });
});

describe('Render › No thanks', () => {
  it('records the decline, then leaves for the Thank you page', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/outcome'] = () => ({ status: 200, body: { status: 'declined', reason: null } });
    page.press('No thanks');
    await settle();
    expect(sandbox.log).toEqual([
      { call: 'calculateChangeset', args: [{ changes: OFFER.changes }] },
      { call: '/v1/shopify/outcome', body: { ...IDS, status: 'declined' } },
      { call: 'done' },
    ]);
  });

  it('leaves anyway when the decline cannot be recorded, after at most 3 seconds', async () => {
    const { sandbox, page } = await openPage();
    sandbox.routes['/v1/shopify/outcome'] = () => new Promise(() => {});
    page.press('No thanks');
    await settle();
    expect(sandbox.log.at(-1)?.call).toBe('/v1/shopify/outcome');
    expect(page.all('Button').map((node) => node.props.disabled)).toEqual([true]);
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: 'done' });
  });
});

describe('Render › undo', () => {
  it('within the window: cancels, says the refund, then Continue', async () => {
    const { sandbox, page } = await acceptedPage();
    sandbox.routes['/v1/shopify/undo'] = () => ({ status: 200, body: { status: 'cancelled' } });
    page.press("Didn't mean to? Undo");
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: '/v1/shopify/undo', body: IDS });
    expect(page.banner()).toMatchObject({ status: 'success', title: "Removed from your order — you'll be refunded $7.02" });
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
    page.press('Continue');
    await settle();
    expect(sandbox.log.at(-1)).toEqual({ call: 'done' });
  });

  it('takes a 202 pending (Plusone finishes the refund itself) as removed', async () => {
    const { sandbox, page } = await acceptedPage();
    sandbox.routes['/v1/shopify/undo'] = () => ({ status: 202, body: { status: 'pending', upsell: { id: 'ups_1', state: 'authorized' } } });
    page.press("Didn't mean to? Undo");
    await settle();
    expect(page.banner()?.title).toBe("Removed from your order — you'll be refunded $7.02");
  });

  it('sends one cancel however often the link is pressed', async () => {
    const { sandbox, page } = await acceptedPage();
    const answer = deferred<{ status: number; body: unknown }>();
    sandbox.routes['/v1/shopify/undo'] = () => answer.promise;
    page.press("Didn't mean to? Undo");
    await settle();
    expect(page.button("Didn't mean to? Undo")?.props.disabled).toBe(true);
    (page.button("Didn't mean to? Undo")!.props.onPress as () => void)();
    answer.resolve({ status: 200, body: { status: 'cancelled' } });
    await settle();
    expect(sandbox.log.filter((entry) => entry.call === '/v1/shopify/undo')).toHaveLength(1);
  });

  it('after the window (409 undo_window_closed): says so, and the item stays', async () => {
    const { sandbox, page } = await acceptedPage();
    sandbox.routes['/v1/shopify/undo'] = () => ({ status: 409, body: { error: { code: 'undo_window_closed', message: 'too late' } } });
    page.press("Didn't mean to? Undo");
    await settle();
    expect(page.banner()).toMatchObject({ status: 'info', title: 'It can no longer be undone' });
    expect(page.text).not.toContain('Removed');
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
  });

  it('on a network failure: says nothing changed and lets the buyer try again', async () => {
    const { sandbox, page } = await acceptedPage();
    sandbox.routes['/v1/shopify/undo'] = () => 'network';
    page.press("Didn't mean to? Undo");
    await settle();
    expect(page.banner()).toMatchObject({ status: 'critical', title: "We couldn't remove it yet" });
    expect(page.text).not.toContain('Removed');
    expect(page.button("Didn't mean to? Undo")?.props.disabled).toBe(false);

    sandbox.routes['/v1/shopify/undo'] = () => ({ status: 200, body: { status: 'cancelled' } });
    page.press("Didn't mean to? Undo");
    await settle();
    expect(page.banner()?.title).toBe("Removed from your order — you'll be refunded $7.02");
  });

  it('counts the time left down each second and takes the link away when it reaches 0', async () => {
    const { page } = await acceptedPage(65);
    const timeLeft = () =>
      page
        .all('Text')
        .map(textOf)
        .find((text) => text.endsWith(' left'));
    expect(timeLeft()).toBe('1:05 left');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(timeLeft()).toBe('1:04 left');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(timeLeft()).toBe('0:05 left');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(timeLeft()).toBe('0:01 left');
    expect(page.button("Didn't mean to? Undo")).toBeDefined();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(timeLeft()).toBeUndefined();
    expect(page.button("Didn't mean to? Undo")).toBeUndefined();
    expect(page.banner()?.title).toBe('Added to your order');
    expect(page.all('Button').map(textOf)).toEqual(['Continue']);
  });

  it('offers no undo when the window is already over when Plusone answers', async () => {
    const { page } = await acceptedPage(0);
    expect(page.button("Didn't mean to? Undo")).toBeUndefined();
    expect(page.banner()?.title).toBe('Added to your order');
  });
});
