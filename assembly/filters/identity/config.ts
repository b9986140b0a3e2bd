// The identity filter's part of the plugin configuration: top-level `trustDomain` and the
// `inbound` section (assembly/README.md "Plugin configuration").
import { ByteBuf } from "../../sdk";
import { Cidr } from "../../lib/cidr";
import { JsonKind, JsonValue } from "../../lib/json";
import { compilePathPattern, PathPattern } from "../../lib/pattern";
import { ConfigReader, DECISIONS } from "../common/config_reader";

export class InboundRule {
  /** null: any method; [] (present but empty): none, as in the TS engine. */
  methods: ByteBuf[] | null = null;
  /** null: any path. */
  paths: PathPattern[] | null = null;
  /** null: any port. */
  ports: i32[] | null = null;
}

export class Segment {
  name: ByteBuf = new ByteBuf(16);
  principals: ByteBuf[] = [];
  principalPrefixes: ByteBuf[] = [];
  namespaces: ByteBuf[] = [];
  /** Empty: any request from a matching source. */
  rules: InboundRule[] = [];
}

export class InboundConfig {
  version: string = "";
  workload: string = "";
  trustDomain: ByteBuf = new ByteBuf(16);
  mtlsStrict: bool = true;
  selected: bool = false;
  defaultAllow: bool = false;
  blocklist: Cidr[] = [];
  segments: Segment[] = [];
  /** Some rule lists ports: the request's destination port is needed. */
  needsPort: bool = false;
  /** Quarantined identities: denied as sources before anything else (the engine's order). */
  quarantined: ByteBuf[] = [];
}

function readRule(r: ConfigReader, v: JsonValue, path: string, config: InboundConfig): InboundRule {
  const rule = new InboundRule();
  rule.methods = r.strings(v, "methods", path + ".methods", false);
  const paths = r.strings(v, "paths", path + ".paths", false);
  if (paths !== null) {
    const patterns = new Array<PathPattern>();
    for (let i = 0; i < paths.length; i++) {
      const text = paths[i].toString();
      const pattern = compilePathPattern(text);
      if (pattern === null) r.fail(path + ".paths[" + i.toString() + "]", "\"" + text + "\": * only as the whole pattern, its first or its last character");
      else patterns.push(pattern);
    }
    rule.paths = patterns;
  }
  rule.ports = r.ports(v, "ports", path + ".ports");
  if (rule.ports !== null) config.needsPort = true;
  return rule;
}

function readSegment(r: ConfigReader, v: JsonValue, path: string, config: InboundConfig): Segment {
  const segment = new Segment();
  segment.name.setString(r.string(v, "name", path + ".name", true));
  segment.principals = r.strings(v, "principals", path + ".principals", true)!;
  segment.principalPrefixes = r.strings(v, "principalPrefixes", path + ".principalPrefixes", true)!;
  segment.namespaces = r.strings(v, "namespaces", path + ".namespaces", true)!;
  const rules = r.array(v, "rules", path + ".rules", false);
  if (rules !== null) {
    for (let i = 0; i < rules.items.length; i++) {
      const item = rules.items[i];
      const itemPath = path + ".rules[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        r.fail(itemPath, "expected an object, got " + item.kindName());
        continue;
      }
      segment.rules.push(readRule(r, item, itemPath, config));
    }
  }
  return segment;
}

/** The inbound configuration, or null with `r.error` set. */
export function readInboundConfig(r: ConfigReader, doc: JsonValue): InboundConfig | null {
  const config = new InboundConfig();
  config.version = r.string(doc, "version", "version", false);
  config.workload = r.string(doc, "workload", "workload", false);
  config.trustDomain.setString(r.string(doc, "trustDomain", "trustDomain", true));
  if (r.ok && config.trustDomain.length == 0) r.fail("trustDomain", "must not be empty");
  config.quarantined = r.strings(doc, "quarantined", "quarantined", true)!;
  const inbound = r.object(doc, "inbound", "inbound", true);
  if (inbound === null) return null;
  config.mtlsStrict = r.choice(inbound, "mtls", "inbound.mtls", ["permissive", "strict"]) == 1;
  config.selected = r.bool(inbound, "selected", "inbound.selected");
  config.defaultAllow = r.choice(inbound, "default", "inbound.default", DECISIONS) == 1;
  config.blocklist = r.cidrs(inbound, "blocklist", "inbound.blocklist", true);
  const segments = r.array(inbound, "segments", "inbound.segments", true);
  if (segments !== null) {
    for (let i = 0; i < segments.items.length; i++) {
      const item = segments.items[i];
      const path = "inbound.segments[" + i.toString() + "]";
      if (item.kind != JsonKind.Object) {
        r.fail(path, "expected an object, got " + item.kindName());
        continue;
      }
      config.segments.push(readSegment(r, item, path, config));
    }
  }
  return r.ok ? config : null;
}
