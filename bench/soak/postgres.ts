/**
 * The soak's PostgreSQL: the embedded server (src/store/embedded.ts, used as a black box) in a temp data
 * folder, behind a small TCP proxy on a fixed local port. The nodes connect to the proxy, so the server
 * can be stopped and started again — on whatever address it then listens (a new port, or a Unix socket)
 * — while the nodes keep one DATABASE_URL, as they would behind a stable service address. During an
 * outage the proxy refuses every connection, as a stopped server does.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/store/embedded';

/** Where a PostgreSQL URL points: a TCP host and port, or a Unix socket file. */
type Upstream = { readonly host: string; readonly port: number } | { readonly socketPath: string };

/** WHATWG URL parsing refuses credentials without a host (`postgresql://user:pw@/db?host=/socket/dir`). */
function parseUrl(url: string): URL {
  return new URL(url.replace(/@\//, '@localhost/'));
}

export function upstreamOf(url: string): Upstream {
  const parsed = parseUrl(url);
  // pg reads `?port=` and `?host=` over the URL's own host and port (the embedded URL's socket form).
  const port = Number(parsed.searchParams.get('port') ?? (parsed.port || '5432'));
  const socketDir = parsed.searchParams.get('host') ?? (parsed.hostname.startsWith('%2F') ? decodeURIComponent(parsed.hostname) : '');
  if (socketDir.startsWith('/')) return { socketPath: path.join(socketDir, `.s.PGSQL.${port}`) };
  return { host: socketDir || parsed.hostname || '127.0.0.1', port };
}

/** The same credentials and database, reached through 127.0.0.1:`port`. */
export function throughProxy(url: string, port: number): string {
  const parsed = parseUrl(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  parsed.searchParams.delete('host');
  parsed.searchParams.delete('port');
  return parsed.toString();
}

class Proxy {
  private upstream: Upstream | null = null;
  private readonly open = new Set<Socket>();

  constructor(private readonly server: Server) {
    server.on('connection', (client) => this.accept(client));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Points new connections at `upstream`; null refuses them and drops the open ones. */
  retarget(upstream: Upstream | null): void {
    this.upstream = upstream;
    if (upstream === null) for (const socket of this.open) socket.destroy();
  }

  close(): Promise<void> {
    this.retarget(null);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = this.upstream;
    if (!upstream) {
      client.destroy();
      return;
    }
    const server = 'socketPath' in upstream ? connect(upstream.socketPath) : connect(upstream.port, upstream.host);
    for (const socket of [client, server]) {
      this.open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.open.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    server.pipe(client);
  }
}

export interface Outage {
  readonly stoppedAt: number;
  readonly startedAt: number;
}

export interface SoakDatabase {
  /** The URL the nodes use (through the proxy); stable across restarts. */
  readonly url: string;
  readonly outages: readonly Outage[];
  /** Stops the server, keeps it down `downMs`, starts it again on the same data folder. */
  restart(downMs: number): Promise<Outage>;
  stop(): Promise<void>;
}

export async function startSoakDatabase(dataDir: string, log: (message: string) => void): Promise<SoakDatabase> {
  await mkdir(dataDir, { recursive: true });
  const start = () => startEmbeddedPostgres({ dataDir, log: () => undefined });
  let embedded: EmbeddedDatabase | null = await start();
  const listening = createServer();
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(0, '127.0.0.1', () => resolve());
  });
  const proxy = new Proxy(listening);
  proxy.retarget(upstreamOf(embedded.url));
  const url = throughProxy(embedded.url, proxy.port);
  const outages: Outage[] = [];
  return {
    url,
    outages,
    async restart(downMs) {
      const stoppedAt = Date.now();
      proxy.retarget(null);
      await embedded?.stop();
      embedded = null;
      log(`PostgreSQL stopped (${Date.now() - stoppedAt} ms); down for ${downMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      embedded = await start();
      proxy.retarget(upstreamOf(embedded.url));
      const outage = { stoppedAt, startedAt: Date.now() };
      outages.push(outage);
      log(`PostgreSQL started again after ${((outage.startedAt - stoppedAt) / 1000).toFixed(1)} s`);
      return outage;
    },
    async stop() {
      await proxy.close();
      await embedded?.stop();
      embedded = null;
    },
  };
}
