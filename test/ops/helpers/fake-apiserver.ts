// A stand-in for the Kubernetes API server's Pod list/watch protocol (no API server can be
// installed here): `GET /api/v1/pods` answers a PodList with a resourceVersion; `?watch=true&
// resourceVersion=N` streams the changes after N as JSON lines ({"type":"ADDED"|"MODIFIED"|
// "DELETED","object":pod}) and stays open; a resourceVersion older than the kept history gets
// an ERROR event with a 410 Status, as a real API server does after compaction.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Pod = { metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export class FakeApiServer {
  private readonly pods = new Map<string, Pod>();
  private readonly history: { rv: number; type: EventType; object: Pod }[] = [];
  private readonly watches = new Set<ServerResponse>();
  private rv = 1000;
  private expire = false;
  private server: Server | null = null;
  /** Answer the next N list requests with 500. */
  failLists = 0;
  readonly requests: string[] = [];

  constructor(initial: readonly Pod[] = []) {
    for (const p of initial) this.pods.set(key(p), this.stamp(structuredClone(p)));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.closeWatches();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  get openWatches(): number {
    return this.watches.size;
  }

  add(pod: Pod): void { this.change('ADDED', pod); }
  modify(pod: Pod): void { this.change('MODIFIED', pod); }
  remove(namespace: string, name: string): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (pod) this.change('DELETED', pod);
  }

  /** Ends every watch stream, as an API server does after its timeout; clients re-watch from their resourceVersion. */
  closeWatches(): void {
    for (const w of this.watches) w.end();
    this.watches.clear();
  }

  /** Forgets the history (etcd compaction): a re-watch from an older version then gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
  }

  /** The next watch request gets 410 Gone whatever its resourceVersion (as after a compaction it missed). */
  expireNextWatch(): void {
    this.expire = true;
  }

  private stamp(pod: Pod): Pod {
    pod.metadata.resourceVersion = String(++this.rv);
    return pod;
  }

  private change(type: EventType, pod: Pod): void {
    const object = this.stamp(structuredClone(pod));
    if (type === 'DELETED') this.pods.delete(key(object));
    else this.pods.set(key(object), object);
    this.history.push({ rv: this.rv, type, object });
    for (const w of this.watches) w.write(JSON.stringify({ type, object }) + '\n');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://api');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.method !== 'GET' || url.pathname !== '/api/v1/pods') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return this.watch(url, res);
    if (this.failLists > 0) {
      this.failLists--;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd unavailable' }));
      return;
    }
    const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...this.pods.values()] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
  }

  private watch(url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const oldest = this.history[0]?.rv ?? this.rv + 1;
    if (this.expire || (from > 0 && from < oldest - 1 && from < this.rv)) {
      this.expire = false;
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from}` } }) + '\n');
      return;
    }
    for (const e of this.history) if (e.rv > from) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    this.watches.add(res);
    res.on('close', () => this.watches.delete(res));
  }
}

function key(p: Pod): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

export function kubeconfigYaml(server: string): string {
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: fake',
    // client-node refuses plain http unless TLS verification is explicitly off.
    'clusters:', '- name: fake', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
    'users:', '- name: tester', '  user:', '    token: test-token',
    'contexts:', '- name: fake', '  context:', '    cluster: fake', '    user: tester', '',
  ].join('\n');
}
