// Server-sent events for the live view: every decision published on the DecisionBus, as a small
// JSON record, to each connected page. A slow or flooded client loses events rather than memory:
// at most `maxPerSecond` per client, none while its socket is backed up; the loss is reported in
// `dropped` events. Streams end when the component closes or the admin server stops listening.
// The last `history` decisions are kept in a ring buffer: a stream opened with `?recent=N` starts
// with the last N of them (the page shows what happened before it was opened), and a browser that
// reconnects (sending the Last-Event-ID of the last event it saw) gets the ones it missed.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../../../policy/compiled.js';
import { CONTEXT_DIRECTION, CONTEXT_WORKLOAD } from '../../../engine/request.js';
import type { DecisionEvent } from '../../decision-bus.js';

export interface LiveDecision {
  /** Position in this process's stream of decisions (1, 2, …). */
  readonly seq: number;
  readonly at: number;
  readonly decision: 'allow' | 'deny';
  readonly status: number;
  readonly rule: string | null;
  readonly reason: string;
  readonly direction: 'inbound' | 'outbound';
  readonly source: string;
  /** The workload the decision was for (`ns/name`), or "" when no inventory workload matched. */
  readonly workload: string;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  /** The anomaly score (null: not scored, e.g. anomaly.mode off, outbound or denied earlier). */
  readonly score: number | null;
  /** What contributed to the score (detector ids with their field, model hits), at most MAX_LIVE_HITS. */
  readonly hits: readonly string[];
  /** The score reaches the threshold: denied in enforce mode, only reported in monitor mode. */
  readonly flagged: boolean;
  /** Denied because the source identity is quarantined. */
  readonly quarantined: boolean;
}

const MAX_LIVE_HITS = 16;

export function toLiveDecision(e: DecisionEvent, policy: CompiledPolicy, seq = 0): LiveDecision {
  const ext = e.input.contextExtensions;
  const outbound = e.result.direction === 'outbound' || ext[CONTEXT_DIRECTION] === 'outbound';
  const principal = outbound ? e.input.source.principal : e.input.destination.principal;
  const workload = ext[CONTEXT_WORKLOAD] ?? (policy.workloadsByIdentity.get(principal) ?? []).map((w) => w.key).join(',');
  const http = e.input.http;
  return {
    seq, at: e.at, decision: e.result.decision, status: e.result.status, rule: e.result.rule, reason: e.result.reason,
    direction: e.result.direction, source: e.input.source.principal || e.input.source.address || '',
    workload, method: http?.method ?? '', path: (http?.path ?? '').slice(0, 512), host: (http?.host ?? '').slice(0, 256),
    score: e.result.anomaly?.score ?? null, hits: (e.result.anomaly?.hits ?? []).slice(0, MAX_LIVE_HITS).map((h) => h.slice(0, 200)),
    flagged: e.result.anomaly?.flagged ?? false,
    quarantined: e.result.quarantined,
  };
}

/**
 * The last `capacity` decisions, numbered. The events are kept as published and turned into
 * LiveDecisions only when a page asks, so that keeping the history costs one array slot per request.
 */
export class DecisionRing {
  private readonly slots: (DecisionEvent | undefined)[];
  private next = 1;

  constructor(readonly capacity: number) {
    this.slots = new Array<DecisionEvent | undefined>(Math.max(0, capacity));
  }

  /** Stores an event; returns its sequence number. */
  push(e: DecisionEvent): number {
    const seq = this.next++;
    if (this.slots.length > 0) this.slots[seq % this.slots.length] = e;
    return seq;
  }

  /** The sequence number of the newest event (0: none yet). */
  get last(): number {
    return this.next - 1;
  }

  /** Events newer than `after` that are still held, oldest first, at most `limit`. */
  since(after: number, limit: number, policy: CompiledPolicy): LiveDecision[] {
    const from = Math.max(after + 1, this.next - this.slots.length, this.next - limit, 1);
    const out: LiveDecision[] = [];
    for (let seq = from; seq < this.next; seq++) out.push(toLiveDecision(this.slots[seq % this.slots.length]!, policy, seq));
    return out;
  }
}

interface Client {
  readonly res: ServerResponse;
  readonly workload: string | null;
  readonly verdict: string | null;
  tokens: number;
  last: number;
  dropped: number;
  backedUp: boolean;
}

export interface SseOptions {
  readonly maxPerSecond: number;
  readonly heartbeatMs: number;
}

/** What a new stream starts with: `?recent=N` or the events after the Last-Event-ID a browser sends back. */
export type Backlog = (after: number, limit: number) => LiveDecision[];

/** At most this many decisions are replayed to a stream that opens. */
export const MAX_RECENT = 1000;

export class LiveStreams {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;
  /** Event ids are `BOOT-SEQ`: an id from another process (a restart) is not a position in this one's stream. */
  readonly boot = randomBytes(4).toString('hex');

  constructor(private readonly options: SseOptions = { maxPerSecond: 100, heartbeatMs: 15_000 }) {
    let ticks = 0;
    // Every second: report drops, notice a stopped admin server; every heartbeat: keep proxies from timing out.
    this.timer = setInterval(() => {
      ticks++;
      for (const c of this.clients) this.tick(c, ticks * 1000 % options.heartbeatMs < 1000);
    }, 1000);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Opens an event stream; `?workload=ns/name` and `?verdict=allow|deny` filter it server-side,
   * `?recent=N` starts it with the last N decisions held (up to MAX_RECENT).
   */
  open(req: IncomingMessage, res: ServerResponse, url: URL, backlog?: Backlog): void {
    // Connection: close, so that the socket goes away with the stream (a stopping server waits for it).
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'close', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const client: Client = {
      res, workload: url.searchParams.get('workload'), verdict: url.searchParams.get('verdict'),
      tokens: this.options.maxPerSecond, last: Date.now(), dropped: 0, backedUp: false,
    };
    if (backlog) {
      const lastId = /^([0-9a-f]+)-(\d+)$/.exec(String(req.headers['last-event-id'] ?? ''));
      const recent = Math.min(MAX_RECENT, Math.max(0, Math.floor(Number(url.searchParams.get('recent') ?? 0)) || 0));
      const replay = lastId && lastId[1] === this.boot ? backlog(Number(lastId[2]), MAX_RECENT) : recent > 0 ? backlog(0, recent) : [];
      for (const d of replay) if (this.wanted(client, d)) res.write(this.format(d));
    }
    this.clients.add(client);
    res.on('drain', () => { client.backedUp = false; });
    const gone = () => this.clients.delete(client);
    req.on('close', gone);
    res.on('close', gone);
  }

  private wanted(c: Client, d: LiveDecision): boolean {
    return !(c.workload && !d.workload.split(',').includes(c.workload)) && !(c.verdict && c.verdict !== d.decision);
  }

  private format(d: LiveDecision): string {
    return `id: ${this.boot}-${d.seq}\nevent: decision\ndata: ${JSON.stringify(d)}\n\n`;
  }

  decision(d: LiveDecision): void {
    if (this.clients.size === 0) return;
    const data = this.format(d);
    const now = Date.now();
    for (const c of this.clients) {
      if (!this.wanted(c, d)) continue;
      c.tokens = Math.min(this.options.maxPerSecond, c.tokens + ((now - c.last) / 1000) * this.options.maxPerSecond);
      c.last = now;
      if (c.backedUp || c.tokens < 1) {
        c.dropped++;
        continue;
      }
      c.tokens--;
      if (!c.res.write(data)) c.backedUp = true;
    }
  }

  /** A named event to every client (e.g. `policy` after a reload). */
  broadcast(event: string, value: unknown): void {
    const data = `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;
    for (const c of this.clients) if (!c.backedUp) c.res.write(data);
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private tick(c: Client, heartbeat: boolean): void {
    // The socket's server (set by node:net on accepted sockets): once it stops listening, the
    // admin server is closing and waits for this stream to end.
    const server = (c.res.socket as (NonNullable<ServerResponse['socket']> & { server?: Server }) | null)?.server;
    if (server && !server.listening) {
      c.res.end();
      this.clients.delete(c);
      return;
    }
    if (c.backedUp) return;
    if (c.dropped > 0) {
      c.res.write(`event: dropped\ndata: ${c.dropped}\n\n`);
      c.dropped = 0;
    } else if (heartbeat) {
      c.res.write(': keep-alive\n\n');
    }
  }
}
