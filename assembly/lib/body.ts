// The one request-body rule every enforcer follows (docs/decisions.md "Bodies"), twin of
// control-plane/canon/body.ts: only the first MAX_BODY_BYTES bytes of a body are read, decoded as
// WHATWG UTF-8 (each malformed sequence, one the cap cuts included, becomes one U+FFFD). The
// text is kept as UTF-8 bytes: the read bytes with every malformed sequence replaced by EF BF BD.
import { ByteBuf } from "../sdk/bytes";

export const MAX_BODY_BYTES: i32 = 16 * 1024;

@inline function replacement(out: ByteBuf): void {
  out.push(0xef);
  out.push(0xbf);
  out.push(0xbd);
}

/** Sets `out` to the body text (as UTF-8) of `body`'s bytes. */
export function bodyText(body: ByteBuf, out: ByteBuf): void {
  const size = body.length < MAX_BODY_BYTES ? body.length : MAX_BODY_BYTES;
  const src = body.ptr;
  out.clear();
  out.reserve(size + 3);
  let needed = 0;
  let seen = 0;
  let start = 0;
  let lower: u32 = 0x80;
  let upper: u32 = 0xbf;
  let i = 0;
  while (i < size) {
    const b = <u32>load<u8>(src + <usize>i);
    if (needed == 0) {
      i++;
      if (b < 0x80) out.push(<u8>b);
      else if (b >= 0xc2 && b <= 0xdf) needed = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
      } else replacement(out);
      start = i - 1;
      continue;
    }
    if (b < lower || b > upper) {
      // The byte is not consumed: it starts the next sequence.
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      replacement(out);
      continue;
    }
    i++;
    lower = 0x80;
    upper = 0xbf;
    if (++seen == needed) {
      out.append(src + <usize>start, i - start);
      needed = seen = 0;
    }
  }
  if (needed != 0) replacement(out);
}
