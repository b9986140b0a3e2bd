// The anomaly scorer of the wasm filter, for the control plane: build/wasm/anomaly-core.wasm is
// assembly/lib/anomaly compiled on its own (assembly/anomaly-core), so ext_authz, `meshguard
// score`, learning and the filter compute one score with one implementation, bit for bit.
// Loaded synchronously once per process; calls are synchronous and allocate nothing in the VM.
import { readFileSync } from 'node:fs';
import { packagePath } from '../package-root.js';
import type { HttpInput } from '../engine/request.js';

// lib ES2022 has no WebAssembly types; the few parts used here.
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmInstance { readonly exports: Readonly<Record<string, unknown>> }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export type RouteMode = 'learn' | 'monitor' | 'enforce';
const MODES: readonly (RouteMode | null)[] = [null, 'learn', 'monitor', 'enforce'];

/** One modelled field of a request, as the learner needs it (no value, only what the models keep). */
export interface FieldObservation {
  readonly name: string;
  readonly length: number;
  /** Sorted relative character frequencies in 6 bins, × 1e6, rounded. */
  readonly bins: readonly number[];
  /** Character classes present (16 hex digits). */
  readonly classes: string;
  readonly shape: string;
  /** FNV-1a of the decoded value (for enumerations). */
  readonly hash: number;
}

export interface CoreScore {
  readonly score: number;
  readonly detectorScore: number;
  readonly modelScore: number;
  readonly route: string;
  readonly hits: readonly string[];
  /** The route's learned mode; null when the model does not know the route. */
  readonly mode: RouteMode | null;
  readonly fields: readonly FieldObservation[];
}

interface Exports {
  memory: WasmMemory;
  _initialize(): void;
  input(index: number, size: number): number;
  outputPtr(): number;
  outputLength(): number;
  configure(): number;
  score(observe: number): number;
  detectorScore(): number;
  modelScore(): number;
  routeMode(): number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Envoy's header-map serialization: u32 count, (u32 key length, u32 value length)*, then key\0value\0 each. */
export function headerPairs(http: HttpInput): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = [];
  const has = (k: string) => Object.hasOwn(http.headers, k);
  if (!has(':authority') && http.host) entries.push([encoder.encode(':authority'), encoder.encode(http.host)]);
  if (!has(':method')) entries.push([encoder.encode(':method'), encoder.encode(http.method)]);
  if (!has(':path') && http.path !== null) entries.push([encoder.encode(':path'), encoder.encode(http.path)]);
  for (const [k, v] of Object.entries(http.headers)) entries.push([encoder.encode(k), encoder.encode(v)]);
  let size = 4 + entries.length * 8;
  for (const [k, v] of entries) size += k.length + v.length + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length, true);
  let at = 4 + entries.length * 8;
  entries.forEach(([k, v], i) => {
    view.setUint32(4 + i * 8, k.length, true);
    view.setUint32(8 + i * 8, v.length, true);
    out.set(k, at);
    at += k.length + 1;
    out.set(v, at);
    at += v.length + 1;
  });
  return out;
}

function parseFields(lines: readonly string[]): FieldObservation[] {
  return lines.map((line) => {
    const p = line.split('\t');
    return { name: p[0]!, length: Number(p[1]), bins: p.slice(2, 8).map(Number), classes: p[8]!, shape: p[9]!, hash: Number(p[10]) };
  });
}

export class AnomalyCore {
  private constructor(private readonly x: Exports) {}

  static load(file = process.env.MESHGUARD_ANOMALY_CORE ?? packagePath('build', 'wasm', 'anomaly-core.wasm')): AnomalyCore {
    let binary: Buffer;
    try {
      binary = readFileSync(file);
    } catch (error) {
      throw new Error(`anomaly scorer: cannot read ${file} (run npm run build:wasm): ${(error as Error).message}`, { cause: error });
    }
    let instance: WasmInstance | null = null;
    const proxy_log = (_level: number, ptr: number, size: number) => {
      const text = decoder.decode(new Uint8Array((instance!.exports as unknown as Exports).memory.buffer, ptr, size));
      throw new Error(`anomaly scorer: ${text}`);
    };
    instance = new wasmApi.Instance(new wasmApi.Module(binary), { env: { proxy_log } });
    const x = instance.exports as unknown as Exports;
    x._initialize();
    return new AnomalyCore(x);
  }

  private write(index: number, bytes: Uint8Array): void {
    const ptr = this.x.input(index, bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
  }

  private output(): string {
    return decoder.decode(new Uint8Array(this.x.memory.buffer, this.x.outputPtr(), this.x.outputLength()));
  }

  /** Puts `modelJson` (the `model` section of a filter configuration, or null) in force. */
  configure(modelJson: string | null): void {
    this.write(0, encoder.encode(modelJson === null ? '{}' : `{"model":${modelJson}}`));
    if (!this.x.configure()) throw new Error(`anomaly model rejected: ${this.output()}`);
  }

  score(http: HttpInput, workload: string | null, observe = false): CoreScore {
    this.write(0, encoder.encode(workload ?? ''));
    this.write(1, headerPairs(http));
    this.write(2, encoder.encode(http.body));
    const score = this.x.score(observe ? 1 : 0);
    const lines = this.output().split('\n');
    return {
      score, detectorScore: this.x.detectorScore(), modelScore: this.x.modelScore(), route: lines[0]!,
      hits: lines[1] ? lines[1].split(',') : [], mode: MODES[this.x.routeMode()] ?? null, fields: observe ? parseFields(lines.slice(2)) : [],
    };
  }
}

let shared: AnomalyCore | null = null;

/** The process's scorer (loaded on first use). */
export function anomalyCore(): AnomalyCore {
  return (shared ??= AnomalyCore.load());
}
