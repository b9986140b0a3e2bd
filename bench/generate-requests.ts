// A deterministic mixed request corpus for a generated policy: Envoy CheckRequests in the proto3
// JSON mapping (what `meshguard check` reads and what a grpc-js client sends), each with the
// engine's CheckInput built from it by the same mapping the ext_authz server uses.
import { toCheckInput } from '../control-plane/authz/check-request.js';
import type { CheckInput } from '../control-plane/engine/request.js';
import { selectWorkloads } from '../control-plane/policy/selectors.js';
import type { EgressRule, Segment, SegmentRule, Workload } from '../control-plane/policy/types.js';
import { Prng } from './lib/prng.js';

export type RequestKind =
  | 'inbound-allow' | 'inbound-deny' | 'bad-path' | 'unknown-source' | 'egress-allow' | 'egress-deny' | 'ip-literal';

interface SocketAddressJson { socketAddress: { address: string; portValue: number } }
interface PeerJson { principal?: string; address: SocketAddressJson }

export interface CheckRequestJson {
  attributes: {
    source: PeerJson;
    destination: PeerJson;
    request: { http: { id: string; method: string; path: string; host: string; scheme: string; protocol: string; headers: Record<string, string> } };
    contextExtensions: Record<string, string>;
  };
}

/** What the corpus needs of a policy: a validated `Policy` or a generated `PolicyDocument` both fit. */
export interface CorpusPolicy {
  readonly spec: {
    readonly trustDomain: string;
    readonly workloads: readonly Workload[];
    readonly segments: readonly Segment[];
    readonly egress: readonly EgressRule[];
  };
}

export interface CorpusEntry {
  readonly kind: RequestKind;
  readonly request: CheckRequestJson;
  readonly input: CheckInput;
}

export interface CorpusOptions {
  readonly count: number;
  readonly seed?: number;
  readonly weights?: Readonly<Record<RequestKind, number>>;
}

export const DEFAULT_WEIGHTS: Readonly<Record<RequestKind, number>> = {
  'inbound-allow': 40, 'inbound-deny': 15, 'bad-path': 10, 'unknown-source': 5, 'egress-allow': 15, 'egress-deny': 10, 'ip-literal': 5,
};

const BAD_PATHS = [
  '/api/%2e%2e/admin', '/api/v1/%2E%2E/%2e%2e/etc/passwd', '//api//v1//orders', '/api/v1%2Forders', '/api/v1%2forders/1',
  '/a/..;/admin', '/api/./v1/../v2/items/7', '/%7Euser/profile', '/api/v1/orders%00.json', 'api/v1/orders', '/api/v1/orders#frag',
  '/api/v1/..%5c..%5cwindows', '/static/%zz', '/api/v2/items/%41%42%43', '/api\\v1\\orders',
];
const EGRESS_DENY_HOSTS = ['exfil.attacker.net', 'pastebin.com', 'api.unknown-saas.com:443', 'vendor-3.io', 'API.VENDOR-7.COM.:8443',
  'aGVsbG8gd29ybGQgdGhpcyBpcyBleGZpbA0K1234.t.attacker.net', 'xn--80ak6aa92e.com', 'bad_host.example.com'];
const IP_HOSTS = ['2130706433', '0177.0.0.1', '0x7f.1', '127.1', '203.0.113.9:443', '[::ffff:203.0.113.9]:443', '[2001:db8:bad::1]', '198.18.0.7', '10.0.0.1:443'];
const UA = ['curl/8.5.0', 'grpc-go/1.62.0', 'okhttp/4.12.0', 'Envoy/1.30', 'python-requests/2.31'];

function identity(policy: CorpusPolicy, w: Workload): string {
  return `spiffe://${policy.spec.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

function peer(address: string, port: number, principal?: string): PeerJson {
  return { ...(principal !== undefined && principal !== '' ? { principal } : {}), address: { socketAddress: { address, portValue: port } } };
}

class Builder {
  private readonly rng: Prng;
  private readonly selected = new Map<object, Workload[]>();
  private seq = 0;

  constructor(private readonly policy: CorpusPolicy, seed: number) {
    this.rng = new Prng(seed);
  }

  private select(key: object, pick: () => Workload[]): Workload[] {
    let list = this.selected.get(key);
    if (!list) this.selected.set(key, (list = pick()));
    return list;
  }

  private podAddress(): string {
    return `10.${this.rng.int(20)}.${this.rng.int(256)}.${1 + this.rng.int(254)}`;
  }

  private request(o: { source: PeerJson; destination: PeerJson; method: string; path: string; host: string; scheme: string; ext: Record<string, string> }): CheckRequestJson {
    const id = `req-${++this.seq}`;
    const headers: Record<string, string> = {
      ':authority': o.host, ':method': o.method, ':path': o.path, ':scheme': o.scheme,
      'user-agent': this.rng.pick(UA), 'x-request-id': id, accept: 'application/json',
    };
    if (this.rng.chance(0.05)) headers['x-meshguard-source'] = 'spiffe://cluster.local/ns/spoofed/sa/admin';
    return {
      attributes: {
        source: o.source, destination: o.destination,
        request: { http: { id, method: o.method, path: o.path, host: o.host, scheme: o.scheme, protocol: 'HTTP/1.1', headers } },
        contextExtensions: o.ext,
      },
    };
  }

  /** A source identity that some `from` entry of the segment admits. */
  private admittedSource(s: Segment): string {
    const entry = this.rng.pick(s.from);
    if (entry.principals) {
      const p = this.rng.pick(entry.principals);
      return p.endsWith('*') ? `${p.slice(0, -1)}job-${this.rng.int(50)}` : p;
    }
    const matches = this.select(entry, () => selectWorkloads(entry, this.policy.spec.workloads));
    if (entry.matchLabels === undefined && entry.matchExpressions === undefined && (matches.length === 0 || this.rng.chance(0.5))) {
      return `spiffe://${this.policy.spec.trustDomain}/ns/${entry.namespace}/sa/sa-${this.rng.int(100)}`;
    }
    return matches.length > 0 ? identity(this.policy, this.rng.pick(matches)) : `spiffe://${this.policy.spec.trustDomain}/ns/none/sa/none`;
  }

  private pathFor(rule: SegmentRule | undefined): string {
    const pattern = rule?.paths ? this.rng.pick(rule.paths) : '*';
    const query = this.rng.chance(0.2) ? `?page=${this.rng.int(10)}&sort=desc` : '';
    if (pattern === '*') return `/api/v1/items/${this.rng.int(1000)}${query}`;
    if (pattern.endsWith('*')) return `${pattern.slice(0, -1)}${this.rng.int(10_000)}${query}`;
    if (pattern.startsWith('*')) return `/svc/${this.rng.int(100)}${pattern.slice(1)}${query}`;
    return pattern + query;
  }

  private inbound(kind: RequestKind): CheckRequestJson {
    const { rng, policy } = this;
    const segment = rng.pick(policy.spec.segments);
    const targets = this.select(segment.to, () => selectWorkloads(segment.to, policy.spec.workloads));
    const d = targets.length > 0 ? rng.pick(targets) : rng.pick(policy.spec.workloads);
    const rule = segment.rules.length > 0 ? rng.pick(segment.rules) : undefined;
    let source = this.admittedSource(segment);
    let method = rule?.methods ? rng.pick(rule.methods) : 'GET';
    let path = this.pathFor(rule);
    const port = rule?.ports ? rng.pick(rule.ports) : d.ports[0] ?? 8080;
    let sourceAddress = this.podAddress();
    const ext: Record<string, string> = {};
    const byName = rng.chance(0.8);
    if (byName) ext['meshguard.io/workload'] = `${d.namespace}/${d.name}`;
    if (kind === 'inbound-deny') {
      const which = rng.weighted({ source: 60, method: 20, path: 20 });
      if (which === 'source') source = identity(policy, rng.pick(policy.spec.workloads));
      else if (which === 'method') method = 'PATCH';
      else path = '/admin/debug/pprof';
    } else if (kind === 'bad-path') {
      path = rng.pick(BAD_PATHS);
    } else if (kind === 'unknown-source') {
      switch (rng.weighted({ foreign: 35, none: 25, ghost: 20, blocked: 20 })) {
        case 'foreign': source = `spiffe://evil.example/ns/${d.namespace}/sa/${d.serviceAccount}`; break;
        case 'none': source = ''; break;
        case 'ghost': ext['meshguard.io/workload'] = `ns-99/ghost-${rng.int(10)}`; break;
        default: sourceAddress = `203.0.113.${1 + rng.int(254)}`;
      }
    }
    const host = `${d.labels.app}.${d.namespace}.svc.cluster.local:${port}`;
    return this.request({
      source: peer(sourceAddress, 30000 + rng.int(30000), source),
      destination: peer(d.endpoints[0]?.split(':')[0] ?? '10.0.0.1', port, identity(policy, d)),
      method, path, host, scheme: 'http', ext,
    });
  }

  private egressRequest(w: Workload, authority: string, destinationPort: number | null): CheckRequestJson {
    const ext = { 'meshguard.io/direction': 'outbound', 'meshguard.io/workload': `${w.namespace}/${w.name}` };
    const destination: PeerJson = destinationPort === null ? peer('100.127.0.1', 443) : peer('100.127.0.1', destinationPort);
    const path = this.rng.pick(['/v1/charges', '/v2/objects/upload', '/oauth/token', '/']);
    return this.request({ source: peer(this.podAddress(), 30000 + this.rng.int(30000), identity(this.policy, w)), destination, method: this.rng.pick(['GET', 'POST']), path, host: authority, scheme: 'https', ext });
  }

  private egress(kind: RequestKind): CheckRequestJson {
    const { rng, policy } = this;
    if (kind === 'egress-allow') {
      const rule: EgressRule = rng.pick(policy.spec.egress);
      const from = this.select(rule.from, () => selectWorkloads(rule.from, policy.spec.workloads));
      const w = from.length > 0 ? rng.pick(from) : rng.pick(policy.spec.workloads);
      const pattern = rng.pick(rule.hosts);
      const host = pattern.startsWith('*.') ? `${rng.pick(['eu', 'us', 'files.eu'])}${pattern.slice(1)}` : pattern;
      const port = rule.ports ? rng.pick(rule.ports) : 443;
      if (rule.cidrs.length > 0 && rng.chance(0.3)) {
        const octets = rule.cidrs[0]!.split('/')[0]!.split('.');
        octets[3] = String(Number(octets[3]) + 1 + rng.int(14));
        return this.egressRequest(w, `${octets.join('.')}:${port}`, port);
      }
      return this.egressRequest(w, rng.chance(0.5) ? `${host}:${port}` : host, port);
    }
    const w = rng.pick(policy.spec.workloads);
    if (kind === 'egress-deny') {
      if (rng.chance(0.15)) return this.egressRequest(w, `${w.labels.app}.${w.namespace}.svc.cluster.local:8080`, 8080);
      return this.egressRequest(w, rng.pick(EGRESS_DENY_HOSTS), 443);
    }
    return this.egressRequest(w, rng.pick(IP_HOSTS), 443);
  }

  build(kind: RequestKind): CheckRequestJson {
    return kind.startsWith('egress') || kind === 'ip-literal' ? this.egress(kind) : this.inbound(kind);
  }
}

/** `count` requests of the kinds in `weights`, deterministic for a given policy and seed. */
export function generateCorpus(policy: CorpusPolicy, options: CorpusOptions): CorpusEntry[] {
  const builder = new Builder(policy, options.seed ?? 0xc0ffee);
  const kinds = new Prng((options.seed ?? 0xc0ffee) ^ 0x9e3779b9);
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const out: CorpusEntry[] = [];
  for (let i = 0; i < options.count; i++) {
    const kind = kinds.weighted(weights);
    const request = builder.build(kind);
    out.push({ kind, request, input: toCheckInput(request) });
  }
  return out;
}
