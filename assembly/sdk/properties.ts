// Properties (proxy_get_property / proxy_set_property). A path is its segments joined by NUL,
// with no trailing NUL (Envoy splits on '\0'; a dotted "request.path" is one unknown name).
// Envoy's encodings: strings and bytes raw, int64/uint64/double 8 bytes little-endian,
// bool 1 byte, timestamps/durations int64 nanoseconds, maps and lists in the pairs format.
import { proxy_get_property, proxy_set_property } from "./abi/imports";
import { outPtr, resetDataSlots, takeHostData } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { Status } from "./types";

export class PropertyPath {
  readonly bytes: ByteBuf;

  private constructor(public readonly segments: string[]) {
    const bytes = new ByteBuf(32);
    for (let i = 0; i < segments.length; i++) {
      if (i > 0) bytes.push(0);
      bytes.appendString(segments[i]);
    }
    this.bytes = bytes;
  }

  static of(segments: string[]): PropertyPath {
    return new PropertyPath(segments);
  }

  /** `xds.node.metadata.<key>` (the Node metadata of this Envoy, a protobuf Struct field). */
  static nodeMetadata(key: string): PropertyPath {
    return new PropertyPath(["xds", "node", "metadata", key]);
  }
}

const scalar = new ByteBuf(16);

/**
 * Reads a property into `out`. False (and `out` empty) when it is absent: NotFound is the normal
 * "no such property" answer, and any other failure is treated the same way rather than aborting.
 */
export function getProperty(path: PropertyPath, out: ByteBuf): bool {
  resetDataSlots();
  const status = proxy_get_property(path.bytes.ptr, <usize>path.bytes.length, outPtr(0), outPtr(1));
  if (status != Status.Ok) {
    out.clear();
    return false;
  }
  takeHostData(out);
  return true;
}

/** An int64/uint64 property (8 bytes LE), or `absent` when missing or not 8 bytes. */
export function getPropertyInt(path: PropertyPath, absent: i64): i64 {
  if (!getProperty(path, scalar) || scalar.length != 8) return absent;
  return load<i64>(scalar.ptr);
}

/** A bool property (1 byte), or `absent` when missing or not 1 byte. */
export function getPropertyBool(path: PropertyPath, absent: bool): bool {
  if (!getProperty(path, scalar) || scalar.length != 1) return absent;
  return scalar.at(0) != 0;
}

/** A string property as an AssemblyScript string (allocates: configuration time only). */
export function getPropertyString(path: PropertyPath): string | null {
  const out = new ByteBuf(64);
  return getProperty(path, out) ? out.toString() : null;
}

/** Writes a property; Envoy keeps it in filter state as `wasm.<path>`. */
export function setProperty(path: PropertyPath, value: ByteBuf): Status {
  return <Status>proxy_set_property(path.bytes.ptr, <usize>path.bytes.length, value.ptr, <usize>value.length);
}
