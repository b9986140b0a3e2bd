// env.proxy_* host functions other than header maps, buffers and callouts
// (proxy-wasm-cpp-host src/exports.cc, Envoy context.cc).

import { LOG_LEVEL_NAMES, STREAM_TYPE_MAX, WasmResult } from './codes.js';
import type { HostFnTable } from './imports.js';
import { RootContext } from '../contexts/context.js';
import { parsePairs } from './pairs.js';
import type { WasmVm } from '../vm/vm.js';

const R = WasmResult;

function loggingAndStatus(vm: WasmVm): HostFnTable {
  const mem = () => vm.memory;
  return {
    'env.proxy_log': (level: number, ptr: number, size: number) => {
      if (level >>> 0 > LOG_LEVEL_NAMES.length - 1) return R.BadArgument;
      const message = mem().string(ptr, size);
      if (message === null) return R.InvalidMemoryAccess;
      vm.effectiveContext().writeLog(level, message);
      return R.Ok;
    },
    'env.proxy_get_log_level': (ptr: number) => (mem().writeU32(ptr, vm.core.logger.level) ? R.Ok : R.InvalidMemoryAccess),
    'env.proxy_get_status': (codePtr: number, msgPtrPtr: number, msgSizePtr: number) => {
      const root = vm.effectiveContext().rootContext();
      if (!mem().writeU32(codePtr, root.statusCode)) return R.InvalidMemoryAccess;
      return vm.copyToPointerSize(root.statusMessage, msgPtrPtr, msgSizePtr) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_get_current_time_nanoseconds': (ptr: number) =>
      mem().writeU64(ptr, vm.core.clock.realtimeNs()) ? R.Ok : R.InvalidMemoryAccess,
    'env.proxy_set_tick_period_milliseconds': (ms: number) => {
      vm.setTickPeriod(vm.effectiveContext().rootContext().id, ms >>> 0);
      return R.Ok;
    },
  };
}

function properties(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_get_property': (pathPtr: number, pathSize: number, valuePtrPtr: number, valueSizePtr: number) => {
      const path = vm.memory.string(pathPtr, pathSize);
      if (path === null) return R.InvalidMemoryAccess;
      const value = vm.effectiveContext().getProperty(path);
      if (typeof value === 'number') return value;
      return vm.copyToPointerSize(value, valuePtrPtr, valueSizePtr) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_set_property': (keyPtr: number, keySize: number, valuePtr: number, valueSize: number) => {
      const key = vm.memory.string(keyPtr, keySize);
      const value = vm.memory.copy(valuePtr, valueSize);
      if (key === null || value === null) return R.InvalidMemoryAccess;
      return vm.effectiveContext().setProperty(key, value);
    },
  };
}

function streamControl(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_send_local_response': (
      status: number, detailsPtr: number, detailsSize: number, bodyPtr: number, bodySize: number,
      headersPtr: number, headersSize: number, grpcStatus: number,
    ) => {
      const details = vm.memory.string(detailsPtr, detailsSize);
      const body = vm.memory.copy(bodyPtr, bodySize);
      const headers = vm.memory.view(headersPtr, headersSize);
      if (details === null || body === null || headers === null) return R.InvalidMemoryAccess;
      const reply = { status, body, headers: parsePairs(headers), details, grpcStatus };
      vm.effectiveContext().sendLocalResponse(reply);
      vm.requestStopNextIteration();
      return R.Ok;
    },
    'env.proxy_continue_stream': (type: number) =>
      type >>> 0 > STREAM_TYPE_MAX ? R.BadArgument : vm.effectiveContext().continueStream(type),
    'env.proxy_close_stream': (type: number) =>
      type >>> 0 > STREAM_TYPE_MAX ? R.BadArgument : vm.effectiveContext().closeStream(type),
    'env.proxy_continue_request': () => vm.effectiveContext().continueStream(0),
    'env.proxy_continue_response': () => vm.effectiveContext().continueStream(1),
    'env.proxy_clear_route_cache': () => R.Ok,
    'env.proxy_get_configuration': (ptrPtr: number, sizePtr: number) =>
      vm.copyToPointerSize(vm.effectiveContext().getConfiguration(), ptrPtr, sizePtr) ? R.Ok : R.InvalidMemoryAccess,
    'env.proxy_set_effective_context': (id: number) => {
      if (!vm.contexts.has(id >>> 0)) return R.BadArgument;
      vm.setEffectiveContext(id);
      return R.Ok;
    },
    'env.proxy_done': () => {
      const plugin = vm.effectiveContext().plugin;
      const root = plugin ? vm.pendingDone.get(plugin) : undefined;
      if (!plugin || !root) return R.NotFound;
      vm.pendingDone.delete(plugin);
      vm.addAfterVmCallAction(() => root.onDelete());
      return R.Ok;
    },
  };
}

function sharedState(vm: WasmVm): HostFnTable {
  const { sharedData, sharedQueues, vmId } = vm.core;
  const mem = () => vm.memory;
  return {
    'env.proxy_get_shared_data': (kPtr: number, kSize: number, vPtrPtr: number, vSizePtr: number, casPtr: number) => {
      const key = mem().string(kPtr, kSize);
      if (key === null) return R.InvalidMemoryAccess;
      const entry = sharedData.get(vmId, key);
      if (!entry) return R.NotFound;
      if (!vm.copyToPointerSize(entry.value, vPtrPtr, vSizePtr)) return R.InvalidMemoryAccess;
      return mem().writeU32(casPtr, entry.cas) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_set_shared_data': (kPtr: number, kSize: number, vPtr: number, vSize: number, cas: number) => {
      const key = mem().string(kPtr, kSize);
      const value = mem().copy(vPtr, vSize);
      if (key === null || value === null) return R.InvalidMemoryAccess;
      return sharedData.set(vmId, key, value, cas >>> 0);
    },
    'env.proxy_register_shared_queue': (namePtr: number, nameSize: number, tokenPtr: number) => {
      const name = mem().string(namePtr, nameSize);
      if (name === null) return R.InvalidMemoryAccess;
      const root = vm.effectiveContext().rootContext();
      const ready = (token: number) => {
        if (root instanceof RootContext && !root.deleted) root.onQueueReady(token);
      };
      const target = { notify: (token: number) => vm.core.dispatcher.post(() => ready(token)) };
      const token = sharedQueues.register(vmId, name, target);
      return mem().writeU32(tokenPtr, token) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_resolve_shared_queue': (vPtr: number, vSize: number, nPtr: number, nSize: number, tokenPtr: number) => {
      const otherVm = mem().string(vPtr, vSize);
      const name = mem().string(nPtr, nSize);
      if (otherVm === null || name === null) return R.InvalidMemoryAccess;
      const token = sharedQueues.resolve(otherVm === '' ? vmId : otherVm, name);
      if (vm.failState !== null || token === undefined) return R.NotFound;
      return mem().writeU32(tokenPtr, token) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_dequeue_shared_queue': (token: number, dataPtrPtr: number, dataSizePtr: number) => {
      const { result, value } = sharedQueues.dequeue(token >>> 0);
      if (result !== R.Ok) return result;
      return vm.copyToPointerSize(value!, dataPtrPtr, dataSizePtr) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_enqueue_shared_queue': (token: number, dataPtr: number, dataSize: number) => {
      const value = mem().copy(dataPtr, dataSize);
      return value === null ? R.InvalidMemoryAccess : sharedQueues.enqueue(token >>> 0, value);
    },
  };
}

function metrics(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_define_metric': (type: number, namePtr: number, nameSize: number, idPtr: number) => {
      const name = vm.memory.string(namePtr, nameSize);
      if (name === null) return R.InvalidMemoryAccess;
      const { result, id } = vm.metrics.define(type >>> 0, name);
      if (result !== R.Ok) return result;
      return vm.memory.writeU32(idPtr, id) ? R.Ok : R.InvalidMemoryAccess;
    },
    'env.proxy_increment_metric': (id: number, offset: bigint) => vm.metrics.increment(id >>> 0, offset),
    'env.proxy_record_metric': (id: number, value: bigint) => vm.metrics.record(id >>> 0, BigInt.asUintN(64, value)),
    'env.proxy_get_metric': (id: number, ptr: number) => {
      const { result, value } = vm.metrics.get(id >>> 0);
      if (result !== R.Ok) return result;
      return vm.memory.writeU64(ptr, value) ? R.Ok : R.InvalidMemoryAccess;
    },
  };
}

function foreign(vm: WasmVm): HostFnTable {
  return {
    'env.proxy_call_foreign_function': (
      namePtr: number, nameSize: number, argsPtr: number, argsSize: number, resultsPtr: number, resultsSizePtr: number,
    ) => {
      const name = vm.memory.string(namePtr, nameSize);
      const args = vm.memory.copy(argsPtr, argsSize);
      if (name === null || args === null) return R.InvalidMemoryAccess;
      const fn = vm.core.foreignFunctions.get(name);
      if (!fn) return R.NotFound;
      const out = fn(args);
      let address = 0;
      if (resultsPtr !== 0 && out.length > 0) {
        address = vm.alloc(out.length);
        if (address !== 0) vm.memory.writeBytes(address, out);
      }
      if (resultsPtr !== 0 && !vm.memory.writeU32(resultsPtr, address)) return R.InvalidMemoryAccess;
      if (resultsSizePtr !== 0 && !vm.memory.writeU32(resultsSizePtr, out.length)) return R.InvalidMemoryAccess;
      return R.Ok;
    },
  };
}

export function proxyImports(vm: WasmVm): HostFnTable {
  return {
    ...loggingAndStatus(vm),
    ...properties(vm),
    ...streamControl(vm),
    ...sharedState(vm),
    ...metrics(vm),
    ...foreign(vm),
  };
}
