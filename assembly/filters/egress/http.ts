// egress (HTTP): outbound requests, host from :authority (or host), else the TLS SNI, else the
// destination IP; the port from the connection (DESIGN.md "Egress decision").
import { ByteBuf, bytesEqual, getHeaderPairs, getProperty, HeadersStatus, HttpContext, LogLevel, logBytes, logEnabled, MapType, PairsReader } from "../../sdk";
import { canonicalHost, canonicalSni } from "../../lib/host";
import { DenyReply } from "../common/deny_reply";
import { DESTINATION_ADDRESS, readAddressIp, readDestinationPort, SNI } from "../common/request_facts";
import { decideEgress, destinationAsHost, EgressRequest, EgressVerdict } from "./decide";
import { recordVerdict } from "./verdict_state";
import { EgressRoot } from "./root";

const AUTHORITY = ByteBuf.fromString(":authority");
const HOST = ByteBuf.fromString("host");
const SCHEME = ByteBuf.fromString(":scheme");
const HTTPS = ByteBuf.fromString("https");
const HTTP = ByteBuf.fromString("http");

const headerPairs = new ByteBuf(2048);
const pairs = new PairsReader();
const authority = new ByteBuf(256);
const sni = new ByteBuf(256);
const scheme = new ByteBuf(8);
const request = new EgressRequest();
const verdict = new EgressVerdict();
const reply = new DenyReply("egress");

/** :authority (else host) into `authority`, :scheme into `scheme`, from one pairs read. */
function readAuthorityAndScheme(): void {
  authority.clear();
  scheme.clear();
  let fromAuthority = false;
  if (!getHeaderPairs(MapType.HttpRequestHeaders, headerPairs) || !pairs.reset(headerPairs)) return;
  while (pairs.next()) {
    const key = pairs.keyPtr;
    const n = pairs.keyLength;
    if (!fromAuthority && bytesEqual(key, n, AUTHORITY.ptr, AUTHORITY.length)) {
      authority.set(pairs.valuePtr, pairs.valueLength);
      fromAuthority = true;
    } else if (!fromAuthority && authority.length == 0 && bytesEqual(key, n, HOST.ptr, HOST.length)) {
      authority.set(pairs.valuePtr, pairs.valueLength);
    } else if (scheme.length == 0 && bytesEqual(key, n, SCHEME.ptr, SCHEME.length)) {
      scheme.set(pairs.valuePtr, pairs.valueLength);
    }
  }
}

/**
 * The connection's destination port (read already, or now) decides, and an authority port that
 * differs from it is a mismatch; without one, the authority's port, else the scheme's.
 */
function requestPort(destinationPort: i32): i32 {
  const port = request.host.port;
  const destination = destinationPort >= 0 ? destinationPort : readDestinationPort();
  if (destination != 0) {
    request.portMismatch = port != 0 && port != destination;
    return destination;
  }
  if (port != 0) return port;
  if (equalsIgnoreCase(scheme, HTTPS)) return 443;
  if (equalsIgnoreCase(scheme, HTTP)) return 80;
  return 0;
}

/** ASCII case-insensitive equality with a lower-case constant. */
function equalsIgnoreCase(value: ByteBuf, lower: ByteBuf): bool {
  if (value.length != lower.length) return false;
  for (let i = 0; i < value.length; i++) {
    let c = value.at(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c != lower.at(i)) return false;
  }
  return true;
}

export class EgressHttpStream extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): HeadersStatus {
    const root = changetype<EgressRoot>(this.root);
    const config = root.config;
    if (config === null) {
      reply.send(403, "not-configured", null);
      return HeadersStatus.StopIteration;
    }
    readAuthorityAndScheme();
    // destination.port is the port of destination.address: one read serves both when possible.
    let destinationPort = -1;
    if (config.blocklist.length > 0 || authority.length == 0) destinationPort = readAddressIp(DESTINATION_ADDRESS, request.destination);
    else request.destination.version = 0;
    // The host: :authority (or Host), else the TLS SNI (a bare host name), else the destination IP.
    sni.clear();
    if (authority.length > 0) canonicalHost(authority.ptr, authority.length, request.host);
    else if (getProperty(SNI, sni) && sni.length > 0) canonicalSni(sni.ptr, sni.length, request.host);
    else destinationAsHost(request, "no :authority, no SNI and no destination address");
    request.portMismatch = false;
    request.port = config.needsPort || request.host.port != 0 ? requestPort(destinationPort) : 0;

    decideEgress(config, request, verdict);
    root.count(verdict);
    recordVerdict(verdict);
    if (verdict.allow) return HeadersStatus.Continue;
    if (logEnabled(LogLevel.Debug)) {
      logBytes(LogLevel.Debug, "meshguard egress: 403 " + verdict.reason + " authority=", authority.length > 0 ? authority : sni);
    }
    const rule = verdict.rule;
    reply.send(verdict.status, verdict.reason, rule !== null ? rule.name : null);
    return HeadersStatus.StopIteration;
  }
}
