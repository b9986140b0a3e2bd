// Admin HTTP: /healthz, /readyz, /metrics and /status (policy and component state, JSON).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

export interface ReadinessCheck {
  readonly name: string;
  /** null when ready, else why not. */
  check(): string | null;
}

export interface AdminOptions {
  readonly metrics: Metrics;
  readonly readiness: readonly ReadinessCheck[];
  /** The /status document. */
  status(): unknown;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function route(o: AdminOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const failing = o.readiness.map((r) => [r.name, r.check()] as const).filter(([, why]) => why !== null);
      if (failing.length === 0) return send(res, 200, 'text/plain', 'ready\n');
      return send(res, 503, 'text/plain', failing.map(([name, why]) => `${name}: ${why}`).join('\n') + '\n');
    }
    case '/metrics':
      return send(res, 200, o.metrics.registry.contentType, await o.metrics.registry.metrics());
    case '/status':
      return send(res, 200, 'application/json', JSON.stringify(o.status(), null, 2) + '\n');
    default:
      return send(res, 404, 'text/plain', 'not found\n');
  }
}

export function createAdminServer(o: AdminOptions): Server {
  return createServer((req, res) => {
    route(o, req, res).catch((err: unknown) => send(res, 500, 'text/plain', `${(err as Error).message}\n`));
  });
}
