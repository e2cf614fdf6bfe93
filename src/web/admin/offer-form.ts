/**
 * The offer form, new and edit alike: every field `POST /v1/offers` and `PATCH /v1/offers/{id}` take,
 * as the text the merchant typed (kept as typed when the form comes back), read from an offer or from a
 * posted form, and turned into the API's body or the problems to show beside each field. Money is read
 * exactly from its decimal text (`parseMoneyText`); times are UTC.
 */
import { currencyExponent, isCurrency } from '../../core/money';
import type { ApiFailure, DiscountView, OfferBody, OfferView, PriceView, RulesView } from './api';
import { moneyExample, moneyInput, parseMoneyText } from './format';
import { valuesOf } from './forms';

export interface CopyRow {
  readonly id: string;
  readonly text: string;
}

/** What the merchant typed, kept when the form comes back with problems or for a preview. */
export interface OfferForm {
  readonly name: string;
  readonly variantId: string;
  readonly quantity: string;
  readonly discountType: 'percentage' | 'fixed';
  /** The percentage (with `discountType` percentage). */
  readonly discount: string;
  /** Amount off per currency (with `discountType` fixed), as money text. */
  readonly fixedAmounts: Readonly<Record<string, string>>;
  /** Amount off in minor units in any currency without its own amount (the API's `discount.value`). */
  readonly fixedOther: string;
  readonly priority: string;
  readonly active: boolean;
  /** `YYYY-MM-DDTHH:MM` in UTC, or empty. */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly anyProductIds: readonly string[];
  readonly excludeProductIds: readonly string[];
  readonly minSubtotal: string;
  readonly maxSubtotal: string;
  /** The currency the subtotal bounds are typed in (the shop's main currency when the form was drawn). */
  readonly subtotalCurrency: string;
  readonly countries: string;
  readonly customerTags: string;
  readonly currencies: string;
  readonly firstOrderOnly: boolean;
  readonly buttonCopy: readonly CopyRow[];
  readonly shipping: Readonly<Record<string, string>>;
}

/** A field's name in the form (and the key of its problem): `name`, `fixed.USD`, `copy.0.text` … */
export type OfferProblems = {
  readonly fields: Readonly<Record<string, string>>;
  readonly general: readonly string[];
};

export const NO_PROBLEMS: OfferProblems = { fields: {}, general: [] };

export const MAX_COPY_ROWS = 20;

export function emptyOfferForm(mainCurrency: string): OfferForm {
  return {
    name: '',
    variantId: '',
    quantity: '1',
    discountType: 'percentage',
    discount: '',
    fixedAmounts: {},
    fixedOther: '',
    priority: '0',
    active: true,
    startsAt: '',
    endsAt: '',
    anyProductIds: [],
    excludeProductIds: [],
    minSubtotal: '',
    maxSubtotal: '',
    subtotalCurrency: mainCurrency,
    countries: '',
    customerTags: '',
    currencies: '',
    firstOrderOnly: false,
    buttonCopy: [],
    shipping: {},
  };
}

/** An ISO time as a `datetime-local` value in UTC: seconds only when there are some. */
export function localTimeText(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const text = date
    .toISOString()
    .replace(/\.000Z$/, '')
    .replace(/Z$/, '');
  return text.endsWith(':00') && text.length === 19 ? text.slice(0, 16) : text;
}

const amountsText = (prices: readonly PriceView[]) =>
  Object.fromEntries(prices.map((price) => [price.currency, moneyInput(price.amount, price.currency)]));

function discountFields(discount: DiscountView | null): Pick<OfferForm, 'discountType' | 'discount' | 'fixedAmounts' | 'fixedOther'> {
  if (discount?.type === 'fixed')
    return { discountType: 'fixed', discount: '', fixedAmounts: amountsText(discount.amounts ?? []), fixedOther: String(discount.value) };
  return { discountType: 'percentage', discount: discount ? String(discount.value) : '', fixedAmounts: {}, fixedOther: '' };
}

function rulesFields(
  rules: RulesView,
  currency: string,
): Pick<OfferForm, 'minSubtotal' | 'maxSubtotal' | 'countries' | 'customerTags' | 'currencies'> {
  return {
    minSubtotal: rules.minSubtotal === undefined ? '' : moneyInput(rules.minSubtotal, currency),
    maxSubtotal: rules.maxSubtotal === undefined ? '' : moneyInput(rules.maxSubtotal, currency),
    countries: (rules.countries ?? []).join(', '),
    customerTags: (rules.customerTags ?? []).join(', '),
    currencies: (rules.currencies ?? []).join(', '),
  };
}

/** The form showing a saved offer; subtotal bounds in `mainCurrency`. */
export function formFromOffer(offer: OfferView, mainCurrency: string): OfferForm {
  return {
    name: offer.name,
    variantId: offer.variantId,
    quantity: String(offer.quantity),
    ...discountFields(offer.discount),
    priority: String(offer.priority),
    active: offer.active,
    startsAt: localTimeText(offer.startsAt),
    endsAt: localTimeText(offer.endsAt),
    anyProductIds: offer.rules.anyProductIds ?? [],
    excludeProductIds: offer.rules.excludeProductIds ?? [],
    subtotalCurrency: mainCurrency,
    ...rulesFields(offer.rules, mainCurrency),
    firstOrderOnly: offer.rules.firstOrderOnly === true,
    buttonCopy: offer.buttonCopy.map((copy) => ({ id: copy.id, text: copy.text })),
    shipping: amountsText(offer.shipping),
  };
}

/** `prefix.XXX` fields of a posted form, by currency code. */
function perCurrency(fields: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const entries = Object.entries(fields)
    .filter(([name]) => name.startsWith(prefix) && isCurrency(name.slice(prefix.length)))
    .map(([name, value]): [string, string] => [name.slice(prefix.length), value.trim()]);
  return Object.fromEntries(entries);
}

/** The copy rows posted (`copy.N.id`, `copy.N.text`), blank ones left out, new ones given a free id. */
export function copyRowsOf(fields: Readonly<Record<string, string>>): { rows: CopyRow[]; blanks: number } {
  const posted: CopyRow[] = [];
  let blanks = 0;
  for (let index = 0; index < MAX_COPY_ROWS; index += 1) {
    const text = fields[`copy.${index}.text`];
    if (text === undefined) continue;
    const id = (fields[`copy.${index}.id`] ?? '').trim();
    if (text.trim() === '' && id === '') blanks += 1;
    else posted.push({ id, text: text.trim() });
  }
  const used = new Set(posted.map((row) => row.id));
  let next = 1;
  const rows = posted.map((row) => {
    if (row.id !== '') return row;
    while (used.has(`copy-${next}`)) next += 1;
    used.add(`copy-${next}`);
    return { id: `copy-${next}`, text: row.text };
  });
  return { rows, blanks };
}

/** The form as it was posted (the first value of each field; the product lists whole). */
export function formFromFields(body: unknown, fields: Readonly<Record<string, string>>, mainCurrency: string): OfferForm {
  const text = (name: string) => (fields[name] ?? '').trim();
  const subtotalCurrency = text('subtotalCurrency').toUpperCase();
  return {
    name: text('name'),
    variantId: fields.variantId ?? '',
    quantity: text('quantity') || '1',
    discountType: fields.discountType === 'fixed' ? 'fixed' : 'percentage',
    discount: text('discount').replace(/\s*%$/, ''),
    fixedAmounts: perCurrency(fields, 'fixed.'),
    fixedOther: text('fixedOther'),
    priority: text('priority'),
    // A form without the field (the first version's) leaves a new offer active.
    active: fields.activeShown === '1' ? fields.active === 'on' : true,
    startsAt: text('startsAt'),
    endsAt: text('endsAt'),
    anyProductIds: valuesOf(body, 'anyProductIds'),
    excludeProductIds: valuesOf(body, 'excludeProductIds'),
    minSubtotal: text('minSubtotal'),
    maxSubtotal: text('maxSubtotal'),
    subtotalCurrency: isCurrency(subtotalCurrency) ? subtotalCurrency : mainCurrency,
    countries: text('countries'),
    customerTags: text('customerTags'),
    currencies: text('currencies'),
    firstOrderOnly: fields.firstOrderOnly === 'on',
    buttonCopy: copyRowsOf(fields).rows,
    shipping: perCurrency(fields, 'shipping.'),
  };
}

/** Collects the problems of one form as it is read. */
class Problems {
  readonly fields: Record<string, string> = {};

  add(field: string, message: string): void {
    this.fields[field] ??= message;
  }

  get any(): boolean {
    return Object.keys(this.fields).length > 0;
  }
}

const PERCENT = /^\d{1,2}(\.\d{1,2})?$/;
const INTEGER = /^-?\d{1,7}$/;
const COPY_ID = /^[A-Za-z0-9_-]{1,50}$/;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?$/;

/** A `datetime-local` value read as UTC, as ISO text; null when it is not a real time. */
export function utcTimeOf(text: string): string | null {
  const match = LOCAL_TIME.exec(text);
  if (!match) return null;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}${(match[7] ?? '.000').padEnd(4, '0')}Z`;
  const date = new Date(iso);
  // Date rolls 2026-02-30 over to March: a time that does not come back the same is not a real one.
  return !Number.isNaN(date.getTime()) && date.toISOString() === iso ? iso : null;
}

/** A comma list as its trimmed, non-empty, distinct entries. */
export function commaList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  ];
}

function readDiscount(form: OfferForm, problems: Problems): DiscountView | null {
  if (form.discountType === 'percentage') {
    if (!form.discount) return null;
    if (PERCENT.test(form.discount) && Number(form.discount) > 0) return { type: 'percentage', value: Number(form.discount) };
    problems.add('discount', 'Enter the discount as a percentage above 0 and below 100, such as 15 or 12.5.');
    return null;
  }
  const amounts = readAmounts(form.fixedAmounts, 'fixed', problems);
  const other = form.fixedOther === '' ? 0 : /^\d{1,12}$/.test(form.fixedOther) ? Number(form.fixedOther) : null;
  if (other === null) problems.add('fixedOther', 'Enter a whole number of minor units (cents), such as 500, or leave it empty.');
  if (amounts.length === 0 && !other) return null;
  return { type: 'fixed', value: other ?? 0, amounts };
}

/** "Enter an amount in USD with at most 2 decimals, such as 25.00." */
function amountProblem(currency: string, tail: string): string {
  const digits = isCurrency(currency) ? currencyExponent(currency) : 0;
  const decimals = digits === 0 ? 'in whole units' : `with at most ${digits} decimals`;
  return `Enter an amount in ${currency} ${decimals}, such as ${moneyExample(currency)}${tail}.`;
}

function readAmounts(texts: Readonly<Record<string, string>>, prefix: string, problems: Problems): PriceView[] {
  const prices: PriceView[] = [];
  for (const [currency, text] of Object.entries(texts)) {
    if (text === '') continue;
    const amount = parseMoneyText(text, currency);
    if (amount === null) problems.add(`${prefix}.${currency}`, amountProblem(currency, ''));
    else prices.push({ currency, amount });
  }
  return prices;
}

function readSchedule(form: OfferForm, problems: Problems): { startsAt: string | null; endsAt: string | null } {
  const read = (field: 'startsAt' | 'endsAt') => {
    if (!form[field]) return null;
    const iso = utcTimeOf(form[field]);
    if (!iso) problems.add(field, 'Enter a date and time, such as 2026-11-27T09:00 (UTC).');
    return iso;
  };
  const startsAt = read('startsAt');
  const endsAt = read('endsAt');
  if (startsAt && endsAt && startsAt >= endsAt) problems.add('endsAt', 'The end comes before the start: it must be later.');
  return { startsAt, endsAt };
}

function readCodes(form: OfferForm, field: 'countries' | 'currencies', problems: Problems): string[] {
  const codes = [...new Set(commaList(form[field]).map((code) => code.toUpperCase()))];
  const bad =
    field === 'countries' ? codes.filter((code) => !/^[A-Z]{2}$/.test(code)) : codes.filter((code) => !/^[A-Z]{3}$/.test(code) || !isCurrency(code));
  if (bad.length > 0)
    problems.add(
      field,
      field === 'countries'
        ? `Not two-letter country codes: ${bad.join(', ')}. Use codes such as US, DE, FR.`
        : `Not currency codes: ${bad.join(', ')}. Use ISO codes such as USD, EUR.`,
    );
  return codes;
}

function readRules(form: OfferForm, problems: Problems): RulesView {
  const bound = (field: 'minSubtotal' | 'maxSubtotal') => {
    if (!form[field]) return undefined;
    const amount = parseMoneyText(form[field], form.subtotalCurrency);
    if (amount === null) problems.add(field, amountProblem(form.subtotalCurrency, ', or leave it empty'));
    return amount ?? undefined;
  };
  const minSubtotal = bound('minSubtotal');
  const maxSubtotal = bound('maxSubtotal');
  if (minSubtotal !== undefined && maxSubtotal !== undefined && minSubtotal > maxSubtotal)
    problems.add('maxSubtotal', 'The highest subtotal is below the lowest: swap them.');
  const tags = commaList(form.customerTags);
  if (tags.some((tag) => tag.length > 100)) problems.add('customerTags', 'A customer tag has at most 100 characters.');
  const countries = readCodes(form, 'countries', problems);
  const currencies = readCodes(form, 'currencies', problems);
  const rules: RulesView = {
    ...(form.anyProductIds.length > 0 ? { anyProductIds: [...form.anyProductIds] } : {}),
    ...(form.excludeProductIds.length > 0 ? { excludeProductIds: [...form.excludeProductIds] } : {}),
    ...(minSubtotal === undefined ? {} : { minSubtotal }),
    ...(maxSubtotal === undefined ? {} : { maxSubtotal }),
    ...(countries.length > 0 ? { countries } : {}),
    ...(tags.length > 0 ? { customerTags: tags } : {}),
    ...(form.firstOrderOnly ? { firstOrderOnly: true } : {}),
    ...(currencies.length > 0 ? { currencies } : {}),
  };
  return rules;
}

function readCopy(form: OfferForm, problems: Problems): CopyRow[] {
  const seen = new Set<string>();
  form.buttonCopy.forEach((row, index) => {
    if (!COPY_ID.test(row.id)) problems.add(`copy.${index}.id`, 'An id has 1 to 50 letters, digits, - or _.');
    else if (seen.has(row.id)) problems.add(`copy.${index}.id`, 'Another button copy has this id: give each its own.');
    seen.add(row.id);
    if (row.text.length > 120) problems.add(`copy.${index}.text`, 'A button text has at most 120 characters.');
  });
  return form.buttonCopy.map((row) => ({ id: row.id, text: row.text }));
}

/** The API body of a filled form, or the problems the form itself shows (before asking the API). */
export function offerBody(form: OfferForm): { body: OfferBody } | { problems: OfferProblems } {
  const problems = new Problems();
  // Its length is the API's to check (and the field's `maxlength`): its refusal comes back beside the field.
  if (!form.name) problems.add('name', 'Enter a name for the offer.');
  if (!form.variantId) problems.add('variantId', 'Choose the product variant to offer.');
  if (!/^\d{1,4}$/.test(form.quantity) || Number(form.quantity) < 1 || Number(form.quantity) > 1000)
    problems.add('quantity', 'Enter a quantity from 1 to 1000.');
  if (!INTEGER.test(form.priority || '0')) problems.add('priority', 'Enter the priority as a whole number, such as 0 or 10.');
  const discount = readDiscount(form, problems);
  const schedule = readSchedule(form, problems);
  const rules = readRules(form, problems);
  const buttonCopy = readCopy(form, problems);
  const shipping = readAmounts(form.shipping, 'shipping', problems);
  if (problems.any) return { problems: { fields: problems.fields, general: [] } };
  const body: OfferBody = {
    name: form.name,
    variantId: form.variantId,
    quantity: Number(form.quantity),
    discount,
    priority: Number(form.priority || '0'),
    active: form.active,
    rules,
    buttonCopy,
    shipping,
    ...schedule,
  };
  return { body };
}

/** Which form field an API path names (`body.rules.countries.0`, `discount.amounts[1].amount`, `startsAt must …`). */
function fieldOfPath(path: string, body: OfferBody | null): string | null {
  const parts = path
    .replace(/^body\./, '')
    .replaceAll(/\[(\d+)\]/g, '.$1')
    .split('.');
  const [head, second, third] = parts;
  const index = Number(second);
  switch (head) {
    case 'name':
    case 'variantId':
    case 'quantity':
    case 'priority':
    case 'startsAt':
    case 'endsAt':
      return head;
    case 'discount': {
      if (second === 'amounts' && body?.discount?.type === 'fixed') return `fixed.${body.discount.amounts?.[Number(third)]?.currency ?? ''}`;
      return body?.discount?.type === 'fixed' ? 'fixedOther' : 'discount';
    }
    case 'rules':
      return second ?? null;
    case 'shipping':
      return `shipping.${body?.shipping[index]?.currency ?? ''}`;
    case 'buttonCopy':
      return Number.isInteger(index) ? `copy.${index}.${third === 'id' ? 'id' : 'text'}` : null;
    default:
      return null;
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The API's refusal beside the field its message names (`body.name: …`), or above the form. */
export function offerProblems(failure: ApiFailure, body: OfferBody | null = null): OfferProblems {
  if (failure.code === 'variant_not_found') return { fields: { variantId: `${failure.message}.` }, general: [] };
  const match = /^([\w.[\]]+)(?::| must| is) (.*)$/.exec(failure.message);
  const field = match ? fieldOfPath(match[1] ?? '', body) : null;
  if (field && match) {
    const detail = failure.message.startsWith(`${match[1]}:`) ? sentence(match[2] ?? '') : `${failure.message}.`;
    return { fields: { [field]: detail }, general: [] };
  }
  return { fields: {}, general: [failure.message] };
}
