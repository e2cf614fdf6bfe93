/**
 * Serves the buyer-facing widget at `GET /widget.js`: `widget.ts` bundled by esbuild at the first request
 * and kept in memory (the source does not change under a running process), gzipped once for clients that
 * accept it. Cached by browsers for five minutes, then revalidated by its ETag.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { browserBundle } from '../bundle';
import type { FastifyPluginAsync } from 'fastify';
import { scriptHeaders } from '../../http/security-headers';

export interface WidgetBundle {
  code: string;
  gzipBytes: number;
}

const ENTRY = fileURLToPath(new URL('./widget.ts', import.meta.url));

interface ServedWidget {
  code: string;
  gzipped: Buffer;
  etag: string;
}

function bundleCode(): Promise<string> {
  return browserBundle(ENTRY, 'the widget');
}

/** The minified widget and its gzipped size, for tests and the storefront docs. */
export async function widgetBundle(): Promise<WidgetBundle> {
  const code = await bundleCode();
  return { code, gzipBytes: gzipSync(code).byteLength };
}

async function serveable(): Promise<ServedWidget> {
  const code = await bundleCode();
  // Weak: the plain and the gzipped body are the same script, so one tag validates both.
  const etag = `W/"${createHash('sha256').update(code).digest('base64url').slice(0, 22)}"`;
  return { code, gzipped: gzipSync(code), etag };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  return header !== undefined && header.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
}

export const widgetRoutes: FastifyPluginAsync = async (app) => {
  let widget: Promise<ServedWidget> | null = null;
  const load = (): Promise<ServedWidget> => {
    if (!widget) {
      widget = serveable();
      // A failed build is not cached: the next request tries again.
      widget.catch(() => {
        widget = null;
      });
    }
    return widget;
  };

  app.get('/widget.js', { schema: { hide: true } }, async (request, reply) => {
    const { code, gzipped, etag } = await load();
    reply.header('Cache-Control', 'public, max-age=300').header('ETag', etag).header('Vary', 'Accept-Encoding');
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
    reply.headers(scriptHeaders());
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('Content-Encoding', 'gzip').send(gzipped);
    return reply.send(code);
  });
};
