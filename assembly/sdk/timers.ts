// Ticks (one period per root context; onTick runs on that root) and the host clock.
import { proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds } from "./abi/imports";
import { outPtr } from "./abi/memory";
import { Status } from "./types";

/** Calls the active root context's onTick every `periodMs`; 0 stops it. */
export function setTickPeriod(periodMs: u32): Status {
  return <Status>proxy_set_tick_period_milliseconds(periodMs);
}

/** Wall-clock time in nanoseconds since the Unix epoch (0 when unavailable). */
export function currentTimeNanos(): u64 {
  if (proxy_get_current_time_nanoseconds(outPtr(2)) != Status.Ok) return 0;
  return load<u64>(outPtr(2));
}
