/**
 * Adyen's structure check, as the fake applies it to every request body: a field the model does not
 * have, or a value of the wrong JSON type, is refused before anything else with `400`, errorCode `702`,
 * "Structure of <Model> contains the following unknown fields: [<field>]" — the answer Adyen gives
 * (seen in Adyen/adyen-magento2#3045, Adyen/adyen-web#1978); a required field left out is found by
 * `missingField`. The models are the API library's own Checkout v72 typings (generated from
 * CheckoutService-v72.json): the fields through `getAttributeTypeMap()`, which of them are required from
 * the declarations (a field without `?`), so the fake knows exactly what Adyen's published specification has.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import adyen from '@adyen/api-library';

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
}

interface Model {
  getAttributeTypeMap(): Attribute[];
}

const checkout = adyen.Types.checkout as unknown as Record<string, unknown>;

/**
 * Unions of payment-method details: the fake checks the one it serves (stored cards are `scheme`,
 * `CardDetails`); any other method type is outside what Plusone sends and is refused as unknown.
 */
const UNIONS: Record<string, (value: Record<string, unknown>) => string | null> = {
  PaymentRequestPaymentMethod: (value) => (value.type === 'scheme' ? 'CardDetails' : null),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelOf(name: string): Model | null {
  const candidate = checkout[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate ? (candidate as unknown as Model) : null;
}

/** The enum object behind `Model.SomeEnum`, or null when the type names none. */
function enumOf(type: string): readonly unknown[] | null {
  const [model, member] = type.split('.');
  if (!model || !member) return null;
  const holder = checkout[model] as Record<string, unknown> | undefined;
  const values = holder?.[member];
  return isRecord(values) ? Object.values(values) : null;
}

/** Why `value` does not fit the type string of the typings (`string`, `Amount | null`, `Array<Split>`, …). */
function problem(value: unknown, type: string, path: string): string | null {
  const nullable = type.endsWith(' | null');
  const base = nullable ? type.slice(0, -' | null'.length) : type;
  if (value === null) return nullable ? null : `${path} must not be null`;
  if (base === 'string') return typeof value === 'string' ? null : `${path} must be a string`;
  if (base === 'number') return typeof value === 'number' && Number.isFinite(value) ? null : `${path} must be a number`;
  if (base === 'boolean') return typeof value === 'boolean' ? null : `${path} must be a boolean`;
  if (base === 'Date') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? null : `${path} must be a date-time`;
  if (base === 'any') return null;
  if (base === '{ [key: string]: string; }') {
    if (!isRecord(value)) return `${path} must be an object`;
    const bad = Object.entries(value).find(([, entry]) => typeof entry !== 'string');
    return bad ? `${path}.${bad[0]} must be a string` : null;
  }
  const array = /^Array<(.+)>$/.exec(base);
  if (array?.[1]) {
    if (!Array.isArray(value)) return `${path} must be an array`;
    for (const [index, item] of value.entries()) {
      const found = problem(item, array[1], `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  const values = enumOf(base);
  if (values) return values.includes(value) ? null : `${path} must be one of ${values.join(', ')}`;
  if (!isRecord(value)) return `${path} must be an object`;
  const union = UNIONS[base];
  const model = union ? union(value) : base;
  if (!model) return `${path} is of a type this fake does not serve`;
  return structureProblem(value, model, path);
}

const typings = join(dirname(createRequire(import.meta.url).resolve('@adyen/api-library')), 'typings', 'checkout');
const requiredCache = new Map<string, readonly string[]>();

/** The fields the model declares without `?` (required in CheckoutService v72). */
function requiredFields(modelName: string): readonly string[] {
  let fields = requiredCache.get(modelName);
  if (!fields) {
    const file = join(typings, `${modelName[0]?.toLowerCase()}${modelName.slice(1)}.d.ts`);
    fields = [...readFileSync(file, 'utf8').matchAll(/^\s+"(\w+)": /gm)].map((match) => match[1] ?? '');
    requiredCache.set(modelName, fields);
  }
  return fields;
}

/** The path of the first required field `body` leaves out (`reference`, `browserInfo.language`), or null. */
export function missingField(body: Record<string, unknown>, modelName: string, path = ''): string | null {
  const model = modelOf(modelName);
  if (!model) return null;
  for (const field of requiredFields(modelName)) {
    if (body[field] === undefined || body[field] === null) return `${path}${field}`;
  }
  for (const attribute of model.getAttributeTypeMap()) {
    const value = body[attribute.baseName];
    if (!isRecord(value)) continue;
    const base = attribute.type.replace(/ \| null$/, '');
    const nested = UNIONS[base]?.(value) ?? base;
    const found = missingField(value, nested, `${path}${attribute.baseName}.`);
    if (found) return found;
  }
  return null;
}

/** The first structure problem of `body` as an instance of the Checkout model `modelName`, or null. */
export function structureProblem(body: Record<string, unknown>, modelName: string, path = modelName): string | null {
  const model = modelOf(modelName);
  if (!model) throw new Error(`No Checkout model ${modelName} in the Adyen API library`);
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute]));
  const unknown = Object.keys(body).filter((field) => !attributes.has(field));
  if (unknown.length > 0) return `Structure of ${modelName} contains the following unknown fields: [${unknown.join(', ')}]`;
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const found = problem(value, attributes.get(field)?.type ?? 'any', `${path}.${field}`);
    if (found) return found;
  }
  return null;
}
