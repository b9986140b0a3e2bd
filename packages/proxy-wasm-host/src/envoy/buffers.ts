// Buffers the guest reads with proxy_get_buffer_bytes and writes with proxy_set_buffer_bytes.
// Mutable bodies follow Envoy's Buffer::copyFrom; every other buffer is read-only (BadArgument).

import { WasmResult } from '../abi/codes.js';

export interface HostBuffer {
  readonly size: number;
  /** A view of [start, start+length), already clamped by the caller. */
  slice(start: number, length: number): Uint8Array;
  copyFrom(start: number, length: number, data: Uint8Array): WasmResult;
}

export class ConstBuffer implements HostBuffer {
  constructor(private readonly data: Uint8Array) {}

  get size(): number {
    return this.data.length;
  }

  slice(start: number, length: number): Uint8Array {
    return this.data.subarray(start, start + length);
  }

  copyFrom(): WasmResult {
    return WasmResult.BadArgument;
  }
}

export const EMPTY_BUFFER: HostBuffer = new ConstBuffer(new Uint8Array(0));

/** A request/response body or network data buffer, growable in place. */
export class BodyBuffer implements HostBuffer {
  private store: Uint8Array;
  private len: number;

  constructor(initial?: Uint8Array) {
    this.store = initial ? initial.slice() : new Uint8Array(0);
    this.len = this.store.length;
  }

  get size(): number {
    return this.len;
  }

  bytes(): Uint8Array {
    return this.store.subarray(0, this.len);
  }

  slice(start: number, length: number): Uint8Array {
    return this.store.subarray(start, start + length);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.store.length) return;
    const grown = new Uint8Array(Math.max(this.len + extra, this.store.length * 2, 64));
    grown.set(this.store.subarray(0, this.len));
    this.store = grown;
  }

  append(data: Uint8Array): void {
    this.reserve(data.length);
    this.store.set(data, this.len);
    this.len += data.length;
  }

  /** Drops the first `drained` bytes and puts `data` in front, copying the rest once. */
  private prepend(data: Uint8Array, drained: number): void {
    const rest = this.store.subarray(drained, this.len);
    const next = new Uint8Array(Math.max(data.length + rest.length, 64));
    next.set(data, 0);
    next.set(rest, data.length);
    this.store = next;
    this.len = data.length + rest.length;
  }

  /**
   * Envoy's Buffer::copyFrom: start=0 drains `length` bytes (all of them when length >= size) and
   * prepends the data — so length=0 prepends and 0<length<size replaces the first `length` bytes;
   * start>=size appends; anything else is BadArgument.
   */
  copyFrom(start: number, length: number, data: Uint8Array): WasmResult {
    if (start === 0) {
      this.prepend(data, Math.min(length, this.len));
      return WasmResult.Ok;
    }
    if (start >= this.len) {
      this.append(data);
      return WasmResult.Ok;
    }
    return WasmResult.BadArgument;
  }
}

export function toBytes(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
