// The crafted requests of the outside security review (issue 12), each with the verdict every
// enforcer must give: `check`, the gRPC ext_authz server, `replay` (and real Envoy where its
// harness runs). One policy holds what they need: an egress rule for api.cardnet.example on 443
// with a CIDR, a blocklist, anomaly scoring in enforce and DNS-tunnelling checks in enforce.

export const REVIEW_WORKLOAD = 'bank/accounts';
export const TELLER = 'spiffe://cluster.local/ns/bank/sa/teller';

export const REVIEW_POLICY = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: review-bank }
spec:
  trustDomain: cluster.local
  defaults: { inbound: deny, egress: deny, mtls: permissive }
  meshDomains: [svc.cluster.local]
  workloads:
    - { name: accounts, namespace: bank, serviceAccount: accounts, labels: { app: accounts }, ports: [8080] }
  segments:
    - name: teller-to-accounts
      to: { matchLabels: { app: accounts } }
      from: [{ principals: ["${TELLER}"] }]
      rules: [{ methods: [GET, POST], paths: ["/v1/*"] }]
  egress:
    - { name: cardnet, from: { matchLabels: { app: accounts } }, hosts: ["api.cardnet.example"], cidrs: ["198.51.100.0/24"], ports: [443] }
  blocklist: { cidrs: ["203.0.113.0/24"] }
  anomaly: { mode: enforce, threshold: 10 }
  dnsTunneling: { mode: enforce }
`;

/** Item 3: a threshold just above the review label's exact entropy, 2.98831671061001179. */
export const REVIEW_DNS_POLICY = `apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: review-dns }
spec:
  workloads:
    - { name: accounts, namespace: bank, serviceAccount: accounts, labels: { app: accounts }, ports: [8080] }
  egress:
    - { name: web, from: { matchLabels: { app: accounts } }, hosts: ["*"], ports: [443] }
  dnsTunneling: { mode: enforce, entropyMinLength: 16, maxEntropy: 2.988316710610012 }
`;

export const REVIEW_POLICIES = { bank: REVIEW_POLICY, dns: REVIEW_DNS_POLICY } as const;

export interface Expected { readonly decision: 'allow' | 'deny'; readonly status: number }
export interface ReviewCase {
  /** Issue 12 item number. */
  readonly item: number;
  /** Which of REVIEW_POLICIES decides it (default: bank). */
  readonly policy?: keyof typeof REVIEW_POLICIES;
  readonly what: string;
  readonly request: Record<string, unknown>;
  readonly want: Expected;
}

const ALLOW: Expected = { decision: 'allow', status: 200 };
const DENY: Expected = { decision: 'deny', status: 403 };
const BAD: Expected = { decision: 'deny', status: 400 };

const socket = (address: string, port?: number) => ({ address: { socketAddress: { address, ...(port === undefined ? {} : { portValue: port }) } } });
const OUTBOUND = { 'meshguard.io/direction': 'outbound', 'meshguard.io/workload': REVIEW_WORKLOAD };

interface Egress {
  sni?: string;
  /** :authority (and the host field); absent: an HTTP request without one. */
  authority?: string;
  /** false: a TCP connection (no HTTP part). */
  http?: boolean;
  destination?: [string, number] | null;
  headers?: Record<string, string>;
  host?: string;
}

export function egress(o: Egress): Record<string, unknown> {
  const [address, port] = o.destination === undefined ? ['10.1.0.7', 443] : o.destination ?? [null, null];
  const headers: Record<string, string> = { ':method': 'GET', ':path': '/v1/charges', ':scheme': 'https', ...o.headers };
  if (o.authority !== undefined) headers[':authority'] = o.authority;
  const http = { method: 'GET', path: '/v1/charges', scheme: 'https', headers, ...(o.host !== undefined ? { host: o.host } : o.authority !== undefined ? { host: o.authority } : {}) };
  return {
    attributes: {
      source: socket('10.1.0.6', 50000),
      ...(address === null ? {} : { destination: socket(address, port!) }),
      ...(o.http === false ? {} : { request: { http } }),
      ...(o.sni === undefined ? {} : { tlsSession: { sni: o.sni } }),
      contextExtensions: OUTBOUND,
    },
  };
}

interface Inbound {
  source?: Record<string, unknown>;
  http?: Record<string, unknown>;
  headers?: Record<string, string>;
  principal?: string;
}

export function inbound(o: Inbound): Record<string, unknown> {
  const headers = o.headers ?? { ':method': 'GET', ':path': '/v1/summary', ':authority': 'accounts.bank', ':scheme': 'http' };
  return {
    attributes: {
      source: { principal: o.principal ?? TELLER, ...(o.source ?? socket('10.1.0.12', 40000)) },
      destination: socket('10.1.0.20', 8080),
      request: { http: { method: 'GET', path: '/v1/summary', host: 'accounts.bank', scheme: 'http', ...o.http, headers } },
      contextExtensions: { 'meshguard.io/workload': REVIEW_WORKLOAD },
    },
  };
}

const base64 = (bytes: Buffer) => bytes.toString('base64');
const euros = (n: number, tail: string) => '€'.repeat(n) + tail;

export const REVIEW_CASES: readonly ReviewCase[] = [
  // 1: an SNI is a bare host name; the connection's destination port decides.
  { item: 1, what: 'TLS: SNI with a port on a connection to port 25', request: egress({ http: false, sni: 'api.cardnet.example:443', destination: ['10.1.0.7', 25] }), want: DENY },
  { item: 1, what: 'TLS: SNI that is an IPv4 literal with a port', request: egress({ http: false, sni: '198.51.100.7:443', destination: ['10.1.0.7', 443] }), want: DENY },
  { item: 1, what: 'TLS: SNI that is a bracketed IPv6 literal with a port', request: egress({ http: false, sni: '[::ffff:198.51.100.7]:443', destination: ['10.1.0.7', 443] }), want: DENY },
  { item: 1, what: 'TLS: SNI that is an IPv4 literal in the allowed CIDR', request: egress({ http: false, sni: '198.51.100.7', destination: ['10.1.0.7', 443] }), want: DENY },
  { item: 1, what: 'TLS: SNI with an underscore', request: egress({ http: false, sni: 'api_cardnet.example', destination: ['10.1.0.7', 443] }), want: DENY },
  { item: 1, what: 'TLS: SNI of the allowed host on port 25', request: egress({ http: false, sni: 'api.cardnet.example', destination: ['10.1.0.7', 25] }), want: DENY },
  { item: 1, what: 'TLS: SNI of the allowed host on port 443', request: egress({ http: false, sni: 'API.CardNet.Example.', destination: ['10.1.0.7', 443] }), want: ALLOW },
  { item: 1, what: 'HTTP without authority: SNI with a port, connection to port 25', request: egress({ sni: 'api.cardnet.example:443', destination: ['10.1.0.7', 25] }), want: DENY },
  { item: 1, what: 'HTTP: authority port 443, connection to port 25', request: egress({ authority: 'api.cardnet.example:443', destination: ['10.1.0.7', 25] }), want: DENY },
  { item: 1, what: 'HTTP: authority port 8443, connection to the allowed port 443', request: egress({ authority: 'api.cardnet.example:8443', destination: ['10.1.0.7', 443] }), want: DENY },
  { item: 1, what: 'HTTP: authority port equal to the connection port', request: egress({ authority: 'api.cardnet.example:443', destination: ['10.1.0.7', 443] }), want: ALLOW },
  { item: 1, what: 'HTTP: authority without a port, connection to 443', request: egress({ authority: 'api.cardnet.example', destination: ['10.1.0.7', 443] }), want: ALLOW },
  { item: 1, what: 'HTTP: authority without a port, connection to 25', request: egress({ authority: 'api.cardnet.example', destination: ['10.1.0.7', 25] }), want: DENY },
  { item: 1, what: 'HTTP: IP authority port differing from the connection port', request: egress({ authority: '198.51.100.7:8443', destination: ['198.51.100.7', 443] }), want: DENY },
  // 2: authority, else SNI, else destination.
  { item: 2, what: 'HTTP without authority: the SNI of the allowed host decides (not the destination IP)', request: egress({ sni: 'api.cardnet.example', destination: ['10.1.0.7', 443] }), want: ALLOW },
  { item: 2, what: 'HTTP without authority: an unknown SNI denies although the destination IP is in the CIDR', request: egress({ sni: 'evil.example', destination: ['198.51.100.7', 443] }), want: DENY },
  { item: 2, what: 'HTTP without authority or SNI: the destination IP in the CIDR decides', request: egress({ destination: ['198.51.100.7', 443] }), want: ALLOW },
  { item: 2, what: 'HTTP: the authority wins over the SNI', request: egress({ authority: 'evil.example', sni: 'api.cardnet.example', destination: ['10.1.0.7', 443] }), want: DENY },
  // 3: one entropy computation: the review label's entropy is below the threshold everywhere.
  { item: 3, policy: 'dns', what: 'label gfjijigbefegcekgeigdcd (entropy 2.98831671061001179) under a 2.988316710610012 threshold', request: egress({ authority: 'gfjijigbefegcekgeigdcd.example' }), want: ALLOW },
  { item: 3, policy: 'dns', what: 'a label of entropy 4 over the threshold', request: egress({ authority: '0123456789abcdef.example' }), want: DENY },
  // 4: one body rule: the first 16 KiB of bytes, decoded as UTF-8.
  { item: 4, what: 'rawBody: 6,000 × € (18,000 bytes) then <script>: past the cap', request: inbound({ http: { rawBody: base64(Buffer.from(euros(6000, '<script>'))) } }), want: ALLOW },
  { item: 4, what: 'body text: 6,000 × € then <script>: past the cap in bytes', request: inbound({ http: { body: euros(6000, '<script>') } }), want: ALLOW },
  { item: 4, what: 'rawBody: 5,000 × € (15,000 bytes) then <script>: inside the cap', request: inbound({ http: { rawBody: base64(Buffer.from(euros(5000, '<script>'))) } }), want: DENY },
  { item: 4, what: 'rawBody: <script ending exactly at byte 16,384', request: inbound({ http: { rawBody: base64(Buffer.from('a'.repeat(16384 - 7) + '<script>')) } }), want: DENY },
  { item: 4, what: 'rawBody: <script cut by the cap after <scrip', request: inbound({ http: { rawBody: base64(Buffer.from('a'.repeat(16384 - 6) + '<script>')) } }), want: ALLOW },
  { item: 4, what: 'rawBody: invalid UTF-8 before <script>', request: inbound({ http: { rawBody: base64(Buffer.concat([Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from('<script>')])) } }), want: DENY },
  // 5: an address meshguard cannot read fails closed while a blocklist exists.
  { item: 5, what: 'pipe (Unix socket) source address', request: inbound({ source: { address: { pipe: { path: '/var/run/app.sock' } } } }), want: DENY },
  { item: 5, what: 'abstract pipe source address', request: inbound({ source: { address: { pipe: { path: '@meshguard' } } } }), want: DENY },
  // 6: fields that disagree with their pseudo-headers: 400; an empty field is absent.
  { item: 6, what: 'path field /v1/summary, :path /admin', request: inbound({ headers: { ':method': 'GET', ':path': '/admin' } }), want: BAD },
  { item: 6, what: 'path field /admin, :path /v1/summary', request: inbound({ http: { path: '/admin' } }), want: BAD },
  { item: 6, what: 'method field GET, :method DELETE', request: inbound({ headers: { ':method': 'DELETE', ':path': '/v1/summary' } }), want: BAD },
  { item: 6, what: 'host field accounts.bank, :authority other.bank', request: inbound({ headers: { ':path': '/v1/summary', ':authority': 'other.bank' } }), want: BAD },
  { item: 6, what: 'egress: host field api.cardnet.example, :authority evil.example', request: egress({ host: 'api.cardnet.example', authority: 'evil.example' }), want: BAD },
  { item: 6, what: 'egress: host field evil.example, :authority api.cardnet.example', request: egress({ host: 'evil.example', authority: 'api.cardnet.example' }), want: BAD },
  { item: 6, what: 'empty path field: the :path header is the path', request: inbound({ http: { path: '' }, headers: { ':method': 'GET', ':path': '/v1/summary' } }), want: ALLOW },
  { item: 6, what: 'empty path field, :path /admin', request: inbound({ http: { path: '' }, headers: { ':method': 'GET', ':path': '/admin' } }), want: DENY },
  { item: 6, what: 'empty method field, :method DELETE', request: inbound({ http: { method: '' }, headers: { ':method': 'DELETE', ':path': '/v1/summary' } }), want: DENY },
  { item: 6, what: 'fields and headers that agree', request: inbound({}), want: ALLOW },
  // 7: IPv4 in IPv6 clothing is the IPv4 address.
  { item: 7, what: 'NAT64 source 64:ff9b::203.0.113.5', request: inbound({ source: socket('64:ff9b::203.0.113.5', 40000) }), want: DENY },
  { item: 7, what: 'NAT64 source in hex 64:ff9b::cb00:7105', request: inbound({ source: socket('64:ff9b::cb00:7105', 40000) }), want: DENY },
  { item: 7, what: 'IPv4-compatible source ::203.0.113.5', request: inbound({ source: socket('::203.0.113.5', 40000) }), want: DENY },
  { item: 7, what: '6to4 source 2002:cb00:7105::1', request: inbound({ source: socket('2002:cb00:7105::1', 40000) }), want: DENY },
  { item: 7, what: 'IPv4-translated source ::ffff:0:203.0.113.5', request: inbound({ source: socket('::ffff:0:203.0.113.5', 40000) }), want: DENY },
  { item: 7, what: 'IPv4-mapped source ::ffff:203.0.113.5 (already handled)', request: inbound({ source: socket('::ffff:203.0.113.5', 40000) }), want: DENY },
  { item: 7, what: 'an IPv6 source outside the embeddings', request: inbound({ source: socket('2001:db8::5', 40000) }), want: ALLOW },
  { item: 7, what: 'egress to an allowed host on a NAT64 destination in the blocklist', request: egress({ authority: 'api.cardnet.example', destination: ['64:ff9b::203.0.113.5', 443] }), want: DENY },
  { item: 7, what: 'egress authority [64:ff9b::198.51.100.7] matches the IPv4 CIDR', request: egress({ authority: '[64:ff9b::c633:6407]', destination: ['64:ff9b::c633:6407', 443] }), want: ALLOW },
  { item: 7, what: 'egress authority [2002:c633:6407::1] (6to4) matches the IPv4 CIDR', request: egress({ authority: '[2002:c633:6407::1]', destination: ['2002:c633:6407::1', 443] }), want: ALLOW },
];

// The same items as requests a client can make a real Envoy sidecar of bank/accounts see
// (control-plane/replay/envoy-plan.ts): inbound on the workload port with the peer's certificate,
// outbound to the outbound listener (its port is the destination port). Not representable: pipes
// and IPv6 sources (the listeners are IPv4 loopback), an SNI (the outbound listeners take plaintext
// HTTP, and xDS pushes no TLS egress chain with egress-tcp), so items 1 (SNI), 2 and 5 run in replay.

function envoyEgress(authority: string, port?: number): Record<string, unknown> {
  return {
    attributes: {
      ...(port === undefined ? {} : { destination: { address: { socketAddress: { portValue: port } } } }),
      request: { http: { method: 'GET', path: '/v1/charges', host: authority, scheme: 'http', headers: {} } },
      contextExtensions: OUTBOUND,
    },
  };
}

function envoyInbound(http: Record<string, unknown>, headers: Record<string, string> = {}): Record<string, unknown> {
  return {
    attributes: {
      source: { principal: TELLER },
      destination: { address: { socketAddress: { portValue: 8080 } } },
      request: { http: { method: 'POST', path: '/v1/summary', host: 'accounts.bank', headers, ...http } },
      contextExtensions: { 'meshguard.io/workload': REVIEW_WORKLOAD },
    },
  };
}

export const ENVOY_REVIEW_CASES: readonly ReviewCase[] = [
  { item: 1, what: 'HTTP: authority port 443 on a connection to port 80', request: envoyEgress('api.cardnet.example:443', 80), want: DENY },
  { item: 1, what: 'HTTP: authority without a port on a connection to 443', request: envoyEgress('api.cardnet.example', 443), want: ALLOW },
  { item: 3, policy: 'dns', what: 'label gfjijigbefegcekgeigdcd under a 2.988316710610012 threshold', request: envoyEgress('gfjijigbefegcekgeigdcd.example', 443), want: ALLOW },
  { item: 3, policy: 'dns', what: 'a label of entropy 4 over the threshold', request: envoyEgress('0123456789abcdef.example', 443), want: DENY },
  { item: 4, what: 'rawBody: 6,000 × € then <script>: past the cap', request: envoyInbound({ rawBody: base64(Buffer.from(euros(6000, '<script>'))) }), want: ALLOW },
  { item: 4, what: 'rawBody: 5,000 × € then <script>: inside the cap', request: envoyInbound({ rawBody: base64(Buffer.from(euros(5000, '<script>'))) }), want: DENY },
  { item: 4, what: 'rawBody: <script ending exactly at byte 16,384', request: envoyInbound({ rawBody: base64(Buffer.from('a'.repeat(16384 - 7) + '<script>')) }), want: DENY },
  { item: 6, what: 'path field /v1/summary, :path /admin', request: envoyInbound({}, { ':path': '/admin' }), want: BAD },
  { item: 6, what: 'empty path field: the :path header is the path', request: envoyInbound({ path: '' }, { ':path': '/v1/summary' }), want: ALLOW },
  { item: 7, what: 'egress authority [64:ff9b::198.51.100.7] matches the IPv4 CIDR', request: envoyEgress('[64:ff9b::c633:6407]', 443), want: ALLOW },
  { item: 7, what: 'egress authority [2002:c633:6407::1] (6to4) matches the IPv4 CIDR', request: envoyEgress('[2002:c633:6407::1]', 443), want: ALLOW },
];
