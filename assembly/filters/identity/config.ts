// The identity filter's part of the plugin configuration: top-level `trustDomain` and the
// `inbound` section (IdentityFilterConfig in control-plane/filter-config/filter-config.schema.json),
// read by the generated reader and compiled here into the form decide.ts uses.
import { ByteBuf } from "../../sdk";
import { Cidr } from "../../lib/cidr";
import { JsonValue } from "../../lib/json";
import { compilePathPattern, PathPattern } from "../../lib/pattern";
import { ConfigReader } from "../common/config_reader";
import { FilterMtls, FilterRule, FilterSegment, FilterTelemetry, FilterVerdict, readIdentityFilterConfig } from "../common/config_generated";

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
  telemetry: FilterTelemetry | null = null;
}

function compileRule(r: ConfigReader, raw: FilterRule, path: string, config: InboundConfig): InboundRule {
  const rule = new InboundRule();
  rule.methods = raw.methods;
  const paths = raw.paths;
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
  rule.ports = raw.ports;
  if (rule.ports !== null) config.needsPort = true;
  return rule;
}

function compileSegment(r: ConfigReader, raw: FilterSegment, path: string, config: InboundConfig): Segment {
  const segment = new Segment();
  segment.name.setString(raw.name);
  segment.principals = raw.principals;
  segment.principalPrefixes = raw.principalPrefixes;
  segment.namespaces = raw.namespaces;
  for (let i = 0; i < raw.rules.length; i++) segment.rules.push(compileRule(r, raw.rules[i], path + ".rules[" + i.toString() + "]", config));
  return segment;
}

/**
 * The inbound configuration (and the optional `telemetry`), or null with `r.error` set: read by the
 * reader generated from the schema, then compiled (path patterns) into the filter's form.
 */
export function readInboundConfig(r: ConfigReader, doc: JsonValue): InboundConfig | null {
  const raw = readIdentityFilterConfig(r, doc, "");
  if (!r.ok) return null;
  const config = new InboundConfig();
  config.version = raw.version;
  config.workload = raw.workload;
  config.trustDomain.setString(raw.trustDomain);
  config.quarantined = raw.quarantined;
  const inbound = raw.inbound;
  config.mtlsStrict = inbound.mtls == FilterMtls.Strict;
  config.selected = inbound.selected;
  config.defaultAllow = inbound.default == FilterVerdict.Allow;
  config.blocklist = inbound.blocklist;
  for (let i = 0; i < inbound.segments.length; i++) {
    config.segments.push(compileSegment(r, inbound.segments[i], "inbound.segments[" + i.toString() + "]", config));
  }
  config.telemetry = raw.telemetry;
  return r.ok ? config : null;
}
