/**
 * Stripe's parameter check, as the fake applies it to every API request before anything else. The
 * parameters of each endpoint are read, when the fake loads, from the `stripe` SDK's own typings
 * (`node_modules/stripe/cjs/resources/PaymentIntents.d.ts` `PaymentIntentCreateParams` and its siblings,
 * `Refunds.d.ts` `RefundCreateParams`, generated from Stripe's OpenAPI specification), so the fake knows
 * the nesting, the required parameters (no `?`) and the enums (string literal unions) that the
 * specification has. Refusals are answered as Stripe answers them (400, type `invalid_request_error`):
 *
 * - a parameter the endpoint does not have: code `parameter_unknown`, "Received unknown parameter: x",
 *   named with Stripe's brackets (`metadata[a][b]`, `payment_method_options[card][foo]`);
 * - a required one left out: `parameter_missing`, "Missing required param: amount.";
 * - an empty string where the parameter cannot be unset (not `Emptyable`): `parameter_invalid_empty`;
 * - not an integer: `parameter_invalid_integer`, "Invalid integer: 12.5";
 * - not a boolean, not one of an enum's values, not a hash or an array: no code, as Stripe sends none
 *   ("Invalid boolean: yes", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer");
 * - metadata past its limits (50 keys, keys of 40 characters, values of 500): no code, `param: metadata`;
 * - an `expand` of a field that is not an expandable object on the response (a `string | Object`
 *   union in the object's typing): "This property cannot be expanded (x).".
 *
 * Unknown parameters are reported first, then missing ones, then bad values, each in the order sent.
 * "Invalid hash" and "Invalid string" (a value of the wrong kind) are this check's words, not seen
 * in a Stripe answer; the others are Stripe's (see the Sources of docs/gateways/stripe.md).
 * Where a typing has `| OtherString` (the SDK's room for enum values added later), the check keeps
 * to the listed values: the API version the SDK pins accepts only those. `number` is read as an
 * integer, which every numeric parameter of these endpoints is in Stripe's specification.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/** A form body as Stripe reads it: `a[b][0]=c` is `{ a: { b: ['c'] } }`. */
export type Form = { [key: string]: FormValue };
export type FormValue = string | FormValue[] | Form;

/** What Stripe answers a request it refuses before the endpoint runs; `code` only where Stripe sends one. */
export interface Refusal {
  readonly message: string;
  readonly param?: string;
  readonly code?: string;
}

/** The endpoints the fake serves, each with its parameters and the object it answers, as the typings name them. */
const ENDPOINTS = {
  'POST /v1/payment_intents': { file: 'PaymentIntents', params: 'PaymentIntentCreateParams', object: 'PaymentIntent', list: false },
  'GET /v1/payment_intents': { file: 'PaymentIntents', params: 'PaymentIntentListParams', object: 'PaymentIntent', list: true },
  'GET /v1/payment_intents/:id': { file: 'PaymentIntents', params: 'PaymentIntentRetrieveParams', object: 'PaymentIntent', list: false },
  'GET /v1/payment_intents/search': { file: 'PaymentIntents', params: 'PaymentIntentSearchParams', object: 'PaymentIntent', list: true },
  'POST /v1/payment_intents/:id/capture': { file: 'PaymentIntents', params: 'PaymentIntentCaptureParams', object: 'PaymentIntent', list: false },
  'POST /v1/payment_intents/:id/cancel': { file: 'PaymentIntents', params: 'PaymentIntentCancelParams', object: 'PaymentIntent', list: false },
  'POST /v1/refunds': { file: 'Refunds', params: 'RefundCreateParams', object: 'Refund', list: false },
} as const;

export type StripeEndpoint = keyof typeof ENDPOINTS;

/** Stripe's metadata limits (https://docs.stripe.com/api/metadata). */
const METADATA = { keys: 50, keyLength: 40, valueLength: 500 } as const;

const RESOURCES = join(dirname(createRequire(import.meta.url).resolve('stripe')), 'resources');

// ---------------------------------------------------------------------------------------- typings

interface TypingsFile {
  readonly path: string;
  readonly statements: readonly ts.Statement[];
  /** Imported name → the file it comes from. */
  readonly imports: ReadonlyMap<string, string>;
}

/** Where a name is looked up: a namespace's body (or a file's top level) inside its enclosing ones. */
interface Scope {
  readonly statements: readonly ts.Statement[];
  readonly parent: Scope | null;
  readonly file: TypingsFile;
}

/** A type written somewhere in the typings, with what its names mean there. */
interface TypeAt {
  readonly node: ts.TypeNode;
  readonly scope: Scope;
  /** The arguments of the generic alias being expanded (`T` of `Emptyable<T>`). */
  readonly args: ReadonlyMap<string, TypeAt>;
}

type Declaration =
  | { readonly kind: 'interface'; readonly name: string; readonly nodes: readonly ts.InterfaceDeclaration[]; readonly scope: Scope }
  | { readonly kind: 'alias'; readonly name: string; readonly node: ts.TypeAliasDeclaration; readonly scope: Scope };

/** Parsed typings by path: parsed once, never changed. */
const files = new Map<string, TypingsFile>();

function typingsFile(path: string): TypingsFile {
  const known = files.get(path);
  if (known) return known;
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const imports = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = resolve(dirname(path), statement.moduleSpecifier.text.replace(/\.js$/, '.d.ts'));
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) imports.set(element.name.text, from);
  }
  const file: TypingsFile = { path, statements: source.statements, imports };
  files.set(path, file);
  return file;
}

function rootScope(file: TypingsFile): Scope {
  return { statements: file.statements, parent: null, file };
}

function resourceScope(name: string): Scope {
  return rootScope(typingsFile(join(RESOURCES, `${name}.d.ts`)));
}

function entityNames(name: ts.EntityName): string[] {
  return ts.isIdentifier(name) ? [name.text] : [...entityNames(name.left), name.right.text];
}

/** `A.B.C` declared in `scope` itself: namespaces `A`, `B`, then the interface or alias `C`. */
function declaredIn(scope: Scope, names: readonly string[]): Declaration | null {
  const [first, ...rest] = names;
  if (first === undefined) return null;
  if (rest.length === 0) {
    const interfaces = scope.statements.filter(
      (statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === first,
    );
    if (interfaces.length > 0) return { kind: 'interface', name: first, nodes: interfaces, scope };
    const alias = scope.statements.find(
      (statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement) && statement.name.text === first,
    );
    return alias ? { kind: 'alias', name: first, node: alias, scope } : null;
  }
  for (const statement of scope.statements) {
    if (!ts.isModuleDeclaration(statement) || !ts.isIdentifier(statement.name) || statement.name.text !== first) continue;
    if (!statement.body || !ts.isModuleBlock(statement.body)) continue;
    const found = declaredIn({ statements: statement.body.statements, parent: scope, file: scope.file }, rest);
    if (found) return found;
  }
  return null;
}

/** What a type name means where it is written: enclosing namespaces outwards, then the file's imports. */
function lookup(name: ts.EntityName, scope: Scope): Declaration {
  const names = entityNames(name);
  for (let at: Scope | null = scope; at; at = at.parent) {
    const found = declaredIn(at, names);
    if (found) return found;
  }
  const from = scope.file.imports.get(names[0] ?? '');
  const found = from ? declaredIn(rootScope(typingsFile(from)), names) : null;
  if (!found) throw new Error(`stripe-structure: cannot resolve ${names.join('.')} in ${scope.file.path}`);
  return found;
}

function topLevel(file: string, name: string): Declaration {
  const found = declaredIn(resourceScope(file), [name]);
  if (!found) throw new Error(`stripe-structure: no ${name} in the SDK's ${file}.d.ts`);
  return found;
}

interface Member {
  readonly type: TypeAt;
  readonly required: boolean;
}

interface ObjectShape {
  readonly members: ReadonlyMap<string, Member>;
  /** The value type of `[name: string]: …`, for keys that are not members. */
  readonly index: TypeAt | null;
}

function memberName(name: ts.PropertyName): string | null {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : null;
}

interface MutableShape {
  members: Map<string, Member>;
  index: TypeAt | null;
}

function addMembers(shape: MutableShape, elements: readonly ts.TypeElement[], scope: Scope, args: ReadonlyMap<string, TypeAt>): void {
  for (const element of elements) {
    if (ts.isPropertySignature(element) && element.type) {
      const name = memberName(element.name);
      if (name !== null) shape.members.set(name, { type: { node: element.type, scope, args }, required: element.questionToken === undefined });
    } else if (ts.isIndexSignatureDeclaration(element)) {
      shape.index = { node: element.type, scope, args };
    }
  }
}

const shapes = new Map<ts.Node, ObjectShape>();

/** An interface's members, its `extends` included. */
function interfaceShape(declaration: Extract<Declaration, { kind: 'interface' }>): ObjectShape {
  const key = declaration.nodes[0];
  const known = key ? shapes.get(key) : undefined;
  if (known) return known;
  const shape: MutableShape = { members: new Map(), index: null };
  for (const node of declaration.nodes) {
    for (const clause of node.heritageClauses ?? []) {
      for (const base of clause.types) {
        if (!ts.isIdentifier(base.expression)) continue;
        const parent = lookup(base.expression, declaration.scope);
        if (parent.kind !== 'interface') continue;
        const inherited = interfaceShape(parent);
        for (const [name, member] of inherited.members) shape.members.set(name, member);
        shape.index = inherited.index ?? shape.index;
      }
    }
    addMembers(shape, node.members, declaration.scope, new Map());
  }
  if (key) shapes.set(key, shape);
  return shape;
}

// ---------------------------------------------------------------------------------------- checking

type Severity = 'unknown' | 'missing' | 'value';

interface Problem extends Refusal {
  readonly severity: Severity;
}

function unknownParameter(param: string): Problem {
  return { severity: 'unknown', code: 'parameter_unknown', param, message: `Received unknown parameter: ${param}` };
}

function missingParameter(param: string): Problem {
  return { severity: 'missing', code: 'parameter_missing', param, message: `Missing required param: ${param}.` };
}

function invalid(param: string, message: string, code?: string): Problem {
  return { severity: 'value', param, message, ...(code ? { code } : {}) };
}

function emptyString(param: string): Problem {
  return invalid(
    param,
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    'parameter_invalid_empty',
  );
}

function isForm(value: unknown): value is Form {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `a`, `a or b`, `a, b, or c`: Stripe's way of listing an enum's values. */
function oneOf(values: readonly string[]): string {
  if (values.length <= 2) return values.join(' or ');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1] ?? ''}`;
}

function child(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}[${key}]`;
}

/** Generic names the check reads itself, rather than from the typings. */
const BUILT_IN = new Set(['Array', 'Record', 'OtherString']);

/**
 * What a type stands for once references and parentheses are followed: an interface, or a type node
 * (a keyword, a literal, a union, an array…) with the scope its names are read in.
 */
function unwrap(type: TypeAt): TypeAt | Declaration {
  const { node, scope, args } = type;
  if (ts.isParenthesizedTypeNode(node)) return unwrap({ node: node.type, scope, args });
  if (!ts.isTypeReferenceNode(node)) return type;
  const names = entityNames(node.typeName);
  if (names.length === 1 && BUILT_IN.has(names[0] ?? '')) return type;
  const bound = names.length === 1 ? args.get(names[0] ?? '') : undefined;
  if (bound) return unwrap(bound);
  const declaration = lookup(node.typeName, scope);
  if (declaration.kind === 'interface') return declaration;
  const applied = new Map<string, TypeAt>();
  (declaration.node.typeParameters ?? []).forEach((parameter, index) => {
    const argument = node.typeArguments?.[index];
    if (argument) applied.set(parameter.name.text, { node: argument, scope, args });
  });
  return unwrap({ node: declaration.node.type, scope: declaration.scope, args: applied });
}

function isDeclaration(resolved: TypeAt | Declaration): resolved is Declaration {
  return 'kind' in resolved;
}

function isReferenceTo(type: TypeAt, name: string): boolean {
  return ts.isTypeReferenceNode(type.node) && ts.isIdentifier(type.node.typeName) && type.node.typeName.text === name;
}

/** The scalar values a type accepts, when it is an enum (literals and booleans only); null otherwise. */
function enumValues(type: TypeAt): string[] | null {
  const resolved = unwrap(type);
  if (isDeclaration(resolved)) return null;
  const { node } = resolved;
  if (ts.isLiteralTypeNode(node)) {
    if (ts.isStringLiteral(node.literal)) return [node.literal.text];
    if (node.literal.kind === ts.SyntaxKind.NullKeyword) return [''];
    if (node.literal.kind === ts.SyntaxKind.TrueKeyword) return ['true'];
    if (node.literal.kind === ts.SyntaxKind.FalseKeyword) return ['false'];
    return null;
  }
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return ['true', 'false'];
  if (!ts.isUnionTypeNode(node)) return null;
  const values: string[] = [];
  for (const member of node.types) {
    const at = { node: member, scope: resolved.scope, args: resolved.args };
    if (isReferenceTo(at, 'OtherString')) continue;
    const found = enumValues(at);
    if (!found) return null;
    values.push(...found);
  }
  return values;
}

function checkObject(value: unknown, shape: ObjectShape, path: string, metadata: boolean): Problem[] {
  if (value === '') return [emptyString(path)];
  if (!isForm(value)) return [invalid(path, 'Invalid hash')];
  const problems: Problem[] = [];
  for (const [key, entry] of Object.entries(value)) {
    const member = shape.members.get(key);
    const type = member?.type ?? shape.index;
    if (!type) problems.push(unknownParameter(child(path, key)));
    else problems.push(...check(entry, type, child(path, key)));
  }
  for (const [name, member] of shape.members) if (member.required && value[name] === undefined) problems.push(missingParameter(child(path, name)));
  if (metadata) problems.push(...metadataProblems(value, path));
  return problems;
}

/** Stripe's messages for metadata past its limits (stripe/stripe-php#246, FlowFuse/flowfuse#1948). */
function metadataProblems(value: Form, path: string): Problem[] {
  const entries = Object.entries(value);
  const problems: Problem[] = [];
  if (entries.length > METADATA.keys) {
    problems.push(
      invalid(
        path,
        `Metadata can have up to ${METADATA.keys} keys, but you've set ${entries.length}. Email us at support+metadata@stripe.com for more information.`,
      ),
    );
  }
  for (const [key, entry] of entries) {
    if (key.length > METADATA.keyLength) problems.push(invalid(path, `Invalid key: ${key} must be a string under ${METADATA.keyLength} characters`));
    if (typeof entry === 'string' && entry.length > METADATA.valueLength)
      problems.push(invalid(path, `Invalid val: ${entry} must be a string under ${METADATA.valueLength} characters`));
  }
  return problems;
}

type ValueKind = 'object' | 'array' | 'scalar';

function valueKind(value: unknown): ValueKind {
  if (isForm(value)) return 'object';
  return Array.isArray(value) ? 'array' : 'scalar';
}

function typeKind(type: TypeAt): ValueKind {
  const resolved = unwrap(type);
  if (isDeclaration(resolved)) return 'object';
  const { node } = resolved;
  const reference = ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) ? node.typeName.text : null;
  if (ts.isTypeLiteralNode(node) || reference === 'Record') return 'object';
  if (ts.isArrayTypeNode(node) || reference === 'Array') return 'array';
  return 'scalar';
}

function checkUnion(value: unknown, members: readonly TypeAt[], path: string): Problem[] {
  const candidates = members.filter((member) => !isReferenceTo(member, 'OtherString'));
  const results = candidates.map((member) => check(value, member, path));
  if (results.some((problems) => problems.length === 0)) return [];
  if (value === '') return [emptyString(path)];
  const listed = candidates.map(enumValues);
  if (typeof value === 'string' && listed.every((values) => values !== null)) {
    return [invalid(path, `Invalid ${path}: must be one of ${oneOf(listed.flat().filter((entry) => entry !== ''))}`)];
  }
  // The member of the value's own kind (a hash, an array, a scalar) says best what is wrong with it.
  const index = candidates.findIndex((member) => typeKind(member) === valueKind(value));
  return results[Math.max(index, 0)] ?? [];
}

function checkString(value: unknown, path: string): Problem[] {
  if (value === '') return [emptyString(path)];
  return typeof value === 'string' ? [] : [invalid(path, `Invalid string: ${shown(value)}`)];
}

/** A keyword, a literal or a boolean: null when the type is none of them. */
function checkScalar(value: unknown, type: TypeAt, path: string): Problem[] | null {
  const { node } = type;
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return checkString(value, path);
    case ts.SyntaxKind.NumberKeyword:
      if (value === '') return [emptyString(path)];
      return typeof value === 'string' && /^-?\d+$/.test(value)
        ? []
        : [invalid(path, `Invalid integer: ${shown(value)}`, 'parameter_invalid_integer')];
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return [];
    default:
      break;
  }
  if (!ts.isLiteralTypeNode(node) && node.kind !== ts.SyntaxKind.BooleanKeyword) return null;
  const values = enumValues(type) ?? [];
  if (typeof value === 'string' && values.includes(value)) return [];
  if (value === '') return [emptyString(path)];
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return [invalid(path, `Invalid boolean: ${shown(value)}`)];
  return [invalid(path, `Invalid ${path}: must be one of ${oneOf(values)}`)];
}

/** Everything wrong with `value` as a `type` at `path`, in the order found. */
function check(value: unknown, type: TypeAt, path: string): Problem[] {
  const resolved = unwrap(type);
  if (isDeclaration(resolved)) {
    if (resolved.kind !== 'interface') throw new Error(`stripe-structure: ${resolved.name} did not resolve to a type`);
    return checkObject(value, interfaceShape(resolved), path, resolved.name === 'MetadataParam');
  }
  const { node, scope, args } = resolved;
  const at = (inner: ts.TypeNode): TypeAt => ({ node: inner, scope, args });
  if (ts.isUnionTypeNode(node)) return checkUnion(value, node.types.map(at), path);
  const scalar = checkScalar(value, resolved, path);
  if (scalar) return scalar;
  if (ts.isTypeLiteralNode(node)) {
    const shape: MutableShape = { members: new Map(), index: null };
    addMembers(shape, node.members, scope, args);
    return checkObject(value, shape, path, false);
  }
  // `OtherString` is `string & Record<never, never>`.
  if (ts.isIntersectionTypeNode(node) && node.types.some((member) => member.kind === ts.SyntaxKind.StringKeyword)) return checkString(value, path);
  if (ts.isArrayTypeNode(node)) return checkArray(value, at(node.elementType), path);
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const [element, entry] = node.typeArguments ?? [];
    if (node.typeName.text === 'Array' && element) return checkArray(value, at(element), path);
    if (node.typeName.text === 'Record' && entry) return checkObject(value, { members: new Map(), index: at(entry) }, path, false);
    if (node.typeName.text === 'OtherString') return checkString(value, path);
  }
  throw new Error(`stripe-structure: unsupported type ${ts.SyntaxKind[node.kind]} at ${path}`);
}

function checkArray(value: unknown, item: TypeAt, path: string): Problem[] {
  if (value === '') return [emptyString(path)];
  if (!Array.isArray(value)) return [invalid(path, 'Invalid array')];
  return value.flatMap((entry: unknown, index) => (entry === undefined ? [] : check(entry, item, child(path, index))));
}

/** The refusal Stripe gives first: an unknown parameter, else a missing one, else a bad value. */
function first(problems: readonly Problem[]): Refusal | null {
  const found =
    problems.find((problem) => problem.severity === 'unknown') ?? problems.find((problem) => problem.severity === 'missing') ?? problems[0];
  if (!found) return null;
  return {
    message: found.message,
    ...(found.param !== undefined ? { param: found.param } : {}),
    ...(found.code !== undefined ? { code: found.code } : {}),
  };
}

// ---------------------------------------------------------------------------------------- expand

const expandableCache = new Map<string, ReadonlySet<string>>();

/**
 * Fields of a response object that `expand` may name: those typed `string | SomeObject` (an id, or the
 * object when expanded), `SomeObject` being another Stripe resource the file imports.
 */
function expandable(file: string, object: string): ReadonlySet<string> {
  const key = `${file}.${object}`;
  const known = expandableCache.get(key);
  if (known) return known;
  const declaration = topLevel(file, object);
  if (declaration.kind !== 'interface') throw new Error(`stripe-structure: ${object} is not an interface`);
  const fields = new Set<string>();
  for (const [name, member] of interfaceShape(declaration).members) {
    const { node, scope } = member.type;
    if (!ts.isUnionTypeNode(node)) continue;
    const byId = node.types.some((type) => type.kind === ts.SyntaxKind.StringKeyword);
    const resource = node.types.some(
      (type) => ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && scope.file.imports.has(type.typeName.text),
    );
    if (byId && resource) fields.add(name);
  }
  expandableCache.set(key, fields);
  return fields;
}

/** Stripe's answer to an `expand` it cannot do ("This property cannot be expanded (x)."), or null. */
function expandRefusal(expand: unknown, file: string, object: string, list: boolean): Refusal | null {
  if (!Array.isArray(expand)) return null;
  const fields = expandable(file, object);
  for (const entry of expand) {
    if (typeof entry !== 'string') continue;
    const [head, next] = entry.split('.');
    // A list (search) expands fields of its items under `data.`.
    const field = list ? (head === 'data' ? next : undefined) : head;
    if (field !== undefined && fields.has(field)) continue;
    const hint = list && head !== undefined && fields.has(head) ? ` You may want to try expanding 'data.${entry}' instead.` : '';
    return { message: `This property cannot be expanded (${entry}).${hint}` };
  }
  return null;
}

// ---------------------------------------------------------------------------------------- entry point

/**
 * Why Stripe would refuse these parameters on this endpoint before running it, or null. `form` is the
 * body (a POST) or the query (a GET) as Stripe parses it.
 */
export function requestRefusal(endpoint: StripeEndpoint, form: Form): Refusal | null {
  const { file, params, object, list } = ENDPOINTS[endpoint];
  const declaration = topLevel(file, params);
  if (declaration.kind !== 'interface') throw new Error(`stripe-structure: ${params} is not an interface`);
  return first(checkObject(form, interfaceShape(declaration), '', false)) ?? expandRefusal(form.expand, file, object, list);
}

/**
 * Reads the typings of every endpoint now (once per process; a few hundred milliseconds on a busy
 * machine), so that no request pays for it: a first request slower than a test's gateway timeout would
 * read as a PSP that did not answer.
 */
export function loadStructure(): void {
  for (const endpoint of Object.keys(ENDPOINTS) as StripeEndpoint[]) requestRefusal(endpoint, {});
}

/** The `doc_url` Stripe puts on an error that has a code. */
export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}
