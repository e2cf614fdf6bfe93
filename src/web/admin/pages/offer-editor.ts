/**
 * The offer editor, for a new offer and for a saved one: every field of the API's offer (product and
 * quantity, discount, priority, active, schedule, every targeting rule, button copy, shipping) beside a
 * preview of the buyer's widget. Without script: rows of button copy are added and removed, and the
 * preview redrawn, by posting the form to the server, which saves nothing until **Save offer**.
 */
import { escapeHtml } from '../../../core/html';
import type { ProductView } from '../api';
import { MAX_COPY_ROWS, type CopyRow, type OfferForm, type OfferProblems } from '../offer-form';
import { PREVIEW_LOCALES, SAMPLE_CARD, type PreviewResult, type PreviewSample } from '../preview';
import { alertBox, csrfField, doneBox, type AdminPage } from '../layout';
import { variantChoices } from './offers';

export interface EditorPreview {
  readonly sample: PreviewSample;
  /** The currencies the variant has a price in (the sample's choices). */
  readonly currencies: readonly string[];
  /** The shop's default language first. */
  readonly locales: ReadonlyArray<{ readonly tag: string; readonly label: string }>;
  readonly result: PreviewResult;
  /** What is previewed: the offer as saved, or the form as typed (not saved). */
  readonly source: 'saved' | 'typed';
}

export interface EditorPage {
  readonly mode: { readonly kind: 'new' } | { readonly kind: 'edit'; readonly offerId: string; readonly savedName: string };
  readonly form: OfferForm;
  readonly products: readonly ProductView[];
  /** The currencies money fields are offered in: the shop's main currency first, then the rest of the catalog's. */
  readonly currencies: readonly string[];
  readonly problems: OfferProblems;
  readonly csrf: string;
  readonly blankCopyRows: number;
  readonly preview: EditorPreview;
  readonly done: string | null;
}

/** The languages a preview can be drawn in: the shop's default first. */
export function previewLocales(defaultLocale: string): EditorPreview['locales'] {
  const known = PREVIEW_LOCALES.find((locale) => locale.tag === defaultLocale);
  const first = known ?? { tag: defaultLocale, label: defaultLocale };
  return [{ tag: first.tag, label: `${first.label} — the shop’s default` }, ...PREVIEW_LOCALES.filter((locale) => locale.tag !== first.tag)];
}

const htmlId = (field: string) => escapeHtml(`offer-${field.replaceAll('.', '-')}`);

/** A labelled control with its hint and its problem tied to it (`aria-describedby`, `aria-invalid`). */
function control(
  page: EditorPage,
  field: string,
  label: string,
  hint: string | null,
  input: (attributes: string) => string,
  className = 'field',
): string {
  const id = htmlId(field);
  const problem = page.problems.fields[field];
  const describedBy = [hint ? `${id}-hint` : null, problem ? `${id}-error` : null].filter(Boolean).join(' ');
  const attributes = `id="${id}" name="${escapeHtml(field)}"${describedBy ? ` aria-describedby="${describedBy}"` : ''}${problem ? ' aria-invalid="true"' : ''}`;
  return (
    `<div class="${className}"><label for="${id}">${label}</label>` +
    (problem ? `<p class="error" id="${id}-error">${escapeHtml(problem)}</p>` : '') +
    input(attributes) +
    (hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : '') +
    `</div>`
  );
}

function textInput(page: EditorPage, field: string, label: string, value: string, hint: string | null, extra = ''): string {
  return control(page, field, label, hint, (attributes) => `<input ${attributes} type="text" value="${escapeHtml(value)}"${extra}>`);
}

function checkbox(page: EditorPage, field: string, label: string, checked: boolean, hint: string): string {
  const id = htmlId(field);
  return (
    `<div class="field field--check"><input id="${id}" name="${field}" type="checkbox" aria-describedby="${id}-hint"${checked ? ' checked' : ''}>` +
    `<label for="${id}">${label}</label><p class="hint" id="${id}-hint">${hint}</p></div>`
  );
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
}

function offerFields(page: EditorPage): string {
  const { form } = page;
  const variants = variantChoices(page.products);
  const options = variants.map((variant) => option(variant.id, variant.label, variant.id === form.variantId)).join('');
  const unknown = form.variantId && !variants.some((variant) => variant.id === form.variantId);
  const variantHint =
    variants.length === 0 ? 'Your catalog has no products yet: add them through the API (<code>PUT /v1/products/{id}</code>).' : null;
  return (
    textInput(page, 'name', 'Name', form.name, 'For you only; buyers see the product.', ' required maxlength="200" autocomplete="off"') +
    control(
      page,
      'variantId',
      'Product variant',
      variantHint,
      (attributes) =>
        `<select ${attributes} required><option value="">Choose a variant</option>${options}` +
        `${unknown ? option(form.variantId, `${form.variantId} (not in the catalog)`, true) : ''}</select>`,
    ) +
    control(
      page,
      'quantity',
      'Quantity',
      'How many units the buyer adds with one click (1 to 1000).',
      (attributes) => `<input ${attributes} type="number" inputmode="numeric" min="1" max="1000" step="1" value="${escapeHtml(form.quantity)}">`,
    )
  );
}

function rankFields(page: EditorPage): string {
  return (
    control(
      page,
      'priority',
      'Priority',
      'When several offers fit an order, the highest priority wins.',
      (attributes) => `<input ${attributes} type="number" inputmode="numeric" step="1" value="${escapeHtml(page.form.priority)}">`,
    ) +
    `<input type="hidden" name="activeShown" value="1">` +
    checkbox(page, 'active', 'Active', page.form.active, 'Unticked, the offer is paused: no new order gets it.')
  );
}

function discountFieldset(page: EditorPage): string {
  const { form } = page;
  const radio = (value: 'percentage' | 'fixed', label: string) =>
    `<label class="choice"><input type="radio" name="discountType" value="${value}"${form.discountType === value ? ' checked' : ''}> ${label}</label>`;
  const amounts = page.currencies
    .map((currency) =>
      textInput(
        page,
        `fixed.${currency}`,
        `Amount off in ${escapeHtml(currency)}`,
        form.fixedAmounts[currency] ?? '',
        null,
        ' inputmode="decimal" autocomplete="off"',
      ),
    )
    .join('');
  return (
    `<fieldset class="group"><legend>Price reduction</legend>` +
    `<div class="choices" role="radiogroup" aria-label="Kind of reduction">${radio('percentage', 'Percent off')}${radio('fixed', 'Amount off')}</div>` +
    textInput(
      page,
      'discount',
      'Discount',
      form.discount,
      'With <strong>Percent off</strong>: the percentage, such as 15 or 12.5. Leave it empty for no discount.',
      ' inputmode="decimal" autocomplete="off"',
    ) +
    `<p class="hint">With <strong>Amount off</strong>: the amount taken off the price of the whole quantity, in each currency ` +
    `(such as 5.00). An offer is never free: the amount must leave something to pay.</p><div class="columns">${amounts}</div>` +
    textInput(
      page,
      'fixedOther',
      'Amount off in any other currency (minor units)',
      form.fixedOther,
      'For orders in a currency not listed above, in its smallest unit (cents): 500 is 5.00. Empty: nothing off.',
      ' inputmode="numeric" autocomplete="off"',
    ) +
    `</fieldset>`
  );
}

function scheduleFieldset(page: EditorPage): string {
  const time = (field: 'startsAt' | 'endsAt', label: string, hint: string) =>
    control(page, field, label, hint, (attributes) => `<input ${attributes} type="datetime-local" value="${escapeHtml(page.form[field])}">`);
  return (
    `<fieldset class="group"><legend>Schedule</legend><p class="hint">Times are in UTC (the API has no shop time zone). Leave both empty to run it always.</p>` +
    `<div class="columns">${time('startsAt', 'Starts (UTC)', 'From this time on (included).')}${time('endsAt', 'Ends (UTC)', 'Until this time (excluded).')}</div>` +
    `</fieldset>`
  );
}

function productList(page: EditorPage, field: 'anyProductIds' | 'excludeProductIds', label: string, hint: string): string {
  const chosen = new Set(page.form[field]);
  const known = new Set(page.products.map((product) => product.id));
  const options = [
    ...page.products.map((product) => option(product.id, product.title, chosen.has(product.id))),
    ...[...chosen].filter((id) => !known.has(id)).map((id) => option(id, `${id} (not in the catalog)`, true)),
  ];
  const size = Math.min(8, Math.max(3, options.length));
  return control(page, field, label, hint, (attributes) => `<select ${attributes} multiple size="${size}">${options.join('')}</select>`);
}

function targetingFieldset(page: EditorPage): string {
  const { form } = page;
  const currency = form.subtotalCurrency;
  const several = 'None chosen: any order. Hold Ctrl (⌘ on a Mac) to choose several, or Shift for a range.';
  return (
    `<fieldset class="group"><legend>Who gets it</legend><p class="hint">Every rule you fill must hold; empty rules let every order through.</p>` +
    productList(page, 'anyProductIds', 'Only for orders with one of these products', several) +
    productList(page, 'excludeProductIds', 'Not for orders with any of these products', 'None chosen: nothing is excluded.') +
    `<input type="hidden" name="subtotalCurrency" value="${escapeHtml(currency)}">` +
    `<div class="columns">` +
    textInput(
      page,
      'minSubtotal',
      `Order subtotal at least (${escapeHtml(currency)})`,
      form.minSubtotal,
      null,
      ' inputmode="decimal" autocomplete="off"',
    ) +
    textInput(
      page,
      'maxSubtotal',
      `Order subtotal at most (${escapeHtml(currency)})`,
      form.maxSubtotal,
      null,
      ' inputmode="decimal" autocomplete="off"',
    ) +
    `</div><p class="hint">Subtotals are compared in the order’s own currency, amount for amount: to bound them in ${escapeHtml(currency)} only, ` +
    `also list ${escapeHtml(currency)} under <strong>Order currencies</strong>.</p>` +
    textInput(
      page,
      'countries',
      'Customer countries',
      form.countries,
      'Two-letter codes separated by commas, such as US, CA. Empty: every country.',
      ' autocomplete="off"',
    ) +
    textInput(
      page,
      'customerTags',
      'Customer tags',
      form.customerTags,
      'The customer has one of these tags (commas between them). Empty: any customer.',
      ' autocomplete="off"',
    ) +
    textInput(
      page,
      'currencies',
      'Order currencies',
      form.currencies,
      'Currency codes separated by commas, such as USD, EUR. Empty: every currency.',
      ' autocomplete="off"',
    ) +
    checkbox(
      page,
      'firstOrderOnly',
      'First orders only',
      form.firstOrderOnly,
      'Only customers who have not ordered before (unknown counts as not first).',
    ) +
    `</fieldset>`
  );
}

function copyRow(page: EditorPage, row: CopyRow, index: number): string {
  const number = index + 1;
  const remove =
    row.text || row.id
      ? `<button type="submit" class="button button--quiet button--small" name="intent" value="removeCopy-${index}">Remove<span class="visually-hidden"> button copy ${number}</span></button>`
      : '';
  return (
    `<div class="copy-row">` +
    textInput(page, `copy.${index}.text`, `Button text ${number}`, row.text, null, ' maxlength="120" autocomplete="off"') +
    textInput(page, `copy.${index}.id`, `Id of copy ${number}`, row.id, null, ' maxlength="50" autocomplete="off"') +
    remove +
    `</div>`
  );
}

function copyFieldset(page: EditorPage): string {
  const rows = [...page.form.buttonCopy];
  const blanks = Math.max(0, Math.min(page.blankCopyRows, MAX_COPY_ROWS - rows.length));
  for (let blank = 0; blank < blanks; blank += 1) rows.push({ id: '', text: '' });
  const add =
    rows.length < MAX_COPY_ROWS
      ? `<p><button type="submit" class="button button--quiet button--small" name="intent" value="addCopy">Add a copy row</button></p>`
      : '';
  return (
    `<fieldset class="group"><legend>Button copy</legend>` +
    `<p class="hint">What the button says. Write <code>{price}</code> where the exact charge goes: “Grab it for {price}” reads ` +
    `“Grab it for $19.99”. The first copy is shown; experiments can try the others (by their id). Without any copy the button reads ` +
    `“Add for {price}” in the buyer’s language. Empty rows are left out.</p>` +
    rows.map((row, index) => copyRow(page, row, index)).join('') +
    add +
    `</fieldset>`
  );
}

function shippingFieldset(page: EditorPage): string {
  const fields = page.currencies
    .map((currency) =>
      textInput(
        page,
        `shipping.${currency}`,
        `Shipping in ${escapeHtml(currency)}`,
        page.form.shipping[currency] ?? '',
        null,
        ' inputmode="decimal" autocomplete="off"',
      ),
    )
    .join('');
  return (
    `<fieldset class="group"><legend>Shipping</legend><p class="hint">What the upsell adds for shipping (not taxed). Empty: free.</p>` +
    `<div class="columns">${fields}</div></fieldset>`
  );
}

function previewAside(page: EditorPage): string {
  const { preview } = page;
  const select = (field: string, label: string, options: string) =>
    control(page, field, label, null, (attributes) => `<select ${attributes} form="offer-form">${options}</select>`);
  const currencies = preview.currencies.map((currency) => option(currency, currency, currency === preview.sample.currency)).join('');
  const locales = preview.locales.map((locale) => option(locale.tag, locale.label, locale.tag === preview.sample.locale)).join('');
  const source =
    preview.source === 'saved'
      ? 'The offer as saved.'
      : 'The form as you typed it — <strong>not saved yet</strong>: <strong>Save offer</strong> keeps it.';
  const card = `Visa ending ${SAMPLE_CARD.last4}`;
  const shown = preview.result.ok
    ? `<div class="preview-frame">${preview.result.html}</div>`
    : `<p class="preview-empty">${escapeHtml(preview.result.problem)}</p>`;
  return (
    `<aside class="editor__preview panel" aria-labelledby="preview-title"><h2 id="preview-title">Preview</h2>` +
    `<p class="note">What a buyer sees after checkout, drawn exactly as their page gets it, for a sample order paid with a ` +
    `<strong>sample card (${card})</strong>. ${source} Its buttons do nothing here.</p>` +
    (currencies ? select('sampleCurrency', 'Sample currency', currencies) : '') +
    control(
      page,
      'sampleTaxRate',
      'Sample tax rate (%)',
      'The order’s tax rate, such as 8.25. Empty: no tax.',
      (attributes) =>
        `<input ${attributes} form="offer-form" type="text" inputmode="decimal" autocomplete="off" value="${escapeHtml(preview.sample.taxRate)}">`,
    ) +
    select('sampleLocale', 'Buyer’s language', locales) +
    `<p><button type="submit" form="offer-form" class="button button--quiet" name="intent" value="preview">Preview</button></p>` +
    shown +
    `</aside>`
  );
}

function editorForm(page: EditorPage, action: string): string {
  return (
    `<form id="offer-form" class="panel editor__form" method="post" action="${action}" novalidate>${csrfField(page.csrf)}` +
    // The first submit button is the one Enter presses in a field: saving, not adding a row or previewing.
    `<button type="submit" name="intent" value="save" hidden tabindex="-1">Save offer</button>` +
    offerFields(page) +
    discountFieldset(page) +
    rankFields(page) +
    scheduleFieldset(page) +
    targetingFieldset(page) +
    copyFieldset(page) +
    shippingFieldset(page) +
    `<div class="actions"><button type="submit" class="button" name="intent" value="save">Save offer</button><a href="/admin/offers">Cancel</a></div></form>`
  );
}

function editActions(page: EditorPage, offerId: string, name: string): string {
  const id = encodeURIComponent(offerId);
  return (
    `<div class="actions"><form method="post" action="/admin/offers/${id}/duplicate">${csrfField(page.csrf)}` +
    `<button type="submit" class="button button--quiet">Duplicate<span class="visually-hidden"> ${escapeHtml(name)}</span></button></form>` +
    `<a class="button button--quiet" href="/admin/offers/${id}/delete">Delete<span class="visually-hidden"> ${escapeHtml(name)}</span></a></div>`
  );
}

export function offerEditorPage(page: EditorPage): AdminPage {
  const summary = [...Object.values(page.problems.fields), ...page.problems.general];
  const editing = page.mode.kind === 'edit' ? page.mode : null;
  const title = editing ? `Edit “${editing.savedName}”` : 'New offer';
  const action = editing ? `/admin/offers/${encodeURIComponent(editing.offerId)}` : '/admin/offers';
  return {
    title: editing ? `Edit ${editing.savedName}` : 'New offer',
    nav: 'offers',
    status: summary.length > 0 ? 400 : 200,
    body:
      `<p><a href="/admin/offers">All offers</a></p><h1>${escapeHtml(title)}</h1>` +
      doneBox(page.done) +
      alertBox('The offer was not saved', summary) +
      (editing ? editActions(page, editing.offerId, editing.savedName) : '') +
      `<p class="note">The form and its preview of the buyer’s widget: <a href="#preview-title">go to the preview</a>.</p>` +
      `<div class="editor">${editorForm(page, action)}${previewAside(page)}</div>`,
  };
}
