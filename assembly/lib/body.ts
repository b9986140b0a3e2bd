// The one request-body rule every enforcer follows (README "Request bodies"), twin of
// control-plane/canon/body.ts: only the first MAX_BODY_BYTES bytes of a body are read, decoded as
// WHATWG UTF-8 (each malformed sequence, one the cap cuts included, becomes one U+FFFD).
import { ByteBuf } from "../sdk/bytes";
import { decodeUtf8, Units } from "./units";

export const MAX_BODY_BYTES: i32 = 16 * 1024;

/** Appends the body text of `body`'s bytes to `out`. */
export function decodeBody(body: ByteBuf, out: Units): void {
  decodeUtf8(body.ptr, body.length < MAX_BODY_BYTES ? body.length : MAX_BODY_BYTES, out);
}
