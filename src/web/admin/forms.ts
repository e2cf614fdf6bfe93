/**
 * The admin's HTML forms: url-encoded bodies (accepted in this plugin's context only, after the same
 * card-data screen as every other request), read as fields (the first value of each) and, for
 * multi-selects, every value of a repeated field. The forms themselves are in `offer-form.ts` and
 * `experiment-form.ts`.
 */
import type { FastifyInstance } from 'fastify';
import { detectCardData } from '../../core/card-data';
import { DomainError } from '../../core/errors';

/** A parsed form: each field's value, or its values in order when it was repeated (a multi-select). */
export type FormBody = Readonly<Record<string, string | readonly string[]>>;

const FORM_LIMIT_BYTES = 64 * 1024;

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const pairs = [...new URLSearchParams(text)];
    const fields = new Map<string, string | string[]>();
    for (const [name, value] of pairs) {
      const seen = fields.get(name);
      fields.set(name, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
    }
    const parsed: FormBody = Object.fromEntries(fields);
    const decoded = pairs.map(([name, value]) => `${name}=${value}`).join('&');
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

/** Every value of a field, in the order posted (none when it is absent): a multi-select's choices. */
export function valuesOf(body: unknown, name: string): string[] {
  if (body === null || typeof body !== 'object') return [];
  const value: unknown = (body as Record<string, unknown>)[name];
  const values: unknown[] = Array.isArray(value) ? value : [value];
  return values.filter((entry): entry is string => typeof entry === 'string');
}
