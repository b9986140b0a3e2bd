// Compiles test/wasm/as/text-harness.ts (the anomaly scorer's text library without proxy-wasm)
// and wraps it in functions on JS strings and bytes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Exports {
  memory: WebAssembly.Memory;
  inputBytes(size: number): number;
  inputBytes2(size: number): number;
  inputUnits(count: number): number;
  bytesOutPtr(): number;
  bytesOutLength(): number;
  unitsOutPtr(): number;
  unitsOutLength(): number;
  log2(x: number): number;
  parse(): number;
  format(): void;
  decode(): void;
  encode(): void;
  canonical(): void;
  template(): void;
  params(): number;
  match(): number;
}

export interface TextHarness {
  log2(x: number): number;
  parseDecimal(literal: string): number;
  formatJsNumber(literal: string): string;
  decodeUtf8(bytes: Uint8Array): string;
  encodeUtf8(text: string): Uint8Array;
  canonicalText(text: string): string;
  routeTemplate(path: string): string;
  params(path: string, contentType: string, body: string): [string, string][];
  matches(patterns: readonly string[], text: string): boolean[];
}

let compiled: Promise<Uint8Array<ArrayBuffer>> | null = null;

function compile(): Promise<Uint8Array<ArrayBuffer>> {
  compiled ??= (async () => {
    let binary: Uint8Array<ArrayBuffer> | null = null;
    const stderr: string[] = [];
    const { error } = await asc.main(
      ['test/wasm/as/text-harness.ts', '-O3', '--runtime', 'incremental', '--outFile', 'text-harness.wasm', '--baseDir', root],
      {
        writeFile(name: string, contents: Uint8Array | string) {
          if (name.endsWith('.wasm')) binary = contents as Uint8Array<ArrayBuffer>;
        },
        stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as never,
      },
    );
    if (error || !binary) throw new Error(`text harness did not compile: ${error?.message ?? ''}\n${stderr.join('')}`);
    return binary;
  })();
  return compiled;
}

export async function loadTextHarness(): Promise<TextHarness> {
  const { instance } = await WebAssembly.instantiate(await compile(), {
    env: {
      abort: () => { throw new Error('abort in text harness'); },
      trace: () => undefined,
      seed: () => 1,
    },
  });
  const x = instance.exports as unknown as Exports;
  const putBytes = (bytes: Uint8Array, second = false) => {
    const ptr = second ? x.inputBytes2(bytes.length) : x.inputBytes(bytes.length);
    new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  };
  const putUnits = (text: string) => {
    const ptr = x.inputUnits(text.length);
    const view = new Uint16Array(x.memory.buffer, ptr, text.length);
    for (let i = 0; i < text.length; i++) view[i] = text.charCodeAt(i);
  };
  const bytesOut = () => Buffer.from(new Uint8Array(x.memory.buffer, x.bytesOutPtr(), x.bytesOutLength()));
  const unitsOut = () => {
    const units = new Uint16Array(x.memory.buffer, x.unitsOutPtr(), x.unitsOutLength());
    let s = '';
    for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
    return s;
  };
  const ascii = (s: string) => Buffer.from(s, 'latin1');
  return {
    log2: (v) => x.log2(v),
    parseDecimal(literal) {
      putBytes(ascii(literal));
      return x.parse();
    },
    formatJsNumber(literal) {
      putBytes(ascii(literal));
      x.format();
      return bytesOut().toString('latin1');
    },
    decodeUtf8(bytes) {
      putBytes(bytes);
      x.decode();
      return unitsOut();
    },
    encodeUtf8(text) {
      putUnits(text);
      x.encode();
      return new Uint8Array(bytesOut());
    },
    canonicalText(text) {
      putUnits(text);
      x.canonical();
      return unitsOut();
    },
    routeTemplate(p) {
      putBytes(Buffer.from(p, 'utf8'));
      x.template();
      return bytesOut().toString('utf8');
    },
    params(p, contentType, body) {
      putUnits(p);
      putBytes(Buffer.from(body, 'utf8'));
      putBytes(Buffer.from(contentType, 'utf8'), true);
      const n = x.params();
      const text = unitsOut();
      let at = 0;
      const next = () => {
        const length = text.charCodeAt(at) * 65536 + text.charCodeAt(at + 1);
        at += 2 + length;
        return text.slice(at - length, at);
      };
      return Array.from({ length: n }, () => [next(), next()] as [string, string]);
    },
    matches(patterns, text) {
      putBytes(Buffer.from(patterns.join('\u0000'), 'utf8'));
      putUnits(text);
      const mask = x.match() >>> 0;
      return patterns.map((_, i) => (mask & (1 << i)) !== 0);
    },
  };
}
