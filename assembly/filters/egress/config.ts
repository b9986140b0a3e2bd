// The egress filters' part of the plugin configuration: the `egress` section (EgressFilterConfig
// in control-plane/filter-config/filter-config.schema.json), read by the generated reader and
// compiled here into the form decide.ts uses.
import { ByteBuf } from "../../sdk";
import { Cidr } from "../../lib/cidr";
import { DnsTunnelLimits } from "../../lib/dns_tunnel";
import { canonicalHost, CanonicalHost, HostKind } from "../../lib/host";
import { JsonValue } from "../../lib/json";
import { ConfigReader } from "../common/config_reader";
import { FilterEgressRule, FilterMode, FilterVerdict, readEgressFilterConfig } from "../common/config_generated";

export enum HostPatternKind {
  Exact = 0,
  /** `*.x.com`: one or more labels below x.com (bytes hold ".x.com"). */
  Subdomains = 1,
  /** `*`: any valid DNS name (never an IP literal). */
  AnyName = 2,
}

export class HostPattern {
  constructor(public readonly kind: HostPatternKind, public readonly bytes: ByteBuf) {}

  matches(host: ByteBuf): bool {
    if (this.kind == HostPatternKind.AnyName) return true;
    if (this.kind == HostPatternKind.Exact) return host.equals(this.bytes);
    return host.length > this.bytes.length && host.endsWithRaw(this.bytes.ptr, this.bytes.length);
  }
}

export class EgressRule {
  name: ByteBuf = new ByteBuf(16);
  hosts: HostPattern[] = [];
  cidrs: Cidr[] = [];
  /** null: any port. */
  ports: i32[] | null = null;
}

/** dnsTunneling.mode as the generated reader reads it (`off`, `monitor`, `enforce`). */
export { FilterMode as DnsTunnelMode };

export class EgressConfig {
  version: string = "";
  workload: string = "";
  /** This workload's identity is quarantined: all its egress is denied. */
  quarantined: bool = false;
  selected: bool = false;
  defaultAllow: bool = false;
  /** Each as ".suffix": a host strictly under it (at a label boundary) is in-mesh. */
  meshDomains: ByteBuf[] = [];
  blocklist: Cidr[] = [];
  rules: EgressRule[] = [];
  dnsMode: FilterMode = FilterMode.Off;
  dnsLimits: DnsTunnelLimits = new DnsTunnelLimits();
  /** Some rule lists ports: the request's port is needed. */
  needsPort: bool = false;
}

const scratch = new CanonicalHost();

/**
 * The canonical form of the DNS name `name` from byte `skip` on (after a '.' when `dotted`), or
 * null (and `r` failed).
 */
function canonicalName(r: ConfigReader, name: ByteBuf, skip: i32, dotted: bool, path: string): ByteBuf | null {
  const kind = canonicalHost(name.ptr + <usize>skip, name.length - skip, scratch);
  if (kind != HostKind.Name || scratch.port != 0) {
    r.fail(path, "\"" + name.toString().substring(skip) + "\" is not a DNS name" + (kind == HostKind.Ip ? " (IP literals belong in cidrs)" : ""));
    return null;
  }
  const out = new ByteBuf(scratch.host.length + 1);
  if (dotted) out.push(46);
  out.appendBuf(scratch.host);
  return out;
}

function readHostPattern(r: ConfigReader, text: ByteBuf, path: string): HostPattern | null {
  const star = text.length > 0 && text.at(0) == 42;
  if (star && text.length == 1) return new HostPattern(HostPatternKind.AnyName, new ByteBuf(1));
  if (star && text.length > 1 && text.at(1) == 46) {
    const dotted = canonicalName(r, text, 2, true, path);
    return dotted === null ? null : new HostPattern(HostPatternKind.Subdomains, dotted);
  }
  const name = canonicalName(r, text, 0, false, path);
  return name === null ? null : new HostPattern(HostPatternKind.Exact, name);
}

function compileRule(r: ConfigReader, raw: FilterEgressRule, path: string): EgressRule {
  const rule = new EgressRule();
  rule.name.setString(raw.name);
  for (let i = 0; i < raw.hosts.length; i++) {
    const pattern = readHostPattern(r, raw.hosts[i], path + ".hosts[" + i.toString() + "]");
    if (pattern !== null) rule.hosts.push(pattern);
  }
  rule.cidrs = raw.cidrs;
  rule.ports = raw.ports;
  return rule;
}

/**
 * The egress configuration, or null with `r.error` set: read by the reader generated from the
 * schema, then compiled (canonical host patterns and mesh domains) into the filter's form.
 */
export function readEgressConfig(r: ConfigReader, doc: JsonValue): EgressConfig | null {
  const raw = readEgressFilterConfig(r, doc, "");
  if (!r.ok) return null;
  const config = new EgressConfig();
  config.version = raw.version;
  config.workload = raw.workload;
  const identity = ByteBuf.fromString(raw.identity);
  for (let i = 0; i < raw.quarantined.length; i++) if (raw.quarantined[i].equals(identity)) config.quarantined = true;
  const egress = raw.egress;
  config.selected = egress.selected;
  config.defaultAllow = egress.default == FilterVerdict.Allow;
  for (let i = 0; i < egress.meshDomains.length; i++) {
    const dotted = canonicalName(r, egress.meshDomains[i], 0, true, "egress.meshDomains[" + i.toString() + "]");
    if (dotted !== null) config.meshDomains.push(dotted);
  }
  config.blocklist = egress.blocklist;
  for (let i = 0; i < egress.rules.length; i++) {
    const rule = compileRule(r, egress.rules[i], "egress.rules[" + i.toString() + "]");
    if (rule.ports !== null) config.needsPort = true;
    config.rules.push(rule);
  }
  const dns = egress.dnsTunneling;
  config.dnsMode = dns.mode;
  if (config.dnsMode != FilterMode.Off) {
    const limits = config.dnsLimits;
    limits.maxLabelLength = <i32>dns.maxLabelLength;
    limits.maxLabels = <i32>dns.maxLabels;
    limits.entropyMinLength = <i32>dns.entropyMinLength;
    limits.maxEntropy = dns.maxEntropy;
  }
  return r.ok ? config : null;
}
