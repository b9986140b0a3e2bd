// Assembles small wasm modules byte by byte, for link and start-up cases no compiler would emit.

export type V = 'i32' | 'i64';

export interface ImportFunc {
  readonly module: string;
  readonly name: string;
  readonly params?: readonly V[];
  readonly results?: readonly V[];
}

export interface Func {
  /** Export name, if exported. */
  readonly export?: string;
  readonly params?: readonly V[];
  readonly results?: readonly V[];
  /** Instruction bytes (the final `end` is added). Default: push zeros for the results. */
  readonly body?: readonly number[];
}

export interface ModuleSpec {
  readonly imports?: readonly ImportFunc[];
  readonly importGlobal?: { readonly module: string; readonly name: string };
  readonly funcs: readonly Func[];
  /** Defined memory (pages), exported as "memory" unless exportMemory is false. */
  readonly memory?: { readonly min: number; readonly max?: number };
  readonly exportMemory?: boolean;
  /** Export a global named so (e.g. to test that a non-function ABI marker does not count). */
  readonly exportGlobal?: string;
}

const VT: Record<V, number> = { i32: 0x7f, i64: 0x7e };

export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const str = (s: string) => {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
};
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** Instruction helpers. */
export const op = {
  i32: (n: number) => [0x41, ...sleb(n)],
  i64: (n: number) => [0x42, ...sleb(n)],
  call: (index: number) => [0x10, ...uleb(index)],
  drop: [0x1a],
  eqz: [0x45],
  unreachable: [0x00],
};

function defaultBody(results: readonly V[]): number[] {
  return results.flatMap((r) => (r === 'i32' ? op.i32(0) : op.i64(0)));
}

export function buildModule(spec: ModuleSpec): Uint8Array {
  const imports = spec.imports ?? [];
  const sigs: string[] = [];
  const typeOf = (params: readonly V[] = [], results: readonly V[] = []) => {
    const key = `${params.join(',')}->${results.join(',')}`;
    if (!sigs.includes(key)) sigs.push(key);
    return sigs.indexOf(key);
  };
  const importEntries = imports.map((i) => [...str(i.module), ...str(i.name), 0, ...uleb(typeOf(i.params, i.results))]);
  if (spec.importGlobal) importEntries.push([...str(spec.importGlobal.module), ...str(spec.importGlobal.name), 3, 0x7f, 0]);
  const funcTypes = spec.funcs.map((f) => typeOf(f.params, f.results));
  const types = sigs.map((key) => {
    const [p, r] = key.split('->');
    const list = (s: string) => (s === '' ? [] : s.split(',').map((v) => VT[v as V]));
    return [0x60, ...vec(list(p!).map((x) => [x])), ...vec(list(r!).map((x) => [x]))];
  });
  const exports: number[][] = [];
  spec.funcs.forEach((f, i) => {
    if (f.export) exports.push([...str(f.export), 0, ...uleb(imports.length + i)]);
  });
  const memory = spec.memory ?? { min: 1 };
  if (spec.exportMemory !== false) exports.push([...str('memory'), 2, 0]);
  if (spec.exportGlobal) exports.push([...str(spec.exportGlobal), 3, 0]);
  const limits = memory.max === undefined ? [0, ...uleb(memory.min)] : [1, ...uleb(memory.min), ...uleb(memory.max)];
  const code = spec.funcs.map((f) => {
    const body = [0, ...(f.body ?? defaultBody(f.results ?? [])), 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(importEntries.length ? section(2, vec(importEntries)) : []),
    ...section(3, vec(funcTypes.map((t) => uleb(t)))),
    ...section(5, vec([limits])),
    ...(spec.exportGlobal ? section(6, vec([[0x7f, 0, ...op.i32(0), 0x0b]])) : []),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ];
  return Uint8Array.from(bytes);
}

/** The smallest module Envoy accepts: the ABI marker, malloc and a memory. */
export function minimalFuncs(extra: readonly Func[] = []): Func[] {
  return [
    { export: 'proxy_abi_version_0_2_1' },
    { export: 'malloc', params: ['i32'], results: ['i32'], body: op.i32(1024) },
    ...extra,
  ];
}
