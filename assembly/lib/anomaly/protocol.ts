// Protocol abuse seen in the request headers: smuggling shapes (Content-Length with
// Transfer-Encoding, an odd Transfer-Encoding), URL-override and method-override headers,
// many-range requests, and methods an API does not serve (TRACE, TRACK, DEBUG).
import { ByteBuf } from "../../sdk/bytes";
import { WordList } from "./words";

const CONTENT_LENGTH = ByteBuf.fromString("content-length");
const TRANSFER_ENCODING = ByteBuf.fromString("transfer-encoding");
const RANGE = ByteBuf.fromString("range");
const CHUNKED = ByteBuf.fromString("chunked");
const OVERRIDE_URL = new WordList(/* "x-original-url|x-rewrite-url|x-override-url" */ memory.data<u8>([120, 45, 111, 114, 105, 103, 105, 110, 97, 108, 45, 117, 114, 108, 124, 120, 45, 114, 101, 119, 114, 105, 116, 101, 45, 117, 114, 108, 124, 120, 45, 111, 118, 101, 114, 114, 105, 100, 101, 45, 117, 114, 108]), 43);
const OVERRIDE_METHOD = new WordList(/* "x-http-method-override|x-http-method|x-method-override" */ memory.data<u8>([120, 45, 104, 116, 116, 112, 45, 109, 101, 116, 104, 111, 100, 45, 111, 118, 101, 114, 114, 105, 100, 101, 124, 120, 45, 104, 116, 116, 112, 45, 109, 101, 116, 104, 111, 100, 124, 120, 45, 109, 101, 116, 104, 111, 100, 45, 111, 118, 101, 114, 114, 105, 100, 101]), 54);
const ODD_METHODS = new WordList(/* "TRACE|TRACK|DEBUG|CONNECT" */ memory.data<u8>([84, 82, 65, 67, 69, 124, 84, 82, 65, 67, 75, 124, 68, 69, 66, 85, 71, 124, 67, 79, 78, 78, 69, 67, 84]), 25);

/** What the scorer keeps of the request headers. */
export class HeaderFacts {
  method: ByteBuf = new ByteBuf(16);
  path: ByteBuf = new ByteBuf(256);
  hasPath: bool = false;
  contentType: ByteBuf = new ByteBuf(64);
  contentLength: bool = false;
  transferEncoding: i32 = 0;
  urlOverride: bool = false;
  methodOverride: bool = false;
  ranges: i32 = 0;

  clear(): void {
    this.method.clear();
    this.path.clear();
    this.hasPath = false;
    this.contentType.clear();
    this.contentLength = false;
    this.transferEncoding = 0;
    this.urlOverride = false;
    this.methodOverride = false;
    this.ranges = 0;
  }

  note(key: usize, n: i32, value: usize, size: i32): void {
    if (same(key, n, CONTENT_LENGTH)) this.contentLength = true;
    else if (same(key, n, TRANSFER_ENCODING)) this.transferEncoding = size == 7 && memory.compare(value, CHUNKED.ptr, 7) == 0 ? 1 : 2;
    else if (same(key, n, RANGE)) {
      let commas = 0;
      for (let i = 0; i < size; i++) if (load<u8>(value + <usize>i) == 44) commas++;
      this.ranges = commas + 1;
    } else if (OVERRIDE_URL.find(key, 0, n) >= 0) this.urlOverride = true;
    else if (OVERRIDE_METHOD.find(key, 0, n) >= 0) this.methodOverride = true;
  }
}

@inline function same(key: usize, n: i32, name: ByteBuf): bool {
  return n == name.length && memory.compare(key, name.ptr, <usize>n) == 0;
}

/** Points for protocol abuse (detector `protocol`, index 11 of scorer.ts DETECTORS). */
export function protocolPoints(f: HeaderFacts): f64 {
  let points: f64 = 0;
  if (f.transferEncoding == 2 || (f.transferEncoding > 0 && f.contentLength) || f.urlOverride || f.ranges > 5) points = 10;
  if (f.methodOverride && points < 8) points = 8;
  if (ODD_METHODS.find(f.method.ptr, 0, f.method.length) >= 0 && points < 8) points = 8;
  return points;
}
