// Buffers: bodies, TCP data, http_call response body, VM and plugin configuration.
// Envoy clamps start/size to the buffer, answers NotFound for a buffer that does not exist now
// (the plugin configuration exists only during onConfigure), and for set_buffer_bytes
// supports start == 0 (replace the first `size` bytes) and start >= length (append) only.
import { proxy_get_buffer_bytes, proxy_set_buffer_bytes } from "./abi/imports";
import { outPtr, resetDataSlots, takeHostData } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { BufferType, Status } from "./types";

/** Up to `maxSize` bytes from `start` into `out`; false when the buffer is unavailable. */
export function getBufferBytes(type: BufferType, start: u32, maxSize: u32, out: ByteBuf): bool {
  resetDataSlots();
  if (proxy_get_buffer_bytes(type, start, maxSize, outPtr(0), outPtr(1)) != Status.Ok) {
    out.clear();
    return false;
  }
  takeHostData(out);
  return true;
}

export function setBufferBytes(type: BufferType, start: u32, size: u32, data: ByteBuf): Status {
  return <Status>proxy_set_buffer_bytes(type, start, size, data.ptr, <usize>data.length);
}

/** The plugin configuration (call from onConfigure with the size it was given). */
export function pluginConfiguration(size: u32, out: ByteBuf): bool {
  if (size == 0) {
    out.clear();
    return true;
  }
  return getBufferBytes(BufferType.PluginConfiguration, 0, size, out);
}

/** The VM configuration (call from onVmStart with the size it was given). */
export function vmConfiguration(size: u32, out: ByteBuf): bool {
  if (size == 0) {
    out.clear();
    return true;
  }
  return getBufferBytes(BufferType.VmConfiguration, 0, size, out);
}
