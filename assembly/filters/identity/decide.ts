// The inbound decision (DESIGN.md "Inbound decision", steps 2-7), pure: the filter gathers the
// request's facts, this decides. No hostcalls, no allocation.
import { ByteBuf } from "../../sdk";
import { blocklisted } from "../../lib/cidr";
import { Ip } from "../../lib/ip";
import { PathError } from "../../lib/path";
import { anyPatternMatches } from "../../lib/pattern";
import { isSpiffeId, workloadNamespace } from "../../lib/spiffe";
import { InboundConfig, InboundRule, Segment } from "./config";

export class InboundRequest {
  /** version 0 when the source address is absent, -1 when it is not an IP. */
  sourceIp: Ip = new Ip();
  /** The peer's verified URI SAN (empty: no identity). */
  principal: ByteBuf = new ByteBuf(128);
  /** The principal is a well-formed SPIFFE ID (a malformed one matches nothing). */
  principalWellFormed: bool = false;
  pathError: PathError = PathError.None;
  /** The normalized path. */
  path: ByteBuf = new ByteBuf(128);
  method: ByteBuf = new ByteBuf(16);
  /** 0 when unknown. */
  port: i32 = 0;
}

export class InboundVerdict {
  allow: bool = false;
  status: u32 = 403;
  /** The segment that allowed the request, if one did. */
  segment: Segment | null = null;
  reason: string = "";

  set(allow: bool, status: u32, segment: Segment | null, reason: string): void {
    this.allow = allow;
    this.status = status;
    this.segment = segment;
    this.reason = reason;
  }
}

const namespace = new ByteBuf(64);

function containsBytes(list: ByteBuf[], value: ByteBuf): bool {
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]).equals(value)) return true;
  return false;
}

function anyPrefixOf(list: ByteBuf[], value: ByteBuf): bool {
  for (let i = 0; i < list.length; i++) {
    const prefix = unchecked(list[i]);
    if (value.startsWithRaw(prefix.ptr, prefix.length)) return true;
  }
  return false;
}

function containsPort(list: i32[], port: i32): bool {
  for (let i = 0; i < list.length; i++) if (unchecked(list[i]) == port) return true;
  return false;
}

/** The principal fact sourceMatches needs first: a present, well-formed SPIFFE ID. */
export function principalWellFormed(principal: ByteBuf): bool {
  return principal.length > 0 && isSpiffeId(principal);
}

/** Reads the principal's Kubernetes namespace in the trust domain (for sourceMatches); false when it has none. */
export function readSourceNamespace(request: InboundRequest, trustDomain: ByteBuf): bool {
  return request.principalWellFormed && workloadNamespace(request.principal, trustDomain, namespace);
}

/**
 * Does the segment's `from` admit the request's source: the twin of SourceSet.admits
 * (control-plane/canon/source-set.ts), tested against it differentially
 * (test/parity/source-admission.test.ts). `hasNamespace` comes from readSourceNamespace.
 */
export function sourceMatches(segment: Segment, request: InboundRequest, hasNamespace: bool): bool {
  if (!request.principalWellFormed) return false;
  if (containsBytes(segment.principals, request.principal)) return true;
  if (anyPrefixOf(segment.principalPrefixes, request.principal)) return true;
  return hasNamespace && containsBytes(segment.namespaces, namespace);
}

function ruleMatches(rule: InboundRule, request: InboundRequest): bool {
  const methods = rule.methods;
  if (methods !== null && !containsBytes(methods, request.method)) return false;
  const paths = rule.paths;
  if (paths !== null && !anyPatternMatches(paths, request.path)) return false;
  const ports = rule.ports;
  return ports === null || containsPort(ports, request.port);
}

function requestMatches(segment: Segment, request: InboundRequest): bool {
  const rules = segment.rules;
  if (rules.length == 0) return true;
  for (let i = 0; i < rules.length; i++) if (ruleMatches(unchecked(rules[i]), request)) return true;
  return false;
}

export function decideInbound(config: InboundConfig, request: InboundRequest, verdict: InboundVerdict): void {
  if (request.principal.length > 0 && containsBytes(config.quarantined, request.principal)) return verdict.set(false, 403, null, "quarantined");
  if (blocklisted(config.blocklist, request.sourceIp)) return verdict.set(false, 403, null, "blocklisted-source");
  if (config.mtlsStrict && request.principal.length == 0) return verdict.set(false, 403, null, "no-peer-identity");
  if (request.pathError != PathError.None) return verdict.set(false, 400, null, "invalid-path");
  if (!config.selected) {
    return config.defaultAllow
      ? verdict.set(true, 200, null, "default-allow")
      : verdict.set(false, 403, null, "default-deny");
  }
  const hasNamespace = readSourceNamespace(request, config.trustDomain);
  const segments = config.segments;
  for (let i = 0; i < segments.length; i++) {
    const segment = unchecked(segments[i]);
    if (sourceMatches(segment, request, hasNamespace) && requestMatches(segment, request)) {
      return verdict.set(true, 200, segment, "segment");
    }
  }
  verdict.set(false, 403, null, "no-matching-segment");
}
