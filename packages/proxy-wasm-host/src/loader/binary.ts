// A reader for the parts of a wasm binary that Envoy's loader looks at (bytecode_util.cc and the
// V8 link step): types, imports, exports, memories and the "name" custom section.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
}

export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
  /** For function imports. */
  readonly type?: FuncType;
  /** For memory and table imports. */
  readonly limits?: Limits;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternKind;
  /** For function exports. */
  readonly type?: FuncType;
}

export interface ModuleSummary {
  readonly imports: readonly ImportEntry[];
  readonly exports: readonly ExportEntry[];
  /** Function index → name, from the "name" section (empty when stripped). */
  readonly functionNames: ReadonlyMap<number, string>;
}

export class WasmBinaryError extends Error {
  override readonly name = 'WasmBinaryError';
}

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};
const KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];
const utf8 = new TextDecoder('utf-8', { fatal: false });

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmBinaryError('unexpected end of section');
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new WasmBinaryError('varint overflow');
        return result;
      }
    }
    throw new WasmBinaryError('varint too long');
  }

  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new WasmBinaryError('name out of bounds');
    const s = utf8.decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  valtype(): ValType {
    const code = this.byte();
    const t = VALTYPES[code];
    if (t === undefined) throw new WasmBinaryError(`unknown value type 0x${code.toString(16)}`);
    return t;
  }

  limits(): Limits {
    const flags = this.byte();
    const min = this.u32();
    const max = (flags & 1) !== 0 ? this.u32() : undefined;
    return { min, max };
  }
}

interface Section {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  /** Offset of the section id byte. */
  readonly headerStart: number;
}

export function checkWasmHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

function sections(bytes: Uint8Array): Section[] {
  if (!checkWasmHeader(bytes)) throw new WasmBinaryError('not a wasm module');
  const out: Section[] = [];
  const r = new Reader(bytes, 8, bytes.length);
  while (r.pos < r.end) {
    const headerStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    if (r.pos + size > r.end) throw new WasmBinaryError('section out of bounds');
    out.push({ id, start: r.pos, end: r.pos + size, headerStart });
    r.pos += size;
  }
  return out;
}

function readTypes(bytes: Uint8Array, s: Section): FuncType[] {
  const r = new Reader(bytes, s.start, s.end);
  const n = r.u32();
  const types: FuncType[] = [];
  for (let i = 0; i < n; i++) {
    const form = r.byte();
    if (form !== 0x60) throw new WasmBinaryError(`unsupported type form 0x${form.toString(16)}`);
    const params: ValType[] = [];
    for (let p = r.u32(); p > 0; p--) params.push(r.valtype());
    const results: ValType[] = [];
    for (let q = r.u32(); q > 0; q--) results.push(r.valtype());
    types.push({ params, results });
  }
  return types;
}

function typeAt(types: readonly FuncType[], index: number): FuncType {
  const t = types[index];
  if (t === undefined) throw new WasmBinaryError(`type index ${index} out of range`);
  return t;
}

function readImports(bytes: Uint8Array, s: Section, types: readonly FuncType[]): ImportEntry[] {
  const r = new Reader(bytes, s.start, s.end);
  const out: ImportEntry[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const module = r.name();
    const name = r.name();
    const kindByte = r.byte();
    const kind = KINDS[kindByte];
    if (kind === undefined) throw new WasmBinaryError(`unknown import kind ${kindByte}`);
    if (kind === 'func') {
      out.push({ module, name, kind, type: typeAt(types, r.u32()) });
    } else if (kind === 'memory') {
      out.push({ module, name, kind, limits: r.limits() });
    } else if (kind === 'table') {
      r.byte();
      out.push({ module, name, kind, limits: r.limits() });
    } else if (kind === 'global') {
      r.valtype();
      r.byte();
      out.push({ module, name, kind });
    } else {
      r.byte();
      r.u32();
      out.push({ module, name, kind });
    }
  }
  return out;
}

function readFunctionTypeIndices(bytes: Uint8Array, s: Section): number[] {
  const r = new Reader(bytes, s.start, s.end);
  const out: number[] = [];
  for (let n = r.u32(); n > 0; n--) out.push(r.u32());
  return out;
}

function readExports(
  bytes: Uint8Array,
  s: Section,
  funcType: (index: number) => FuncType,
): ExportEntry[] {
  const r = new Reader(bytes, s.start, s.end);
  const out: ExportEntry[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const name = r.name();
    const kindByte = r.byte();
    const kind = KINDS[kindByte];
    if (kind === undefined) throw new WasmBinaryError(`unknown export kind ${kindByte}`);
    const index = r.u32();
    out.push(kind === 'func' ? { name, kind, type: funcType(index) } : { name, kind });
  }
  return out;
}

function readFunctionNames(bytes: Uint8Array, s: Section): Map<number, string> {
  const names = new Map<number, string>();
  const r = new Reader(bytes, s.start, s.end);
  if (r.name() !== 'name') return names;
  while (r.pos < r.end) {
    const id = r.byte();
    const size = r.u32();
    const next = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        const index = r.u32();
        names.set(index, r.name());
      }
    }
    r.pos = next;
  }
  return names;
}

function isNameSection(bytes: Uint8Array, s: Section): boolean {
  return s.id === 0 && new Reader(bytes, s.start, s.end).name() === 'name';
}

export function parseModule(bytes: Uint8Array): ModuleSummary {
  const all = sections(bytes);
  const find = (id: number) => all.find((s) => s.id === id);
  const typeSection = find(1);
  const types = typeSection ? readTypes(bytes, typeSection) : [];
  const importSection = find(2);
  const imports = importSection ? readImports(bytes, importSection, types) : [];
  const funcSection = find(3);
  const defined = funcSection ? readFunctionTypeIndices(bytes, funcSection) : [];
  const importedFuncs = imports.filter((i) => i.kind === 'func');
  const funcType = (index: number): FuncType => {
    if (index < importedFuncs.length) return importedFuncs[index]!.type!;
    const typeIndex = defined[index - importedFuncs.length];
    if (typeIndex === undefined) throw new WasmBinaryError(`function index ${index} out of range`);
    return typeAt(types, typeIndex);
  };
  const exportSection = find(7);
  const exports = exportSection ? readExports(bytes, exportSection, funcType) : [];
  const nameSection = all.find((s) => isNameSection(bytes, s));
  let functionNames = new Map<number, string>();
  if (nameSection) {
    try {
      functionNames = readFunctionNames(bytes, nameSection);
    } catch {
      // A malformed name section only costs the backtrace its names.
      functionNames = new Map();
    }
  }
  return { imports, exports, functionNames };
}

/**
 * The ABI marker exactly as bytecode_util.cc getAbiVersion finds it: the first *function* export
 * named proxy_abi_version_{0_1_0,0_2_0,0_2_1}.
 */
export function findAbiMarker(summary: ModuleSummary): '0.1.0' | '0.2.0' | '0.2.1' | null {
  for (const e of summary.exports) {
    if (e.kind !== 'func') continue;
    if (e.name === 'proxy_abi_version_0_1_0') return '0.1.0';
    if (e.name === 'proxy_abi_version_0_2_0') return '0.2.0';
    if (e.name === 'proxy_abi_version_0_2_1') return '0.2.1';
  }
  return null;
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function cappedMemorySection(bytes: Uint8Array, s: Section, maxPages: number): number[] {
  const r = new Reader(bytes, s.start, s.end);
  const n = r.u32();
  const payload = leb(n);
  for (let i = 0; i < n; i++) {
    const flags = r.byte();
    if (flags > 1) throw new WasmBinaryError('shared or 64-bit memories are not supported');
    const min = r.u32();
    const declared = flags === 1 ? r.u32() : undefined;
    const max = declared === undefined ? maxPages : Math.min(declared, maxPages);
    payload.push(1, ...leb(min), ...leb(max));
  }
  return [5, ...leb(payload.length), ...payload];
}

/**
 * V8 in Envoy runs with --wasm_max_mem_pages=16384: a defined memory can never grow past 1 GiB
 * (memory.grow returns -1). Node allows 4 GiB, so the cap is written into the module's memory
 * section. Returns the declared minimum pages of each defined memory too.
 */
export function capDefinedMemories(
  bytes: Uint8Array,
  maxPages: number,
): { bytes: Uint8Array; minPages: number[] } {
  const memSection = sections(bytes).find((s) => s.id === 5);
  if (!memSection) return { bytes, minPages: [] };
  const r = new Reader(bytes, memSection.start, memSection.end);
  const minPages: number[] = [];
  for (let n = r.u32(); n > 0; n--) minPages.push(r.limits().min);
  const replacement = cappedMemorySection(bytes, memSection, maxPages);
  const out = new Uint8Array(bytes.length - (memSection.end - memSection.headerStart) + replacement.length);
  out.set(bytes.subarray(0, memSection.headerStart), 0);
  out.set(replacement, memSection.headerStart);
  out.set(bytes.subarray(memSection.end), memSection.headerStart + replacement.length);
  return { bytes: out, minPages };
}
