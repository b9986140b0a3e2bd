// Reads what Envoy's loader checks in a module: function imports and exports with their
// signatures, and whether a "name" section is present.

export interface Signature { params: string; results: string }
export interface ModuleShape {
  imports: Map<string, Signature & { kind: number }>;
  exports: Map<string, Signature | null>;
  hasNameSection: boolean;
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  let p = 8;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++]!;
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  };
  const name = () => {
    const n = u32();
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const types: Signature[] = [];
  const funcTypes: number[] = [];
  const shape: ModuleShape = { imports: new Map(), exports: new Map(), hasNameSection: false };
  const exportsRaw: [string, number, number][] = [];
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = u32();
    const end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (bytes[p++] !== 0x60) throw new Error('unexpected type form');
        const params = Array.from({ length: u32() }, () => VALTYPES[bytes[p++]!] ?? '?').join(',');
        const results = Array.from({ length: u32() }, () => VALTYPES[bytes[p++]!] ?? '?').join(',');
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = bytes[p++]!;
        if (kind === 0) {
          const type = u32();
          funcTypes.push(type);
          shape.imports.set(`${module}.${field}`, { ...types[type]!, kind });
        } else {
          shape.imports.set(`${module}.${field}`, { params: '', results: '', kind });
          p = end; // non-function imports are reported by kind only
          break;
        }
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = bytes[p++]!;
        exportsRaw.push([field, kind, u32()]);
      }
    } else if (id === 0) {
      if (name() === 'name') shape.hasNameSection = true;
    }
    p = end;
  }
  for (const [field, kind, index] of exportsRaw) {
    shape.exports.set(field, kind === 0 ? types[funcTypes[index]!]! : null);
  }
  return shape;
}
