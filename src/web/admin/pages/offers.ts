/** Offers: the list with pause/activate and delete, the new-offer form, and the delete confirmation. */
import { escapeHtml } from '../../../core/html';
import type { OfferView, ProductView } from '../api';
import { money } from '../format';
import { alertBox, csrfField, doneBox, tableRegion, type AdminPage } from '../layout';

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

export function offersPage(offers: readonly OfferView[], variants: readonly VariantChoice[], csrf: string, done: string | null): AdminPage {
  const variantLabel = new Map(variants.map((variant) => [variant.id, variant.label]));
  const rows = offers
    .map(
      (offer) =>
        `<tr><th scope="row">${escapeHtml(offer.name)}</th><td>${statusBadge(offer)}</td><td class="num">${offer.priority}</td>` +
        `<td>${escapeHtml(variantLabel.get(offer.variantId) ?? offer.variantId)}${offer.quantity > 1 ? ` × ${offer.quantity}` : ''}</td>` +
        `<td>${escapeHtml(discountText(offer.discount))}</td><td>${rowActions(offer, csrf)}</td></tr>`,
    )
    .join('');
  const table =
    offers.length === 0
      ? `<p>No offers yet. Create the first one with <strong>New offer</strong>.</p>`
      : tableRegion(
          'Offers',
          `<table><caption>Offers, highest priority first</caption><thead><tr><th scope="col">Name</th><th scope="col">Status</th>` +
            `<th scope="col" class="num">Priority</th><th scope="col">Product variant</th><th scope="col">Discount</th>` +
            `<th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`,
        );
  return {
    title: 'Offers',
    nav: 'offers',
    body:
      `<h1>Offers</h1>${doneBox(done)}` +
      `<p class="lead">After checkout, each order gets the eligible offer with the highest priority. A paused offer is shown to nobody.</p>` +
      `<p class="actions"><a class="button" href="/admin/offers/new">New offer</a></p>${table}`,
  };
}

/** What the merchant typed, kept when the form comes back with problems. */
export interface OfferForm {
  readonly name: string;
  readonly variantId: string;
  readonly discount: string;
  readonly priority: string;
}

export const EMPTY_OFFER_FORM: OfferForm = { name: '', variantId: '', discount: '', priority: '0' };

export type OfferField = keyof OfferForm;

/** Problems, each beside its field (or above the form when it is about no one field). */
export interface OfferProblems {
  readonly fields: Partial<Record<OfferField, string>>;
  readonly general: readonly string[];
}

const FIELD_LABELS: Record<OfferField, string> = { name: 'Name', variantId: 'Product variant', discount: 'Discount', priority: 'Priority' };

function control(field: OfferField, problems: OfferProblems, hint: string | null, input: (describedBy: string, invalid: string) => string): string {
  const id = `offer-${field}`;
  const problem = problems.fields[field];
  const describedBy = [hint ? `${id}-hint` : null, problem ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    `<div class="field"><label for="${id}">${FIELD_LABELS[field]}</label>` +
    (problem ? `<p class="error" id="${id}-error">${escapeHtml(problem)}</p>` : '') +
    input(describedBy ? ` aria-describedby="${describedBy}"` : '', problem ? ' aria-invalid="true"' : '') +
    (hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : '') +
    `</div>`
  );
}

function variantSelect(form: OfferForm, variants: readonly VariantChoice[], problems: OfferProblems): string {
  const options = variants
    .map(
      (variant) =>
        `<option value="${escapeHtml(variant.id)}"${variant.id === form.variantId ? ' selected' : ''}>${escapeHtml(variant.label)}</option>`,
    )
    .join('');
  const hint = variants.length === 0 ? 'Your catalog has no products yet: add them through the API (<code>PUT /v1/products/{id}</code>).' : null;
  return control(
    'variantId',
    problems,
    hint,
    (described, invalid) =>
      `<select id="offer-variantId" name="variantId" required${described}${invalid}><option value="">Choose a variant</option>${options}</select>`,
  );
}

export function newOfferPage(form: OfferForm, variants: readonly VariantChoice[], csrf: string, problems: OfferProblems): AdminPage {
  const summary = [...Object.values(problems.fields), ...problems.general];
  const text = (field: OfferField, type: string, extra: string, hint: string | null) =>
    control(
      field,
      problems,
      hint,
      (described, invalid) =>
        `<input id="offer-${field}" name="${field}" type="${type}" value="${escapeHtml(form[field])}"${extra}${described}${invalid}>`,
    );
  return {
    title: 'New offer',
    nav: 'offers',
    status: summary.length > 0 ? 400 : 200,
    body:
      `<p><a href="/admin/offers">All offers</a></p><h1>New offer</h1>` +
      alertBox('The offer was not saved', summary) +
      `<form class="panel" method="post" action="/admin/offers" novalidate>${csrfField(csrf)}` +
      text('name', 'text', ' required maxlength="200" autocomplete="off"', 'For you only; buyers see the product.') +
      variantSelect(form, variants, problems) +
      text(
        'discount',
        'text',
        ' inputmode="decimal" autocomplete="off"',
        'Percent off the variant’s price, such as 15 or 12.5. Leave it empty for no discount.',
      ) +
      text('priority', 'number', ' inputmode="numeric" step="1"', 'When several offers fit an order, the highest priority wins.') +
      `<div class="actions"><button type="submit" class="button">Save offer</button><a href="/admin/offers">Cancel</a></div></form>`,
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
