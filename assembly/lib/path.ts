// Path normalization (DESIGN.md "Path normalization"), on bytes, into a reused buffer.
// Twin of control-plane/canon/path.ts; both are held to test/fixtures/path-normalization.json.
import { ByteBuf } from "../sdk/bytes";

export enum PathError {
  None = 0,
  Fragment = 1,
  NotAbsolute = 2,
  MalformedEscape = 3,
  EncodedSlash = 4,
  EncodedControl = 5,
  RawBackslash = 6,
  RawControl = 7,
  DotSegmentParameter = 8,
}

export function pathErrorText(error: PathError): string {
  switch (error) {
    case PathError.Fragment: return "fragment in path";
    case PathError.NotAbsolute: return "path does not start with /";
    case PathError.MalformedEscape: return "malformed percent escape";
    case PathError.EncodedSlash: return "encoded slash or backslash in path";
    case PathError.EncodedControl: return "encoded control character in path";
    case PathError.RawBackslash: return "raw backslash in path";
    case PathError.RawControl: return "raw control character in path";
    case PathError.DotSegmentParameter: return "dot segment with a path parameter";
    default: return "ok";
  }
}

@inline function isControl(c: u32): bool {
  return c < 0x20 || c == 0x7f;
}

@inline function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return <i32>lower - 87;
  return -1;
}

@inline function isUnreserved(c: u32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 95 || c == 126;
}

@inline function hexDigit(v: i32): u8 {
  return <u8>(v < 10 ? 48 + v : 55 + v);
}

/** Decodes one raw segment [from, to) onto `out`; PathError.None or why it is rejected. */
function decodeSegment(src: usize, from: i32, to: i32, out: ByteBuf): PathError {
  for (let i = from; i < to; i++) {
    const c = <u32>load<u8>(src + <usize>i);
    if (c == 92) return PathError.RawBackslash;
    if (isControl(c)) return PathError.RawControl;
    if (c != 37) {
      out.push(<u8>c);
      continue;
    }
    const hi = i + 2 < to ? hexValue(load<u8>(src + <usize>(i + 1))) : -1;
    const lo = i + 2 < to ? hexValue(load<u8>(src + <usize>(i + 2))) : -1;
    if (hi < 0 || lo < 0) return PathError.MalformedEscape;
    const value = <u32>(hi * 16 + lo);
    if (value == 0x2f || value == 0x5c) return PathError.EncodedSlash;
    if (isControl(value)) return PathError.EncodedControl;
    if (isUnreserved(value)) {
      out.push(<u8>value);
    } else {
      out.push(37);
      out.push(hexDigit(hi));
      out.push(hexDigit(lo));
    }
    i += 2;
  }
  return PathError.None;
}

/** `.` or `..` directly followed by `;` or an escaped `;` (`%3B`, already upper-cased). */
function isDotSegmentWithParameter(out: ByteBuf, start: i32): bool {
  let i = start;
  const end = out.length;
  if (i < end && out.at(i) == 46) i++;
  else return false;
  if (i < end && out.at(i) == 46) i++;
  if (i < end && out.at(i) == 59) return true;
  return i + 3 <= end && out.at(i) == 37 && out.at(i + 1) == 51 && out.at(i + 2) == 66;
}

/** Length of the segment at [start, out.length) when it is "." (1) or ".." (2), else 0. */
function dotSegmentLength(out: ByteBuf, start: i32): i32 {
  const n = out.length - start;
  if (n == 1 && out.at(start) == 46) return 1;
  if (n == 2 && out.at(start) == 46 && out.at(start + 1) == 46) return 2;
  return 0;
}

/**
 * Normalizes the request target at [src, src+size) into `out` (the path without the query).
 * Returns PathError.None on success; otherwise the request is a 400.
 */
export function normalizePath(src: usize, size: i32, out: ByteBuf): PathError {
  out.clear();
  let end = size;
  for (let i = 0; i < size; i++) {
    const c = load<u8>(src + <usize>i);
    if (c == 35) return PathError.Fragment;
    if (c == 63 && end == size) end = i;
  }
  for (let i = end + 1; i < size; i++) {
    if (isControl(load<u8>(src + <usize>i))) return PathError.RawControl;
  }
  if (end == 0 || load<u8>(src) != 47) return PathError.NotAbsolute;

  let trailingSlash = false;
  let segmentStart = 1;
  while (segmentStart <= end) {
    let segmentEnd = segmentStart;
    while (segmentEnd < end && load<u8>(src + <usize>segmentEnd) != 47) segmentEnd++;
    const last = segmentEnd == end;
    const mark = out.length;
    out.push(47);
    const error = decodeSegment(src, segmentStart, segmentEnd, out);
    if (error != PathError.None) return error;
    const start = mark + 1;
    if (out.length == start) {
      out.truncate(mark);
      if (last) trailingSlash = true;
    } else if (isDotSegmentWithParameter(out, start)) {
      return PathError.DotSegmentParameter;
    } else {
      const dots = dotSegmentLength(out, start);
      if (dots == 0) {
        trailingSlash = false;
      } else {
        out.truncate(mark);
        if (dots == 2) {
          let previous = out.length - 1;
          while (previous >= 0 && out.at(previous) != 47) previous--;
          out.truncate(previous < 0 ? 0 : previous);
        }
        if (last) trailingSlash = true;
      }
    }
    segmentStart = segmentEnd + 1;
  }
  if (out.length == 0 || trailingSlash) out.push(47);
  return PathError.None;
}
