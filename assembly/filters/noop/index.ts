// The do-nothing HTTP filter: the benchmark baseline for what the SDK itself costs per request
// (context creation, dispatch, Continue).
import { HttpContext, registerRootContext, RootContext } from "../../sdk";

export * from "../../sdk/exports";

class NoopRoot extends RootContext {
  newHttpContext(contextId: u32): HttpContext | null {
    return new HttpContext(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new NoopRoot(contextId));
