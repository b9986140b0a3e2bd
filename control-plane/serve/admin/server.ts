// Admin HTTP: /healthz, /readyz, /metrics, /status, plus routes that components register.
// Mutations (POST routes that change state, e.g. /quarantine/release) need the admin token as
// `Authorization: Bearer TOKEN`; without a configured token they are off (403). Ingestion routes
// (POST /telemetry from the filters) are not mutations of operator state and take no token.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

export interface ReadinessCheck {
  readonly name: string;
  /** null when ready, else why not (the pod is then not ready: 503). */
  check(): string | null;
  /** A degraded state that still serves (shown in /readyz with 200), e.g. per-process rate limits. */
  degraded?(): string | null;
}

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route { readonly handler: AdminHandler; readonly mutation: boolean }

/** Routes by method and exact path; components add theirs (e.g. GET /xds/nodes, POST /quarantine/release). */
export class AdminRoutes {
  private readonly routes = new Map<string, Route>();

  get(path: string, handler: AdminHandler): void {
    this.add('GET', path, { handler, mutation: false });
  }

  /** A POST that changes operator state: only with the admin token. */
  post(path: string, handler: AdminHandler): void {
    this.add('POST', path, { handler, mutation: true });
  }

  /** A POST that feeds data in (the filters' telemetry): no token. */
  ingest(path: string, handler: AdminHandler): void {
    this.add('POST', path, { handler, mutation: false });
  }

  find(method: string, path: string): Route | undefined {
    return this.routes.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
  }

  private add(method: string, path: string, route: Route): void {
    const key = `${method} ${path}`;
    if (this.routes.has(key)) throw new Error(`admin route ${key} is registered twice`);
    this.routes.set(key, route);
  }
}

/** Why a mutation is refused (401/403), or null when the request carries the token. */
function refusal(token: string | null, req: IncomingMessage): { status: number; text: string } | null {
  if (token === null) return { status: 403, text: 'admin mutations are off: start serve with MESHGUARD_ADMIN_TOKEN (or --admin-token-file) and send it as Authorization: Bearer TOKEN\n' };
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b) ? null : { status: 401, text: 'a valid admin token is required (Authorization: Bearer TOKEN)\n' };
}

export interface AdminOptions {
  readonly metrics: Metrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly routes: AdminRoutes;
  /** The token mutations need; null: mutations are off. */
  readonly token: string | null;
  /** The /status document. */
  status(): unknown;
}

export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value, null, 2) + '\n');
}

async function route(o: AdminOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const own = o.routes.find(req.method ?? 'GET', url.pathname);
  if (own) {
    const refused = own.mutation ? refusal(o.token, req) : null;
    if (refused) return send(res, refused.status, 'text/plain', refused.text);
    return own.handler(req, res, url);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  switch (url.pathname) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const failing = o.readiness.map((r) => [r.name, r.check()] as const).filter(([, why]) => why !== null);
      const degraded = o.readiness.map((r) => [r.name, r.degraded?.() ?? null] as const).filter(([, why]) => why !== null);
      const notes = degraded.map(([name, why]) => `degraded: ${name}: ${why}\n`).join('');
      if (failing.length === 0) return send(res, 200, 'text/plain', 'ready\n' + notes);
      return send(res, 503, 'text/plain', failing.map(([name, why]) => `${name}: ${why}`).join('\n') + '\n');
    }
    case '/metrics':
      return send(res, 200, o.metrics.registry.contentType, await o.metrics.registry.metrics());
    case '/status':
      return sendJson(res, 200, o.status());
  }
  return send(res, 404, 'text/plain', 'not found\n');
}

export function createAdminServer(o: AdminOptions): Server {
  return createServer((req, res) => {
    route(o, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${(err as Error).message}\n`);
      else res.destroy();
    });
  });
}
