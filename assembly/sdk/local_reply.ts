// Local replies (proxy_send_local_response). Envoy defers the reply until the callback returns,
// ignores the callback's return value and stops the filter chain; it lower-cases header names,
// replaces whitespace in `details` (the response code details) and sends no grpc-status when the
// status is outside 0..16. It works on the request path (decoder callbacks) only.
import { proxy_send_local_response } from "./abi/imports";
import { ByteBuf } from "./bytes";
import { PairsWriter } from "./pairs";
import { GRPC_STATUS_NONE, Status } from "./types";

export function sendLocalResponse(
  statusCode: u32, details: ByteBuf, body: ByteBuf, headers: PairsWriter | null, grpcStatus: i32 = GRPC_STATUS_NONE,
): Status {
  let headersPtr: usize = 0;
  let headersSize: usize = 0;
  if (headers !== null && headers.count > 0) {
    const bytes = headers.serialize();
    headersPtr = bytes.ptr;
    headersSize = <usize>bytes.length;
  }
  return <Status>proxy_send_local_response(
    statusCode, details.ptr, <usize>details.length, body.ptr, <usize>body.length, headersPtr, headersSize, grpcStatus,
  );
}
