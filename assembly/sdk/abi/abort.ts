// The module's abort (wired with `--use abort=assembly/sdk/abi/abort/meshguardAbort`), so no
// `env.abort` import remains: Envoy does not provide one and the module would not link.
// It logs at critical level through proxy_log and traps; Envoy then fails the VM and prints the
// in-VM backtrace (readable because the build keeps the name section).
//
// No allocation here: abort may run because the allocator itself failed.
import { proxy_log } from "./imports";
import { LogLevel } from "../types";

const CAPACITY: i32 = 512;
const scratch: usize = memory.data(CAPACITY);

function put(offset: i32, text: string | null): i32 {
  if (text === null) return offset;
  // At most 3 UTF-8 bytes per UTF-16 unit: clamp the units so the encoding fits.
  let units = text.length;
  const room = (CAPACITY - 16 - offset) / 3;
  if (units > room) units = room;
  if (units <= 0) return offset;
  const written = String.UTF8.encodeUnsafe(changetype<usize>(text), units, scratch + <usize>offset);
  return offset + <i32>written;
}

function putByte(offset: i32, byte: u8): i32 {
  if (offset >= CAPACITY) return offset;
  store<u8>(scratch + <usize>offset, byte);
  return offset + 1;
}

function putNumber(offset: i32, value: u32): i32 {
  let divisor: u32 = 1;
  while (value / divisor >= 10) divisor *= 10;
  while (divisor > 0) {
    offset = putByte(offset, <u8>(48 + (value / divisor) % 10));
    divisor /= 10;
  }
  return offset;
}

export function meshguardAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let n = put(0, "abort: ");
  n = put(n, message);
  n = put(n, " at ");
  n = put(n, fileName);
  n = putByte(n, 58);
  n = putNumber(n, line);
  n = putByte(n, 58);
  n = putNumber(n, column);
  proxy_log(LogLevel.Critical, scratch, <usize>n);
  unreachable();
}
