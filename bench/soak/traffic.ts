/**
 * The soak's buyers and merchants: each journey registers a paid order (the merchant's backend, retried
 * with its Idempotency-Key), shows the offer on the other node, and then does what a buyer does — accept
 * (sometimes with a double click: the same key twice, or two keys on both nodes at once), undo in the
 * window or too late, decline, race a decline against an accept, pass, fail or abandon 3-D Secure — with
 * a seeded mix of the sandbox's test cards, including the PSP timeout card. Every settled answer becomes
 * an expectation (outcomes.ts); two answers that contradict each other are counted at once.
 */
import { mulberry32 } from '../../src/core/random';
import { field, isTransient, retrying, send, sleep, type Answer, type Tally } from './client';
import type { Expectation, Expected } from './outcomes';

export interface SoakNode {
  readonly name: string;
  readonly url: string;
}

export interface SoakShop {
  readonly id: string;
  readonly secretKey: string;
  readonly currency: string;
  readonly captureMode: 'after_window' | 'immediate';
  /** The main product's unit price in the shop's currency (minor units). */
  readonly unitPrice: number;
}

type Card = 'visa' | 'mastercard' | '3ds_required' | 'declined' | 'insufficient_funds' | 'timeout' | 'capture_fails';

/** Weights: mostly cards that succeed, with each kind of trouble a real shop sees. */
const CARDS: readonly (readonly [Card, number])[] = [
  ['visa', 55],
  ['mastercard', 10],
  ['3ds_required', 12],
  ['declined', 5],
  ['insufficient_funds', 3],
  ['timeout', 7],
  ['capture_fails', 8],
];

type Action = 'accept' | 'double_same_key' | 'double_two_keys' | 'race_decline' | 'decline' | 'pass';
const ACTIONS: readonly (readonly [Action, number])[] = [
  ['accept', 48],
  ['double_same_key', 10],
  ['double_two_keys', 10],
  ['race_decline', 7],
  ['decline', 13],
  ['pass', 12],
];

type AfterAccept = 'keep' | 'undo' | 'late_undo';
const AFTER_ACCEPT: readonly (readonly [AfterAccept, number])[] = [
  ['keep', 72],
  ['undo', 22],
  ['late_undo', 6],
];

type Challenge = 'complete' | 'fail' | 'abandon';
const CHALLENGES: readonly (readonly [Challenge, number])[] = [
  ['complete', 50],
  ['fail', 25],
  ['abandon', 25],
];

/** How long a buyer's page (or a merchant's backend) keeps retrying before it gives up. */
const RETRY_DEADLINE_MS = 60_000;

type AcceptOutcome =
  | { readonly kind: 'accepted'; readonly upsellId: string; readonly undoUntil: number | null }
  | { readonly kind: 'requires_action'; readonly upsellId: string; readonly actionUrl: string; readonly completeUrl: string }
  | { readonly kind: 'declined'; readonly upsellId: string | null }
  | { readonly kind: 'closed' };

export interface TrafficOptions {
  readonly nodes: readonly [SoakNode, SoakNode];
  readonly shops: readonly SoakShop[];
  readonly tally: Tally;
  readonly seed: number;
  readonly log: (message: string) => void;
}

export class Traffic {
  readonly expectations: Expectation[] = [];
  /** Answers that contradict each other (two upsells for one double click, an accept and a decline both won). */
  readonly contradictions: string[] = [];
  readonly journeys = new Map<string, number>();
  private readonly rand: () => number;
  private sequence = 0;

  constructor(private readonly options: TrafficOptions) {
    this.rand = mulberry32(options.seed);
  }

  /** Runs `concurrency` buyers one journey after another until `until` (epoch ms); waits for the last ones. */
  async run(concurrency: number, until: number): Promise<void> {
    const buyer = async () => {
      while (Date.now() < until) {
        await this.journey().catch((error: unknown) => this.contradictions.push(`journey threw: ${String(error)}`));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, buyer));
  }

  private pick<T>(weighted: readonly (readonly [T, number])[]): T {
    const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.rand() * total;
    for (const [value, weight] of weighted) {
      draw -= weight;
      if (draw < 0) return value;
    }
    return (weighted[weighted.length - 1] as readonly [T, number])[0];
  }

  private think(): Promise<void> {
    return sleep(50 + Math.floor(this.rand() * 300));
  }

  private expect(orderId: string, expected: Expected, journey: string): void {
    this.expectations.push({ orderId, expected, journey });
    this.journeys.set(journey, (this.journeys.get(journey) ?? 0) + 1);
  }

  private async journey(): Promise<void> {
    const { nodes, shops } = this.options;
    const shop = shops[Math.floor(this.rand() * shops.length)] as SoakShop;
    const [first, second] = this.rand() < 0.5 ? nodes : ([nodes[1], nodes[0]] as const);
    const card = this.pick(CARDS);
    const action = this.pick(ACTIONS);
    const order = await this.register(first, shop, card);
    if (!order) return;
    const name = `${card} ${action}`;
    if (!order.offerId) return this.expect(order.orderId, 'not_charged', `${card} no offer`);
    await this.think();
    await this.view(second, order.token);
    await this.think();
    const offerId = order.offerId;
    switch (action) {
      case 'pass':
        return this.expect(order.orderId, 'not_charged', name);
      case 'decline': {
        const declined = await this.decline(second, order.token, offerId);
        return this.expect(order.orderId, declined === 204 ? 'not_charged' : 'final', name);
      }
      case 'race_decline':
        return this.raceDecline(nodes, order, offerId, card, shop, name);
      case 'accept':
        return this.settleAccept(second, order, card, shop, name, await this.accept(second, order.token, offerId, this.key()));
      case 'double_same_key': {
        const key = this.key();
        const answers = await Promise.all([this.accept(second, order.token, offerId, key), this.accept(second, order.token, offerId, key)]);
        return this.settleDouble(second, order, card, shop, name, answers);
      }
      case 'double_two_keys': {
        const answers = await Promise.all([
          this.accept(nodes[0], order.token, offerId, this.key()),
          this.accept(nodes[1], order.token, offerId, this.key()),
        ]);
        return this.settleDouble(second, order, card, shop, name, answers);
      }
      default: {
        const exhaustive: never = action;
        return exhaustive;
      }
    }
  }

  private key(): string {
    this.sequence += 1;
    return `soak-${Date.now().toString(36)}-${this.sequence}`;
  }

  private async register(node: SoakNode, shop: SoakShop, card: Card): Promise<{ orderId: string; token: string; offerId: string | null } | null> {
    const externalId = this.key();
    const subtotal = shop.unitPrice;
    const body = {
      externalId,
      currency: shop.currency,
      lines: [{ productId: 'main', variantId: 'main-v', title: 'Main product', quantity: 1, unitPrice: shop.unitPrice }],
      subtotal,
      shippingTotal: 0,
      taxTotal: 0,
      total: subtotal,
      customer: { country: 'US', email: `${externalId}@soak.example` },
      payment: {
        gateway: 'sandbox',
        paymentMethodRef: `pm_sandbox_${card}`,
        brand: card === 'mastercard' ? 'mastercard' : 'visa',
        last4: card === 'mastercard' ? '4444' : '4242',
      },
    };
    return retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () =>
        send(this.options.tally, 'register order', node.url, {
          method: 'POST',
          path: '/v1/orders',
          token: shop.secretKey,
          json: body,
          headers: { 'idempotency-key': externalId },
        }),
      (answer) => {
        if (isTransient(answer)) return null;
        const orderId = field(answer.body, 'order', 'id');
        const token = field(answer.body, 'session', 'token');
        if (answer.status !== 201 && answer.status !== 200) throw new Error(`registration answered ${String(answer.status)}`);
        const offerId = field(answer.body, 'offer', 'id');
        return typeof orderId === 'string' && typeof token === 'string'
          ? { orderId, token, offerId: typeof offerId === 'string' ? offerId : null }
          : null;
      },
    );
  }

  private async view(node: SoakNode, token: string): Promise<void> {
    const html = this.rand() < 0.4;
    await send(this.options.tally, html ? 'offer (html)' : 'offer', node.url, {
      method: 'GET',
      path: html ? '/v1/checkout/offer.html' : '/v1/checkout/offer',
      token,
    });
  }

  private decline(node: SoakNode, token: string, offerId: string): Promise<number | null> {
    return retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () => send(this.options.tally, 'decline', node.url, { method: 'POST', path: '/v1/checkout/decline', token, json: { offerId } }),
      (answer) => (isTransient(answer) ? null : Number(answer.status)),
    );
  }

  /** Accept as the widget does: the same Idempotency-Key until the answer settles (pending and in-progress retried). */
  private accept(node: SoakNode, token: string, offerId: string, key: string): Promise<AcceptOutcome | null> {
    return retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () =>
        send(this.options.tally, 'accept', node.url, {
          method: 'POST',
          path: '/v1/checkout/accept',
          token,
          json: { offerId },
          headers: { 'idempotency-key': key },
        }),
      acceptOutcome,
    );
  }

  private async settleDouble(
    node: SoakNode,
    order: { orderId: string; token: string },
    card: Card,
    shop: SoakShop,
    name: string,
    answers: (AcceptOutcome | null)[],
  ) {
    const ids = new Set(answers.map((answer) => (answer && 'upsellId' in answer ? answer.upsellId : null)).filter((id) => id !== null));
    if (ids.size > 1) this.contradictions.push(`${name}: one order, two upsells (${[...ids].join(', ')})`);
    const settled = answers.find((answer) => answer !== null) ?? null;
    return this.settleAccept(node, order, card, shop, name, settled);
  }

  private async raceDecline(
    nodes: readonly [SoakNode, SoakNode],
    order: { orderId: string; token: string },
    offerId: string,
    card: Card,
    shop: SoakShop,
    name: string,
  ) {
    const [accepted, declined] = await Promise.all([
      this.accept(nodes[0], order.token, offerId, this.key()),
      this.decline(nodes[1], order.token, offerId),
    ]);
    const acceptWon = accepted !== null && accepted.kind !== 'closed';
    // A declined card leaves the offer open to a "no thanks": both may then answer success.
    if (acceptWon && declined === 204 && accepted.kind !== 'declined') this.contradictions.push(`${name}: the accept and the decline both won`);
    if (declined === 204 && (accepted === null || accepted.kind === 'closed')) return this.expect(order.orderId, 'not_charged', name);
    return this.settleAccept(nodes[0], order, card, shop, name, accepted);
  }

  /** What the buyer does after the accept's answer, and what the database must then hold. */
  private async settleAccept(
    node: SoakNode,
    order: { orderId: string; token: string },
    card: Card,
    shop: SoakShop,
    name: string,
    outcome: AcceptOutcome | null,
  ) {
    if (outcome === null) return this.expect(order.orderId, 'final', `${name} (accept unsettled)`);
    switch (outcome.kind) {
      case 'closed':
        return this.expect(order.orderId, 'not_charged', name);
      case 'declined':
        return this.expect(order.orderId, 'declined', name);
      case 'requires_action':
        return this.challenge(node, order, name, outcome);
      case 'accepted':
        return this.afterAccepted(node, order, card, shop, name, outcome);
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  }

  private async afterAccepted(
    node: SoakNode,
    order: { orderId: string; token: string },
    card: Card,
    shop: SoakShop,
    name: string,
    accepted: Extract<AcceptOutcome, { kind: 'accepted' }>,
  ) {
    const kept: Expected = card === 'capture_fails' && shop.captureMode === 'after_window' ? 'capture_failed' : 'captured';
    const next = this.pick(AFTER_ACCEPT);
    const undoUntil = accepted.undoUntil ?? 0;
    if (next === 'keep' || (next === 'undo' && Date.now() > undoUntil - 2_000)) return this.expect(order.orderId, kept, `${name} kept`);
    if (next === 'late_undo') await sleep(Math.max(0, undoUntil - Date.now()) + 1_500);
    else await this.think();
    const undone = await retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () =>
        send(this.options.tally, 'undo', node.url, {
          method: 'POST',
          path: '/v1/checkout/cancel',
          token: order.token,
          json: { upsellId: accepted.upsellId },
          headers: {},
        }),
      (answer) => (isTransient(answer) ? null : { status: answer.status, code: field(answer.body, 'error', 'code') }),
    );
    const label = `${name} ${next}`;
    if (undone === null) return this.expect(order.orderId, 'final', `${label} (unsettled)`);
    if (undone.status === 200 || undone.status === 202) return this.expect(order.orderId, 'cancelled', label);
    if (undone.status === 409 && undone.code === 'undo_window_closed') return this.expect(order.orderId, kept, `${label} (window closed)`);
    this.contradictions.push(`${label}: undo answered ${String(undone.status)} ${String(undone.code)}`);
    return this.expect(order.orderId, 'final', label);
  }

  /** The buyer on the 3-D Secure page: completes it, fails it, or walks away (the worker ends it). */
  private async challenge(
    node: SoakNode,
    order: { orderId: string; token: string },
    name: string,
    action: Extract<AcceptOutcome, { kind: 'requires_action' }>,
  ) {
    const choice = this.pick(CHALLENGES);
    const label = `${name} 3ds ${choice}`;
    if (choice === 'abandon') return this.expect(order.orderId, 'declined', label);
    await this.think();
    const answered = await retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () =>
        send(this.options.tally, '3ds challenge', node.url, {
          method: 'POST',
          path: new URL(action.actionUrl, node.url).pathname,
          form: { result: choice === 'complete' ? 'success' : 'failure' },
        }),
      (answer) => (isTransient(answer) ? null : answer.status),
    );
    if (answered !== 200) return this.expect(order.orderId, 'final', `${label} (challenge answered ${String(answered)})`);
    // The bank has the answer; the complete call only fetches it (the worker would too, after the 3-D Secure timeout).
    const expected: Expected = choice === 'complete' ? 'captured' : 'declined';
    const completed = await retrying(
      this.options.tally,
      RETRY_DEADLINE_MS,
      () => send(this.options.tally, 'complete 3ds', node.url, { method: 'POST', path: action.completeUrl, token: order.token }),
      (answer) => {
        const outcome = acceptOutcome(answer);
        return outcome === null || outcome.kind === 'requires_action' ? null : outcome;
      },
    );
    if (completed && completed.kind !== (choice === 'complete' ? 'accepted' : 'declined')) {
      this.contradictions.push(`${label}: completion answered ${completed.kind}`);
    }
    return this.expect(order.orderId, expected, label);
  }
}

/** The settled outcome of an accept (or 3-D Secure completion) answer; null while it should be retried. */
function acceptOutcome(answer: Answer): AcceptOutcome | null {
  if (isTransient(answer)) return null;
  const status = field(answer.body, 'status');
  const upsellId = field(answer.body, 'upsell', 'id');
  const id = typeof upsellId === 'string' ? upsellId : null;
  if (answer.status === 200 && status === 'accepted' && id) {
    const undoUntil = field(answer.body, 'upsell', 'undoUntil');
    return { kind: 'accepted', upsellId: id, undoUntil: typeof undoUntil === 'string' ? Date.parse(undoUntil) : null };
  }
  if (answer.status === 200 && status === 'requires_action' && id) {
    const url = field(answer.body, 'action', 'url');
    const completeUrl = field(answer.body, 'completeUrl');
    if (typeof url === 'string' && typeof completeUrl === 'string') return { kind: 'requires_action', upsellId: id, actionUrl: url, completeUrl };
  }
  if (answer.status === 402) return { kind: 'declined', upsellId: id };
  if (answer.status === 409 && field(answer.body, 'error', 'code') === 'offer_closed') return { kind: 'closed' };
  // 202 pending and 409 idempotency_in_progress: the outcome is coming; ask again with the same key.
  if (answer.status === 202 || (answer.status === 409 && field(answer.body, 'error', 'code') === 'idempotency_in_progress')) return null;
  throw new Error(`accept answered ${String(answer.status)} ${JSON.stringify(answer.body).slice(0, 200)}`);
}
