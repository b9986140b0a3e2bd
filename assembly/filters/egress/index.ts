// egress: the HTTP filter (any root_id) and the network filter (root_id "egress-tcp") in one
// module; both read the `egress` section of the same plugin configuration.
import { HttpContext, registerRootContext, RootContext, StreamContext } from "../../sdk";
import { EgressHttpStream } from "./http";
import { EgressRoot } from "./root";
import { EgressTcpStream } from "./tcp";

export * from "../../sdk/exports";

class EgressHttpRoot extends EgressRoot {
  newHttpContext(contextId: u32): HttpContext | null {
    return new EgressHttpStream(contextId, this);
  }
}

class EgressTcpRoot extends EgressRoot {
  newStreamContext(contextId: u32): StreamContext | null {
    return new EgressTcpStream(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new EgressHttpRoot(contextId, "egress"));
registerRootContext((contextId: u32): RootContext => new EgressTcpRoot(contextId, "egress-tcp"), "egress-tcp");
