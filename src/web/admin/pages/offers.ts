/** Offers: the list with pause/activate and delete, and the delete confirmation (the editor is `offer-editor.ts`). */
import { escapeHtml } from '../../../core/html';
import type { MetricsRowView, OfferView, ProductView } from '../api';
import { money, percent, time } from '../format';
import { csrfField, doneBox, tableRegion, type AdminPage } from '../layout';

export interface VariantChoice {
  readonly id: string;
  readonly label: string;
}

/** "House Blend Coffee — 500 g, whole bean ($18.00 · €17.00)" for every variant of the catalog. */
export function variantChoices(products: readonly ProductView[]): VariantChoice[] {
  return products.flatMap((product) =>
    product.variants.map((variant) => {
      const prices = variant.prices.map((price) => money(price.amount, price.currency)).join(' · ');
      return { id: variant.id, label: `${product.title} — ${variant.title}${prices ? ` (${prices})` : ''}` };
    }),
  );
}

export function discountText(discount: OfferView['discount']): string {
  if (!discount) return 'None';
  if (discount.type === 'percentage') return `${discount.value}% off`;
  const amounts = (discount.amounts ?? []).map((price) => money(price.amount, price.currency));
  return amounts.length > 0 ? `${amounts.join(' · ')} off` : `${discount.value} minor units off`;
}

/** "Always", "From …", "Until …" or "From … until …" (UTC). */
export function scheduleText(offer: Pick<OfferView, 'startsAt' | 'endsAt'>): string {
  if (offer.startsAt && offer.endsAt) return `From ${time(offer.startsAt)} until ${time(offer.endsAt)}`;
  if (offer.startsAt) return `From ${time(offer.startsAt)}`;
  if (offer.endsAt) return `Until ${time(offer.endsAt)}`;
  return 'Always';
}

function statusBadge(offer: OfferView): string {
  return offer.active ? '<span class="badge badge--good">Active</span>' : '<span class="badge badge--off">Paused</span>';
}

function rowActions(offer: OfferView, csrf: string): string {
  const name = `<span class="visually-hidden"> ${escapeHtml(offer.name)}</span>`;
  const toggle = offer.active ? 'Pause' : 'Activate';
  return (
    `<div class="row-actions"><form method="post" action="/admin/offers/${encodeURIComponent(offer.id)}/active">${csrfField(csrf)}` +
    `<input type="hidden" name="active" value="${offer.active ? 'false' : 'true'}">` +
    `<button type="submit" class="button button--quiet button--small">${toggle}${name}</button></form>` +
    `<a class="button button--quiet button--small" href="/admin/offers/${encodeURIComponent(offer.id)}/delete">Delete${name}</a></div>`
  );
}

/** Per offer, its metrics rows of the last 30 days (one per currency); null when they could not be read. */
export type OfferResults = ReadonlyMap<string, readonly MetricsRowView[]> | null;

/** Kept (accepts − undos) ÷ views across the offer's currencies: counts add up, money does not. */
function takeRateText(rows: readonly MetricsRowView[]): string {
  const views = rows.reduce((sum, row) => sum + row.views, 0);
  const kept = rows.reduce((sum, row) => sum + row.accepts - row.undos, 0);
  return views === 0 ? '—' : percent(kept / views);
}

/** Net upsell revenue per currency, never added across currencies. */
function revenueText(rows: readonly MetricsRowView[]): string {
  const amounts = rows.filter((row) => row.netRevenue !== 0).map((row) => money(row.netRevenue, row.currency));
  return amounts.length === 0 ? '—' : amounts.join(', ');
}

function resultCells(results: OfferResults, offerId: string): string {
  if (results === null) return '<td>Not available</td><td>Not available</td>';
  const rows = results.get(offerId) ?? [];
  return `<td class="num">${escapeHtml(takeRateText(rows))}</td><td class="num">${escapeHtml(revenueText(rows))}</td>`;
}

/** Where a page of the list stands: the next page's cursor, and whether this is a later page. */
export interface OfferListPages {
  readonly nextCursor: string | null;
  readonly paged: boolean;
}

function pager(pages: OfferListPages): string {
  const links: string[] = [];
  if (pages.paged) links.push('<a href="/admin/offers">First page</a>');
  if (pages.nextCursor)
    links.push(`<a href="/admin/offers?${escapeHtml(new URLSearchParams({ cursor: pages.nextCursor }).toString())}" rel="next">Next page</a>`);
  return links.length > 0 ? `<nav class="pager" aria-label="Pages of offers">${links.join('')}</nav>` : '';
}

export function offersPage(
  offers: readonly OfferView[],
  variants: readonly VariantChoice[],
  csrf: string,
  done: string | null,
  results: OfferResults = null,
  pages: OfferListPages = { nextCursor: null, paged: false },
): AdminPage {
  const variantLabel = new Map(variants.map((variant) => [variant.id, variant.label]));
  const rows = offers
    .map(
      (offer) =>
        `<tr><th scope="row"><a href="/admin/offers/${encodeURIComponent(offer.id)}">${escapeHtml(offer.name)}</a></th>` +
        `<td>${statusBadge(offer)}</td><td class="num">${offer.priority}</td>` +
        `<td>${escapeHtml(variantLabel.get(offer.variantId) ?? offer.variantId)}${offer.quantity > 1 ? ` × ${offer.quantity}` : ''}</td>` +
        `<td>${escapeHtml(discountText(offer.discount))}</td><td>${escapeHtml(scheduleText(offer))}</td>${resultCells(results, offer.id)}` +
        `<td>${rowActions(offer, csrf)}</td></tr>`,
    )
    .join('');
  const table =
    offers.length === 0
      ? pages.paged
        ? '<p>No more offers.</p>'
        : `<p>No offers yet. Create the first one with <strong>New offer</strong>.</p>`
      : tableRegion(
          'Offers',
          `<table><caption>Offers, highest priority first; take rate and net revenue of the last 30 days</caption><thead><tr><th scope="col">Name</th><th scope="col">Status</th>` +
            `<th scope="col" class="num">Priority</th><th scope="col">Product variant</th><th scope="col">Discount</th>` +
            `<th scope="col">Schedule</th><th scope="col" class="num">Take rate</th><th scope="col" class="num">Revenue</th>` +
            `<th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`,
        );
  return {
    title: 'Offers',
    nav: 'offers',
    body:
      `<h1>Offers</h1>${doneBox(done)}` +
      `<p class="lead">After checkout, each order gets the eligible offer with the highest priority. A paused offer is shown to nobody. ` +
      `Open an offer by its name to edit it, see its preview or duplicate it.</p>` +
      `<p class="actions"><a class="button" href="/admin/offers/new">New offer</a></p>${table}${pager(pages)}`,
  };
}

export function deleteOfferPage(offer: OfferView, csrf: string): AdminPage {
  return {
    title: `Delete ${offer.name}`,
    nav: 'offers',
    body:
      `<p><a href="/admin/offers">All offers</a></p><h1>Delete “${escapeHtml(offer.name)}”?</h1>` +
      `<p class="lead">New orders will not get this offer. Orders already decided keep it, so their explanations and numbers stay whole. ` +
      `To stop it for a while instead, pause it.</p>` +
      `<form method="post" action="/admin/offers/${encodeURIComponent(offer.id)}/delete" class="actions">${csrfField(csrf)}` +
      `<button type="submit" class="button button--danger">Delete offer</button><a href="/admin/offers">Keep it</a></form>`,
  };
}
