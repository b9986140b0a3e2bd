// env.proxy_* host functions for header maps, buffers and callouts (src/exports.cc +
// Envoy Context::{get,set,add,replace,remove}HeaderMap*, getBuffer, httpCall).

import { BUFFER_TYPE_MAX, HEADER_MAP_TYPE_MAX, WasmResult } from './codes.js';
import { RootContext } from '../contexts/context.js';
import { httpCall } from '../services/http-call.js';
import type { HostFnTable } from './imports.js';
import { pairsSize, parsePairs, writePairs } from './pairs.js';
import type { WasmVm } from '../vm/vm.js';

const R = WasmResult;

function headerReads(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_get_header_map_value': (type: number, kPtr: number, kSize: number, vPtrPtr: number, vSizePtr: number) => {
      if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
      const key = vm.memory.string(kPtr, kSize);
      if (key === null) return R.InvalidMemoryAccess;
      const value = vm.effectiveContext().getHeaderMapValue(type, key);
      if (typeof value === 'number') return value;
      return vm.copyToPointerSize(value, vPtrPtr, vSizePtr) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_get_header_map_pairs': (type: number, ptrPtr: number, sizePtr: number) => {
      if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
      const map = vm.effectiveContext().getConstMap(type);
      if (map === null || map.size === 0) {
        return vm.copyToPointerSize('', ptrPtr, sizePtr) ? R.Ok : R.InvalidMemoryAccess;
      }
      const keys = map.keysArray();
      const values = map.valuesArray();
      const size = pairsSize(keys, values, map.size);
      const ptr = vm.alloc(size);
      if (ptr === 0) return R.InvalidMemoryAccess;
      writePairs(vm.memory.raw(), ptr, keys, values, map.size);
      return vm.memory.writeU32(ptrPtr, ptr) && vm.memory.writeU32(sizePtr, size) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_get_header_map_size': (type: number, resultPtr: number) => {
      if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
      const map = vm.effectiveContext().getMap(type);
      if (map === null) return R.BadArgument;
      return vm.memory.writeU32(resultPtr, map.byteSize()) ? R.Ok : R.InvalidMemoryAccess;
    },
  };
}

function headerWrites(vm: WasmVm): HostFnTable {
  const write = (type: number, kPtr: number, kSize: number, vPtr: number, vSize: number, replace: boolean) => {
    if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
    const key = vm.memory.string(kPtr, kSize);
    const value = vm.memory.string(vPtr, vSize);
    if (key === null || value === null) return R.InvalidMemoryAccess;
    const map = vm.effectiveContext().getMap(type);
    if (map === null) return R.BadArgument;
    if (replace) map.replace(key, value);
    else map.add(key, value);
    return R.Ok;
  };
  return {
    'env.proxy_add_header_map_value': (t: number, kp: number, ks: number, vp: number, vs: number) =>
      write(t, kp, ks, vp, vs, false),
    'env.proxy_replace_header_map_value': (t: number, kp: number, ks: number, vp: number, vs: number) =>
      write(t, kp, ks, vp, vs, true),
    'env.proxy_remove_header_map_value': (type: number, kPtr: number, kSize: number) => {
      if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
      const key = vm.memory.string(kPtr, kSize);
      if (key === null) return R.InvalidMemoryAccess;
      const map = vm.effectiveContext().getMap(type);
      if (map === null) return R.BadArgument;
      map.remove(key);
      return R.Ok;
    },
    'env.proxy_set_header_map_pairs': (type: number, ptr: number, size: number) => {
      if (type >>> 0 > HEADER_MAP_TYPE_MAX) return R.BadArgument;
      const data = vm.memory.view(ptr, size);
      if (data === null) return R.InvalidMemoryAccess;
      const pairs = parsePairs(data);
      const map = vm.effectiveContext().getMap(type);
      if (map === null) return R.BadArgument;
      map.clear();
      for (const [k, v] of pairs) map.add(k, v);
      return R.Ok;
    },
  };
}

function buffers(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_get_buffer_bytes': (type: number, start: number, length: number, ptrPtr: number, sizePtr: number) => {
      if (type >>> 0 > BUFFER_TYPE_MAX) return R.BadArgument;
      const buffer = vm.effectiveContext().getBuffer(type);
      if (buffer === null) return R.NotFound;
      const from = start >>> 0;
      let len = length >>> 0;
      if (from > buffer.size) len = 0;
      else if (from + len > buffer.size) len = buffer.size - from;
      const data = len === 0 ? '' : buffer.slice(from, len);
      return vm.copyToPointerSize(data, ptrPtr, sizePtr) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_get_buffer_status': (type: number, lengthPtr: number, flagsPtr: number) => {
      if (type >>> 0 > BUFFER_TYPE_MAX) return R.BadArgument;
      const buffer = vm.effectiveContext().getBuffer(type);
      if (buffer === null) return R.NotFound;
      if (!vm.memory.writeU32(lengthPtr, buffer.size)) return R.InvalidMemoryAccess;
      return vm.memory.writeU32(flagsPtr, 0) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_set_buffer_bytes': (type: number, start: number, length: number, dataPtr: number, dataSize: number) => {
      if (type >>> 0 > BUFFER_TYPE_MAX) return R.BadArgument;
      const buffer = vm.effectiveContext().getBuffer(type);
      if (buffer === null) return R.NotFound;
      const data = vm.memory.view(dataPtr, dataSize);
      if (data === null) return R.InvalidMemoryAccess;
      return buffer.copyFrom(start >>> 0, length >>> 0, data);
    },
  };
}

function callouts(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_http_call': (
      uPtr: number, uSize: number, hPtr: number, hSize: number, bPtr: number, bSize: number,
      tPtr: number, tSize: number, timeoutMs: number, tokenPtr: number,
    ) => {
      const cluster = vm.memory.string(uPtr, uSize);
      const body = vm.memory.copy(bPtr, bSize);
      const headers = vm.memory.view(hPtr, hSize);
      const headerPairs = headers === null ? null : parsePairs(headers);
      const trailers = vm.memory.view(tPtr, tSize);
      if (cluster === null || body === null || headerPairs === null || trailers === null) return R.InvalidMemoryAccess;
      const trailerPairs = parsePairs(trailers);
      if (!vm.memory.writeU32(tokenPtr, 0)) return R.InvalidMemoryAccess;
      const root = vm.effectiveContext().rootContext();
      if (!(root instanceof RootContext)) return R.BadArgument;
      const { result, token } = httpCall(root, cluster, headerPairs, body, trailerPairs, timeoutMs | 0);
      vm.memory.writeU32(tokenPtr, token);
      return result;
    },
    // gRPC callouts are not emulated; unknown clusters fail as in Envoy (ParseFailure).
    'env.proxy_grpc_call': (sPtr: number, sSize: number) => grpcStart(vm, sPtr, sSize),
    'env.proxy_grpc_stream': (sPtr: number, sSize: number) => grpcStart(vm, sPtr, sSize),
    'env.proxy_grpc_send': (token: number) => grpcToken(token),
    'env.proxy_grpc_close': (token: number) => grpcToken(token),
    'env.proxy_grpc_cancel': (token: number) => grpcToken(token),
  };
}

function grpcStart(vm: WasmVm, servicePtr: number, serviceSize: number): number {
  const service = vm.memory.string(servicePtr, serviceSize);
  if (service === null) return R.InvalidMemoryAccess;
  return vm.core.clusters.has(service) ? R.Unimplemented : R.ParseFailure;
}

function grpcToken(token: number): number {
  const kind = token & 3;
  return kind === 1 || kind === 2 ? R.NotFound : R.BadArgument;
}

export function httpImports(vm: WasmVm): HostFnTable {
  return { ...headerReads(vm), ...headerWrites(vm), ...buffers(vm), ...callouts(vm) };
}
