// The pairs serialization used for header maps, local-reply headers, http_call headers and
// map properties (spec "Serialization"; proxy-wasm-cpp-host pairs_util.cc):
//   u32 N | N × (u32 keyLength, u32 valueLength) | N × (key, 0x00, value, 0x00)   (little-endian)
// An empty map may arrive as zero bytes.
import { ByteBuf } from "./bytes";

/** Walks serialized pairs in place: no copies, no allocation. */
export class PairsReader {
  private base: usize = 0;
  private size: i32 = 0;
  count: i32 = 0;
  private index: i32 = 0;
  private sizeAt: usize = 0;
  private dataAt: usize = 0;
  keyPtr: usize = 0;
  keyLength: i32 = 0;
  valuePtr: usize = 0;
  valueLength: i32 = 0;

  /** Starts over `buf`. False when the bytes are not well-formed pairs (then there are none). */
  reset(buf: ByteBuf): bool {
    this.base = buf.ptr;
    this.size = buf.length;
    this.index = 0;
    this.count = 0;
    if (buf.length < 4) return buf.length <= 1;
    const count = load<u32>(this.base);
    if (count > <u32>((buf.length - 4) / 10)) return false;
    let total: u64 = 4 + <u64>count * 8;
    for (let i: u32 = 0; i < count; i++) {
      const at = this.base + 4 + (<usize>i << 3);
      total += <u64>load<u32>(at) + <u64>load<u32>(at + 4) + 2;
    }
    if (total > <u64>buf.length) return false;
    this.count = <i32>count;
    this.sizeAt = this.base + 4;
    this.dataAt = this.base + 4 + (<usize>count << 3);
    return true;
  }

  /** Moves to the next pair; its key and value are then in keyPtr/keyLength, valuePtr/valueLength. */
  next(): bool {
    if (this.index >= this.count) return false;
    this.keyLength = <i32>load<u32>(this.sizeAt);
    this.valueLength = <i32>load<u32>(this.sizeAt + 4);
    this.sizeAt += 8;
    this.keyPtr = this.dataAt;
    this.valuePtr = this.dataAt + <usize>this.keyLength + 1;
    this.dataAt = this.valuePtr + <usize>this.valueLength + 1;
    this.index++;
    return true;
  }
}

/** Builds serialized pairs in reused buffers. */
export class PairsWriter {
  private sizes: ByteBuf = new ByteBuf(64);
  private data: ByteBuf = new ByteBuf(256);
  private out: ByteBuf = new ByteBuf(320);
  count: i32 = 0;

  clear(): void {
    this.sizes.clear();
    this.data.clear();
    this.count = 0;
  }

  add(keyPtr: usize, keyLength: i32, valuePtr: usize, valueLength: i32): void {
    this.sizes.reserve(this.sizes.length + 8);
    store<u32>(this.sizes.ptr + <usize>this.sizes.length, <u32>keyLength);
    store<u32>(this.sizes.ptr + <usize>this.sizes.length + 4, <u32>valueLength);
    this.sizes.length += 8;
    this.data.append(keyPtr, keyLength);
    this.data.push(0);
    this.data.append(valuePtr, valueLength);
    this.data.push(0);
    this.count++;
  }

  @inline addBuf(key: ByteBuf, value: ByteBuf): void {
    this.add(key.ptr, key.length, value.ptr, value.length);
  }

  /** The serialized form; valid until the next change to this writer. */
  serialize(): ByteBuf {
    const out = this.out;
    out.clear();
    out.reserve(4 + this.sizes.length + this.data.length);
    store<u32>(out.ptr, <u32>this.count);
    out.length = 4;
    out.appendBuf(this.sizes);
    out.appendBuf(this.data);
    return out;
  }
}
