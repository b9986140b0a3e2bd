// The egress decision (DESIGN.md "Egress decision" plus the DNS-tunnelling heuristics), pure:
// the HTTP and TCP filters gather the facts, this decides. No hostcalls, no allocation.
import { ByteBuf } from "../../sdk";
import { blocklisted, cidrsContain } from "../../lib/cidr";
import { DnsFinding, dnsTunnelFinding } from "../../lib/dns_tunnel";
import { CanonicalHost, HostKind } from "../../lib/host";
import { formatIp, Ip } from "../../lib/ip";
import { DnsTunnelMode, EgressConfig, EgressRule, HostPattern } from "./config";

export class EgressRequest {
  /** The canonical destination host: :authority (or Host), else the SNI, else the destination IP. */
  host: CanonicalHost = new CanonicalHost();
  /** The connected destination's IP (`destination.address`); version 0 when absent, -1 when not an IP. */
  destination: Ip = new Ip();
  /** 0 when unknown. */
  port: i32 = 0;
  /** The authority's port differs from the connection's destination port (a confusion attempt). */
  portMismatch: bool = false;
}

export class EgressVerdict {
  allow: bool = false;
  status: u32 = 403;
  rule: EgressRule | null = null;
  reason: string = "";
  /** A DNS-tunnelling heuristic fired (counted in every mode but off). */
  dnsFinding: DnsFinding = DnsFinding.None;

  set(allow: bool, rule: EgressRule | null, reason: string): void {
    this.allow = allow;
    this.status = allow ? 200 : 403;
    this.rule = rule;
    this.reason = reason;
  }
}

/**
 * No host name (no :authority, no SNI): the connected destination IP is the host, as an IP
 * literal; without one the host is rejected.
 */
export function destinationAsHost(request: EgressRequest, missing: string): void {
  const host = request.host;
  if (request.destination.version <= 0) {
    host.reject(missing);
    return;
  }
  host.kind = HostKind.Ip;
  host.port = 0;
  host.ip.copyFrom(request.destination);
  formatIp(host.ip, host.host);
}

/** Strictly under some suffix (each held as ".suffix", so the match is at a label boundary). */
function inMesh(domains: ByteBuf[], host: ByteBuf): bool {
  for (let i = 0; i < domains.length; i++) {
    const suffix = unchecked(domains[i]);
    if (host.length > suffix.length && host.endsWithRaw(suffix.ptr, suffix.length)) return true;
  }
  return false;
}

function hostMatches(patterns: HostPattern[], host: ByteBuf): bool {
  for (let i = 0; i < patterns.length; i++) if (unchecked(patterns[i]).matches(host)) return true;
  return false;
}

function portListed(ports: i32[] | null, port: i32): bool {
  if (ports === null) return true;
  for (let i = 0; i < ports.length; i++) if (unchecked(ports[i]) == port) return true;
  return false;
}

export function decideEgress(config: EgressConfig, request: EgressRequest, verdict: EgressVerdict): void {
  verdict.dnsFinding = DnsFinding.None;
  if (config.quarantined) return verdict.set(false, null, "quarantined");
  const host = request.host;
  if (host.kind == HostKind.Reject) return verdict.set(false, null, "invalid-host");
  if (request.portMismatch) return verdict.set(false, null, "port-mismatch");
  const isIp = host.kind == HostKind.Ip;
  if ((isIp && cidrsContain(config.blocklist, host.ip)) || blocklisted(config.blocklist, request.destination)) {
    return verdict.set(false, null, "blocklisted-destination");
  }
  const mesh = !isIp && inMesh(config.meshDomains, host.host);
  if (!isIp && !mesh && config.dnsMode != DnsTunnelMode.Off) {
    verdict.dnsFinding = dnsTunnelFinding(host.host, config.dnsLimits);
    if (verdict.dnsFinding != DnsFinding.None && config.dnsMode == DnsTunnelMode.Enforce) {
      return verdict.set(false, null, "dns-tunneling");
    }
  }
  if (mesh) return verdict.set(true, null, "in-mesh");
  if (!config.selected) return verdict.set(config.defaultAllow, null, config.defaultAllow ? "default-allow" : "default-deny");
  const rules = config.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = unchecked(rules[i]);
    const hostOk = isIp ? cidrsContain(rule.cidrs, host.ip) : hostMatches(rule.hosts, host.host);
    if (hostOk && portListed(rule.ports, request.port)) return verdict.set(true, rule, "rule");
  }
  verdict.set(false, null, "no-matching-rule");
}

