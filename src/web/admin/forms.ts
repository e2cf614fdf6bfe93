/**
 * The admin's HTML forms: url-encoded bodies (accepted in this plugin's context only, after the same
 * card-data screen as every other request), and the new-offer form read into the API's body, with the
 * API's refusals placed beside the field they name.
 */
import type { FastifyInstance } from 'fastify';
import { detectCardData } from '../../core/card-data';
import { DomainError } from '../../core/errors';
import type { ApiFailure, OfferInput } from './api';
import type { OfferField, OfferForm, OfferProblems } from './pages/offers';

const FORM_LIMIT_BYTES = 64 * 1024;

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const fields = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(text)) if (!fields.has(name)) fields.set(name, value);
    const parsed = Object.fromEntries(fields);
    const decoded = [...fields].map(([name, value]) => `${name}=${value}`).join('&');
    if (detectCardData(decoded, parsed)) {
      done(new DomainError('card_data_rejected', 'Card numbers, security codes and expiry dates are never accepted here.'), undefined);
      return;
    }
    done(null, parsed);
  });
}

/** String fields of a parsed form or query (the first value of a repeated one). */
export function fieldsOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  const fields = new Map<string, string>();
  for (const [name, field] of Object.entries(value)) {
    const text: unknown = Array.isArray(field) ? field[0] : field;
    if (typeof text === 'string') fields.set(name, text);
  }
  return Object.fromEntries(fields);
}

export function offerForm(fields: Record<string, string>): OfferForm {
  return {
    name: (fields.name ?? '').trim(),
    variantId: fields.variantId ?? '',
    discount: (fields.discount ?? '').trim().replace(/\s*%$/, ''),
    priority: (fields.priority ?? '').trim(),
  };
}

const PERCENT = /^\d{1,2}(\.\d{1,2})?$/;
const INTEGER = /^-?\d{1,7}$/;

/** The API body of a filled form, or the problems the form itself shows (before asking the API). */
export function offerInput(form: OfferForm): { input: OfferInput } | { problems: OfferProblems } {
  const fields: Partial<Record<OfferField, string>> = {};
  if (!form.name) fields.name = 'Enter a name for the offer.';
  if (!form.variantId) fields.variantId = 'Choose the product variant to offer.';
  if (form.discount && !PERCENT.test(form.discount))
    fields.discount = 'Enter the discount as a percentage above 0 and below 100, such as 15 or 12.5.';
  if (!INTEGER.test(form.priority || '0')) fields.priority = 'Enter the priority as a whole number, such as 0 or 10.';
  if (Object.keys(fields).length > 0) return { problems: { fields, general: [] } };
  return {
    input: {
      name: form.name,
      variantId: form.variantId,
      discount: form.discount ? { type: 'percentage', value: Number(form.discount) } : null,
      priority: Number(form.priority || '0'),
    },
  };
}

/** Which field an API refusal is about, from the path its message starts with (`body.name: …`, `discount.value: …`). */
const FIELD_OF_PATH: ReadonlyArray<[RegExp, OfferField]> = [
  [/^(body\.)?name\b/, 'name'],
  [/^(body\.)?variantId\b/, 'variantId'],
  [/^(body\.)?discount\b/, 'discount'],
  [/^(body\.)?priority\b/, 'priority'],
];

export function offerProblems(failure: ApiFailure): OfferProblems {
  if (failure.code === 'variant_not_found') return { fields: { variantId: `${failure.message}.` }, general: [] };
  const match = /^([\w.[\]]+): (.*)$/.exec(failure.message);
  const field = match ? FIELD_OF_PATH.find(([path]) => path.test(match[1] ?? ''))?.[1] : undefined;
  if (field && match) return { fields: { [field]: sentence(match[2] ?? failure.message) }, general: [] };
  return { fields: {}, general: [failure.message] };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
