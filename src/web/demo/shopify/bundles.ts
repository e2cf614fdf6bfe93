/**
 * The Shopify view's two scripts: the fake host (`host.ts`, bundled with React and remote-ui) and the
 * post-purchase extension itself (`extensions/post-purchase`, outside `src/`: the composition root hands
 * its build in). Each is built at its first request and kept in memory like `/widget.js`, gzipped once,
 * and revalidated by its ETag after five minutes.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { browserBundle } from '../../bundle';
import type { FastifyInstance } from 'fastify';
import { scriptHeaders } from '../../../http/security-headers';

const HOST_ENTRY = fileURLToPath(new URL('./host.ts', import.meta.url));

/** The fake host's browser bundle (minified, React in production mode). */
export function hostBundle(): Promise<string> {
  return browserBundle(HOST_ENTRY, 'the Shopify host', { 'process.env.NODE_ENV': JSON.stringify('production') });
}

interface Served {
  readonly code: string;
  readonly gzipped: Buffer;
  readonly etag: string;
}

function cached(bundle: () => Promise<string>): () => Promise<Served> {
  let served: Promise<Served> | null = null;
  return () => {
    if (!served) {
      served = bundle().then((code) => ({
        code,
        gzipped: gzipSync(code),
        etag: `W/"${createHash('sha256').update(code).digest('base64url').slice(0, 22)}"`,
      }));
      // A failed build is not kept: the next request tries again.
      served.catch(() => (served = null));
    }
    return served;
  };
}

/** `GET <path>`: the bundle, built once per process. */
export function scriptRoute(app: FastifyInstance, path: string, bundle: () => Promise<string>): void {
  const load = cached(bundle);
  app.get(path, { schema: { hide: true } }, async (request, reply) => {
    const { code, gzipped, etag } = await load();
    reply.header('cache-control', 'public, max-age=300').header('etag', etag).header('vary', 'Accept-Encoding');
    if ((request.headers['if-none-match'] ?? '').split(',').some((tag) => tag.trim() === etag)) return reply.status(304).send();
    reply.headers(scriptHeaders());
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(gzipped);
    return reply.send(code);
  });
}
