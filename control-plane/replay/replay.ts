// Replays Envoy CheckRequests through one workload's wasm filter chain in this host, the way the
// sidecar would have run them: the CheckRequest becomes the downstream connection and the HTTP
// request, and the filters' local replies and request annotations become the verdict.
//
// Mapping (a CheckRequest describes what Envoy knew when it asked ext_authz):
//  - headers: attributes.request.http.headers (and headerMap), plus :method, :path, :authority and
//    :scheme from the http fields when the headers lack them; the whole body (body or rawBody's bytes);
//    fields that differ from their pseudo-headers are no single request: 400 without the filters;
//  - source/destination socketAddress → connection.source/destination "ip:port" ([v6]:port), so
//    the filters read source.address, destination.address and destination.port; a pipe → its path;
//  - source.principal → a peer certificate whose first URI SAN it is (connection.mtls true);
//    no principal → plaintext (mtls false, no SAN);
//  - meshguard.io/direction: inbound (default) → identity then anomaly; outbound → egress
//    (the HTTP filter; without attributes.request.http, the egress-tcp network filter on the SNI);
//  - a Replayer is one workload's chain; policy-replay.ts picks the workload for each request.
// Verdict: a local reply is a deny with its status, x-meshguard-rule (null when absent) and the
// reason code x-meshguard-reason; otherwise an allow whose rule is the x-meshguard-rule the
// identity filter set (inbound) or the rule in the egress filter's filter state (outbound).
import { RequestFieldError, requestBodyBytes, toCheckInput } from '../authz/check-request.js';
import { parseIP } from '../canon/ip.js';
import type { CheckInput, PeerInput } from '../engine/request.js';
import { CONTEXT_DIRECTION } from '../engine/request.js';
import { FilterChain, WasmHost, type ChainRequest, type ChainResult, type Plugin, type StreamInfo, type StreamInfoInput } from '@meshguard/proxy-wasm-host';

/** Where the egress filter leaves its verdict (proxy_set_property "meshguard_egress"). */
const EGRESS_VERDICT = 'wasm.meshguard_egress';

export interface ReplayVerdict {
  readonly decision: 'allow' | 'deny';
  readonly status: number;
  readonly rule: string | null;
  readonly reason: string;
}

/** What the filters said: the verdict and their reason code (`segment`, `no-matching-rule`…). */
export interface FilterVerdict extends ReplayVerdict {
  readonly code: string;
  /** The reply's details or a description when there is no code. */
  readonly detail: string;
}

export interface ReplayModules {
  readonly identity: Uint8Array;
  readonly anomaly: Uint8Array;
  readonly egress: Uint8Array;
}

/** The address as Envoy's `source.address`/`destination.address` show it: "ip:port", or a pipe's path. */
function socket(peer: PeerInput): string | undefined {
  if (peer.address === null) return undefined;
  if (parseIP(peer.address) === null) return peer.address;
  const ip = peer.address.includes(':') ? `[${peer.address}]` : peer.address;
  return `${ip}:${peer.port ?? 0}`;
}

/** The downstream connection Envoy had: addresses, and the peer certificate when there is a principal. */
export function connectionOf(input: CheckInput): StreamInfoInput {
  const principal = input.source.principal;
  const source = socket(input.source);
  const destination = socket(input.destination);
  return {
    connection: {
      ...(source === undefined ? {} : { source }),
      ...(destination === undefined ? {} : { destination }),
      tls: principal === '' ? null : { version: 'TLSv1.3', peerCertificate: { uriSans: [principal] } },
      ...(input.sni === '' ? {} : { requestedServerName: input.sni }),
    },
  };
}

/** The HTTP request the sidecar's filters would see; null when the CheckRequest has no HTTP part. */
export function httpRequestOf(request: unknown, input: CheckInput): ChainRequest | null {
  const http = input.http;
  if (http === null) return null;
  const headers: [string, string][] = Object.entries(http.headers);
  const has = (name: string) => Object.hasOwn(http.headers, name);
  const pseudo: [string, string | null][] = [[':method', http.method], [':path', http.path], [':authority', http.host], [':scheme', http.scheme]];
  for (const [name, value] of pseudo) if (!has(name) && value !== null && value !== '') headers.push([name, value]);
  // The whole body as the sidecar would have it: the filters apply the body rule themselves.
  const body = requestBodyBytes(request);
  return { headers, info: connectionOf(input), ...(body.length === 0 ? {} : { body }) };
}

function header(pairs: readonly (readonly [string, string])[], name: string): string | null {
  return pairs.find(([k]) => k === name)?.[1] ?? null;
}

/** The egress filter's verdict in filter state: `<code>[ <rule>]`. */
function egressState(info: StreamInfo): { code: string; rule: string | null } | null {
  const v = info.filterState.get(EGRESS_VERDICT);
  if (!(v instanceof Uint8Array)) return null;
  const [code, rule] = Buffer.from(v).toString('utf8').split(' ');
  return { code: code!, rule: rule ?? null };
}

function verdictOf(result: ChainResult, direction: 'inbound' | 'outbound'): FilterVerdict {
  const reply = result.localReply;
  if (reply) {
    const code = header(reply.headers, 'x-meshguard-reason') ?? '';
    return { decision: 'deny', status: reply.status, rule: header(reply.headers, 'x-meshguard-rule'), code, detail: reply.details, reason: code || reply.details };
  }
  const failed = (detail: string): FilterVerdict => ({ decision: 'deny', status: 503, rule: null, code: '', detail, reason: detail });
  if (result.reset) return failed('a filter reset the stream');
  if (!result.forwarded) return failed('a filter held the request and never continued');
  if (direction === 'outbound') {
    const state = egressState(result.info);
    return { decision: 'allow', status: 200, rule: state?.rule ?? null, code: state?.code ?? '', detail: 'allowed by egress', reason: 'allowed by egress' };
  }
  const rule = result.forwarded.headers.get('x-meshguard-rule') ?? null;
  return { decision: 'allow', status: 200, rule, code: rule === null ? 'default-allow' : 'segment', detail: 'allowed', reason: rule === null ? 'allowed by default' : `allowed by segment ${rule}` };
}

export class Replayer {
  private constructor(
    private readonly inbound: FilterChain,
    private readonly outbound: FilterChain,
    private readonly egressTcp: Plugin,
  ) {}

  /** Configures the three filters with one workload's plugin configuration (filterConfigFor JSON). */
  static async create(configuration: string, modules: ReplayModules): Promise<Replayer> {
    const plugin = async (name: string, bytes: Uint8Array, rootId?: string) => {
      const host = await WasmHost.load(bytes, { logLevel: 'error', logCapacity: 64 });
      return host.createPlugin({ name, configuration, ...(rootId === undefined ? {} : { rootId }) });
    };
    const identity = await plugin('identity', modules.identity);
    const anomaly = await plugin('anomaly', modules.anomaly);
    const egress = await plugin('egress', modules.egress);
    const egressTcp = await plugin('egress-tcp', modules.egress, 'egress-tcp');
    return new Replayer(new FilterChain([identity, anomaly]), new FilterChain([egress]), egressTcp);
  }

  /** Decides one parsed CheckRequest; throws RequestFieldError for wrong types, as `check` reports them. */
  async decide(request: unknown): Promise<FilterVerdict> {
    const input = toCheckInput(request);
    const direction = input.contextExtensions[CONTEXT_DIRECTION];
    if (direction !== undefined && direction !== 'inbound' && direction !== 'outbound') {
      const reason = `unknown ${CONTEXT_DIRECTION} "${direction}"`;
      return { decision: 'deny', status: 403, rule: null, reason, code: '', detail: reason };
    }
    const outbound = direction === 'outbound';
    // Fields that contradict their pseudo-headers describe no single HTTP request to replay.
    if (input.http?.conflict !== undefined) return { decision: 'deny', status: 400, rule: null, reason: input.http.conflict, code: 'conflict', detail: input.http.conflict };
    const http = httpRequestOf(request, input);
    if (http === null) {
      if (!outbound) throw new RequestFieldError('attributes.request.http', 'replay runs HTTP filters: an inbound request needs it');
      return this.decideTcp(input);
    }
    const result = await (outbound ? this.outbound : this.inbound).run(http);
    return verdictOf(result, outbound ? 'outbound' : 'inbound');
  }

  private decideTcp(input: CheckInput): FilterVerdict {
    const connection = this.egressTcp.newTcpConnection({ info: connectionOf(input) });
    const opened = connection.newConnection();
    const state = egressState(connection.info);
    connection.close('local');
    const closed = opened.close !== undefined || opened.status !== 'Continue';
    const detail = closed ? 'egress-tcp closed the connection' : 'allowed by egress-tcp';
    return { decision: closed ? 'deny' : 'allow', status: closed ? 403 : 200, rule: state?.rule ?? null, code: state?.code ?? '', detail, reason: detail };
  }
}
