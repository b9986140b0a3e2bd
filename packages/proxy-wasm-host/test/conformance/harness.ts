// The conformance harness: one module (written with @gcoredev/proxy-wasm-sdk-as, in ./gcore/) runs
// in a real Envoy and in this host; the same requests go through both; what the module logged
// ("CONFORM|…" lines, one per callback or hostcall) and what the client got are compared.
//
// Envoy side: a static bootstrap (one listener, the wasm filter on V8, the router to a tiny
// upstream this harness starts), requests over real sockets, the trace read from Envoy's stderr
// (wasm logger at info). Host side: WasmHost + FilterChain with the upstream as a function that
// answers exactly as the tiny upstream does.

import { rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FilterChain, WasmHost, type ChainResult, type ForwardedRequest, type HostOptions, type PluginConfig, type StreamInfoInput } from '../../src/index.js';
import { buildSource, PACKAGE, writeTemp } from '../helpers/build.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { startEnvoy, stopAllEnvoys, waitFor, type Envoy } from '../helpers/envoy.js';

export const TRACE_PREFIX = 'CONFORM|';

const built = new Map<string, Promise<Uint8Array>>();

/**
 * A module of ./gcore/, built with the real asc the way the G-Core SDK needs (stdout shim, abort);
 * once per test file (Envoy's run and the host's both load it).
 */
export function buildModule(name: string): Promise<Uint8Array> {
  let bytes = built.get(name);
  if (bytes === undefined) {
    bytes = buildSource(path.join(PACKAGE, 'test/conformance/gcore', `${name}.ts`), { shim: true, use: ['abort=abort_proc_exit'] });
    built.set(name, bytes);
  }
  return bytes;
}

export interface ModuleSetup {
  readonly module: string;
  /** Plugin name, root id and vm id (one string: the SDK ignores root ids). */
  readonly name: string;
  readonly configuration?: string;
  readonly vmConfiguration?: string;
}

/** One request as the client sends it (HTTP/1.1; `connection: close` is added). */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  /** Sent in this order after `host`. */
  readonly headers?: readonly [string, string][];
  /** Body chunks; more than one → chunked encoding, each chunk sent once Envoy's trace shows `afterChunk`. */
  readonly body?: readonly string[];
  /** For chunked bodies: what the trace must contain (count of lines matching) before chunk i+1 goes out. */
  readonly afterChunk?: (trace: readonly string[], sent: number) => boolean;
}

export const AUTHORITY = 'conform.local';

/** The framing field Node's client sends for a one-chunk body (more chunks go chunked, none: nothing). */
function contentLength(ex: Exchange): [string, string][] {
  const chunks = ex.body ?? [];
  return chunks.length === 1 ? [['content-length', String(Buffer.byteLength(chunks[0]!))]] : [];
}

export interface Seen {
  readonly status: number;
  /** Response headers, lower-case, in order. */
  readonly headers: [string, string][];
  readonly body: string;
}

// ---------------------------------------------------------------------------------------------
// The upstream: answers every request with what it received (HTTP/1 view), so the client's body
// shows what reached the upstream. Both sides use answer(); Envoy's through a real server.

export interface UpstreamView {
  readonly method: string;
  readonly path: string;
  /** Header fields as the upstream received them (HTTP/1: `host` instead of `:authority`). */
  readonly headers: [string, string][];
  readonly body: string;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: string;
}

export function answer(req: UpstreamView): UpstreamAnswer {
  const body = `${JSON.stringify(req)}\n`;
  return {
    status: 200,
    headers: [
      ['content-type', 'application/json'],
      ['x-upstream', 'original'],
      ['x-upstream-remove', 'gone'],
      ['content-length', String(Buffer.byteLength(body))],
    ],
    body,
  };
}

/** Header fields the upstream compares: Envoy's hop-by-hop and framing fields left out (see viewOf). */
const FRAMING = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** Header fields from Node's rawHeaders: lower-cased, in order, those in `leaveOut` dropped. */
function fieldsOf(raw: readonly string[], leaveOut: ReadonlySet<string>): [string, string][] {
  const fields: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (!leaveOut.has(k)) fields.push([k, raw[i + 1]!]);
  }
  return fields;
}

export async function startUpstream(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = fieldsOf(req.rawHeaders, FRAMING);
      const a = answer({ method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.sendDate = false;
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Envoy side.

/** The Envoy node, in the bootstrap and in the host. */
const NODE = { id: 'conform-node', cluster: 'conform-cluster' };

const stringValue = (value: string) => ({ '@type': 'type.googleapis.com/google.protobuf.StringValue', value });

export function bootstrap(wasmFile: string, setup: ModuleSetup, upstreamPort: number): object {
  const wasm = {
    name: 'envoy.filters.http.wasm',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
      config: {
        name: setup.name,
        root_id: setup.name,
        vm_config: {
          vm_id: setup.name,
          runtime: 'envoy.wasm.runtime.v8',
          code: { local: { filename: wasmFile } },
          ...(setup.vmConfiguration !== undefined ? { configuration: stringValue(setup.vmConfiguration) } : {}),
        },
        ...(setup.configuration !== undefined ? { configuration: stringValue(setup.configuration) } : {}),
        fail_open: false,
      },
    },
  };
  return {
    node: NODE,
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'conform',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'conform',
              // No x-request-id: its value is random, and it would be one more header to model.
              generate_request_id: false,
              route_config: {
                name: 'conform-route',
                virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ name: 'to-upstream', match: { prefix: '/' }, route: { cluster: 'upstream' } }] }],
              },
              http_filters: [wasm, {
                name: 'envoy.filters.http.router',
                // No x-envoy-upstream-service-time (a duration) or x-envoy-expected-rq-timeout-ms.
                typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_headers: true },
              }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'upstream',
        type: 'STATIC',
        connect_timeout: '10s',
        load_assignment: {
          cluster_name: 'upstream',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }],
        },
      }],
    },
  };
}

/** The trace lines (after the prefix) in an Envoy log. */
export function traceOf(log: string): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const at = line.indexOf(TRACE_PREFIX);
    if (at >= 0) out.push(line.slice(at + TRACE_PREFIX.length));
  }
  return out;
}

export interface EnvoyRun {
  readonly envoy: Envoy;
  readonly port: number;
  readonly upstream: { port: number; close: () => Promise<void> };
  /** Trace lines Envoy logged so far. */
  trace(): string[];
  close(): Promise<void>;
}

export async function startEnvoyRun(setup: ModuleSetup): Promise<EnvoyRun> {
  const bytes = await buildModule(setup.module);
  const file = await writeTemp(`conform-${setup.module}-${process.pid}.wasm`, bytes);
  const upstream = await startUpstream();
  let envoy: Envoy | undefined;
  // Also what a failed start undoes.
  const close = async () => {
    await envoy?.stop();
    await upstream.close();
    // The module's copy for this process (the build cache keeps its own).
    await rm(file, { force: true });
  };
  try {
    const started = await startEnvoy(bootstrap(file, setup, upstream.port));
    envoy = started;
    return { envoy: started, port: await started.listenerPort('conform'), upstream, trace: () => traceOf(started.logs()), close };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface EnvoyExchange {
  readonly seen: Seen;
  /** The trace lines of this request, through its on_delete. */
  readonly trace: string[];
  /** The client side of the connection, as Envoy sees it (source.address). */
  readonly clientAddress: string;
}

/** Response fields left out of Seen: the framing ones, and Envoy's connection manager's own (see headers.test.ts). */
const FRAMING_RESPONSE = new Set([...FRAMING, 'date', 'server']);

/**
 * Sends one request through Envoy, waits for the response and then for the stream's on_delete in
 * the trace (Envoy logs and destroys the stream after answering; polled, no fixed delay).
 */
export async function throughEnvoy(run: EnvoyRun, ex: Exchange, endMarker = /^delete \d+$/): Promise<EnvoyExchange> {
  const before = run.trace().length;
  const current = () => run.trace().slice(before);
  const chunks = ex.body ?? [];
  let clientAddress = '';
  const seen = await new Promise<Seen>((resolve, reject) => {
    const headers: [string, string][] = [['host', AUTHORITY], ...(ex.headers ?? []), ['connection', 'close'], ...contentLength(ex)];
    const req = request({ host: '127.0.0.1', port: run.port, method: ex.method, path: ex.path, headers: headers.flat(), agent: false, setHost: false }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (c: Buffer) => body.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: fieldsOf(res.rawHeaders, FRAMING_RESPONSE), body: Buffer.concat(body).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('socket', (s) => s.on('connect', () => (clientAddress = `${s.localAddress}:${s.localPort}`)));
    if (chunks.length <= 1) {
      req.end(chunks[0]);
      return;
    }
    void (async () => {
      try {
        for (let i = 0; i < chunks.length; i++) {
          req.write(chunks[i]!);
          if (ex.afterChunk) await waitFor(`Envoy to process chunk ${i}`, () => (ex.afterChunk!(current(), i + 1) ? true : undefined));
        }
        req.end();
      } catch (err) {
        req.destroy(err as Error);
      }
    })();
  });
  const trace = await waitFor('the stream to be deleted in Envoy', () => {
    const t = current();
    return t.some((l) => endMarker.test(l)) ? t : undefined;
  });
  return { seen, trace, clientAddress };
}

// ---------------------------------------------------------------------------------------------
// Host side.

export interface HostRun {
  readonly host: WasmHost;
  readonly plugin: ReturnType<WasmHost['createPlugin']>;
  /** Trace lines the host logged so far. */
  trace(): string[];
}

/** The module's VM in the host as bootstrap() configures it in Envoy. */
export function hostOptions(setup: ModuleSetup): HostOptions {
  return {
    vmId: setup.name,
    ...(setup.vmConfiguration !== undefined ? { vmConfig: setup.vmConfiguration } : {}),
    node: NODE,
    logCapacity: 1_000_000,
    // Envoy starts every plugin on the main thread's VM as well (see lifecycle.test.ts).
    mainThread: true,
  };
}

export async function startHostRun(setup: ModuleSetup, options: HostOptions = {}, plugin: Partial<PluginConfig> = {}): Promise<HostRun> {
  const host = await WasmHost.load(await buildModule(setup.module), { ...hostOptions(setup), ...options });
  const p = host.createPlugin({
    name: setup.name,
    rootId: setup.name,
    ...(setup.configuration !== undefined ? { configuration: setup.configuration } : {}),
    ...plugin,
  });
  return {
    host,
    plugin: p,
    trace: () => hostTrace(host),
  };
}

/** The trace lines (after the prefix) a host logged so far. */
export function hostTrace(host: WasmHost): string[] {
  return host.logs().filter((r) => r.message.startsWith(TRACE_PREFIX)).map((r) => r.message.slice(TRACE_PREFIX.length));
}

/** The HTTP/1 view of what the host forwarded: `host` from `:authority` first, pseudo-headers dropped. */
function viewOf(f: ForwardedRequest): UpstreamView {
  const headers: [string, string][] = [];
  for (const [k, v] of f.headers.entries()) {
    if (k === ':authority') headers.unshift(['host', v]);
    else if (!k.startsWith(':') && !FRAMING.has(k)) headers.push([k, v]);
  }
  return { method: f.headers.get(':method') ?? '', path: f.headers.get(':path') ?? '', headers, body: Buffer.from(f.body).toString('utf8') };
}

export interface HostExchange {
  readonly seen: Seen;
  readonly trace: string[];
  readonly result: ChainResult;
}

/**
 * Runs one request through the host. `headers` and `chunks` are the request as Envoy's HTTP
 * connection manager hands it to the filter chain (the test says how it derived them).
 */
export async function throughHost(
  run: HostRun,
  request: { headers: [string, string][]; body?: string[]; info?: StreamInfoInput },
): Promise<HostExchange> {
  const before = run.trace().length;
  const result = await new FilterChain([run.plugin]).run(
    { headers: request.headers, ...(request.body ? { body: request.body } : {}), ...(request.info ? { info: request.info } : {}) },
    (forwarded) => {
      const a = answer(viewOf(forwarded));
      // Envoy's upstream codec hands the filters Node's `connection: keep-alive` too (and drops
      // its `keep-alive: timeout=5`); the stand-in upstream answers with the same fields.
      // Its body, like a request's (hcmBodyChunks): the data, then an empty end of stream.
      return { status: a.status, headers: [[':status', String(a.status)], ...a.headers, ['connection', 'keep-alive']], body: [a.body, ''] };
    },
  );
  const r = result.response;
  const seen: Seen = r
    ? {
        status: r.status,
        headers: r.headers.entries().filter(([k]) => !k.startsWith(':') && !FRAMING_RESPONSE.has(k)),
        body: Buffer.from(r.body).toString('utf8'),
      }
    : { status: 0, headers: [], body: '' };
  return { seen, trace: run.trace().slice(before), result };
}

/**
 * The request headers as Envoy's HTTP connection manager hands them to the first filter for an
 * HTTP/1.1 request from throughEnvoy(): `host` becomes `:authority`, then `:path`, `:method`,
 * `:scheme`, the client's fields lower-cased (`connection: close` removed; `content-length` kept,
 * `transfer-encoding: chunked` removed by the codec), `x-forwarded-proto` appended. The host has
 * no connection manager, so the test gives it this (checked by the traces: the modules log the
 * whole map).
 */
export function hcmRequestHeaders(ex: Exchange): [string, string][] {
  return [
    [':authority', AUTHORITY], [':path', ex.path], [':method', ex.method], [':scheme', 'http'],
    ...(ex.headers ?? []).map(([k, v]): [string, string] => [k.toLowerCase(), v]),
    ...contentLength(ex),
    ['x-forwarded-proto', 'http'],
  ];
}

/**
 * The request body as Envoy's HTTP/1 codec hands it to the filters: a content-length body read in
 * one go comes as the data (end_of_stream false) and then an empty end of stream; a chunked body
 * as one callback per chunk (each chunk waited for, see Exchange.afterChunk) and the empty end.
 */
export function hcmBodyChunks(ex: Exchange): string[] {
  const chunks = ex.body ?? [];
  if (chunks.length > 0) return [...chunks, ''];
  // Node's client sends a body-less POST (PUT, …) chunked: the end comes as an empty data callback.
  return BODYLESS_BY_DEFAULT.has(ex.method) ? [] : [''];
}

/** Methods Node's http client sends without chunked encoding when no body is written. */
const BODYLESS_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** What Envoy's StreamInfo knows about the downstream connection of one exchange. */
export function connectionInfo(e: EnvoyExchange, run: EnvoyRun): StreamInfoInput {
  return { protocol: 'HTTP/1.1', connection: { source: e.clientAddress, destination: `127.0.0.1:${run.port}` } };
}

/**
 * Drops header fields from the "pairs" lines of one callback's block in a trace (and fixes the
 * count), for fields Envoy adds outside the filter chain. Returns a new trace.
 */
export function withoutPairs(trace: readonly string[], block: RegExp, label: string, keys: readonly string[]): string[] {
  let inBlock = false;
  return trace.map((line) => {
    if (!line.startsWith(' ')) inBlock = block.test(line);
    const m = /^(\s+)(.*?pairs) r=0 n=(\d+) (.*)$/.exec(line);
    if (!inBlock || !m || m[2] !== label) return line;
    const kept = m[4]!.split(/,(?=[a-z:][a-z0-9-]*:)/).filter((kv) => !keys.includes(kv.slice(0, kv.indexOf(':', 1))));
    return `${m[1]}${m[2]} r=0 n=${kept.length} ${kept.join(',')}`;
  });
}

/** For beforeAll hooks that build a module with asc and start Envoy: generous, for busy machines. */
export const START_TIMEOUT_MS = 180_000;

/** The runs of one module for the describe block that calls this, and the comparison its tests make. */
export interface ModuleRuns {
  envoy(): EnvoyRun;
  host(): HostRun;
  /**
   * One exchange through Envoy, then through the host with the request as Envoy's connection
   * manager hands it on (`info` adds to what StreamInfo knows of the connection); the traces and
   * what the client got must be equal.
   */
  compare(ex: Exchange, info?: (e: EnvoyExchange, run: EnvoyRun) => Partial<StreamInfoInput>): Promise<{ e: EnvoyExchange; h: HostExchange }>;
}

/**
 * Starts the module in Envoy and in the host before the block's tests, and stops Envoy after them.
 * `normalize` is applied to both traces before they are compared (say why where it is given).
 */
export function moduleRuns(setup: ModuleSetup, normalize: (trace: readonly string[]) => readonly string[] = (t) => t): ModuleRuns {
  let envoy: EnvoyRun | undefined;
  let host: HostRun | undefined;
  beforeAll(async () => {
    envoy = await startEnvoyRun(setup);
    host = await startHostRun(setup);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await envoy?.close();
    await stopAllEnvoys();
  });
  const runs: ModuleRuns = {
    envoy: () => envoy!,
    host: () => host!,
    async compare(ex, info) {
      const e = await throughEnvoy(envoy!, ex);
      const h = await throughHost(host!, { headers: hcmRequestHeaders(ex), body: hcmBodyChunks(ex), info: { ...connectionInfo(e, envoy!), ...info?.(e, envoy!) } });
      expect(normalize(h.trace)).toEqual(normalize(e.trace));
      expect(h.seen).toEqual(e.seen);
      return { e, h };
    },
  };
  return runs;
}
