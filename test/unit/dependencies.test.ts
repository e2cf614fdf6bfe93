/**
 * The layout's rules, enforced: every import in `src/` (type-only and inline `import('…')` types too)
 * points down the layers below, and no import circle exists. `docs/architecture.md` draws the same arrows.
 *
 *   core                                     → nothing
 *   store                                    → core
 *   gateways, orders, analytics              → core, store
 *   engine                                   → core, store, gateways, orders, analytics
 *   worker (the engine's background half)    → core, store, engine
 *   http                                     → core, engine
 *   web (pages served beside the API)        → core, http
 *   runtime.ts, cli.ts, config.ts, demo-seed.ts (the root: composition) → anything, and the one import
 *   that leaves src/: the Shopify extension's build (`extensions/post-purchase/build.ts`, for the demo)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  gateways: ['core', 'store'],
  orders: ['core', 'store'],
  analytics: ['core', 'store'],
  engine: ['core', 'store', 'gateways', 'orders', 'analytics'],
  http: ['core', 'engine'],
  worker: ['core', 'store', 'engine'],
  web: ['core', 'http'],
};
const ROOT_FILES = new Set(['runtime.ts', 'cli.ts', 'config.ts', 'demo-seed.ts']);
/** Files outside src/ that src/ may import, and who may: the root only. */
const OUTSIDE_SRC: Readonly<Record<string, readonly string[]>> = { '../extensions/post-purchase/build.ts': ['runtime.ts'] };

/**
 * A Kysely query builder or raw SQL: what only a repository in `store/` may write (one module per
 * aggregate, so a column is added in one place); the sandbox PSP, a simulator of an outside system,
 * keeps its own tables and queries in its folder.
 */
const QUERY =
  /\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\(|\bsql\s*(?:<[^>]*>)?\s*`|\bsql\.(?:raw|ref|table|id|join|lit)\(/;

function queryingFiles(): string[] {
  return sourceFiles(SRC)
    .map((file) => relative(SRC, file))
    .filter((file) => !file.startsWith('store/') && !file.startsWith('gateways/sandbox/'))
    .filter((file) => QUERY.test(readFileSync(join(SRC, file), 'utf8')))
    .sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`${relative(SRC, from)} imports ${specifier}, which does not resolve`);
}

function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const targets = new Set<string>();
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = resolveImport(file, match[1] ?? '');
      if (!target) continue;
      const outside = relative(SRC, target);
      if (outside.startsWith('..')) {
        if (!OUTSIDE_SRC[outside]?.includes(relative(SRC, file))) throw new Error(`${relative(SRC, file)} imports ${outside}, outside src/`);
        continue;
      }
      targets.add(outside);
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

function layerOf(file: string): string {
  if (ROOT_FILES.has(file)) return 'root';
  const layer = file.split('/')[0] ?? '';
  if (!(layer in ALLOWED)) throw new Error(`${file} is in no layer: add its folder to ALLOWED and to docs/architecture.md`);
  return layer;
}

function forbiddenArrows(graph: Map<string, Set<string>>): string[] {
  const arrows: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (from === 'root') continue;
    for (const target of targets) {
      const to = layerOf(target);
      if (to !== from && !ALLOWED[from]?.includes(to)) arrows.push(`${file} -> ${target}`);
    }
  }
  return arrows.sort();
}

/** Strongly connected components of more than one file (Tarjan). */
function circles(graph: Map<string, Set<string>>): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const members: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      members.push(member);
      if (member === node) break;
    }
    if (members.length > 1) found.push(members.sort().join(' '));
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found.sort();
}

describe('the layout', () => {
  const graph = importGraph();

  it('has every import point down the layers', () => {
    expect(forbiddenArrows(graph)).toEqual([]);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has every query in store/', () => {
    expect(queryingFiles()).toEqual([]);
  });

  it('reads inline import() types and re-exports as imports', () => {
    expect(graph.get('store/schema.ts')?.size).toBeGreaterThan(0);
    for (const targets of graph.values()) for (const target of targets) expect(graph.has(target), target).toBe(true);
  });
});
