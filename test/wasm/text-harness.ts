// Compiles test/wasm/as/text-harness.ts (pieces of assembly/lib without proxy-wasm) and wraps it
// in functions on JS strings.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Exports {
  memory: WebAssembly.Memory;
  inputBytes(size: number): number;
  bytesOutPtr(): number;
  bytesOutLength(): number;
  parse(): number;
  log2(x: number): number;
  template(): void;
}

export interface TextHarness {
  log2(x: number): number;
  parseDecimal(literal: string): number;
  routeTemplate(path: string): string;
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
  const putBytes = (bytes: Uint8Array) => {
    const ptr = x.inputBytes(bytes.length);
    new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  };
  const bytesOut = () => Buffer.from(new Uint8Array(x.memory.buffer, x.bytesOutPtr(), x.bytesOutLength()));
  return {
    log2: (v) => x.log2(v),
    parseDecimal(literal) {
      putBytes(Buffer.from(literal, 'latin1'));
      return x.parse();
    },
    routeTemplate(p) {
      putBytes(Buffer.from(p, 'utf8'));
      x.template();
      return bytesOut().toString('utf8');
    },
  };
}
