// Header maps (request/response headers and trailers, http_call response headers).
// Envoy lower-cases keys, returns only the first value of a repeated header, answers NotFound
// for a missing key and BadArgument once the map is gone (after the filter continued).
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_size, proxy_get_header_map_value,
  proxy_remove_header_map_value, proxy_replace_header_map_value, proxy_set_header_map_pairs,
} from "./abi/imports";
import { outPtr, outU32, resetDataSlots, takeHostData } from "./abi/memory";
import { ByteBuf } from "./bytes";
import { PairsWriter } from "./pairs";
import { MapType, Status } from "./types";

/** The first value of header `name` into `out`; false (and `out` empty) when absent. */
export function getHeader(map: MapType, name: ByteBuf, out: ByteBuf): bool {
  resetDataSlots();
  const status = proxy_get_header_map_value(map, name.ptr, <usize>name.length, outPtr(0), outPtr(1));
  if (status != Status.Ok) {
    out.clear();
    return false;
  }
  takeHostData(out);
  return true;
}

/** Every pair of the map, serialized (read it with PairsReader); false when unavailable. */
export function getHeaderPairs(map: MapType, out: ByteBuf): bool {
  resetDataSlots();
  if (proxy_get_header_map_pairs(map, outPtr(0), outPtr(1)) != Status.Ok) {
    out.clear();
    return false;
  }
  takeHostData(out);
  return true;
}

/** Replaces the whole map (Envoy removes every key, then adds these pairs). */
export function setHeaderPairs(map: MapType, pairs: PairsWriter): Status {
  const bytes = pairs.serialize();
  return <Status>proxy_set_header_map_pairs(map, bytes.ptr, <usize>bytes.length);
}

/** Sum of key and value bytes (Envoy's HeaderMap::byteSize), or -1 when unavailable. */
export function getHeaderMapSize(map: MapType): i32 {
  if (proxy_get_header_map_size(map, outPtr(2)) != Status.Ok) return -1;
  return <i32>outU32(2);
}

export function addHeader(map: MapType, name: ByteBuf, value: ByteBuf): Status {
  return <Status>proxy_add_header_map_value(map, name.ptr, <usize>name.length, value.ptr, <usize>value.length);
}

export function replaceHeader(map: MapType, name: ByteBuf, value: ByteBuf): Status {
  return <Status>proxy_replace_header_map_value(map, name.ptr, <usize>name.length, value.ptr, <usize>value.length);
}

export function removeHeader(map: MapType, name: ByteBuf): Status {
  return <Status>proxy_remove_header_map_value(map, name.ptr, <usize>name.length);
}

/** Removes a header whose name is raw bytes (for example a key found with PairsReader). */
export function removeHeaderRaw(map: MapType, namePtr: usize, nameLength: i32): Status {
  return <Status>proxy_remove_header_map_value(map, namePtr, <usize>nameLength);
}

@inline export function getRequestHeader(name: ByteBuf, out: ByteBuf): bool {
  return getHeader(MapType.HttpRequestHeaders, name, out);
}

@inline export function replaceRequestHeader(name: ByteBuf, value: ByteBuf): Status {
  return replaceHeader(MapType.HttpRequestHeaders, name, value);
}

@inline export function getResponseHeader(name: ByteBuf, out: ByteBuf): bool {
  return getHeader(MapType.HttpResponseHeaders, name, out);
}

@inline export function replaceResponseHeader(name: ByteBuf, value: ByteBuf): Status {
  return replaceHeader(MapType.HttpResponseHeaders, name, value);
}
