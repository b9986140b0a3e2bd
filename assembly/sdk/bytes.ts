// A growable byte buffer that is reused across requests, so the per-request path copies
// bytes into memory it already owns instead of building strings.
//
// `ptr` moves when the buffer grows: never keep it across an append.

export class ByteBuf {
  private data: ArrayBuffer;
  length: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.data = new ArrayBuffer(capacity > 0 ? capacity : 16);
  }

  static fromString(text: string): ByteBuf {
    const buf = new ByteBuf(String.UTF8.byteLength(text) + 1);
    buf.setString(text);
    return buf;
  }

  @inline get ptr(): usize {
    return changetype<usize>(this.data);
  }

  @inline get capacity(): i32 {
    return this.data.byteLength;
  }

  /** Ensures room for `size` bytes in total, keeping the current content. */
  reserve(size: i32): void {
    if (size <= this.data.byteLength) return;
    let capacity = this.data.byteLength << 1;
    if (capacity < size) capacity = size;
    const grown = new ArrayBuffer(capacity);
    memory.copy(changetype<usize>(grown), this.ptr, <usize>this.length);
    this.data = grown;
  }

  @inline clear(): void {
    this.length = 0;
  }

  /** Shortens the content (a no-op when `length` is not shorter). */
  truncate(length: i32): void {
    if (length < this.length) this.length = length;
  }

  @inline at(index: i32): u8 {
    return load<u8>(this.ptr + <usize>index);
  }

  push(byte: u8): void {
    if (this.length == this.data.byteLength) this.reserve(this.length + 1);
    store<u8>(this.ptr + <usize>this.length, byte);
    this.length++;
  }

  append(src: usize, size: i32): void {
    if (size <= 0) return;
    this.reserve(this.length + size);
    memory.copy(this.ptr + <usize>this.length, src, <usize>size);
    this.length += size;
  }

  @inline appendBuf(other: ByteBuf): void {
    this.append(other.ptr, other.length);
  }

  /** Replaces the content with `size` bytes at `src`. */
  set(src: usize, size: i32): void {
    this.length = 0;
    this.append(src, size);
  }

  /** Appends the UTF-8 encoding of `text`. */
  appendString(text: string): void {
    const size = String.UTF8.byteLength(text);
    this.reserve(this.length + size);
    String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, this.ptr + <usize>this.length);
    this.length += size;
  }

  setString(text: string): void {
    this.length = 0;
    this.appendString(text);
  }

  /** Appends the decimal form of a non-negative integer. */
  appendDecimal(value: u64): void {
    if (value >= 10) this.appendDecimal(value / 10);
    this.push(<u8>(48 + <i32>(value % 10)));
  }

  equalsRaw(src: usize, size: i32): bool {
    return size == this.length && memory.compare(this.ptr, src, <usize>size) == 0;
  }

  @inline equals(other: ByteBuf): bool {
    return this.equalsRaw(other.ptr, other.length);
  }

  /** True when the content starts with `size` bytes at `src`. */
  startsWithRaw(src: usize, size: i32): bool {
    return size <= this.length && memory.compare(this.ptr, src, <usize>size) == 0;
  }

  /** True when the content ends with `size` bytes at `src`. */
  endsWithRaw(src: usize, size: i32): bool {
    return size <= this.length && memory.compare(this.ptr + <usize>(this.length - size), src, <usize>size) == 0;
  }

  indexOf(byte: u8, from: i32 = 0): i32 {
    for (let i = from; i < this.length; i++) {
      if (this.at(i) == byte) return i;
    }
    return -1;
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.length);
  }
}

/** Byte-wise equality of two raw ranges. */
export function bytesEqual(a: usize, aLength: i32, b: usize, bLength: i32): bool {
  return aLength == bLength && memory.compare(a, b, <usize>aLength) == 0;
}
