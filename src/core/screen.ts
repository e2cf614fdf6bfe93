/**
 * The request screen's rules (pure; http/screen runs them on every request): every value a request carries is read decoded — each string, number and key of a
 * JSON body (escapes decoded, big numbers read from the text so no digit is lost), each URL path segment,
 * each query key and value, and the headers Plusone stores — and refused before anything authenticates,
 * validates, stores or logs it:
 * - card data (rule in core/card-data.ts and docs/api.md) → `400 card_data_rejected`, ahead of every other
 *   error;
 * - what PostgreSQL cannot store or what cannot be decoded → `400 invalid_request` naming the field: NUL
 *   characters, lone UTF-16 surrogates, malformed percent-encoding, JSON nested deeper than
 *   `MAX_JSON_DEPTH`, and the prototype keys `__proto__` / `constructor.prototype`.
 * Every walk is iterative, so no input can exhaust the stack. Messages name fields, never quote values.
 */
import { containsCardNumber, isCardFieldName, isIdFieldName, type FieldKind } from './card-data';
import { DomainError } from './errors';

/** Deeper JSON than this is refused: no request Plusone defines nests beyond a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/** Request headers that Plusone stores (and so screens): the idempotency key is kept with the answer. */
export const STORED_HEADERS = ['idempotency-key'] as const;

export const CARD_DATA_MESSAGE =
  'Plusone never accepts card numbers, security codes or expiry dates. Send the payment processor’s stored ' +
  'payment-method reference (paymentMethodRef) instead; nothing from this request was stored.';

export function cardDataRejected(): DomainError {
  return new DomainError('card_data_rejected', CARD_DATA_MESSAGE);
}

/** What the screen found: card data anywhere wins over the first other problem. */
export class Findings {
  card = false;
  problem: string | null = null;

  note(problem: string): void {
    this.problem ??= problem;
  }

  /** The error to answer with, or null when the request is clean. */
  error(): DomainError | null {
    if (this.card) return cardDataRejected();
    return this.problem === null ? null : new DomainError('invalid_request', this.problem);
  }

  /** Screens one decoded value (or key: `kind` 'text' plus the card-field-name check). */
  value(value: string, kind: FieldKind, where: () => string): void {
    if (!this.card && containsCardNumber(value, kind)) this.card = true;
    if (this.problem !== null) return;
    if (value.includes('\u0000')) this.note(`${where()} contains a NUL character`);
    else if (LONE_SURROGATE.test(value)) this.note(`${where()} contains a lone UTF-16 surrogate (not valid Unicode)`);
  }

  key(name: string, where: () => string): void {
    if (isCardFieldName(name)) this.card = true;
    this.value(name, 'text', () => `a key in ${where()}`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A field name as it may appear in a message: identifiers as they are, anything else as `[…]`. */
const fieldName = (name: string) => (/^[A-Za-z0-9_$-]{1,64}$/.test(name) ? name : '[…]');

interface Frame {
  readonly array: boolean;
  /** Objects: the key being read or last read. */
  key: string | null;
  index: number;
  expectKey: boolean;
  /** Arrays: the items are ids (the array sits under an id field such as `anyProductIds`). */
  readonly idItems: boolean;
  /** Objects: this object is the value of a `constructor` key. */
  readonly underConstructor: boolean;
}

function leafKind(stack: readonly Frame[]): FieldKind {
  const top = stack.at(-1);
  if (!top) return 'text';
  if (top.array) return top.idItems ? 'id' : 'text';
  return top.key !== null && isIdFieldName(top.key) ? 'id' : 'text';
}

function pathOf(stack: readonly Frame[]): string {
  return ['body', ...stack.map((frame) => (frame.array ? String(frame.index) : fieldName(frame.key ?? '')))].join('.');
}

/** Index just past the closing quote of the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text.charCodeAt(index);
    if (char === 0x5c) index += 2;
    else if (char === 0x22) return index + 1;
    else index += 1;
  }
  return text.length;
}

const NUMBER = /-?(\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?/y;

/**
 * Screens a JSON text that `JSON.parse` accepted, token by token, so numbers keep every digit and each
 * value is read with the name of its field.
 */
export function screenJsonText(text: string): Findings {
  const findings = new Findings();
  const stack: Frame[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charCodeAt(index);
    const top = stack.at(-1);
    if (char === 0x7b || char === 0x5b) {
      const kind = leafKind(stack);
      stack.push({
        array: char === 0x5b,
        key: null,
        index: 0,
        expectKey: char === 0x7b,
        idItems: kind === 'id',
        underConstructor: top !== undefined && !top.array && top.key === 'constructor',
      });
      if (stack.length > MAX_JSON_DEPTH) findings.note(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      index += 1;
    } else if (char === 0x7d || char === 0x5d) {
      stack.pop();
      index += 1;
    } else if (char === 0x2c) {
      if (top?.array) top.index += 1;
      else if (top) top.expectKey = true;
      index += 1;
    } else if (char === 0x22) {
      const end = stringEnd(text, index);
      const value = JSON.parse(text.slice(index, end)) as string;
      index = end;
      if (top && !top.array && top.expectKey) {
        top.expectKey = false;
        top.key = value;
        findings.key(value, () => pathOf(stack.slice(0, -1)));
        if (value === '__proto__' || (value === 'prototype' && top.underConstructor)) {
          findings.note(`${pathOf(stack.slice(0, -1))} has the key ${value}, which is not accepted`);
        }
      } else {
        findings.value(value, leafKind(stack), () => pathOf(stack));
      }
    } else if (char === 0x2d || (char >= 0x30 && char <= 0x39)) {
      NUMBER.lastIndex = index;
      const match = NUMBER.exec(text);
      const whole = match?.[1] ?? '';
      const kind = leafKind(stack);
      if (containsCardNumber(whole, kind) || containsCardNumber(whole + (match?.[2] ?? ''), kind)) findings.card = true;
      index = match ? NUMBER.lastIndex : index + 1;
    } else {
      index += 1;
    }
  }
  return findings;
}

/** Strict percent-decoding (`+` is a space in query strings); null when malformed. */
function decodeComponent(text: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    return null;
  }
}

/** Screens the path segments (as ids) and the query keys and values of a request URL. */
export function screenUrl(url: string, findings = new Findings()): Findings {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  for (const segment of path.split('/')) {
    const decoded = decodeComponent(segment, false);
    if (decoded === null) findings.note('The URL path is not valid percent-encoded UTF-8');
    else findings.value(decoded, 'id', () => 'The URL path');
  }
  if (queryStart < 0) return findings;
  for (const part of url.slice(queryStart + 1).split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = decodeComponent(equals < 0 ? part : part.slice(0, equals), true);
    const value = equals < 0 ? '' : decodeComponent(part.slice(equals + 1), true);
    if (key === null || value === null) {
      findings.note('The query string is not valid percent-encoded UTF-8');
      continue;
    }
    findings.key(key, () => 'the query string');
    findings.value(value, isIdFieldName(key) ? 'id' : 'text', () => `query.${fieldName(key)}`);
  }
  return findings;
}

/** Screens the headers Plusone stores (ids, like the idempotency key). */
export function screenHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, findings = new Findings()): Findings {
  for (const name of STORED_HEADERS) {
    const header = headers[name];
    for (const value of Array.isArray(header) ? header : header === undefined ? [] : [header]) {
      findings.value(value, 'id', () => `The ${name} header`);
    }
  }
  return findings;
}

/** Parses and screens an url-encoded form body (the sandbox's 3-D Secure page); throws what it refuses. */
export function screenFormBody(text: string): Record<string, string> {
  const findings = new Findings();
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    findings.key(name, () => 'the form');
    findings.value(value, isIdFieldName(name) ? 'id' : 'text', () => `form.${fieldName(name)}`);
    fields[name] = value;
  }
  const error = findings.error();
  if (error) throw error;
  return fields;
}
