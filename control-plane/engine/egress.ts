// The egress decision (DESIGN.md "Egress decision").
import type { CompiledEgressRule, CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { asciiLower } from '../canon/ascii.js';
import { canonicalHost, canonicalSni, type CanonicalHost } from '../canon/host.js';
import { dnsTunnelSuspicion } from './dns-tunnel.js';
import { isBlocked } from './inbound.js';
import { CONTEXT_WORKLOAD, type CheckInput } from './request.js';
import { allow, allowedBy, deny, type Decision } from './verdict.js';

type Host = Extract<CanonicalHost, { ok: true }>;

function sources(p: CompiledPolicy, input: CheckInput): readonly CompiledWorkload[] | null {
  const named = input.contextExtensions[CONTEXT_WORKLOAD];
  if (named !== undefined) {
    const w = p.workloads.get(named);
    return w ? [w] : null;
  }
  const principal = input.source.principal;
  return principal === '' ? null : p.workloadsByIdentity.get(principal) ?? null;
}

/**
 * The host the decision is about: the authority, else the TLS SNI (a bare host name), else the
 * destination address as an IP literal. A string is why the request is denied.
 */
function hostOf(input: CheckInput): CanonicalHost | string {
  const http = input.http;
  const authority = http ? http.host || http.headers[':authority'] || http.headers['host'] : '';
  if (authority) return canonicalHost(authority);
  if (input.sni !== '') return canonicalSni(input.sni);
  const address = input.destination.address;
  if (address === null) return 'no destination host';
  return canonicalHost(address.includes(':') ? `[${address}]` : address);
}

/**
 * The connection's destination port decides; without one, the authority's port, else the
 * scheme's. An authority port that differs from the destination port is a string (deny).
 */
function portOf(host: Host, input: CheckInput): number | null | string {
  const destination = input.destination.port;
  if (destination !== null) {
    return host.port === null || host.port === destination ? destination : `authority port ${host.port} differs from the destination port ${destination}`;
  }
  if (host.port !== null) return host.port;
  const scheme = input.http ? asciiLower(input.http.scheme) : undefined;
  return scheme === 'https' ? 443 : scheme === 'http' ? 80 : null;
}

function hostMatches(rule: CompiledEgressRule, host: Host): boolean {
  if (host.kind === 'ip') return rule.cidrs.contains(host.ip);
  if (rule.anyHost || rule.exactHosts.has(host.host)) return true;
  for (const suffix of rule.hostSuffixes) if (host.host.endsWith(suffix)) return true;
  return false;
}

function inMesh(p: CompiledPolicy, host: Host): boolean {
  if (host.kind !== 'name') return false;
  for (const domain of p.meshDomains) {
    if (host.host.length > domain.length && host.host.endsWith(domain) && host.host.charCodeAt(host.host.length - domain.length - 1) === 46) return true;
  }
  return false;
}

function decideFor(p: CompiledPolicy, w: CompiledWorkload, host: Host, port: number | null): Decision {
  if (w.egress.length === 0) {
    const reason = `no egress rule selects ${w.key}: default ${p.defaults.egress}`;
    return p.defaults.egress === 'allow' ? allow('outbound', null, reason) : deny('outbound', 403, null, reason);
  }
  for (const rule of w.egress) {
    if (hostMatches(rule, host) && (rule.ports === null || (port !== null && rule.ports.has(port)))) {
      return allowedBy(rule, 'outbound');
    }
  }
  return deny('outbound', 403, null, `no egress rule allows ${w.key} to reach ${host.host}${port === null ? '' : ':' + port}`);
}

export function decideEgress(p: CompiledPolicy, input: CheckInput): Decision {
  const workloads = sources(p, input);
  if (!workloads) return deny('outbound', 403, null, 'unknown source workload');
  const host = hostOf(input);
  if (typeof host === 'string') return deny('outbound', 403, null, host);
  if (!host.ok) return deny('outbound', 403, null, `bad host: ${host.reason}`);
  const port = portOf(host, input);
  if (typeof port === 'string') return deny('outbound', 403, null, port);
  if ((host.kind === 'ip' && p.blocklist.contains(host.ip)) || isBlocked(p, input.destination.address)) {
    return deny('outbound', 403, null, 'destination is blocklisted');
  }
  const mesh = inMesh(p, host);
  const suspicion = host.kind === 'name' && !mesh ? dnsTunnelSuspicion(host.host, p.dnsTunneling) : null;
  if (suspicion !== null && p.dnsTunneling.mode === 'enforce') {
    return { ...deny('outbound', 403, null, `possible DNS tunnelling: ${suspicion}`), dnsSuspicious: true };
  }
  let decision: Decision;
  if (mesh) decision = allow('outbound', null, `in-mesh host ${host.host}`);
  else {
    decision = decideFor(p, workloads[0]!, host, port);
    for (let i = 1; i < workloads.length && decision.decision === 'allow'; i++) {
      const next = decideFor(p, workloads[i]!, host, port);
      if (next.decision === 'deny') decision = next;
    }
  }
  return suspicion === null ? decision : { ...decision, dnsSuspicious: true };
}
