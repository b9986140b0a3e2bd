// UTF-8 encoding of one code point, shared by the JSON reader and the UTF-16 text buffer.
import { ByteBuf } from "../sdk/bytes";

export function pushUtf8(out: ByteBuf, cp: u32): void {
  if (cp < 0x80) out.push(<u8>cp);
  else if (cp < 0x800) {
    out.push(<u8>(0xc0 | (cp >> 6)));
    out.push(<u8>(0x80 | (cp & 63)));
  } else if (cp < 0x10000) {
    out.push(<u8>(0xe0 | (cp >> 12)));
    out.push(<u8>(0x80 | ((cp >> 6) & 63)));
    out.push(<u8>(0x80 | (cp & 63)));
  } else {
    out.push(<u8>(0xf0 | (cp >> 18)));
    out.push(<u8>(0x80 | ((cp >> 12) & 63)));
    out.push(<u8>(0x80 | ((cp >> 6) & 63)));
    out.push(<u8>(0x80 | (cp & 63)));
  }
}
