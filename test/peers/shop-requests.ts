// CheckRequests (proto3 JSON) against examples/shop.yaml covering each segment, rule and egress
// case, the path normalization and host canonicalization edges, the blocklist and the defaults.
const TD = 'spiffe://cluster.local';
export const FRONTEND = `${TD}/ns/shop/sa/frontend`;
export const API = `${TD}/ns/shop/sa/api`;
export const PAYMENTS = `${TD}/ns/shop/sa/payments`;
const PROBER = `${TD}/ns/ops/sa/prober`;
const PROMETHEUS = `${TD}/ns/monitoring/sa/prometheus`;

export interface Case {
  readonly name: string;
  readonly request: object;
}

interface InboundOptions {
  readonly from?: string;
  readonly to?: string | null;
  readonly method?: string;
  readonly path?: string;
  readonly port?: number;
  readonly address?: string;
  readonly destinationPrincipal?: string;
  /** false: a TCP check (no request.http). */
  readonly http?: boolean;
  readonly direction?: string;
  /** Extra request headers (pseudo-headers that may contradict the fields). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A pipe instead of a socket address for the source. */
  readonly pipe?: boolean;
}

function inbound(o: InboundOptions): object {
  const ext: Record<string, string> = {};
  if (o.to !== null) ext['meshguard.io/workload'] = o.to ?? 'shop/api';
  if (o.direction) ext['meshguard.io/direction'] = o.direction;
  const http = { method: o.method ?? 'GET', path: o.path ?? '/api/items', headers: { 'user-agent': 'test', ...o.headers } };
  const address = o.pipe ? { pipe: { path: '/run/app.sock' } } : { socketAddress: { address: o.address ?? '10.1.0.12', portValue: 40000 } };
  return {
    attributes: {
      source: { ...(o.from === '' ? {} : { principal: o.from ?? FRONTEND }), address },
      destination: { ...(o.destinationPrincipal ? { principal: o.destinationPrincipal } : {}), address: { socketAddress: { address: '10.1.0.20', portValue: o.port ?? 8080 } } },
      ...(o.http === false ? {} : { request: { http } }),
      contextExtensions: ext,
    },
  };
}

interface EgressOptions {
  readonly from?: string | null;
  readonly workload?: string | null;
  readonly host?: string;
  readonly sni?: string;
  readonly destination?: string;
  readonly port?: number;
  readonly scheme?: string;
}

function egress(o: EgressOptions): object {
  const ext: Record<string, string> = { 'meshguard.io/direction': 'outbound' };
  if (o.workload !== null) ext['meshguard.io/workload'] = o.workload ?? 'shop/payments';
  return {
    attributes: {
      source: o.from === null ? {} : { principal: o.from ?? PAYMENTS },
      ...(o.destination || o.port ? { destination: { address: { socketAddress: { address: o.destination ?? '100.64.0.1', portValue: o.port ?? 443 } } } } : {}),
      ...(o.host !== undefined ? { request: { http: { method: 'POST', path: '/v1/charges', host: o.host, scheme: o.scheme ?? 'https', headers: {} } } } : {}),
      ...(o.sni ? { tlsSession: { sni: o.sni } } : {}),
      contextExtensions: ext,
    },
  };
}

const inboundCases: readonly [string, InboundOptions][] = [
  ['web-to-api: GET /api/*', {}],
  ['web-to-api: POST /healthz', { method: 'POST', path: '/healthz' }],
  ['web-to-api: to payments on 8443', { to: 'shop/payments', port: 8443, path: '/api/charges' }],
  ['web-to-api: PUT is not a listed method', { method: 'PUT' }],
  ['web-to-api: port 9090 is not listed', { port: 9090 }],
  ['web-to-api: /apix is not below /api/', { path: '/apix' }],
  ['web-to-api: the query is not the path', { path: '/healthz?x=/api/y' }],
  ['path: dot segments resolve before matching', { path: '/api/../admin' }],
  ['path: escaped dots are dot segments', { path: '/api/%2e%2e/healthz' }],
  ['path: merged slashes', { path: '//api//items' }],
  ['path: a single dot and a trailing slash', { path: '/api/./items/' }],
  ['path: .. above the root stays at /', { path: '/../../api/x' }],
  ['path: unreserved escapes decode (case-sensitive match)', { path: '/%41pi/items' }],
  ['path: unreserved escapes decode', { path: '/%61pi/%7Eitems' }],
  ['path: other escapes stay, upper-cased', { path: '/api/%c3%a9' }],
  ['path: ..;', { path: '/api/items/..;/admin' }],
  ['path: .%3b', { path: '/api/.%3b/admin' }],
  ['path: fragment', { path: '/api/items#top' }],
  ['path: encoded slash', { path: '/api%2Fitems' }],
  ['path: encoded backslash', { path: '/api/%5c..%5cadmin' }],
  ['path: encoded NUL', { path: '/api/items%00.json' }],
  ['path: raw backslash', { path: '/api\\items' }],
  ['path: relative', { path: 'api/items' }],
  ['path: control character in the query', { path: '/api/items?q=\u0001' }],
  ['path: escaped NUL in the query is not the path', { path: '/api/items?q=%00' }],
  ['prober by principal: GET /healthz', { from: PROBER, path: '/healthz' }],
  ['prober cannot reach db', { from: PROBER, to: 'shop/db', path: '/healthz' }],
  ['api-to-payments: POST /charge', { from: API, to: 'shop/payments', method: 'POST', path: '/charge', port: 8443 }],
  ['api-to-payments: POST /refund', { from: API, to: 'shop/payments', method: 'POST', path: '/refund', port: 8443 }],
  ['api-to-payments: GET is not listed', { from: API, to: 'shop/payments', path: '/charge', port: 8443 }],
  ['api-to-db: any request', { from: API, to: 'shop/db', method: 'DELETE', path: '/anything', port: 5432 }],
  ['api-to-db: a TCP check', { from: API, to: 'shop/db', port: 5432, http: false }],
  ['api-to-db: payments is tier api', { from: PAYMENTS, to: 'shop/db', port: 5432, http: false }],
  ['frontend cannot reach db', { to: 'shop/db', port: 5432, http: false }],
  ['a TCP check never matches a rule with methods', { http: false }],
  ['monitoring-scrape: any identity of the namespace', { from: PROMETHEUS, to: 'shop/frontend', path: '/metrics' }],
  ['monitoring-scrape: POST is not listed', { from: PROMETHEUS, to: 'shop/frontend', method: 'POST', path: '/metrics' }],
  ['monitoring in another trust domain', { from: 'spiffe://other.local/ns/monitoring/sa/prometheus', to: 'shop/frontend', path: '/metrics' }],
  ['a malformed principal matches no namespace', { from: `${TD}/ns/monitoring/sa/../x`, to: 'shop/frontend', path: '/metrics' }],
  ['strict mTLS: no principal', { from: '' }],
  ['blocklisted source address', { address: '203.0.113.7' }],
  ['blocklisted IPv4-mapped source address', { address: '::ffff:203.0.113.7' }],
  ['blocklisted NAT64 source address', { address: '64:ff9b::cb00:7107' }],
  ['blocklisted 6to4 source address', { address: '2002:cb00:7107::1' }],
  ['blocklisted IPv4-compatible source address', { address: '::203.0.113.7' }],
  ['::1 is not IPv4-compatible', { address: '::1' }],
  ['a pipe source address with a blocklist', { pipe: true }],
  [':path agrees with the path', { headers: { ':path': '/api/items', ':method': 'GET' } }],
  [':path differs from the path', { headers: { ':path': '/admin' } }],
  [':method differs from the method', { headers: { ':method': 'DELETE' } }],
  ['unreadable source address with a blocklist', { address: '203.0.113' }],
  ['destination by principal', { to: null, destinationPrincipal: API }],
  ['unknown destination principal', { to: null, destinationPrincipal: `${TD}/ns/shop/sa/ghost` }],
  ['no destination at all', { to: null }],
  ['unknown workload', { to: 'shop/ghost' }],
  ['unknown direction', { direction: 'sideways' }],
];

const egressCases: readonly [string, EgressOptions][] = [
  ['exact host, port from https', { host: 'api.stripe.com' }],
  ['case and trailing dot', { host: 'API.Stripe.COM.' }],
  ['*.stripe.com, several labels', { host: 'files.eu.stripe.com:443', port: 443 }],
  ['*.stripe.com is not stripe.com', { host: 'stripe.com' }],
  ['port 8443 is not listed', { host: 'api.stripe.com:8443', port: 8443 }],
  ['http means port 80', { host: 'api.stripe.com', scheme: 'http' }],
  ['an address in the rule CIDR', { host: '192.0.2.10:443', port: 443 }],
  ['an IPv4-mapped address in the rule CIDR', { host: '[::ffff:192.0.2.10]:443', port: 443 }],
  ['an IPv6 literal outside every CIDR', { host: '[2001:db8::1]:443', port: 443 }],
  ['hex IPv4', { host: '0xc0.0.2.10' }],
  ['integer IPv4', { host: '3221225994' }],
  ['blocklisted literal', { host: '203.0.113.5' }],
  ['blocklisted destination address behind an allowed host', { host: 'api.stripe.com', destination: '203.0.113.9', port: 443 }],
  ['SNI only', { sni: 'api.stripe.com', port: 443 }],
  ['SNI with a port', { sni: 'api.stripe.com:443', port: 443 }],
  ['SNI that is an IP literal', { sni: '192.0.2.10', port: 443 }],
  ['SNI upper case with a trailing dot', { sni: 'API.STRIPE.COM.', port: 443 }],
  ['authority port differs from the destination port', { host: 'api.stripe.com:8443', port: 443 }],
  ['a NAT64 literal in the rule CIDR', { host: '[64:ff9b::c000:20a]:443', port: 443 }],
  ['a 6to4 literal of a blocklisted address', { host: '[2002:cb00:7105::1]:443', port: 443 }],
  ['destination address only', { destination: '192.0.2.7', port: 443 }],
  ['in-mesh host', { host: 'api.shop.svc.cluster.local:8080', port: 8080 }],
  ['the mesh domain itself is not in-mesh', { host: 'svc.cluster.local' }],
  ['no rule selects frontend: default deny', { workload: 'shop/frontend', from: FRONTEND, host: 'api.stripe.com' }],
  ['source workload by principal', { workload: null, host: 'api.stripe.com' }],
  ['no source workload', { workload: null, from: null, host: 'api.stripe.com' }],
  ['Kelvin sign is not k', { host: 'api.stripe.co\u212a' }],
  ['underscore', { host: 'bad_host.stripe.com' }],
  ['empty label', { host: 'api..stripe.com' }],
  ['punycode outside the rules', { host: 'xn--80ak6aa92e.com' }],
  ['port 0', { host: 'api.stripe.com:0' }],
  ['leading zero port', { host: 'api.stripe.com:0443', port: 443 }],
  ['no host at all', {}],
];

export const SHOP_CASES: readonly Case[] = [
  ...inboundCases.map(([name, o]) => ({ name: `inbound ${name}`, request: inbound(o) })),
  ...egressCases.map(([name, o]) => ({ name: `egress ${name}`, request: egress(o) })),
];
