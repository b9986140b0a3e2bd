// Test-only module (not proxy-wasm): runs assembly/lib on bytes the test writes into two input
// slots, and leaves text results in `output`. Compiled by test/wasm/harness.ts at test time.
import { ByteBuf } from "../../../assembly/sdk/bytes";
import { normalizePath, PathError } from "../../../assembly/lib/path";
import { canonicalHost, CanonicalHost, canonicalSni, HostKind } from "../../../assembly/lib/host";
import { bodyText as readBody } from "../../../assembly/lib/body";
import { Cidr, parseCidr } from "../../../assembly/lib/cidr";
import { formatIp, Ip, parseIp, parseSocketAddress, socketAddressPort } from "../../../assembly/lib/ip";
import { compilePathPattern } from "../../../assembly/lib/pattern";
import { isSpiffeId, workloadNamespace } from "../../../assembly/lib/spiffe";
import { dnsTunnelFinding, DnsTunnelLimits, labelEntropy } from "../../../assembly/lib/dns_tunnel";
import { JsonValue, parseJson } from "../../../assembly/lib/json";
import { InboundConfig, readInboundConfig, Segment } from "../../../assembly/filters/identity/config";
import { decideInbound, InboundRequest, InboundVerdict, principalWellFormed, readSourceNamespace, sourceMatches } from "../../../assembly/filters/identity/decide";
import { EgressConfig, readEgressConfig } from "../../../assembly/filters/egress/config";
import { decideEgress, destinationAsHost, EgressRequest, EgressVerdict } from "../../../assembly/filters/egress/decide";
import { ConfigReader } from "../../../assembly/filters/common/config_reader";

const inputs: ByteBuf[] = [new ByteBuf(256), new ByteBuf(256), new ByteBuf(64), new ByteBuf(256), new ByteBuf(16)];
const output = new ByteBuf(256);
const host = new CanonicalHost();
const ip = new Ip();

/** Makes input slot `slot` `size` bytes long and returns where to write them. */
export function input(slot: i32, size: i32): usize {
  const buf = inputs[slot];
  buf.clear();
  buf.reserve(size);
  buf.length = size;
  return buf.ptr;
}

export function outputPtr(): usize {
  return output.ptr;
}

export function outputLength(): i32 {
  return output.length;
}

/** PathError (0 = ok, normalized path in output). */
export function normalize(): i32 {
  return normalizePath(inputs[0].ptr, inputs[0].length, output);
}

/** HostKind (0 reject, 1 name, 2 ip); output = canonical host, reason on reject. */
export function canonicalize(): i32 {
  const kind = canonicalHost(inputs[0].ptr, inputs[0].length, host);
  if (kind == HostKind.Reject) output.setString(host.reason);
  else output.set(host.host.ptr, host.host.length);
  return kind;
}

/** 1 and the canonical SNI in output, or 0 and the reason. */
export function sni(): i32 {
  const kind = canonicalSni(inputs[0].ptr, inputs[0].length, host);
  if (kind == HostKind.Reject) output.setString(host.reason);
  else output.set(host.host.ptr, host.host.length);
  return kind == HostKind.Reject ? 0 : 1;
}

/** The body text of slot 0's bytes (lib/body.ts), as UTF-8 in output. */
export function bodyText(): void {
  readBody(inputs[0], output);
}

export function hostPort(): i32 {
  return host.port;
}

export function hostIpVersion(): i32 {
  return host.ip.version;
}

/** 1 when slot 1 (an IP) is in slot 0 (a CIDR), 0 when not, -1 when either does not parse. */
export function cidrContains(): i32 {
  const cidr: Cidr | null = parseCidr(inputs[0].toString(), output);
  if (cidr === null) return -1;
  if (!parseIp(inputs[1].ptr, 0, inputs[1].length, ip)) return -1;
  return cidr.contains(ip) ? 1 : 0;
}

/** IP version of an IP literal (0 = not one); output = the IP as the engines read it, formatted. */
export function ipText(): i32 {
  if (!parseIp(inputs[0].ptr, 0, inputs[0].length, ip)) return 0;
  formatIp(ip, output);
  return ip.version;
}

/** IP version of an Envoy address property (0 = none); output = the IP, formatted. */
export function socketAddress(): i32 {
  if (!parseSocketAddress(inputs[0].ptr, inputs[0].length, ip)) return 0;
  formatIp(ip, output);
  return ip.version;
}

export function socketPort(): i32 {
  return socketAddressPort(inputs[0].ptr, inputs[0].length);
}

/** 1 when pattern (slot 0) matches path (slot 1), 0 when not, -1 for an invalid pattern. */
export function patternMatches(): i32 {
  const pattern = compilePathPattern(inputs[0].toString());
  if (pattern === null) return -1;
  return pattern.matches(inputs[1]) ? 1 : 0;
}

/** -1 malformed SPIFFE ID; 0 well-formed but not a workload of trust domain (slot 1); 1 + namespace in output. */
export function spiffeNamespace(): i32 {
  if (!isSpiffeId(inputs[0])) return -1;
  return workloadNamespace(inputs[0], inputs[1], output) ? 1 : 0;
}

/**
 * The identity filter's source rule (filters/identity/decide.ts) on principal bytes (slot 0) and a
 * source set (slot 1): the trust domain on the first line, then "I:<identity>", "P:<prefix>" and
 * "N:<namespace>" lines. 1 admitted, 0 not.
 */
export function segmentAdmits(): i32 {
  const lines = inputs[1].toString().split("\n");
  const trustDomain = ByteBuf.fromString(lines[0]);
  const segment = new Segment();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length < 2) continue;
    const value = ByteBuf.fromString(line.substring(2));
    if (line.startsWith("I:")) segment.principals.push(value);
    else if (line.startsWith("P:")) segment.principalPrefixes.push(value);
    else if (line.startsWith("N:")) segment.namespaces.push(value);
  }
  const request = new InboundRequest();
  request.principal.set(inputs[0].ptr, inputs[0].length);
  request.principalWellFormed = principalWellFormed(request.principal);
  const hasNamespace = readSourceNamespace(request, trustDomain);
  return sourceMatches(segment, request, hasNamespace) ? 1 : 0;
}

export function dnsFinding(maxLabelLength: i32, maxLabels: i32, entropyMinLength: i32, maxEntropy: f64): i32 {
  const limits = new DnsTunnelLimits();
  limits.maxLabelLength = maxLabelLength;
  limits.maxLabels = maxLabels;
  limits.entropyMinLength = entropyMinLength;
  limits.maxEntropy = maxEntropy;
  const copy = inputs[0];
  return dnsTunnelFinding(copy, limits);
}

export function entropy(): f64 {
  return labelEntropy(inputs[0].ptr, 0, inputs[0].length);
}

/** 1 and a canonical re-serialization in output, or 0 and the error in output. */
export function json(): i32 {
  const result = parseJson(inputs[0]);
  if (result.value === null) {
    output.setString(result.error!);
    return 0;
  }
  output.clear();
  serialize(result.value!);
  return 1;
}

function serialize(v: JsonValue): void {
  switch (v.kind) {
    case 0: output.appendString("null"); break;
    case 1: output.appendString(v.bool ? "true" : "false"); break;
    case 2: output.appendString(v.number.toString()); break;
    case 3: output.push(34); output.appendString(v.text); output.push(34); break;
    case 4: {
      output.push(91);
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) output.push(44);
        serialize(v.items[i]);
      }
      output.push(93);
      break;
    }
    default: {
      output.push(123);
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) output.push(44);
        output.push(34);
        output.appendString(v.keys[i]);
        output.push(34);
        output.push(58);
        serialize(v.items[i]);
      }
      output.push(125);
    }
  }
}

// Whole decisions: the filters' decide.ts on their configuration (slot 0, the plugin JSON, parsed
// when `fresh`) and the request facts the filters read from Envoy.
let inboundConfig: InboundConfig | null = null;
const inboundRequest = new InboundRequest();
const inboundVerdict = new InboundVerdict();

function verdictText(allow: bool, status: u32, rule: string, reason: string): void {
  output.setString((allow ? "allow " : "deny ") + status.toString() + " " + rule + " " + reason);
}

/**
 * decideInbound on principal (slot 1), source address "ip:port" (slot 2, when hasSource), :path
 * (slot 3, when hasPath), :method (slot 4) and destination port (configuration: slot 0, read when fresh); the verdict in output as
 * "allow|deny status segment reason". 0, or -1 for a configuration the filter rejects.
 */
export function inbound(fresh: i32, hasSource: i32, hasPath: i32, port: i32): i32 {
  if (fresh != 0) {
    const r = new ConfigReader();
    const doc = r.parse(inputs[0]);
    inboundConfig = doc === null ? null : readInboundConfig(r, doc);
  }
  const config = inboundConfig;
  if (config === null) return -1;
  const request = inboundRequest;
  request.sourceIp.version = 0;
  if (hasSource != 0 && config.blocklist.length > 0 && !parseSocketAddress(inputs[2].ptr, inputs[2].length, request.sourceIp)) request.sourceIp.version = -1;
  request.principal.set(inputs[1].ptr, inputs[1].length);
  request.principalWellFormed = principalWellFormed(request.principal);
  request.pathError = hasPath != 0 ? normalizePath(inputs[3].ptr, inputs[3].length, request.path) : PathError.NotAbsolute;
  request.method.set(inputs[4].ptr, inputs[4].length);
  request.port = config.needsPort ? port : 0;
  decideInbound(config, request, inboundVerdict);
  const segment = inboundVerdict.segment;
  verdictText(inboundVerdict.allow, inboundVerdict.status, segment === null ? "-" : segment.name.toString(), inboundVerdict.reason);
  return 0;
}

let egressConfig: EgressConfig | null = null;
const egressRequest = new EgressRequest();
const egressVerdict = new EgressVerdict();

/** The egress configuration in slot 0, parsed again when `fresh`; null when the filter rejects it. */
function egressConfigOf(fresh: i32): EgressConfig | null {
  if (fresh != 0) {
    const r = new ConfigReader();
    const doc = r.parse(inputs[0]);
    egressConfig = doc === null ? null : readEgressConfig(r, doc);
  }
  return egressConfig;
}

/** decideEgress, its verdict in output as for inbound, then " dns=<finding>". */
function decideEgressInto(config: EgressConfig, request: EgressRequest): void {
  decideEgress(config, request, egressVerdict);
  const rule = egressVerdict.rule;
  verdictText(egressVerdict.allow, egressVerdict.status, rule === null ? "-" : rule.name.toString(), egressVerdict.reason);
  output.appendString(" dns=" + (<i32>egressVerdict.dnsFinding).toString());
}

/**
 * decideEgress on :authority (slot 1), SNI (slot 2), destination address "ip:port" (slot 3, when
 * hasDestination), the destination port and whether the scheme is https, with the facts read as
 * filters/egress/http.ts reads them; output as for inbound, then the DNS finding. 0, or -1.
 */
export function egress(fresh: i32, hasDestination: i32, destinationPort: i32, https: i32): i32 {
  const config = egressConfigOf(fresh);
  if (config === null) return -1;
  const request = egressRequest;
  const authority = inputs[1];
  const sni = inputs[2];
  let addressPort = -1;
  request.destination.version = 0;
  if (config.blocklist.length > 0 || authority.length == 0) {
    addressPort = 0;
    if (hasDestination != 0) {
      if (!parseSocketAddress(inputs[3].ptr, inputs[3].length, request.destination)) request.destination.version = -1;
      addressPort = socketAddressPort(inputs[3].ptr, inputs[3].length);
    }
  }
  if (authority.length > 0) canonicalHost(authority.ptr, authority.length, request.host);
  else if (sni.length > 0) canonicalSni(sni.ptr, sni.length, request.host);
  else destinationAsHost(request, "no :authority, no SNI and no destination address");
  request.portMismatch = false;
  request.port = 0;
  if (config.needsPort || request.host.port != 0) {
    // http.ts requestPort: the address's port when the address was read, else destination.port
    const destination = addressPort >= 0 ? addressPort : destinationPort;
    const port = request.host.port;
    if (destination != 0) {
      request.portMismatch = port != 0 && port != destination;
      request.port = destination;
    } else request.port = port != 0 ? port : https != 0 ? 443 : 80;
  }
  decideEgressInto(config, request);
  return 0;
}

const tcpRequest = new EgressRequest();

/**
 * decideEgress as filters/egress/tcp.ts reads a connection: SNI (slot 2), else the destination
 * address (slot 3, when hasDestination) as the host; the address's port, else destinationPort. Its
 * request is never given a port mismatch (there is no authority). Output as for egress; 0, or -1.
 */
export function egressTcp(fresh: i32, hasDestination: i32, destinationPort: i32): i32 {
  const config = egressConfigOf(fresh);
  if (config === null) return -1;
  const request = tcpRequest;
  const sni = inputs[2];
  request.destination.version = 0;
  let port = 0;
  if (hasDestination != 0) {
    if (!parseSocketAddress(inputs[3].ptr, inputs[3].length, request.destination)) request.destination.version = -1;
    port = socketAddressPort(inputs[3].ptr, inputs[3].length);
  }
  if (sni.length > 0) canonicalSni(sni.ptr, sni.length, request.host);
  else destinationAsHost(request, "no SNI and no destination address");
  request.port = port != 0 ? port : destinationPort;
  decideEgressInto(config, request);
  return 0;
}
