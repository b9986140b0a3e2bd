// The egress decision (DESIGN.md "Egress decision").
import type { CompiledEgressRule, CompiledPolicy, CompiledWorkload } from '../policy/compiled.js';
import { asciiLower } from '../canon/ascii.js';
import { canonicalHost, canonicalSni, type CanonicalHost } from '../canon/host.js';
import { dnsTunnelSuspicion } from './dns-tunnel.js';
import { isBlocked } from './inbound.js';
import { CONTEXT_WORKLOAD, type CheckInput } from './request.js';
import { badHost, dnsTunnel, egressDefault, inMeshHost, noEgressRule, portMismatch, REASONS } from './reasons.js';
import type { Trace } from './trace.js';
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
export function hostOf(input: CheckInput): CanonicalHost | string {
  const http = input.http;
  const authority = http ? http.host || http.headers[':authority'] || http.headers['host'] : '';
  if (authority) return canonicalHost(authority);
  if (input.sni !== '') return canonicalSni(input.sni);
  const address = input.destination.address;
  if (address === null) return REASONS.noDestinationHost;
  return canonicalHost(address.includes(':') ? `[${address}]` : address);
}

/**
 * The connection's destination port decides; without one, the authority's port, else the
 * scheme's. An authority port that differs from the destination port is a string (deny).
 */
export function portOf(host: Host, input: CheckInput): number | null | string {
  const destination = input.destination.port;
  if (destination !== null) {
    return host.port === null || host.port === destination ? destination : portMismatch(host.port, destination);
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

function portListed(rule: CompiledEgressRule, port: number | null): boolean {
  return rule.ports === null || (port !== null && rule.ports.has(port));
}

function traceRule(trace: Trace, rule: CompiledEgressRule, host: Host, port: number | null): void {
  const hostOk = hostMatches(rule, host);
  const portOk = portListed(rule, port);
  const targets = host.kind === 'ip' ? `cidrs ${rule.cidrList.map((c) => c.text).join(' ') || '(none)'}` : `hosts ${rule.hosts.join(' ') || '(none)'}`;
  const why = !hostOk ? `${host.host} matches none of ${targets}` : !portOk ? `port ${port ?? '(none)'} is not one of ${[...rule.ports!].join(',')}` : `${host.host} matches ${targets}, port ${port ?? 'any'} ${rule.ports ? 'is listed' : '(any port)'}`;
  trace.item(`egress rule ${rule.name}`, hostOk && portOk ? 'match' : 'no-match', why);
}

function decideFor(p: CompiledPolicy, w: CompiledWorkload, host: Host, port: number | null, trace?: Trace): Decision {
  if (w.egress.length === 0) {
    trace?.step(6, 'egress rules', p.defaults.egress, `no egress rule's from selects ${w.key}: defaults.egress is ${p.defaults.egress}`);
    const reason = egressDefault(w.key, p.defaults.egress);
    return p.defaults.egress === 'allow' ? allow('outbound', null, reason) : deny('outbound', 403, null, reason);
  }
  trace?.step(6, 'egress rules', 'info', `${w.egress.length} egress rule(s) select ${w.key}, tried in file order: ${w.egress.map((r) => r.name).join(', ')}`);
  for (const rule of w.egress) {
    if (trace) traceRule(trace, rule, host, port);
    if (hostMatches(rule, host) && portListed(rule, port)) return allowedBy(rule, 'outbound');
  }
  return deny('outbound', 403, null, noEgressRule(w.key, host.host, port));
}

/** Steps 1-3 for the trace: the workload, the host and port, the blocklist. */
function traceStart(p: CompiledPolicy, input: CheckInput, workloads: readonly CompiledWorkload[] | null, trace: Trace): void {
  const named = input.contextExtensions[CONTEXT_WORKLOAD];
  const how = named !== undefined ? `context extension ${CONTEXT_WORKLOAD} = ${named}` : `source.principal = ${input.source.principal || '(none)'}`;
  trace.step(1, 'source workload', workloads ? 'pass' : 'deny', workloads ? `${workloads.map((w) => w.key).join(', ')} (from ${how})` : `no inventory workload (from ${how})`);
  if (!workloads) return;
  const host = hostOf(input);
  if (typeof host === 'string' || !host.ok) return trace.step(2, 'host', 'deny', typeof host === 'string' ? host : badHost(host.reason));
  const port = portOf(host, input);
  if (typeof port === 'string') return trace.step(2, 'host', 'deny', port);
  trace.step(2, 'host', 'pass', `${host.host}${port === null ? '' : `, port ${port}`} (${host.kind === 'ip' ? 'an IP literal: only cidrs can match' : 'a name'})`);
  const blocked = (host.kind === 'ip' && p.blocklist.contains(host.ip)) || isBlocked(p, input.destination.address);
  trace.step(3, 'blocklist', blocked ? 'deny' : 'pass', p.blocklist.size === 0 ? 'the policy has no blocklist' : `destination ${blocked ? 'is' : 'is not'} in blocklist.cidrs`);
}

export function decideEgress(p: CompiledPolicy, input: CheckInput, trace?: Trace): Decision {
  const workloads = sources(p, input);
  if (trace) traceStart(p, input, workloads, trace);
  if (!workloads) return deny('outbound', 403, null, REASONS.unknownSource);
  const host = hostOf(input);
  if (typeof host === 'string') return deny('outbound', 403, null, host);
  if (!host.ok) return deny('outbound', 403, null, badHost(host.reason));
  const port = portOf(host, input);
  if (typeof port === 'string') return deny('outbound', 403, null, port);
  if ((host.kind === 'ip' && p.blocklist.contains(host.ip)) || isBlocked(p, input.destination.address)) {
    return deny('outbound', 403, null, REASONS.blocklistedDestination);
  }
  const mesh = inMesh(p, host);
  const suspicion = host.kind === 'name' && !mesh ? dnsTunnelSuspicion(host.host, p.dnsTunneling) : null;
  trace?.step(4, 'DNS tunnelling', suspicion !== null && p.dnsTunneling.mode === 'enforce' ? 'deny' : 'pass',
    mesh || host.kind === 'ip' ? 'not checked (in-mesh host or IP literal)' : suspicion === null ? `${host.host} looks like an ordinary name` : `${suspicion} (dnsTunneling.mode ${p.dnsTunneling.mode})`);
  if (suspicion !== null && p.dnsTunneling.mode === 'enforce') {
    return { ...deny('outbound', 403, null, dnsTunnel(suspicion)), dnsSuspicious: true };
  }
  trace?.step(5, 'in-mesh', mesh ? 'allow' : 'pass', mesh ? `${host.host} is below meshDomains ${p.meshDomains.join(', ')}: its destination's segments govern it` : `${host.host} is not below meshDomains ${p.meshDomains.join(', ') || '(none)'}`);
  let decision: Decision;
  if (mesh) decision = allow('outbound', null, inMeshHost(host.host));
  else {
    decision = decideFor(p, workloads[0]!, host, port, trace);
    for (let i = 1; i < workloads.length && decision.decision === 'allow'; i++) {
      const next = decideFor(p, workloads[i]!, host, port, trace);
      if (next.decision === 'deny') decision = next;
    }
  }
  return suspicion === null ? decision : { ...decision, dnsSuspicious: true };
}
