// Access to a guest's linear memory with the bounds rules of V8::getMemory/setMemory/setWord:
// any access past the current size fails (and the hostcall answers InvalidMemoryAccess).
// The views are cached and rebuilt only when memory.grow has replaced the ArrayBuffer.

import type { WasmMemory } from '../loader/wasm-api.js';

const MAX_U32 = 0xffffffff;

export class GuestMemory {
  private ab: ArrayBuffer;
  private buf: Buffer;
  private dv: DataView;

  constructor(readonly memory: WasmMemory) {
    this.ab = memory.buffer;
    this.buf = Buffer.from(this.ab);
    this.dv = new DataView(this.ab);
  }

  private refresh(): void {
    const ab = this.memory.buffer;
    if (ab !== this.ab) {
      this.ab = ab;
      this.buf = Buffer.from(ab);
      this.dv = new DataView(ab);
    }
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  inBounds(ptr: number, size: number): boolean {
    this.refresh();
    return ptr >= 0 && size >= 0 && ptr + size <= MAX_U32 && ptr + size <= this.buf.length;
  }

  /** A view (no copy) valid until the guest runs again. */
  view(ptr: number, size: number): Uint8Array | null {
    if (!this.inBounds(ptr, size)) return null;
    return this.buf.subarray(ptr, ptr + size);
  }

  /** A copy the host may keep. */
  copy(ptr: number, size: number): Uint8Array | null {
    if (!this.inBounds(ptr, size)) return null;
    return Uint8Array.prototype.slice.call(this.buf, ptr, ptr + size);
  }

  string(ptr: number, size: number): string | null {
    if (!this.inBounds(ptr, size)) return null;
    return this.buf.toString('utf8', ptr, ptr + size);
  }

  readU32(ptr: number): number | null {
    if (!this.inBounds(ptr, 4)) return null;
    return this.dv.getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 4)) return false;
    this.dv.setUint32(ptr, value >>> 0, true);
    return true;
  }

  writeU64(ptr: number, value: bigint): boolean {
    if (!this.inBounds(ptr, 8)) return false;
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  writeU16(ptr: number, value: number): boolean {
    if (!this.inBounds(ptr, 2)) return false;
    this.dv.setUint16(ptr, value, true);
    return true;
  }

  writeBytes(ptr: number, data: Uint8Array): boolean {
    if (!this.inBounds(ptr, data.length)) return false;
    this.buf.set(data, ptr);
    return true;
  }

  /** Writes UTF-8 at ptr; the caller sized the region with Buffer.byteLength. */
  writeString(ptr: number, s: string, size: number): boolean {
    if (!this.inBounds(ptr, size)) return false;
    this.buf.write(s, ptr, size, 'utf8');
    return true;
  }

  /** The current Buffer view, for bulk writers that checked bounds themselves. */
  raw(): Buffer {
    this.refresh();
    return this.buf;
  }
}

/** Bytes handed to the guest: raw bytes, or text sent as UTF-8. */
export type GuestData = Uint8Array | string;

export function byteLength(data: GuestData): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}
