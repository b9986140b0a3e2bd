// Shared data (key → bytes with a CAS token, shared by every VM with the same vm_id, across
// workers) and shared queues.
import {
  proxy_dequeue_shared_queue, proxy_enqueue_shared_queue, proxy_get_shared_data, proxy_register_shared_queue,
  proxy_resolve_shared_queue, proxy_set_shared_data,
} from "./abi/imports";
import { outPtr, outU32, resetDataSlots, takeHostData } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { Status } from "./types";

let lastCas: u32 = 0;

/** Reads `key` into `out`; false when absent. Its CAS token is then sharedDataCas(). */
export function getSharedData(key: ByteBuf, out: ByteBuf): bool {
  resetDataSlots();
  lastCas = 0;
  if (proxy_get_shared_data(key.ptr, <usize>key.length, outPtr(0), outPtr(1), outPtr(2)) != Status.Ok) {
    out.clear();
    return false;
  }
  lastCas = outU32(2);
  takeHostData(out);
  return true;
}

/** CAS token of the last getSharedData() that found its key. */
export function sharedDataCas(): u32 {
  return lastCas;
}

/** Writes `key`; with cas != 0 only if unchanged since that read (else Status.CasMismatch). */
export function setSharedData(key: ByteBuf, value: ByteBuf, cas: u32 = 0): Status {
  return <Status>proxy_set_shared_data(key.ptr, <usize>key.length, value.ptr, <usize>value.length, cas);
}

/** Registers a queue of this VM (its root context gets onQueueReady); 0 on failure. */
export function registerSharedQueue(name: ByteBuf): u32 {
  if (proxy_register_shared_queue(name.ptr, <usize>name.length, outPtr(2)) != Status.Ok) return 0;
  return outU32(2);
}

/** Finds a queue registered by the VM `vmId`; 0 when there is none. */
export function resolveSharedQueue(vmId: ByteBuf, name: ByteBuf): u32 {
  if (proxy_resolve_shared_queue(vmId.ptr, <usize>vmId.length, name.ptr, <usize>name.length, outPtr(2)) != Status.Ok) return 0;
  return outU32(2);
}

export function enqueueSharedQueue(queueId: u32, value: ByteBuf): Status {
  return <Status>proxy_enqueue_shared_queue(queueId, value.ptr, <usize>value.length);
}

/** Ok with the item in `out`, Empty, or NotFound. */
export function dequeueSharedQueue(queueId: u32, out: ByteBuf): Status {
  resetDataSlots();
  const status = <Status>proxy_dequeue_shared_queue(queueId, outPtr(0), outPtr(1));
  if (status == Status.Ok) takeHostData(out);
  else out.clear();
  return status;
}
