/**
 * The exporter's HTTP side, plain node:http: /metrics (a scrape), / (a page that links it),
 * /healthz (for probes: answers without sampling). Anything else is 404; only GET and HEAD.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface Scraper {
  scrape(): Promise<string>;
  readonly contentType: string;
}

export interface ListenAddress {
  host: string;
  port: number;
}

const INDEX = `<!doctype html>
<html><head><title>oomtop exporter</title></head>
<body><h1>oomtop exporter</h1>
<p>OOM risk of this host: the kernel's next victims, cgroup headroom, OOM kills.</p>
<p><a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p>
</body></html>
`;

export function handler(scraper: Scraper, onError: (e: unknown) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      scraper.scrape().then(
        (text) => res.writeHead(200, { 'Content-Type': scraper.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (e: unknown) => {
          onError(e);
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`scrape failed: ${e instanceof Error ? e.message : String(e)}\n`);
        },
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(INDEX);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: see /metrics\n');
  };
}

/** Listen; resolves once bound (rejects with the bind error: address in use, not local...). */
export function serve(scraper: Scraper, addr: ListenAddress, onError: (e: unknown) => void): Promise<Server> {
  const server = createServer(handler(scraper, onError));
  // A scraper that keeps its connection open must not hold a stopping exporter.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      server.on('error', onError);
      resolve(server);
    });
  });
}

/**
 * The textfile collector's file, written whole: a temporary file in the same directory
 * (node_exporter reads only *.prom, so the ".tmp" name is never read half-written), then
 * renamed over the target.
 */
export function writeTextfile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}
