/**
 * Shopify's post-purchase page, Plusone's side (docs/shopify.md): the extension registers the purchase and
 * asks for the offer, has the changeset signed, reports what `applyChangeset` answered, and may undo.
 *
 *   offer    the purchase registered as an order through the same decision as `POST /v1/orders` (with
 *            Shopify's own limits as targeting rules); idempotent per `referenceId`
 *   sign     a changeset JWT built from the stored decision only, one `jti` per purchase and offer
 *   outcome  `processed` → an upsell Shopify charged, created `authorized` (captured) with its line in
 *            one transaction, so the undo window starts; a refusal → a declined upsell; "No thanks" →
 *            the decision declined
 *   undo     within the window and before Shopify releases the order: the saga's undo, whose refund is
 *            Shopify's (gateways/shopify: refundCreate, then the order edit that takes the line out)
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { toCheckoutOffer, type CheckoutOffer, type DecidedOffer } from '../core/decisions';
import { DomainError, notFound } from '../core/errors';
import { applyPercentage, decimalFromJson, formatMoney } from '../core/money';
import type { ChannelLimits, Discount } from '../core/offers';
import type { DeclineCode } from '../core/payments';
import {
  changesFor,
  formatShopifyRef,
  MAX_SHOPIFY_APPLICATIONS,
  notEditableReason,
  purchaseOrder,
  shopifyMinimumCharge,
  type AddVariantChange,
  type OfferDiscount,
} from '../core/shopify';
import { decisionRow } from '../store/decisions';
import type { UpsellRow } from '../store/schema';
import {
  changesetOf,
  claimChangeset,
  insertShopifyPurchase,
  shopifyPurchaseByReference,
  shopifyPurchaseOf,
  updateShopifyPurchase,
} from '../store/shopify';
import { insertPendingUpsell, updateUpsell, upsellOfOffer } from '../store/upsells';
import type { UpsellContext } from './context';
import { registerOrder } from './orders';
import { addToOrder, recordDeclined } from './saga';
import { verifyInputToken, type VerifiedPurchase } from './shopify';
import { shopSettings } from './shops';
import { declineOffer, undoWithinWindow } from './undo';
import { eventValues } from './upsells';

/** The priced offer plus the changeset that adds it (API.md "Shopify post-purchase"). */
export type ShopifyOffer = CheckoutOffer & { changes: AddVariantChange[] };

/** Shopify's variant ids: a number, or its Admin API gid. */
const SHOPIFY_VARIANT_ID = /^(?:gid:\/\/shopify\/ProductVariant\/)?\d{1,16}$/;

function shopifyChannel(verified: VerifiedPurchase, currency: string): ChannelLimits {
  return {
    name: 'Shopify',
    notEditable: notEditableReason(verified.input),
    minimumCharge: shopifyMinimumCharge(currency),
    variantIdPattern: SHOPIFY_VARIANT_ID,
  };
}

/** The discount as the changeset states it: the offer's percentage when it still gives the decided amount, else the amount. */
function changesetDiscount(decided: DecidedOffer, definition: Discount | null | undefined): { discount: OfferDiscount; title: string } {
  if (decided.discountAmount <= 0) return { discount: null, title: '' };
  const listTotal = decided.unitPrice * decided.quantity;
  if (definition?.type === 'percentage') {
    const percent = decimalFromJson(definition.value);
    if (percent && applyPercentage(listTotal, percent) === decided.discountAmount) {
      return { discount: { type: 'percentage', value: definition.value }, title: `${definition.value}% off` };
    }
  }
  return { discount: { type: 'fixed' }, title: `${formatMoney(decided.discountAmount, decided.currency, decided.locale)} off` };
}

async function shopifyOfferOf(ctx: UpsellContext, shopId: string, decided: DecidedOffer, expiresAt: string): Promise<ShopifyOffer | null> {
  const offers = await ctx.caches.offers.get(ctx.db, shopId);
  const definition = offers.candidates.find((candidate) => candidate.offer.id === decided.id)?.offer.discount;
  const { discount, title } = changesetDiscount(decided, definition);
  const changes = changesFor(decided, discount, title);
  return changes ? { ...toCheckoutOffer(decided, new Date(expiresAt)), changes } : null;
}

interface RegisteredPurchase {
  readonly orderId: string;
  readonly decided: DecidedOffer | null;
  readonly expiresAt: string;
}

/** The purchase's order and decision as registered before (the extension loads the page more than once). */
async function registeredBefore(ctx: UpsellContext, shopId: string, orderId: string): Promise<RegisteredPurchase> {
  const decision = await decisionRow(ctx.db, shopId, orderId);
  const settings = await shopSettings(ctx, ctx.db, shopId);
  const expiresAt = new Date((decision?.decided_at.getTime() ?? 0) + settings.sessionTtlSeconds * 1000).toISOString();
  return { orderId, decided: decision?.offer ?? null, expiresAt };
}

/** The purchase as an order, registered once: a later call finds the order by its `referenceId`. */
async function registerPurchase(ctx: UpsellContext, verified: VerifiedPurchase): Promise<RegisteredPurchase> {
  const { shopId, referenceId } = verified;
  const known = await shopifyPurchaseByReference(ctx.db, shopId, referenceId);
  if (known) return registeredBefore(ctx, shopId, known.order_id);
  const purchase = purchaseOrder(verified.input);
  if (!purchase) throw new DomainError('invalid_request', 'The purchase in input_data has amounts Plusone cannot read');
  let registered: RegisteredPurchase;
  try {
    const payment = { gateway: 'shopify', paymentMethodRef: `shopify_purchase_${referenceId}` };
    const { body } = await registerOrder(ctx, shopId, { ...purchase, payment }, null, shopifyChannel(verified, purchase.currency));
    registered = { orderId: body.order.id, decided: body.offer, expiresAt: body.session.expiresAt };
  } catch (error) {
    // Two first calls at once (or a crash before the purchase was remembered): the order is there.
    if (!(error instanceof DomainError) || error.code !== 'order_already_registered' || typeof error.details?.orderId !== 'string') throw error;
    registered = await registeredBefore(ctx, shopId, error.details.orderId);
  }
  await insertShopifyPurchase(ctx.db, shopId, registered.orderId, referenceId, ctx.clock.now());
  return registered;
}

/** Why the decided offer can no longer be signed or shown, or null while it is open. */
async function closedBecause(ctx: UpsellContext, shopId: string, orderId: string, offerId: string): Promise<string | null> {
  const [decision, upsell, purchase] = await Promise.all([
    decisionRow(ctx.db, shopId, orderId),
    upsellOfOffer(ctx.db, shopId, orderId, offerId),
    shopifyPurchaseOf(ctx.db, shopId, orderId),
  ]);
  if (decision?.declined_at) return 'the buyer declined it';
  if (upsell) return upsell.state === 'declined' ? 'Shopify could not charge it' : 'it was already accepted';
  if (purchase && purchase.state !== 'on_hold') return `Shopify reported the order ${purchase.state}`;
  if (purchase?.applications_remaining === 0) return `Shopify accepts no more changesets for this purchase (at most ${MAX_SHOPIFY_APPLICATIONS})`;
  return null;
}

export interface ShopifyOfferAnswer {
  referenceId: string;
  orderId: string;
  offer: ShopifyOffer | null;
}

/** `POST /v1/shopify/offer`: `onShown` records the view (the extension renders whenever an offer is answered). */
export async function offerForPurchase(
  ctx: UpsellContext,
  token: string,
  onShown?: (offer: ShopifyOffer, orderId: string, shopId: string) => void,
): Promise<ShopifyOfferAnswer> {
  const verified = await verifyInputToken(ctx, token);
  const { orderId, decided, expiresAt } = await registerPurchase(ctx, verified);
  const open = decided && (await closedBecause(ctx, verified.shopId, orderId, decided.id)) === null;
  const offer = open ? await shopifyOfferOf(ctx, verified.shopId, decided, expiresAt) : null;
  if (offer) onShown?.(offer, orderId, verified.shopId);
  return { referenceId: verified.referenceId, orderId, offer };
}

export interface PurchaseRequest {
  readonly token: string;
  readonly referenceId: string;
  readonly offerId: string;
}

/** The verified purchase's order and its decided offer, which must be `offerId` (404 otherwise). */
async function decidedPurchase(ctx: UpsellContext, request: PurchaseRequest) {
  const verified = await verifyInputToken(ctx, request.token, request.referenceId);
  const purchase = await shopifyPurchaseByReference(ctx.db, verified.shopId, verified.referenceId);
  if (!purchase) throw notFound('Purchase');
  const decision = await decisionRow(ctx.db, verified.shopId, purchase.order_id);
  if (!decision?.offer || decision.offer_id !== request.offerId) throw notFound('Offer');
  return { verified, orderId: purchase.order_id, purchase, decided: decision.offer };
}

/** `POST /v1/shopify/sign-changeset`: the changeset JWT for `applyChangeset`, from the decision only. */
export async function signChangeset(ctx: UpsellContext, request: PurchaseRequest): Promise<{ token: string }> {
  const { verified, orderId, decided } = await decidedPurchase(ctx, request);
  const closed = await closedBecause(ctx, verified.shopId, orderId, decided.id);
  if (closed) throw new DomainError('offer_closed', `This offer can no longer be accepted: ${closed}`);
  const offer = await shopifyOfferOf(ctx, verified.shopId, decided, ctx.clock.now().toISOString());
  if (!offer) throw new DomainError('offer_not_available', 'This offer cannot be added on Shopify');
  // The first sign's jti and iat stay: a second sign gives the same token, so Shopify applies it once.
  const changeset = await claimChangeset(ctx.db, {
    jti: randomUUID(),
    shop_id: verified.shopId,
    order_id: orderId,
    offer_id: decided.id,
    changes: offer.changes,
    issued_at: ctx.clock.now(),
  });
  const token = await new SignJWT({ changes: changeset.changes })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(verified.shopify.api_key)
    .setJti(changeset.jti)
    .setSubject(verified.referenceId)
    .setIssuedAt(Math.floor(changeset.issued_at.getTime() / 1000))
    .sign(new TextEncoder().encode(verified.apiSecret));
  return { token };
}

/** What `applyChangeset` answered, as the extension reports it. */
export interface ApplyResult {
  readonly status: string;
  readonly errors?: readonly { readonly code: string; readonly message?: string }[];
  readonly changesetApplicationsRemaining?: number;
}

export interface OutcomeRequest extends PurchaseRequest {
  readonly status: 'accepted' | 'declined';
  readonly result?: ApplyResult;
}

export type OutcomeAnswer =
  | { status: 'accepted'; upsell: { id: string; state: string; amount: number; currency: string; undoUntil: string | null } }
  | { status: 'declined'; reason: string | null };

const SHOPIFY_DECLINES: Readonly<Record<string, DeclineCode>> = {
  payment_required: 'card_declined',
  buyer_consent_required: 'authentication_failed',
};

function outcomeOf(row: UpsellRow): OutcomeAnswer {
  if (row.state === 'declined') return { status: 'declined', reason: row.decline_code };
  // No window (the store gave no Admin API access): no undo to offer.
  const undoUntil = row.undo_window_seconds > 0 ? (row.undo_until?.toISOString() ?? null) : null;
  return { status: 'accepted', upsell: { id: row.id, state: row.state, amount: row.amount, currency: row.currency, undoUntil } };
}

/**
 * The undo window of a Shopify upsell: the shop's, when Plusone may refund and edit the store's orders
 * (`settings.shopify.adminAccessToken`); none without it, so no undo is offered that could not be kept.
 */
async function shopifyUndoWindow(ctx: UpsellContext, shopId: string): Promise<number> {
  const settings = await shopSettings(ctx, ctx.db, shopId);
  return settings.shopify?.adminAccessToken ? settings.undoWindowSeconds : 0;
}

/** `POST /v1/shopify/outcome`. Whatever the status says, a `processed` result means Shopify charged: it is recorded. */
export async function recordOutcome(ctx: UpsellContext, request: OutcomeRequest): Promise<OutcomeAnswer> {
  const { verified, orderId, decided } = await decidedPurchase(ctx, request);
  const remaining = request.result?.changesetApplicationsRemaining;
  if (typeof remaining === 'number' && Number.isInteger(remaining) && remaining >= 0) {
    await updateShopifyPurchase(ctx.db, verified.shopId, verified.referenceId, { applicationsRemaining: remaining }, ctx.clock.now());
  }
  const processed = request.result ? request.result.status === 'processed' : request.status === 'accepted';
  if (processed) return outcomeOf(await chargedOnShopify(ctx, verified, orderId, decided));
  if (!request.result) {
    await declineOffer(ctx, { shopId: verified.shopId, orderId }, decided.id);
    return { status: 'declined', reason: null };
  }
  return outcomeOf(await refusedOnShopify(ctx, verified, orderId, decided, request.result));
}

function shopifyUpsellValues(ctx: UpsellContext, shopId: string, orderId: string, decided: DecidedOffer, undoWindowSeconds: number) {
  const now = ctx.clock.now();
  const id = ctx.ids.id('ups');
  return {
    row: {
      shop_id: shopId,
      id,
      order_id: orderId,
      offer_id: decided.id,
      state: 'pending' as const,
      amount: decided.total,
      currency: decided.currency,
      offer: JSON.stringify(decided),
      card: JSON.stringify({ brand: null, last4: null }),
      gateway: 'shopify' as const,
      // Shopify captured the charge with the changeset: the window closing only makes it final.
      capture_mode: 'immediate' as const,
      order_strategy: 'update_original' as const,
      undo_window_seconds: undoWindowSeconds,
      reserved_quantity: 0,
      buyer: null,
      created_at: now,
      updated_at: now,
    },
    event: eventValues({ shop_id: shopId, id }, 'pending', null, { actor: 'buyer', reason: 'changeset applied on Shopify' }, now),
  };
}

/**
 * Shopify charged the changeset: the upsell is created, put in the order and `authorized` in one
 * transaction. From the outcome the extension reports, or from an `orders/updated` webhook showing the
 * changeset's line when that report never came (the buyer closed the page at the wrong instant).
 */
export async function chargedOnShopify(
  ctx: UpsellContext,
  verified: Pick<VerifiedPurchase, 'shopId' | 'referenceId'>,
  orderId: string,
  decided: DecidedOffer,
  actor: 'buyer' | 'psp' = 'buyer',
): Promise<UpsellRow> {
  const { shopId } = verified;
  const ref = await changesetRef(ctx, verified, orderId, decided.id);
  if (!ref) throw new DomainError('offer_not_available', 'No changeset was signed for this offer');
  const { row, event } = shopifyUpsellValues(ctx, shopId, orderId, decided, await shopifyUndoWindow(ctx, shopId));
  return ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertPendingUpsell(trx, row, event);
    // Reported before (a retry of the outcome): the upsell as it stands.
    if (!inserted) return (await upsellOfOffer(trx, shopId, orderId, decided.id)) as UpsellRow;
    return addToOrder(ctx, trx, inserted, { status: 'authorized', ref, captured: true, card: { brand: null, last4: null } }, actor);
  });
}

/**
 * Shopify could not charge it (`payment_required`, `insufficient_inventory`…): a declined upsell, nothing
 * charged. `partially_processed` means Shopify edited the order but the payment failed: the line it added is
 * due to be taken out again (`release_due_at`; the worker's `release_hold` sweep runs the Shopify gateway's
 * release, an order edit), so the buyer is never left owing for an item they did not buy.
 */
async function refusedOnShopify(
  ctx: UpsellContext,
  verified: VerifiedPurchase,
  orderId: string,
  decided: DecidedOffer,
  result: ApplyResult,
): Promise<UpsellRow> {
  const { shopId } = verified;
  const code = result.errors?.[0]?.code ?? result.status;
  const { row, event } = shopifyUpsellValues(ctx, shopId, orderId, decided, 0);
  const inserted = await insertPendingUpsell(ctx.db, row, event);
  if (!inserted) return (await upsellOfOffer(ctx.db, shopId, orderId, decided.id)) as UpsellRow;
  const edited = result.status === 'partially_processed' ? await changesetRef(ctx, verified, orderId, decided.id) : null;
  return recordDeclined(ctx, inserted, SHOPIFY_DECLINES[code] ?? 'processing_error', 'psp', {
    detail: `Shopify: ${result.status} (${code})`,
    ...(edited ? { ref: edited, after: async (trx, declined) => void (await updateUpsell(trx, declined, { release_due_at: ctx.clock.now() })) } : {}),
  });
}

/** The upsell reference of the changeset signed for this purchase and offer (null when none was). */
async function changesetRef(ctx: UpsellContext, verified: Pick<VerifiedPurchase, 'shopId' | 'referenceId'>, orderId: string, offerId: string) {
  const changeset = await changesetOf(ctx.db, verified.shopId, orderId, offerId);
  const change = (changeset?.changes as AddVariantChange[] | undefined)?.[0];
  if (!changeset || !change) return null;
  return formatShopifyRef({
    referenceId: verified.referenceId,
    variantId: change.variantId,
    quantity: change.quantity,
    signedAt: changeset.issued_at,
  });
}

/**
 * An `orders/updated` body listing the lines of Shopify's order: when the decided offer's changeset was
 * signed and its variant is on the order, but no outcome was reported, the charge is recorded now.
 */
export async function reconcileFromOrder(
  ctx: UpsellContext,
  shopId: string,
  referenceId: string,
  lines: readonly { variantId: number; quantity: number }[],
) {
  const purchase = await shopifyPurchaseByReference(ctx.db, shopId, referenceId);
  const decision = purchase ? await decisionRow(ctx.db, shopId, purchase.order_id) : undefined;
  if (!purchase || !decision?.offer || !decision.offer_id) return false;
  const changeset = await changesetOf(ctx.db, shopId, purchase.order_id, decision.offer_id);
  const change = (changeset?.changes as AddVariantChange[] | undefined)?.[0];
  if (!change || (await upsellOfOffer(ctx.db, shopId, purchase.order_id, decision.offer_id))) return false;
  const added = lines.filter((line) => line.variantId === change.variantId).reduce((sum, line) => sum + line.quantity, 0);
  if (added < change.quantity) return false;
  await chargedOnShopify(ctx, { shopId, referenceId }, purchase.order_id, decision.offer, 'psp');
  return true;
}

/** `POST /v1/shopify/undo`: the saga's undo of the upsell Shopify charged, until Shopify releases the order. */
export async function undoOnShopify(ctx: UpsellContext, request: PurchaseRequest) {
  const { verified, orderId, purchase, decided } = await decidedPurchase(ctx, request);
  const upsell = await upsellOfOffer(ctx.db, verified.shopId, orderId, decided.id);
  if (!upsell || upsell.gateway !== 'shopify' || upsell.state === 'declined') throw notFound('Upsell');
  if (upsell.undo_window_seconds === 0) {
    throw new DomainError(
      'undo_not_available',
      'This store has not given Plusone access to refund and edit its orders (settings.shopify.adminAccessToken)',
    );
  }
  if (purchase.state !== 'on_hold' && upsell.state === 'authorized' && upsell.cancel_requested_at === null) {
    throw new DomainError('undo_window_closed', `Shopify reported the order ${purchase.state}: it can no longer be changed here`);
  }
  if (upsell.state !== 'authorized' && upsell.state !== 'cancelled') throw new DomainError('undo_window_closed', 'The time to undo this has passed');
  return undoWithinWindow(ctx, upsell);
}
