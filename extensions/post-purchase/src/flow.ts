/**
 * The one-click flow on Shopify's post-purchase page, as named steps that move the page from one `Step`
 * to the next: `calculate` (Shopify's exact charge), `pay` (sign → `applyChangeset` → record), `decline`
 * ("No thanks"), `undo` within the window, and `finish` ("Continue"). The view only renders the step.
 */
import { chargeOf, type Charge } from './charge';
import { declineNotice, notices, type Notice } from './copy';
import { requestUndo, sendOutcome, signChangeset, type OfferIds } from './backend';
import type { ShopifyOffer, StoredOffer } from './offer';
import type { ApplyResult, CalculateResult, RenderApi } from './shopify';
import { sleep, within } from './time';

/** The undo while it is offered: until `deadline` (this page's clock), `msLeft` as of the last tick. */
export interface UndoState {
  deadline: number;
  msLeft: number;
  /** The cancel is being answered: the link is disabled meanwhile. */
  busy: boolean;
}

export type Step =
  /** Shopify is calculating the exact charge; the button cannot pay an unknown amount yet. */
  | { kind: 'calculating' }
  /** The charge is known; `notice` tells why the last try did not go through (nothing was charged). */
  | { kind: 'ready'; charge: Charge; notice: Notice | null }
  /** One click: both actions are disabled until Shopify answers. */
  | { kind: 'paying'; charge: Charge }
  /** Shopify answered `processed`: added and charged, with the undo while it is offered. */
  | { kind: 'accepted'; charge: Charge; notice: Notice; undo: UndoState | null }
  /** Nothing more to do here but Continue: declined by Shopify, offer closed, or undone. */
  | { kind: 'closed'; notice: Notice }
  /** "No thanks" or "Continue": on the way to the Thank you page. */
  | { kind: 'leaving' };

/** The waits before asking again to record an accept Shopify already processed (the undo depends on it). */
const OUTCOME_RETRY_MS = [1_000, 3_000];
/** How long "No thanks" waits for the decline to be recorded before leaving anyway. */
const DECLINE_TIMEOUT_MS = 3_000;

export class OfferFlow {
  readonly offer: ShopifyOffer;
  readonly locale: string;
  private readonly ids: OfferIds;
  private current: Step = { kind: 'calculating' };
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly api: RenderApi,
    stored: StoredOffer,
  ) {
    this.offer = stored.offer;
    this.locale = api.inputData.locale;
    this.ids = { token: api.inputData.token, referenceId: stored.referenceId, offerId: stored.offer.id };
  }

  get step(): Step {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private move(step: Step): void {
    this.current = step;
    for (const listener of this.listeners) listener();
  }

  /** Asks Shopify for the exact charge of the offer's changes (tax, shipping, total to pay now). */
  async calculate(): Promise<void> {
    let result: CalculateResult;
    try {
      result = await this.api.calculateChangeset({ changes: this.offer.changes });
    } catch {
      result = { status: 'unprocessed', errors: [] };
    }
    // The buyer may have said "No thanks" meanwhile.
    if (this.current.kind !== 'calculating') return;
    if (result.status === 'processed') {
      const variantIds = this.offer.changes.map((change) => change.variantId);
      this.move({ kind: 'ready', charge: chargeOf(result.calculatedPurchase, variantIds, this.locale), notice: null });
    } else {
      this.move({ kind: 'closed', notice: result.errors[0] ? declineNotice(result.errors[0].code) : notices.totalUnavailable() });
    }
  }

  /** The buyer clicked "Pay now": once, however often it is clicked. */
  async pay(): Promise<void> {
    const step = this.current;
    if (step.kind !== 'ready') return;
    this.move({ kind: 'paying', charge: step.charge });
    const signed = await signChangeset(this.ids);
    if (signed.kind === 'failed') return this.move({ kind: 'ready', charge: step.charge, notice: notices.payUnreachable() });
    if (signed.kind === 'closed') return this.move({ kind: 'closed', notice: notices.offerClosed() });
    let result: ApplyResult;
    try {
      result = await this.api.applyChangeset(signed.token);
    } catch {
      // No answer from Shopify: whether it charged is unknown, and a second changeset could charge twice.
      return this.move({ kind: 'closed', notice: notices.unconfirmed() });
    }
    if (result.status !== 'processed') {
      this.move({ kind: 'closed', notice: declineNotice(result.errors[0]?.code) });
      await sendOutcome(this.ids, 'declined', result);
      return;
    }
    this.move({ kind: 'accepted', charge: step.charge, notice: notices.added(step.charge.total), undo: null });
    await this.recordAccept(result);
  }

  /** Records the processed accept, asking again a little later if Plusone could not be reached. */
  private async recordAccept(result: ApplyResult): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const answer = await sendOutcome(this.ids, 'accepted', result);
      if (answer.kind === 'accepted' && answer.undoUntil !== null) this.offerUndo(answer.undoUntil);
      const wait = OUTCOME_RETRY_MS[attempt];
      if (answer.kind !== 'failed' || wait === undefined) return;
      await sleep(wait);
    }
  }

  /** Offers the undo until `deadline`, the time left ticking every second; gone when the window closes. */
  private offerUndo(deadline: number): void {
    const step = this.current;
    const msLeft = deadline - Date.now();
    if (step.kind !== 'accepted' || msLeft <= 0) return;
    this.move({ ...step, undo: { deadline, msLeft, busy: false } });
    this.stopTimer();
    this.timer = setInterval(() => this.tick(), 1_000);
  }

  private tick(): void {
    const step = this.current;
    if (step.kind !== 'accepted' || !step.undo) return this.stopTimer();
    const msLeft = step.undo.deadline - Date.now();
    // A cancel already sent is answered by Plusone, which knows whether it was in time.
    if (msLeft > 0 || step.undo.busy) return this.move({ ...step, undo: { ...step.undo, msLeft: Math.max(0, msLeft) } });
    this.stopTimer();
    this.move({ ...step, undo: null });
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The buyer clicked "Didn't mean to? Undo": refund and take the item off, once. */
  async undo(): Promise<void> {
    const step = this.current;
    if (step.kind !== 'accepted' || !step.undo || step.undo.busy) return;
    this.move({ ...step, undo: { ...step.undo, busy: true } });
    const answer = await requestUndo(this.ids);
    const now = this.current;
    if (now.kind !== 'accepted' || !now.undo) return;
    if (answer.kind === 'cancelled' || answer.kind === 'closed') {
      this.stopTimer();
      this.move(
        answer.kind === 'cancelled'
          ? { kind: 'closed', notice: notices.removed(now.charge.total) }
          : { ...now, undo: null, notice: notices.undoClosed() },
      );
      return;
    }
    const msLeft = now.undo.deadline - Date.now();
    if (msLeft > 0) return this.move({ ...now, notice: notices.undoUnreachable(), undo: { ...now.undo, msLeft, busy: false } });
    this.stopTimer();
    this.move({ ...now, notice: notices.undoClosed(), undo: null });
  }

  /** "No thanks": the decline is recorded (briefly waited for), then on to the Thank you page. */
  async decline(): Promise<void> {
    if (this.current.kind !== 'calculating' && this.current.kind !== 'ready') return;
    this.move({ kind: 'leaving' });
    await within(sendOutcome(this.ids, 'declined'), DECLINE_TIMEOUT_MS, { kind: 'failed' });
    await this.api.done();
  }

  /** "Continue": on to the Thank you page. */
  async finish(): Promise<void> {
    if (this.current.kind !== 'accepted' && this.current.kind !== 'closed') return;
    this.stopTimer();
    this.move({ kind: 'leaving' });
    await this.api.done();
  }
}
