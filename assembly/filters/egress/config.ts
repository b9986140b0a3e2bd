// The egress filters' part of the plugin configuration: the `egress` section
// (assembly/README.md "Plugin configuration").
import { ByteBuf } from "../../sdk";
import { Cidr } from "../../lib/cidr";
import { DnsTunnelLimits } from "../../lib/dns_tunnel";
import { canonicalHost, CanonicalHost, HostKind } from "../../lib/host";
import { JsonKind, JsonValue } from "../../lib/json";
import { ConfigReader, DECISIONS } from "../common/config_reader";

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

export enum DnsTunnelMode {
  Off = 0,
  Monitor = 1,
  Enforce = 2,
}

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
  dnsMode: DnsTunnelMode = DnsTunnelMode.Off;
  dnsLimits: DnsTunnelLimits = new DnsTunnelLimits();
  /** Some rule lists ports: the request's port is needed. */
  needsPort: bool = false;
}

const scratch = new CanonicalHost();

/** The canonical form of a DNS name in the configuration, or null (and `r` failed). */
function canonicalName(r: ConfigReader, text: string, path: string): ByteBuf | null {
  const bytes = ByteBuf.fromString(text);
  const kind = canonicalHost(bytes.ptr, bytes.length, scratch);
  if (kind != HostKind.Name || scratch.port != 0) {
    r.fail(path, "\"" + text + "\" is not a DNS name" + (kind == HostKind.Ip ? " (IP literals belong in cidrs)" : ""));
    return null;
  }
  const out = new ByteBuf(scratch.host.length + 1);
  out.appendBuf(scratch.host);
  return out;
}

function readHostPattern(r: ConfigReader, text: string, path: string): HostPattern | null {
  if (text == "*") return new HostPattern(HostPatternKind.AnyName, new ByteBuf(1));
  if (text.startsWith("*.")) {
    const suffix = canonicalName(r, text.substring(2), path);
    if (suffix === null) return null;
    const dotted = new ByteBuf(suffix.length + 1);
    dotted.push(46);
    dotted.appendBuf(suffix);
    return new HostPattern(HostPatternKind.Subdomains, dotted);
  }
  const name = canonicalName(r, text, path);
  return name === null ? null : new HostPattern(HostPatternKind.Exact, name);
}

function readRule(r: ConfigReader, v: JsonValue, path: string): EgressRule {
  const rule = new EgressRule();
  rule.name.setString(r.string(v, "name", path + ".name", true));
  const hosts = r.strings(v, "hosts", path + ".hosts", true)!;
  for (let i = 0; i < hosts.length; i++) {
    const pattern = readHostPattern(r, hosts[i].toString(), path + ".hosts[" + i.toString() + "]");
    if (pattern !== null) rule.hosts.push(pattern);
  }
  rule.cidrs = r.cidrs(v, "cidrs", path + ".cidrs", false);
  rule.ports = r.ports(v, "ports", path + ".ports");
  return rule;
}

function readDnsTunneling(r: ConfigReader, section: JsonValue, config: EgressConfig): void {
  const v = r.object(section, "dnsTunneling", "egress.dnsTunneling", true);
  if (v === null) return;
  config.dnsMode = <DnsTunnelMode>r.choice(v, "mode", "egress.dnsTunneling.mode", ["off", "monitor", "enforce"]);
  if (config.dnsMode == DnsTunnelMode.Off) return;
  const limits = config.dnsLimits;
  limits.maxLabelLength = <i32>r.number(v, "maxLabelLength", "egress.dnsTunneling.maxLabelLength", 1, 253, true);
  limits.maxLabels = <i32>r.number(v, "maxLabels", "egress.dnsTunneling.maxLabels", 1, 127, true);
  limits.entropyMinLength = <i32>r.number(v, "entropyMinLength", "egress.dnsTunneling.entropyMinLength", 1, 253, true);
  limits.maxEntropy = r.number(v, "maxEntropy", "egress.dnsTunneling.maxEntropy", 0, 8, false);
}

/** The egress configuration, or null with `r.error` set. */
export function readEgressConfig(r: ConfigReader, doc: JsonValue): EgressConfig | null {
  const config = new EgressConfig();
  config.version = r.string(doc, "version", "version", false);
  config.workload = r.string(doc, "workload", "workload", false);
  const identity = r.string(doc, "identity", "identity", false);
  const quarantined = r.strings(doc, "quarantined", "quarantined", true)!;
  for (let i = 0; i < quarantined.length; i++) if (quarantined[i].toString() == identity) config.quarantined = true;
  const egress = r.object(doc, "egress", "egress", true);
  if (egress === null) return null;
  config.selected = r.bool(egress, "selected", "egress.selected");
  config.defaultAllow = r.choice(egress, "default", "egress.default", DECISIONS) == 1;
  const domains = r.strings(egress, "meshDomains", "egress.meshDomains", true)!;
  for (let i = 0; i < domains.length; i++) {
    const name = canonicalName(r, domains[i].toString(), "egress.meshDomains[" + i.toString() + "]");
    if (name === null) continue;
    const dotted = new ByteBuf(name.length + 1);
    dotted.push(46);
    dotted.appendBuf(name);
    config.meshDomains.push(dotted);
  }
  config.blocklist = r.cidrs(egress, "blocklist", "egress.blocklist", true);
  const rules = r.array(egress, "rules", "egress.rules", true);
  if (rules !== null) {
    for (let i = 0; i < rules.items.length; i++) {
      const item = rules.items[i];
      const path = "egress.rules[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        r.fail(path, "expected an object, got " + item.kindName());
        continue;
      }
      const rule = readRule(r, item, path);
      if (rule.ports !== null) config.needsPort = true;
      config.rules.push(rule);
    }
  }
  readDnsTunneling(r, egress, config);
  return r.ok ? config : null;
}
