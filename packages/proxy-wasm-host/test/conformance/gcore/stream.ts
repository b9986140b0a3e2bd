// Shared by the conformance modules: the ABI's header map and buffer numbers, the lines their
// header and data callbacks trace, TracedStream (the stream context every module extends: it
// traces on_delete, the line the harness waits for) and StreamRoot, a root that only creates them.

import { Context, RootContext } from "@gcoredev/proxy-wasm-sdk-as/assembly";
import { trace } from "./trace";

// HeaderMapType
export const REQ: u32 = 0;
export const REQ_TRAILERS: u32 = 1;
export const RESP: u32 = 2;
export const RESP_TRAILERS: u32 = 3;
// BufferType
export const REQ_BODY: u32 = 0;
export const RESP_BODY: u32 = 1;
export const VM_CONFIGURATION: u32 = 6;
export const PLUGIN_CONFIGURATION: u32 = 7;

function eos(end_of_stream: bool): string {
  return " eos=" + (end_of_stream ? "1" : "0");
}

/** A header callback's line: "<event> <id> count=<n> eos=0|1". */
export function traceHeaders(event: string, id: u32, count: u32, end_of_stream: bool): void {
  trace(event + " " + id.toString() + " count=" + count.toString() + eos(end_of_stream));
}

/** A data callback's line: "<event> <id> size=<n> eos=0|1". */
export function traceData(event: string, id: u32, size: usize, end_of_stream: bool): void {
  trace(event + " " + id.toString() + " size=" + size.toString() + eos(end_of_stream));
}

export class TracedStream extends Context {
  constructor(context_id: u32, root: RootContext) {
    super(context_id, root);
  }

  onDelete(): void {
    trace("delete " + this.context_id.toString());
  }
}

/** A root context whose only part is to create stream contexts of class T. */
export class StreamRoot<T extends TracedStream> extends RootContext {
  createContext(context_id: u32): Context {
    return instantiate<T>(context_id, this);
  }
}
