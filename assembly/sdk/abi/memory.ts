// Memory the host and the module hand each other.
//
// The host returns data by calling the module's `malloc` and writing the pointer and size
// through out-pointers. `malloc` takes raw TLSF blocks (not GC objects), so the collector never
// moves or frees them; the SDK copies the bytes into a reused ByteBuf and frees the block at once.
import { ByteBuf } from "../bytes";

/** Eight static out-slots: [0] data pointer, [1] size, [2..] extra results (cas, flags, ids). */
const slots: usize = memory.data(32);

@inline export function outPtr(slot: i32): usize {
  return slots + (<usize>slot << 2);
}

@inline export function outU32(slot: i32): u32 {
  return load<u32>(outPtr(slot));
}

/** Clears the data/size slots before a hostcall, so an untouched slot reads as "no data". */
@inline export function resetDataSlots(): void {
  store<u64>(slots, 0);
}

export function hostAlloc(size: usize): usize {
  return heap.alloc(size);
}

/** Copies the host-allocated block named by slots 0/1 into `out` (replacing it) and frees it. */
export function takeHostData(out: ByteBuf): void {
  const data = load<usize>(outPtr(0));
  const size = load<u32>(outPtr(1));
  out.set(data, <i32>size);
  if (data != 0) heap.free(data);
  resetDataSlots();
}

/** Frees the host-allocated block named by slots 0/1 without reading it. */
export function dropHostData(): void {
  const data = load<usize>(outPtr(0));
  if (data != 0) heap.free(data);
  resetDataSlots();
}
