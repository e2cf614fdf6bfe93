/** One esbuild setup for every script the server builds for browsers (the widget, the Shopify demo's host). */
import { build } from 'esbuild';

/** `entry` bundled, minified, as one classic script for current browsers; `what` names it in the error. */
export async function browserBundle(entry: string, what: string, define?: Record<string, string>): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    ...(define ? { define } : {}),
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${what}`);
  return output.text;
}
