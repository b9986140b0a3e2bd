// CheckRequests (proto3 JSON, as Envoy sends them to ext_authz) for the check ↔ replay parity
// tests, generated from a compiled policy: inbound requests to every workload from every kind of
// source, with the paths its rules name and every path-normalization fixture; egress requests
// from every workload to the hosts its rules name and every host-canonicalization fixture;
// blocklisted addresses; and (for anomaly policies) attacks of the labelled corpus.
import { readFileSync } from 'node:fs';
import type { CompiledPolicy, CompiledWorkload, PathPattern } from '../../control-plane/policy/compiled.js';
import { prng } from '../../bench/anomaly/corpus.js';
import { PAYLOADS } from '../../bench/anomaly/payloads.js';

export interface ParityRequest {
  /** The workload whose filter chain replays it (its meshguard.io/workload). */
  readonly workload: string;
  readonly what: string;
  readonly request: Record<string, unknown>;
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
export const PATH_CASES = fixture<{ cases: { in: string }[] }>('path-normalization.json').cases.map((c) => c.in);
export const HOST_CASES = fixture<{ cases: { in: string }[] }>('hosts.json').cases.map((c) => c.in);

const socket = (address: string, port: number) => ({ address: { socketAddress: { address, portValue: port } } });

interface Inbound {
  workload: string;
  principal: string;
  source?: string;
  destinationPort: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Leave the pseudo-headers out of `headers` (replay adds them from the http fields). */
  bare?: boolean;
}

export function inboundRequest(r: Inbound): Record<string, unknown> {
  const pseudo = r.bare ? {} : { ':authority': 'svc.local', ':method': r.method, ':path': r.path, ':scheme': 'http' };
  return {
    attributes: {
      source: { ...(r.principal === '' ? {} : { principal: r.principal }), ...socket(r.source ?? '10.1.0.12', 50000) },
      destination: socket('10.1.0.20', r.destinationPort),
      request: { http: { method: r.method, path: r.path, host: 'svc.local', scheme: 'http', headers: { ...pseudo, 'user-agent': 'parity/1.0', ...r.headers }, ...(r.body ? { body: r.body } : {}) } },
      contextExtensions: { 'meshguard.io/workload': r.workload },
    },
  };
}

interface Outbound {
  workload: string;
  identity: string;
  authority: string;
  scheme: 'http' | 'https';
  destination: string;
  destinationPort: number;
}

export function outboundRequest(r: Outbound): Record<string, unknown> {
  const headers: Record<string, string> = { ':method': 'GET', ':path': '/v1/charges', ':scheme': r.scheme };
  if (r.authority !== '') headers[':authority'] = r.authority;
  return {
    attributes: {
      source: { principal: r.identity, ...socket('10.1.0.30', 41000) },
      destination: socket(r.destination, r.destinationPort),
      request: { http: { method: 'GET', path: '/v1/charges', host: r.authority, scheme: r.scheme, headers } },
      contextExtensions: { 'meshguard.io/workload': r.workload, 'meshguard.io/direction': 'outbound' },
    },
  };
}

function examplePaths(p: PathPattern): string[] {
  switch (p.kind) {
    case 'any': return ['/anything/at/all'];
    case 'exact': return [p.value, `${p.value}/`];
    case 'prefix': return [p.value, `${p.value}items/42`, `${p.value.slice(0, -1)}`];
    case 'suffix': return [`/x${p.value}`, `/a/b${p.value}`, p.value.slice(1)];
  }
}

function principalsOf(policy: CompiledPolicy): string[] {
  const td = policy.trustDomain;
  const mesh = [...new Set([...policy.workloads.values()].map((w) => w.identity))];
  const prefixed = [...policy.workloads.values()].flatMap((w) => w.inbound.segments.flatMap((s) => s.sources.prefixes.map((x) => `${x}probe`)));
  const listed = [...policy.workloads.values()].flatMap((w) => w.inbound.segments.flatMap((s) => [...s.sources.identities]));
  return [...new Set([...mesh, ...prefixed, ...listed, `spiffe://${td}/ns/ops/sa/prober`, `spiffe://${td}/ns/monitoring/sa/scraper`,
    `spiffe://${td}/ns/jobs/sa/unlisted`, `spiffe://other.domain/ns/shop/sa/frontend`, 'not-a-spiffe-id', ''])];
}

const SOURCES = ['10.1.0.12', '203.0.113.5', '2001:db8:dead::1', '2001:db8::7', '192.0.2.44'];
const METHODS = ['GET', 'POST', 'HEAD', 'DELETE', 'get'];

/** Inbound requests to `w`: a deterministic sample of sources × methods × paths × ports, every fixture path. */
export function inbound(policy: CompiledPolicy, w: CompiledWorkload, perWorkload: number, seed: number): ParityRequest[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const principals = principalsOf(policy);
  const rulePaths = [...policy.workloads.values()].flatMap((x) => x.inbound.segments.flatMap((s) => s.rules.flatMap((rule) => (rule.paths ?? []).flatMap(examplePaths))));
  const paths = [...new Set([...rulePaths, '/', '/healthz', '/metrics', '/admin', '/api/items?q=1', '/charge', '/refund', '/api/orders', '/api/reports/2026'])];
  const ports = [...new Set([...w.ports, 8080, 8443, 9999])];
  const out: ParityRequest[] = [];
  for (let i = 0; i < perWorkload; i++) {
    const request = inboundRequest({
      workload: w.key, principal: pick(principals), source: r() < 0.8 ? SOURCES[0] : pick(SOURCES),
      destinationPort: pick(ports), method: pick(METHODS), path: pick(paths), bare: r() < 0.2,
    });
    out.push({ workload: w.key, what: 'inbound sample', request });
  }
  const allowedSource = principals.find((p) => w.inbound.segments.some((s) => s.sources.identities.has(p))) ?? principals[0]!;
  for (const path of PATH_CASES) {
    out.push({ workload: w.key, what: `fixture path ${JSON.stringify(path)}`, request: inboundRequest({ workload: w.key, principal: allowedSource, destinationPort: w.ports[0] ?? 8080, method: 'GET', path }) });
  }
  return out;
}

/** Egress requests from `w`: every host fixture, the rules' hosts, IP literals, blocklisted destinations. */
export function outbound(policy: CompiledPolicy, w: CompiledWorkload, seed: number): ParityRequest[] {
  const r = prng(seed);
  const ruleHosts = [...policy.workloads.values()].flatMap((x) => x.egress.flatMap((rule) => rule.hosts.map((h) => (h.startsWith('*.') ? `pay.${h.slice(2)}` : h === '*' ? 'anything.example' : h))));
  const mesh = policy.meshDomains.map((d) => `db.shop.${d}`);
  const extra = ['stripe.com', 'api.stripe.com:443', 'api.stripe.com:8443', '192.0.2.10', '192.0.2.10:443', '203.0.113.1', '[2001:db8:1::1]', '[2001:db8:dead::9]:443',
    'aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgdHVubmVsaW5n.tunnel.example', 'a.b.c.d.e.f.g.h.i.j.k.l.example', 'x9f3k2q8z7w1v5b6n4m0p.example', ''];
  const destinations: [string, number][] = [['192.0.2.10', 443], ['10.9.9.9', 443], ['203.0.113.7', 443], ['10.9.9.9', 80], ['2001:db8:1::1', 443]];
  const out: ParityRequest[] = [];
  for (const authority of [...HOST_CASES, ...ruleHosts, ...mesh, ...extra]) {
    const [destination, port] = r() < 0.75 ? destinations[0]! : destinations[Math.floor(r() * destinations.length)]!;
    const request = outboundRequest({ workload: w.key, identity: w.identity, authority, scheme: r() < 0.5 ? 'https' : 'http', destination, destinationPort: port });
    out.push({ workload: w.key, what: `egress to ${JSON.stringify(authority)}`, request });
  }
  return out;
}

/** Attacks (and their benign twins) against `w`, in the path, a header and a body, from an allowed source. */
export function attacks(w: CompiledWorkload, principal: string, path: string, port: number): ParityRequest[] {
  const out: ParityRequest[] = [];
  for (const [family, payloads] of Object.entries(PAYLOADS)) {
    // every fifth payload of each family keeps the parity runs short
    for (const payload of payloads.filter((_, i) => i % 5 === 0)) {
      const base = { workload: w.key, principal, destinationPort: port };
      const sep = path.includes('?') ? '&' : '?';
      out.push({ workload: w.key, what: `${family} in the query`, request: inboundRequest({ ...base, method: 'GET', path: `${path}${sep}q=${encodeURIComponent(payload)}` }) });
      out.push({ workload: w.key, what: `${family} in a header`, request: inboundRequest({ ...base, method: 'GET', path, headers: { referer: payload } }) });
      out.push({ workload: w.key, what: `${family} in a JSON body`, request: inboundRequest({ ...base, method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: payload }) }) });
    }
  }
  for (const word of ['shoes', 'gift wrap please', 'rock & roll', '50% off']) {
    out.push({ workload: w.key, what: 'benign query', request: inboundRequest({ workload: w.key, principal, destinationPort: port, method: 'GET', path: `${path}?q=${encodeURIComponent(word)}` }) });
  }
  return out;
}

/** Every workload's inbound sample (`perWorkload`), egress, and (anomaly enforce) attacks. */
export function corpusFor(policy: CompiledPolicy, perWorkload = 250): ParityRequest[] {
  const out: ParityRequest[] = [];
  let seed = 1;
  for (const w of policy.workloads.values()) {
    out.push(...inbound(policy, w, perWorkload, seed++), ...outbound(policy, w, seed++));
    if (policy.anomaly.mode === 'enforce') {
      const segment = w.inbound.segments.find((s) => s.sources.identities.size > 0 && s.rules.length > 0 && s.rules[0]!.paths !== null);
      const rule = segment?.rules[0];
      const pattern = rule?.paths?.[0];
      if (segment && rule && pattern) {
        const pathOf = pattern.kind === 'exact' ? pattern.value : pattern.kind === 'prefix' ? `${pattern.value}x` : pattern.kind === 'suffix' ? `/a${pattern.value}` : '/any';
        const principal = [...segment.sources.identities][0]!;
        const port = rule.ports ? [...rule.ports][0]! : w.ports[0] ?? 8080;
        out.push(...attacks(w, principal, pathOf, port));
      }
    }
  }
  return out;
}
