/**
 * Bundles the post-purchase extension the way Shopify's sandbox runs it: one classic script (an IIFE, no
 * imports) that registers both extension points through `self.shopify.extend`, React in production mode,
 * and Plusone's base URL written in at build time (`process.env.PLUSONE_API_BASE`, the same expression
 * Shopify CLI defines from its environment on `shopify app deploy`). Used by the demo server, which serves
 * the code, and by the tests, which run it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface BuiltExtension {
  code: string;
  /** UTF-8 size of `code`. */
  bytes: number;
  /** Size of `code` gzipped at the highest level: what Shopify's "compressed" limits compare with. */
  gzipBytes: number;
}

/** `apiBase`: Plusone's origin, e.g. `https://plusone.example.com`; empty string for the page's own. */
export async function buildExtension(options: { apiBase: string; minify?: boolean }): Promise<BuiltExtension> {
  const result = await build({
    entryPoints: [join(here, 'src/index.tsx')],
    tsconfig: join(here, 'tsconfig.json'),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // What Shopify CLI targets for UI extensions, so both bundles accept the same source.
    target: 'es6',
    jsx: 'automatic',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    define: {
      'process.env.NODE_ENV': JSON.stringify('production'),
      'process.env.PLUSONE_API_BASE': JSON.stringify(options.apiBase),
    },
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for the post-purchase extension');
  const code = output.text;
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}
