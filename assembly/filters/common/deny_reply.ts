// The local reply both HTTP filters send on a denial: status 400/403, the generic body ext_authz
// sends too (the reason never goes in the body), `x-meshguard-rule` (when a rule decided) and
// `x-meshguard-reason`, no grpc-status.
// Buffers are reused; nothing here allocates once warmed up.
import { ByteBuf, GRPC_STATUS_NONE, PairsWriter, sendLocalResponse } from "../../sdk";

export const RULE_HEADER = ByteBuf.fromString("x-meshguard-rule");
export const REASON_HEADER = ByteBuf.fromString("x-meshguard-reason");

export class DenyReply {
  private headers: PairsWriter = new PairsWriter();
  private body: ByteBuf = new ByteBuf(128);
  private details: ByteBuf = new ByteBuf(64);
  private reasonBytes: ByteBuf = new ByteBuf(64);

  /** `filter` names the response code details ("meshguard_<filter>_denied"). */
  constructor(private readonly filter: string) {}

  send(status: u32, reason: string, rule: ByteBuf | null): void {
    const reasonBytes = this.reasonBytes;
    reasonBytes.setString(reason);
    const headers = this.headers;
    headers.clear();
    if (rule !== null && rule.length > 0) headers.addBuf(RULE_HEADER, rule);
    headers.addBuf(REASON_HEADER, reasonBytes);
    const body = this.body;
    body.setString(status == 400 ? "meshguard: bad request\n" : "meshguard: access denied\n");
    this.details.setString("meshguard_");
    this.details.appendString(this.filter);
    this.details.appendString("_denied");
    sendLocalResponse(status, this.details, body, headers, GRPC_STATUS_NONE);
  }
}
