// The WASI subset Envoy provides (exports.cc wasi_unstable_*), registered under both
// wasi_unstable and wasi_snapshot_preview1: stdout/stderr go to the plugin log, clocks are
// realtime/monotonic only, random_get is capped at 64 KiB, proc_exit only logs, and the file
// system does not exist.

import { Limits, LogLevel, WasiErrno as E } from './codes.js';
import type { HostFnTable } from './imports.js';
import { WASI_MODULES } from '../loader/link.js';
import type { WasmVm } from '../vm/vm.js';

const isStdio = (fd: number) => fd === 1 || fd === 2;

/** writevImpl: concatenates the iovecs, strips one trailing newline, logs at info/error. */
function writev(vm: WasmVm, fd: number, iovs: number, count: number, nwrittenPtr: number): number {
  const level = fd === 1 ? LogLevel.Info : fd === 2 ? LogLevel.Error : -1;
  if (level < 0) return E.BadF;
  let text = '';
  for (let i = 0; i < count; i++) {
    const buf = vm.memory.readU32(iovs + i * 8);
    const len = vm.memory.readU32(iovs + i * 8 + 4);
    if (buf === null || len === null) return E.Fault;
    if (len === 0) continue;
    const part = vm.memory.string(buf, len);
    if (part === null) return E.Fault;
    text += part;
  }
  const written = Buffer.byteLength(text, 'utf8');
  if (written > 0) vm.effectiveContext().writeLog(level, text.endsWith('\n') ? text.slice(0, -1) : text);
  return vm.memory.writeU32(nwrittenPtr, written) ? E.Success : E.Fault;
}

function io(vm: WasmVm): HostFnTable {
  const stdioOk = (fd: number) => (isStdio(fd) ? E.Success : E.BadF);
  return {
    fd_write: (fd: number, iovs: number, count: number, nw: number) => writev(vm, fd, iovs, count, nw),
    fd_pwrite: (fd: number, iovs: number, count: number, _off: bigint, nw: number) =>
      isStdio(fd) ? writev(vm, fd, iovs, count, nw) : E.BadF,
    fd_read: (_fd: number, _iovs: number, _n: number, _nr: number) => E.NoSys,
    fd_pread: (_fd: number, _iovs: number, _n: number, _off: bigint, _nr: number) => E.NoSys,
    fd_seek: (_fd: number, _off: bigint, _whence: number, _ptr: number) => {
      vm.effectiveContext().error('wasi_unstable fd_seek');
      return E.Success;
    },
    fd_close: (_fd: number) => {
      vm.effectiveContext().error('wasi_unstable fd_close');
      return E.Success;
    },
    fd_fdstat_get: (fd: number, statPtr: number) => {
      if (!isStdio(fd)) return E.BadF;
      vm.memory.writeU64(statPtr, 0n);
      vm.memory.writeU64(statPtr + 8, 64n);
      vm.memory.writeU64(statPtr + 16, 0n);
      return E.Success;
    },
    fd_fdstat_set_flags: (_fd: number, _flags: number) => E.NoSys,
    fd_fdstat_set_rights: (fd: number, _b: bigint, _i: bigint) => stdioOk(fd),
    fd_advise: (_fd: number, _o: bigint, _l: bigint, _a: number) => E.Success,
    fd_allocate: (fd: number, _o: bigint, _l: bigint) => stdioOk(fd),
    fd_datasync: (fd: number) => stdioOk(fd),
    fd_sync: (fd: number) => stdioOk(fd),
    fd_filestat_set_size: (fd: number, _s: bigint) => stdioOk(fd),
    fd_filestat_set_times: (fd: number, _a: bigint, _m: bigint, _f: number) => stdioOk(fd),
    fd_filestat_get: (_fd: number, _ptr: number) => E.BadF,
    fd_prestat_get: (_fd: number, _ptr: number) => E.BadF,
    fd_prestat_dir_name: (_fd: number, _ptr: number, _len: number) => E.NoSys,
    fd_readdir: (_fd: number, _buf: number, _len: number, _cookie: bigint, nreadPtr: number) =>
      vm.memory.writeU32(nreadPtr, 0) ? E.NotDir : E.Fault,
    fd_renumber: (fd: number, to: number) => (isStdio(fd) && isStdio(to) ? E.NotSup : E.BadF),
    fd_tell: (fd: number, ptr: number) => {
      if (!isStdio(fd)) return E.BadF;
      return vm.memory.writeU64(ptr, 0n) ? E.Success : E.Fault;
    },
  };
}

function paths(vm: WasmVm): HostFnTable {
  const notSup = () => E.NotSup;
  return {
    path_open: (_a: number, _b: number, _c: number, _d: number, _e: number, _f: bigint, _g: bigint, _h: number, _i: number) =>
      E.NoEnt,
    path_filestat_get: (_a: number, _b: number, _c: number, _d: number, _e: number) => E.NotSup,
    path_create_directory: (_a: number, _b: number, _c: number) => notSup(),
    path_filestat_set_times: (_a: number, _b: number, _c: number, _d: number, _e: bigint, _f: bigint, _g: number) =>
      notSup(),
    path_link: (_a: number, _b: number, _c: number, _d: number, _e: number, _f: number) => notSup(),
    path_readlink: (_a: number, _b: number, _c: number, _d: number, _e: number, retPtr: number) =>
      vm.memory.writeU32(retPtr, 0) ? E.NotSup : E.Fault,
    path_remove_directory: (_a: number, _b: number, _c: number) => notSup(),
    path_rename: (_a: number, _b: number, _c: number, _d: number, _e: number, _f: number) => notSup(),
    path_symlink: (_a: number, _b: number, _c: number, _d: number) => notSup(),
    path_unlink_file: (_a: number, _b: number, _c: number) => notSup(),
    sock_accept: (_fd: number, _flags: number, retPtr: number) => (vm.memory.writeU64(retPtr, 0n) ? E.NotSup : E.Fault),
    sock_recv: (_fd: number, _p: number, _l: number, _f: number, ret0: number, ret1: number) =>
      vm.memory.writeU32(ret0, 0) && vm.memory.writeU16(ret1, 0) ? E.NotSup : E.Fault,
    sock_send: (_fd: number, _p: number, _l: number, _f: number, ret0: number) =>
      vm.memory.writeU32(ret0, 0) ? E.NotSup : E.Fault,
    sock_shutdown: (_fd: number, _how: number) => notSup(),
  };
}

function environment(vm: WasmVm): HostFnTable {
  const entries = () => vm.core.env.map(([k, v]) => `${k}=${v}\0`);
  return {
    environ_sizes_get: (countPtr: number, sizePtr: number) => {
      const all = entries();
      const size = all.reduce((n, e) => n + Buffer.byteLength(e, 'utf8'), 0);
      return vm.memory.writeU32(countPtr, all.length) && vm.memory.writeU32(sizePtr, size) ? E.Success : E.Fault;
    },
    environ_get: (arrayPtr: number, bufPtr: number) => {
      let ptr = arrayPtr;
      let buf = bufPtr;
      for (const e of entries()) {
        const size = Buffer.byteLength(e, 'utf8');
        if (!vm.memory.writeU32(ptr, buf) || !vm.memory.writeString(buf, e, size)) return E.Fault;
        buf += size;
        ptr += 4;
      }
      return E.Success;
    },
    args_sizes_get: (argcPtr: number, sizePtr: number) =>
      vm.memory.writeU32(argcPtr, 0) && vm.memory.writeU32(sizePtr, 0) ? E.Success : E.Fault,
    args_get: (_argv: number, _buf: number) => E.Success,
  };
}

function clockAndRandom(vm: WasmVm): HostFnTable {
  return {
    clock_time_get: (id: number, _precision: bigint, ptr: number) => {
      let now: bigint;
      if (id === 0) now = vm.core.clock.realtimeNs();
      else if (id === 1) now = vm.core.clock.monotonicNs();
      else return E.NotSup;
      return vm.memory.writeU64(ptr, now) ? E.Success : E.Fault;
    },
    clock_res_get: (id: number, ptr: number) => {
      if (id !== 0 && id !== 1) return E.NotSup;
      return vm.memory.writeU64(ptr, 1n) ? E.Success : E.Fault;
    },
    random_get: (ptr: number, len: number) => {
      const n = len >>> 0;
      if (n > Limits.randomGetMaxBytes) return E.Inval;
      if (n === 0) return E.Success;
      const target = vm.memory.view(ptr, n);
      if (target === null) return E.Fault;
      vm.core.random(target);
      return E.Success;
    },
    sched_yield: () => E.Success,
    poll_oneoff: (_in: number, _out: number, _n: number, neventsPtr: number) =>
      vm.memory.writeU32(neventsPtr, 0) ? E.Success : E.Fault,
    proc_exit: (_code: number) => {
      vm.effectiveContext().error('wasi_unstable proc_exit');
    },
  };
}

export function wasiImports(vm: WasmVm): HostFnTable {
  const fns: HostFnTable = { ...io(vm), ...paths(vm), ...environment(vm), ...clockAndRandom(vm) };
  const out: HostFnTable = {};
  for (const m of WASI_MODULES) for (const [name, fn] of Object.entries(fns)) out[`${m}.${name}`] = fn;
  return out;
}
