/**
 * `GET /`: a short page for whoever opens the server's address — what Plusone is, and links to the demo
 * shop, the docs and the API reference. `GET /docs/<file>.md`: the Markdown docs shipped with Plusone
 * (README.md, docs/*.md, docs/gateways/*.md), read once when the app is built and served as plain text.
 * Only those names are looked up, so no request path ever reaches the file system.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC_FOLDERS = ['docs', 'docs/gateways'];

const HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const hidden = { schema: { hide: true } };

export const landingRoutes: FastifyPluginAsync = async (app) => {
  const docs = await readDocs();
  const page = landingPage([...docs.keys()]);
  app.get('/', hidden, async (_request, reply) => secured(reply).type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { '*': string } }>('/docs/*', hidden, async (request, reply) => {
    const text = docs.get(request.params['*']);
    if (text === undefined) return reply.callNotFound();
    return secured(reply).type('text/plain; charset=utf-8').send(text);
  });
};

function secured(reply: FastifyReply): FastifyReply {
  return reply.headers(HEADERS);
}

/** `name` (as under `/docs/`) → text: README.md and the Markdown files of the doc folders. */
async function readDocs(): Promise<Map<string, string>> {
  const docs = new Map<string, string>();
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8').catch(() => null);
  if (readme !== null) docs.set('README.md', readme);
  for (const folder of DOC_FOLDERS) {
    const names = await readdir(path.join(ROOT, folder)).catch(() => []);
    for (const name of names.filter((entry) => entry.endsWith('.md')).sort()) {
      const relative = path.posix.join(path.posix.relative('docs', folder), name);
      docs.set(relative, await readFile(path.join(ROOT, folder, name), 'utf8'));
    }
  }
  return docs;
}

function landingPage(docNames: readonly string[]): string {
  const docLinks = docNames.map((name) => `<li><a href="/docs/${name}">${name}</a></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plusone</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
h1 { margin-bottom: 0.25rem; } p.lead { margin-top: 0; color: #57606a; } a { color: #0b57d0; }
</style>
</head>
<body>
<main>
<h1>Plusone</h1>
<p class="lead">One-click post-purchase upsells: the same card charged through the PSP's stored token, undo within the window, capture after it.</p>
<h2>Try it</h2>
<ul><li><a href="/demo">The demo shop</a> — buy with a sandbox card, then take the offer on the confirmation page.</li></ul>
<h2>API reference</h2>
<ul>
<li><a href="/v1/openapi.json">OpenAPI specification</a> (generated from the route schemas)</li>
<li><a href="/docs/api.md">docs/api.md</a> — the contract, errors, limits and guarantees</li>
<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a></li>
</ul>
<h2>Docs</h2>
<ul>${docLinks}</ul>
</main>
</body>
</html>
`;
}
