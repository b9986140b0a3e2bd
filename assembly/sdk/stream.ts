// Stream control and host status.
import { proxy_close_stream, proxy_continue_stream, proxy_done, proxy_get_status } from "./abi/imports";
import { outPtr, outU32, resetDataSlots, takeHostData } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { Status, StreamType } from "./types";

/** Resumes a paused stream after the callback returns (Envoy: Upstream is Unimplemented). */
export function continueStream(type: StreamType): Status {
  return <Status>proxy_continue_stream(type);
}

/** HTTP: resets the stream. TCP (Downstream/Upstream): closes the connection, flushing writes. */
export function closeStream(type: StreamType): Status {
  return <Status>proxy_close_stream(type);
}

/** Finishes a context whose onDone returned false. */
export function done(): Status {
  return <Status>proxy_done();
}

/** The host's last status (after a failed http_call: BrokenConnection / "reset"); message into `out`. */
export function getStatus(out: ByteBuf): u32 {
  resetDataSlots();
  if (proxy_get_status(outPtr(2), outPtr(0), outPtr(1)) != Status.Ok) {
    out.clear();
    return <u32>Status.InternalFailure;
  }
  const code = outU32(2);
  takeHostData(out);
  return code;
}
