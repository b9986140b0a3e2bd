// The upstream behind a test or replay Envoy: answers every request with 200 and what arrived
// (method, path, headers as received, body), so the client sees exactly what Envoy forwarded.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Marks an answer as the upstream's (not a local reply of Envoy or a filter). */
export const ECHO_HEADER = 'x-meshguard-echo';

export interface EchoedRequest {
  readonly method: string;
  readonly path: string;
  /** Header pairs as they arrived, names lower-cased. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  /** The port the request arrived on. */
  readonly port: number;
}

export interface EchoServer {
  readonly host: string;
  readonly ports: readonly number[];
  /** Every request that arrived, oldest first (the last 1,000). */
  readonly received: readonly EchoedRequest[];
  /** Holds the answers to requests whose path starts with `prefix` until `release()` (in-flight tests). */
  hold(prefix: string): { release(): void };
  close(): Promise<void>;
}

const KEEP = 1000;

function pairs(req: IncomingMessage): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) out.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  return out;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Listens on `host` at each port (0: one the system picks). */
export async function startEcho(host: string, ports: readonly number[]): Promise<EchoServer> {
  const received: EchoedRequest[] = [];
  const holds = new Map<string, Promise<void>>();
  const releasers = new Set<() => void>();
  const servers: Server[] = [];
  const bound: number[] = [];
  const handler = (port: () => number) => (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const echoed: EchoedRequest = { method: req.method ?? '', path: req.url ?? '', headers: pairs(req), body: Buffer.concat(chunks).toString('utf8'), port: port() };
      received.push(echoed);
      if (received.length > KEEP) received.shift();
      const held = [...holds].find(([prefix]) => echoed.path.startsWith(prefix))?.[1] ?? Promise.resolve();
      void held.then(() => {
        const body = JSON.stringify(echoed);
        res.writeHead(200, { 'content-type': 'application/json', [ECHO_HEADER]: '1', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
  };
  try {
    for (const p of ports) {
      const server = createServer({ keepAlive: true });
      let actual = 0;
      server.on('request', handler(() => actual));
      actual = await listen(server, host, p);
      servers.push(server);
      bound.push(actual);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw new Error(`echo upstream: cannot listen on ${host}: ${(err as Error).message}`, { cause: err });
  }
  return {
    host, ports: bound, received,
    hold(prefix) {
      let resolve = () => undefined as void;
      holds.set(prefix, new Promise<void>((r) => (resolve = r)));
      const release = () => { holds.delete(prefix); releasers.delete(release); resolve(); };
      releasers.add(release);
      return { release };
    },
    async close() {
      for (const release of [...releasers]) release();
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    },
  };
}
