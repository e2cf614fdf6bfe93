/**
 * Orders: newest first, found by the merchant's own order number (`externalId`), paged by the API's
 * cursor; an order's page with its lines and totals, why it got its offer (or none), the upsell's
 * timeline, and the webhooks sent about the order — each event with where it stands, every attempt
 * shown (time, HTTP status, error) and a **Resend** form.
 */
import { escapeHtml } from '../../../core/html';
import type { DecisionView, OrderPageView, OrderSummaryView, OrderView, UpsellView, WebhookEventView } from '../api';
import { count, money, time, words } from '../format';
import { csrfField, doneBox, tableRegion, type AdminPage } from '../layout';

const orderName = (order: { id: string; externalId: string | null }) => order.externalId ?? order.id;

const BADGES: Readonly<Record<string, string>> = {
  captured: 'badge--good',
  authorized: 'badge--good',
  finalized: 'badge--good',
  cancelled: 'badge--off',
  refunded: 'badge--off',
  declined: 'badge--bad',
  capture_failed: 'badge--bad',
  delivered: 'badge--good',
  retrying: 'badge--bad',
  dropped: 'badge--off',
};

function badge(state: string): string {
  return `<span class="badge ${BADGES[state] ?? ''}">${escapeHtml(words(state))}</span>`;
}

function upsellCell(order: OrderSummaryView): string {
  if (!order.upsell) return order.offerId ? 'Offered, not taken' : 'No offer';
  return `${badge(order.upsell.state)} ${escapeHtml(money(order.upsell.amount, order.currency))}`;
}

function searchForm(q: string): string {
  return (
    `<form class="inline-form" method="get" action="/admin/orders" role="search" aria-label="Orders">` +
    `<div class="field"><label for="order-search">Order number starts with</label>` +
    `<input id="order-search" name="q" type="search" value="${escapeHtml(q)}" maxlength="200" autocomplete="off"></div>` +
    `<button type="submit" class="button">Search</button>` +
    (q ? `<a href="/admin/orders">Show all orders</a>` : '') +
    `</form>`
  );
}

function pager(page: OrderPageView, q: string, paged: boolean): string {
  const links: string[] = [];
  if (paged) links.push(`<a href="/admin/orders${q ? `?${new URLSearchParams({ q }).toString()}` : ''}">First page</a>`);
  if (page.nextCursor) {
    const next = new URLSearchParams({ ...(q ? { q } : {}), cursor: page.nextCursor }).toString();
    links.push(`<a href="/admin/orders?${escapeHtml(next)}" rel="next">Next page</a>`);
  }
  return links.length > 0 ? `<nav class="pager" aria-label="Pages of orders">${links.join('')}</nav>` : '';
}

export function ordersPage(page: OrderPageView, q: string, paged: boolean): AdminPage {
  const rows = page.orders
    .map(
      (order) =>
        `<tr><th scope="row"><a href="/admin/orders/${encodeURIComponent(order.id)}">${escapeHtml(orderName(order))}</a></th>` +
        `<td>${escapeHtml(time(order.createdAt))}</td><td class="num">${escapeHtml(money(order.total, order.currency))}</td>` +
        `<td>${badge(order.status)}</td><td>${upsellCell(order)}</td></tr>`,
    )
    .join('');
  const empty = q ? `<p>No order number starts with “${escapeHtml(q)}”.</p>` : '<p>No orders yet.</p>';
  const table =
    page.orders.length === 0
      ? empty
      : tableRegion(
          'Orders',
          `<table><caption>Orders, newest first</caption><thead><tr><th scope="col">Order</th><th scope="col">Placed</th>` +
            `<th scope="col" class="num">Total</th><th scope="col">Status</th><th scope="col">Upsell</th></tr></thead><tbody>${rows}</tbody></table>`,
        );
  return { title: 'Orders', nav: 'orders', body: `<h1>Orders</h1>${searchForm(q)}${table}${pager(page, q, paged)}` };
}

function linesTable(order: OrderView): string {
  const rows = order.lines
    .map(
      (line) =>
        `<tr><th scope="row">${escapeHtml(line.title)}<br><span class="note">${escapeHtml(line.variantId)}</span></th>` +
        `<td class="num">${count(line.quantity)}</td><td class="num">${escapeHtml(money(line.unitPrice, order.currency))}</td>` +
        `<td class="num">${escapeHtml(money(line.unitPrice * line.quantity, order.currency))}</td>` +
        `<td>${line.source === 'upsell' ? `Upsell${line.refunded ? ' <span class="badge badge--off">refunded</span>' : ''}` : 'Checkout'}</td></tr>`,
    )
    .join('');
  // Lines carry list prices; an offer's discount shows only in the order's subtotal.
  const discount = order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0) - order.subtotal;
  const total = (label: string, amount: number) =>
    `<tr><th scope="row" colspan="3">${label}</th><td class="num">${escapeHtml(money(amount, order.currency))}</td><td></td></tr>`;
  return tableRegion(
    'Lines',
    `<table><caption>Lines and totals</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Quantity</th>` +
      `<th scope="col" class="num">Unit price</th><th scope="col" class="num">Line total</th><th scope="col">Added at</th></tr></thead>` +
      `<tbody>${rows}</tbody><tbody>${discount > 0 ? total('Offer discount', -discount) : ''}${total('Subtotal', order.subtotal)}${total('Shipping', order.shippingTotal)}` +
      `${total('Tax', order.taxTotal)}${total('Total', order.total)}</tbody></table>`,
  );
}

function facts(order: OrderView): string {
  const card = [order.payment.brand, order.payment.last4 ? `ending ${order.payment.last4}` : null].filter(Boolean).join(' ');
  const entries: Array<[string, string]> = [
    ['Placed', time(order.createdAt)],
    ['Status', words(order.status)],
    ['Payment', `${order.payment.gateway}${card ? `, ${card}` : ''}`],
    ['Country', order.customer.country ?? 'not given'],
    ['Plusone id', order.id],
  ];
  if (order.linkedOrders.length > 0) entries.push(['Linked orders', order.linkedOrders.join(', ')]);
  return `<dl class="facts">${entries.map(([term, value]) => `<dt>${term}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

/**
 * The API's reasons name offers by id (`Offer off_…`); people know them by name. One pass over each message,
 * ids matched whole: a loop over the shop's offers cost 1,000 × 1,000 replacements per page (bench/admin.ts).
 */
export function withNames(message: string, names: ReadonlyMap<string, string>): string {
  return message.replace(/(?:Offer )?\b(off_\w+)/g, (match, id: string) => (names.has(id) ? `“${names.get(id)}”` : match));
}

function decisionSection(decision: DecisionView): string {
  const names = new Map(decision.evaluations.map((evaluation) => [evaluation.offerId, evaluation.name]));
  const chosen = decision.evaluations.find((evaluation) => evaluation.offerId === decision.offerId);
  const headline = decision.offer
    ? `<p>Offered <strong>${escapeHtml(chosen?.name ?? decision.offer.title)}</strong>: ${escapeHtml(decision.offer.title)}` +
      `${decision.offer.variantTitle ? `, ${escapeHtml(decision.offer.variantTitle)}` : ''} for ${escapeHtml(money(decision.offer.total, decision.offer.currency))}.</p>`
    : `<p>No offer was shown with this order.</p>`;
  const items = decision.evaluations
    .map((evaluation) => {
      const verdict = evaluation.chosen
        ? '<span class="badge badge--good">Chosen</span>'
        : evaluation.eligible
          ? '<span class="badge">Eligible, not chosen</span>'
          : '<span class="badge badge--off">Not eligible</span>';
      const reasons = evaluation.reasons.map((reason) => `<li>${escapeHtml(withNames(reason.message, names))}</li>`).join('');
      const why =
        evaluation.chosen && reasons === '' ? '<ul class="reasons"><li>Eligible, and first by priority and expected revenue.</li></ul>' : '';
      return `<li><strong>${escapeHtml(evaluation.name)}</strong> ${verdict} <span class="note">priority ${evaluation.priority}</span>${reasons ? `<ul class="reasons">${reasons}</ul>` : why}</li>`;
    })
    .join('');
  const changed = decision.explanation.offersChangedSince
    ? '<p class="note">Offers or the catalog changed since this order was decided, so these reasons are worked out with today’s offers and may differ from what was weighed then.</p>'
    : '';
  const list = items ? `<ul class="timeline">${items}</ul>` : '<p>The shop had no offers when this order was placed.</p>';
  return `<h2>${decision.offerId ? 'Why this offer' : 'Why no offer'}</h2><p class="note">Decided ${escapeHtml(time(decision.decidedAt))}.</p>${headline}${list}${changed}`;
}

/** A captured upsell can be refunded: the button opens the confirmation, which names the amount. */
function refundAction(order: OrderView, upsell: UpsellView): string {
  if (upsell.state !== 'captured') return '';
  return (
    `<form method="get" action="/admin/orders/${encodeURIComponent(order.id)}/refund" class="actions">` +
    `<button type="submit" class="button button--danger">Refund</button>` +
    `<span class="note">Gives the buyer back ${escapeHtml(money(upsell.amount, upsell.currency))}; you confirm on the next page.</span></form>`
  );
}

function timelineSection(upsell: UpsellView | null): string {
  if (!upsell) return `<h2>Upsell timeline</h2><p>No upsell: the buyer did not accept an offer with this order.</p>`;
  const events = upsell.events
    .map((event) => {
      const by = event.actor ? ` — by ${escapeHtml(words(event.actor))}` : '';
      const reason = event.reason ? ` (${escapeHtml(event.reason)})` : '';
      return `<li><time datetime="${escapeHtml(event.at)}">${escapeHtml(time(event.at))}</time>: <strong>${escapeHtml(words(event.type))}</strong>${by}${reason}</li>`;
    })
    .join('');
  const undo = upsell.state === 'authorized' && upsell.undoUntil ? ` Its undo window closes at ${escapeHtml(time(upsell.undoUntil))}.` : '';
  return (
    `<h2>Upsell timeline</h2><p>Upsell <code>${escapeHtml(upsell.id)}</code>: ${badge(upsell.state)} ${escapeHtml(money(upsell.amount, upsell.currency))}.${undo}</p>` +
    `<ol class="timeline">${events}</ol>`
  );
}

function deliveriesTable(event: WebhookEventView, label: string): string {
  if (event.deliveries.length === 0) return '<p class="note">Not sent yet.</p>';
  const rows = event.deliveries
    .map(
      (delivery) =>
        `<tr><th scope="row" class="num">${count(delivery.attempt)}</th>` +
        `<td><time datetime="${escapeHtml(delivery.at)}">${escapeHtml(time(delivery.at))}</time></td>` +
        `<td>${delivery.statusCode === null ? 'no answer' : `HTTP ${delivery.statusCode}`}</td>` +
        `<td>${delivery.error ? escapeHtml(delivery.error) : 'accepted'}</td><td class="num">${count(delivery.durationMs)} ms</td></tr>`,
    )
    .join('');
  return tableRegion(
    label,
    `<table><caption>${escapeHtml(label)}, newest first</caption><thead><tr><th scope="col" class="num">Attempt</th><th scope="col">Sent</th>` +
      `<th scope="col">HTTP status</th><th scope="col">Outcome</th><th scope="col" class="num">Took</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

/** One event: its type and status, attempts, what went wrong last, every attempt, and **Resend**. */
function webhookEventItem(order: OrderView, event: WebhookEventView, csrf: string): string {
  const heading = `webhook-${escapeHtml(event.id)}`;
  const attempts = event.attempts === 1 ? '1 attempt' : `${count(event.attempts)} attempts`;
  const when = [
    `Queued ${escapeHtml(time(event.createdAt))}`,
    event.deliveredAt ? `delivered ${escapeHtml(time(event.deliveredAt))}` : null,
    event.nextAttemptAt ? `next attempt ${escapeHtml(time(event.nextAttemptAt))}` : null,
  ].filter((fact): fact is string => fact !== null);
  const action = `/admin/orders/${encodeURIComponent(order.id)}/webhook-events/${encodeURIComponent(event.id)}/resend`;
  return (
    `<li><p id="${heading}"><strong>${escapeHtml(event.type)}</strong> ${badge(event.status)} ${attempts} ` +
    `<span class="note">(<code>${escapeHtml(event.id)}</code>)</span></p>` +
    `<p class="note">${when.join(', ')}.</p>` +
    (event.lastError ? `<p>Last error: ${escapeHtml(event.lastError)}</p>` : '') +
    deliveriesTable(event, `Deliveries of ${event.type}`) +
    `<form method="post" action="${escapeHtml(action)}" class="actions">${csrfField(csrf)}` +
    `<button type="submit" class="button button--small button--quiet" aria-describedby="${heading}">Resend</button>` +
    `<span class="note">Sends it again now, with the same id and body.</span></form></li>`
  );
}

/** What Plusone told the shop's webhook receiver about this order, oldest first like the timeline. */
function webhooksSection(order: OrderView, events: readonly WebhookEventView[], csrf: string): string {
  const intro =
    events.length === 0
      ? '<p>No webhook was queued for this order (none is while the shop has no webhook URL).</p>'
      : `<ol class="timeline">${[...events]
          .reverse()
          .map((event) => webhookEventItem(order, event, csrf))
          .join('')}</ol>`;
  return `<h3>Webhooks sent</h3>${intro}`;
}

/** What the order page shows of its webhooks: the events (newest first, as the API lists them) and the form token. */
export interface OrderWebhooks {
  readonly events: readonly WebhookEventView[];
  readonly csrf: string;
}

export function orderPage(
  order: OrderView,
  decision: DecisionView,
  upsell: UpsellView | null,
  webhooks: OrderWebhooks,
  done: string | null = null,
): AdminPage {
  return {
    title: `Order ${orderName(order)}`,
    nav: 'orders',
    body:
      `<p><a href="/admin/orders">All orders</a></p><h1>Order ${escapeHtml(orderName(order))}</h1>${doneBox(done)}` +
      `<div class="panel">${facts(order)}</div>${linesTable(order)}${decisionSection(decision)}${timelineSection(upsell)}` +
      webhooksSection(order, webhooks.events, webhooks.csrf) +
      (upsell ? refundAction(order, upsell) : ''),
  };
}
