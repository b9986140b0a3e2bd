// Route templates on a normalized path: the twin of control-plane/anomaly/route-template.ts.
// A segment that is a number, a UUID, a hex id of 12+ digits, or a 20+ character token of
// [A-Za-z0-9_-] with a digit in it becomes "{id}".
import { ByteBuf } from "../sdk/bytes";

@inline function isDigit(c: u32): bool {
  return c >= 48 && c <= 57;
}

@inline function isHex(c: u32): bool {
  const l = c | 0x20;
  return isDigit(c) || (l >= 97 && l <= 102);
}

@inline function isTokenChar(c: u32): bool {
  const l = c | 0x20;
  return isDigit(c) || (l >= 97 && l <= 122) || c == 95 || c == 45;
}

function isUuid(src: usize, n: i32): bool {
  if (n != 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = <u32>load<u8>(src + <usize>i);
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != 45) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

function isVariable(src: usize, n: i32): bool {
  let digits = 0;
  let hex = 0;
  let token = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(src + <usize>i);
    if (isDigit(c)) digits++;
    if (isHex(c)) hex++;
    if (isTokenChar(c)) token++;
  }
  if (digits == n) return true;
  if (isUuid(src, n)) return true;
  if (n >= 12 && hex == n) return true;
  return n >= 20 && token == n && digits > 0;
}

const ID = ByteBuf.fromString("{id}");

/** Appends the template of a normalized path (no query) to `out`. */
export function appendRouteTemplate(path: usize, size: i32, out: ByteBuf): void {
  if (size == 1 && load<u8>(path) == 47) {
    out.push(47);
    return;
  }
  let start = 0;
  for (let i = 0; i <= size; i++) {
    if (i < size && load<u8>(path + <usize>i) != 47) continue;
    const n = i - start;
    if (start > 0 || n > 0) {
      if (n > 0 && start > 0 && isVariable(path + <usize>start, n)) out.appendBuf(ID);
      else out.append(path + <usize>start, n);
    }
    if (i < size) out.push(47);
    start = i + 1;
  }
}
