/**
 * Refunding an order's captured upsell: the confirmation that names the amount, the card and what
 * happens, and what came of it when it was not done at once — the PSP has not answered (pending, send
 * it again under the same key) or refused (with its words). Each confirmation form carries its own
 * idempotency key, so sending it twice refunds once.
 */
import { escapeHtml } from '../../../core/html';
import { cardBrandName } from '../../../core/messages';
import type { ApiFailure, OrderView, UpsellView } from '../api';
import { money, words } from '../format';
import { csrfField, type AdminPage } from '../layout';

const orderName = (order: OrderView) => order.externalId ?? order.id;

/** "Visa ending 4242", or "the card the buyer paid with" without brand or last digits. */
export function cardName(card: UpsellView['card']): string {
  return card.brand && card.last4 ? `${cardBrandName(card.brand)} ending ${card.last4}` : 'the card the buyer paid with';
}

/** What the upsell added: "Add-on (Default) × 2", from the order's line of it. */
function upsellItem(order: OrderView, upsell: UpsellView): string {
  const line = order.lines.find((candidate) => candidate.upsellId === upsell.id);
  return line ? `${line.title}${line.quantity > 1 ? ` × ${line.quantity}` : ''}` : 'the upsell';
}

export interface RefundForm {
  readonly order: OrderView;
  readonly upsell: UpsellView;
  readonly csrf: string;
  /** This confirmation's idempotency key. */
  readonly key: string;
  readonly reason: string;
  readonly problem?: string;
}

function refundForm(form: RefundForm, button: string, withReason: boolean): string {
  const reasonField = withReason
    ? `<div class="field"><label for="refund-reason">Reason (optional)</label>` +
      (form.problem ? `<p class="error" id="refund-reason-error">${escapeHtml(form.problem)}</p>` : '') +
      `<input id="refund-reason" name="reason" type="text" maxlength="500" autocomplete="off" value="${escapeHtml(form.reason)}" ` +
      `aria-describedby="refund-reason-hint${form.problem ? ' refund-reason-error' : ''}"${form.problem ? ' aria-invalid="true"' : ''}>` +
      `<p class="hint" id="refund-reason-hint">Kept with the upsell’s timeline, for your records. The buyer does not see it.</p></div>`
    : `<input type="hidden" name="reason" value="${escapeHtml(form.reason)}">`;
  return (
    `<form method="post" action="/admin/orders/${encodeURIComponent(form.order.id)}/refund">${csrfField(form.csrf)}` +
    `<input type="hidden" name="idempotencyKey" value="${escapeHtml(form.key)}">${reasonField}` +
    `<div class="actions"><button type="submit" class="button button--danger">${escapeHtml(button)}</button>` +
    `<a href="/admin/orders/${encodeURIComponent(form.order.id)}">Back to the order</a></div></form>`
  );
}

export function refundConfirmPage(form: RefundForm): AdminPage {
  const { order, upsell } = form;
  const amount = money(upsell.amount, upsell.currency);
  return {
    title: `Refund ${amount}`,
    nav: 'orders',
    status: form.problem ? 400 : 200,
    body:
      `<p><a href="/admin/orders/${encodeURIComponent(order.id)}">Order ${escapeHtml(orderName(order))}</a></p>` +
      `<h1>Refund ${escapeHtml(amount)}?</h1>` +
      `<div class="panel"><p>Plusone refunds the whole upsell — <strong>${escapeHtml(upsellItem(order, upsell))}</strong>, ` +
      `<strong>${escapeHtml(amount)}</strong> — to the buyer’s <strong>${escapeHtml(cardName(upsell.card))}</strong> through ` +
      `${escapeHtml(words(upsell.gateway))}. The line stays on the order, marked refunded, and the refund counts in your numbers. ` +
      `A refund cannot be taken back.</p>` +
      refundForm(form, `Refund ${amount}`, true) +
      `</div>`,
  };
}

/** The PSP has not answered: the upsell is still captured, and the same refund can be sent again. */
export function refundPendingPage(form: RefundForm, inProgress: boolean): AdminPage {
  const amount = money(form.upsell.amount, form.upsell.currency);
  const why = inProgress
    ? 'This refund is still being sent to the payment provider.'
    : 'The payment provider did not answer in time, so it is not known yet whether the money went back.';
  return {
    title: 'Refund pending',
    nav: 'orders',
    status: 202,
    body:
      `<p><a href="/admin/orders/${encodeURIComponent(form.order.id)}">Order ${escapeHtml(orderName(form.order))}</a></p>` +
      `<h1>Refund pending</h1><div class="pending" role="status"><p>${why} The upsell stays <strong>captured</strong> until it is known.</p></div>` +
      `<p>Send it again: it goes out as the same refund of ${escapeHtml(amount)}, so the payment provider answers what became of ` +
      `the first one and the buyer is never refunded twice.</p>` +
      refundForm(form, 'Send the refund again', false),
  };
}

/** The refund was refused: by the PSP (its message), or by Plusone (not refundable, this confirmation used otherwise). */
export function refundRefusedPage(form: RefundForm, failure: ApiFailure): AdminPage {
  const back = `<p><a href="/admin/orders/${encodeURIComponent(form.order.id)}">Back to order ${escapeHtml(orderName(form.order))}</a></p>`;
  const body = (heading: string, text: string) => ({
    title: heading,
    nav: 'orders' as const,
    status: failure.status,
    body: `<h1>${escapeHtml(heading)}</h1><div class="alert" role="alert">${text}</div>${back}`,
  });
  switch (failure.code) {
    case 'refund_failed':
      return body(
        'The payment provider refused the refund',
        `<p>It answered: “${escapeHtml(failure.message)}”</p><p>Nothing was refunded and the upsell is still captured. ` +
          `Look at the payment in the payment provider’s dashboard (it may have been refunded there already).</p>`,
      );
    case 'upsell_not_refundable':
      return body('This upsell cannot be refunded', `<p>${escapeHtml(failure.message)}.</p><p>Only a captured upsell can be refunded.</p>`);
    case 'idempotency_key_reused':
      return body(
        'This confirmation was already used',
        '<p>It was sent before with another reason. Nothing more was done: open the refund again from the order.</p>',
      );
    default:
      return body('Plusone refused the refund', `<p>${escapeHtml(failure.message)}</p>`);
  }
}
