// egress-tcp (network filter, root_id "egress-tcp"): the egress decision for a TCP connection,
// host from the TLS SNI (`connection.requested_server_name`, a bare host name), port from `destination.port`.
// Without SNI the destination IP (`destination.address`) is decided as an IP literal.
// Deny: proxy_close_stream(Downstream) — Envoy closes the connection (FlushWrite) — and every
// later data callback answers StopIteration, so no byte is forwarded in either direction.
import {
  ByteBuf, closeStream, FilterStatus, getProperty, LogLevel, logBytes, logEnabled, StreamContext, StreamType,
} from "../../sdk";
import { canonicalSni } from "../../lib/host";
import { DESTINATION_ADDRESS, readAddressIp, readDestinationPort, SNI } from "../common/request_facts";
import { decideEgress, destinationAsHost, EgressRequest, EgressVerdict } from "./decide";
import { recordVerdict } from "./verdict_state";
import { EgressRoot } from "./root";

const sni = new ByteBuf(256);
const request = new EgressRequest();
const verdict = new EgressVerdict();

/** Host (SNI, else the destination IP) and destination; returns the destination port (0: none). */
function readHost(): i32 {
  const host = request.host;
  getProperty(SNI, sni);
  const port = readAddressIp(DESTINATION_ADDRESS, request.destination);
  if (sni.length > 0) {
    canonicalSni(sni.ptr, sni.length, host);
    return port;
  }
  destinationAsHost(request, "no SNI and no destination address");
  return port;
}

export class EgressTcpStream extends StreamContext {
  private denied: bool = false;

  onNewConnection(): FilterStatus {
    const root = changetype<EgressRoot>(this.root);
    const config = root.config;
    if (config === null) return this.deny("not-configured");
    const port = readHost();
    request.port = port != 0 ? port : readDestinationPort();
    decideEgress(config, request, verdict);
    root.count(verdict);
    recordVerdict(verdict);
    if (verdict.allow) return FilterStatus.Continue;
    return this.deny(verdict.reason);
  }

  private deny(reason: string): FilterStatus {
    this.denied = true;
    if (logEnabled(LogLevel.Debug)) logBytes(LogLevel.Debug, "meshguard egress-tcp: closed " + reason + " sni=", sni);
    closeStream(StreamType.Downstream);
    return FilterStatus.StopIteration;
  }

  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return this.denied ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    return this.denied ? FilterStatus.StopIteration : FilterStatus.Continue;
  }
}
