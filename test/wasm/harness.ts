// Compiles test/wasm/as/harness.ts (assembly/lib without proxy-wasm) and wraps its exports
// in functions that take and return JS strings.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface HarnessExports {
  memory: WebAssembly.Memory;
  input(slot: number, size: number): number;
  outputPtr(): number;
  outputLength(): number;
  normalize(): number;
  canonicalize(): number;
  hostPort(): number;
  hostIpVersion(): number;
  cidrContains(): number;
  socketAddress(): number;
  ipText(): number;
  sni(): number;
  bodyText(): void;
  socketPort(): number;
  patternMatches(): number;
  spiffeNamespace(): number;
  segmentAdmits(): number;
  dnsFinding(maxLabelLength: number, maxLabels: number, entropyMinLength: number, maxEntropy: number): number;
  entropy(): number;
  json(): number;
  inbound(fresh: number, hasSource: number, hasPath: number, port: number): number;
  egress(fresh: number, hasDestination: number, destinationPort: number, https: number): number;
  egressTcp(fresh: number, hasDestination: number, destinationPort: number): number;
}

/** The request facts the identity filter reads from Envoy. */
export interface InboundFacts {
  readonly principal: string;
  /** source.address ("ip:port"), null when absent. */
  readonly source: string | null;
  readonly path: string | null;
  readonly method: string;
  readonly port: number;
}

/** The request facts the egress filter reads from Envoy. */
export interface EgressFacts {
  readonly authority: string;
  readonly sni: string;
  /** destination.address ("ip:port"), null when absent. */
  readonly destination: string | null;
  readonly port: number;
  readonly https: boolean;
}

export interface Harness {
  normalizePath(raw: string): { ok: true; path: string } | { ok: false; error: number };
  canonicalHost(authority: string): { host: string; ip: 'v4' | 'v6' | null; port: number | null } | { reject: string };
  cidrContains(cidr: string, ip: string): boolean | 'invalid';
  socketAddress(address: string): { ip: string; version: 4 | 6 } | null;
  /** A TLS SNI: its canonical form, or why it is not a bare host name. */
  sni(text: string): { host: string } | { reject: string };
  /** The body text (lib/body.ts) of raw bytes. */
  bodyText(bytes: Uint8Array): string;
  /** An IP literal as the engines read it (IPv4 carried in IPv6 is IPv4). */
  ip(text: string): { ip: string; version: 4 | 6 } | null;
  socketPort(address: string): number;
  patternMatches(pattern: string, path: string): boolean | 'invalid';
  spiffeNamespace(id: string, trustDomain: string): string | null | 'malformed';
  /** The identity filter's source rule (decide.ts sourceMatches) for one principal and source set. */
  segmentAdmits(principal: string, sources: { trustDomain: string; identities: readonly string[]; prefixes: readonly string[]; namespaces: readonly string[] }): boolean;
  dnsFinding(host: string, limits: { maxLabelLength: number; maxLabels: number; entropyMinLength: number; maxEntropy: number }): number;
  entropy(label: string): number;
  json(text: string): { ok: true; value: string } | { ok: false; error: string };
  /** The identity filter's decision (decide.ts decideInbound): "allow|deny status segment reason", null for a rejected configuration. */
  inbound(config: string, facts: InboundFacts): string | null;
  /** The egress filter's decision (decide.ts decideEgress): "allow|deny status rule reason dns=N", null for a rejected configuration. */
  egress(config: string, facts: EgressFacts): string | null;
  /** The egress filter's decision for a TCP connection (tcp.ts: SNI, else the destination). */
  egressTcp(config: string, facts: Pick<EgressFacts, 'sni' | 'destination' | 'port'>): string | null;
}

function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const length = new Uint32Array(memory.buffer, ptr - 4, 1)[0]! >>> 1;
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, length));
}

/** How compileHarness runs asc. */
const ASC_ARGS = ['test/wasm/as/harness.ts', '-O3', '--runtime', 'incremental', '--outFile', 'harness.wasm', '--baseDir', root];

/**
 * A hash of the compiler (its version and arguments) and every AssemblyScript source the harness
 * can import: the compiled harness is reused while it holds.
 */
function sourcesHash(): string {
  const h = createHash('sha256');
  // asc's version is exported at run time but missing from its type declarations.
  h.update(JSON.stringify([(asc as { version?: string }).version ?? '', ...ASC_ARGS])).update('\0');
  for (const dir of ['assembly', 'test/wasm/as']) {
    const files = readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    for (const f of files) h.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 24);
}

/**
 * The harness binary, compiled once per set of sources and kept in the temporary directory: test
 * files (and Stryker's runs against mutants of the TypeScript side) load it without recompiling.
 */
async function compile(): Promise<Uint8Array<ArrayBuffer>> {
  const cached = path.join(tmpdir(), `meshguard-as-harness-${sourcesHash()}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const binary = await compileHarness();
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, binary);
  renameSync(partial, cached);
  return binary;
}

async function compileHarness(): Promise<Uint8Array<ArrayBuffer>> {
  let binary: Uint8Array<ArrayBuffer> | null = null;
  const stderr: string[] = [];
  const { error } = await asc.main(
    ASC_ARGS,
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith('.wasm')) binary = contents as Uint8Array<ArrayBuffer>;
      },
      stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as never,
    },
  );
  if (error || !binary) throw new Error(`harness did not compile: ${error?.message ?? ''}\n${stderr.join('')}`);
  return binary;
}

export async function loadHarness(): Promise<Harness> {
  return instantiateHarness(new WebAssembly.Module(await compile())).harness;
}

/**
 * A harness on a compiled harness module; `imports` adds to its imports (the mutation run's build
 * imports the mutant to run). `exports` are the raw exports.
 */
export function instantiateHarness(module: WebAssembly.Module, imports: WebAssembly.Imports = {}): { harness: Harness; exports: WebAssembly.Exports } {
  const loaded: { memory?: WebAssembly.Memory } = {};
  const instance = new WebAssembly.Instance(module, {
    ...imports,
    env: {
      abort(message: number, file: number, line: number, column: number) {
        const m = loaded.memory!;
        throw new Error(`abort: ${readString(m, message)} at ${readString(m, file)}:${line}:${column}`);
      },
    },
  });
  const x = instance.exports as unknown as HarnessExports;
  loaded.memory = x.memory;
  return { harness: wrap(x), exports: instance.exports };
}

function wrap(x: HarnessExports): Harness {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const putBytes = (slot: number, bytes: Uint8Array) => {
    const ptr = x.input(slot, bytes.length);
    new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  };
  const put = (slot: number, text: string) => putBytes(slot, encoder.encode(text));
  const output = () => decoder.decode(new Uint8Array(x.memory.buffer, x.outputPtr(), x.outputLength()));
  // The configuration last written for each decision (egress and egressTcp share one): the module
  // parses it again only when it changes.
  const last: { inbound: string | null; egress: string | null } = { inbound: null, egress: null };
  /** Puts `config` in slot 0 when it differs from the last one of its kind: 1 (parse it again), else 0. */
  const fresh = (kind: keyof typeof last, config: string): number => {
    if (config === last[kind]) return 0;
    put(0, (last[kind] = config));
    return 1;
  };

  return {
    normalizePath(raw) {
      put(0, raw);
      const error = x.normalize();
      return error === 0 ? { ok: true, path: output() } : { ok: false, error };
    },
    canonicalHost(authority) {
      put(0, authority);
      const kind = x.canonicalize();
      if (kind === 0) return { reject: output() };
      const version = x.hostIpVersion();
      const port = x.hostPort();
      return { host: output(), ip: kind === 2 ? (version === 4 ? 'v4' : 'v6') : null, port: port === 0 ? null : port };
    },
    cidrContains(cidr, ip) {
      put(0, cidr);
      put(1, ip);
      const r = x.cidrContains();
      return r < 0 ? 'invalid' : r === 1;
    },
    socketAddress(address) {
      put(0, address);
      const version = x.socketAddress();
      return version === 0 ? null : { ip: output(), version: version as 4 | 6 };
    },
    sni(text) {
      put(0, text);
      return x.sni() === 1 ? { host: output() } : { reject: output() };
    },
    bodyText(bytes) {
      putBytes(0, bytes);
      x.bodyText();
      return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(x.memory.buffer, x.outputPtr(), x.outputLength()));
    },
    ip(text) {
      put(0, text);
      const version = x.ipText();
      return version === 0 ? null : { ip: output(), version: version as 4 | 6 };
    },
    socketPort(address) {
      put(0, address);
      return x.socketPort();
    },
    patternMatches(pattern, p) {
      put(0, pattern);
      put(1, p);
      const r = x.patternMatches();
      return r < 0 ? 'invalid' : r === 1;
    },
    spiffeNamespace(id, trustDomain) {
      put(0, id);
      put(1, trustDomain);
      const r = x.spiffeNamespace();
      return r < 0 ? 'malformed' : r === 0 ? null : output();
    },
    segmentAdmits(principal, sources) {
      put(0, principal);
      put(1, [sources.trustDomain, ...sources.identities.map((i) => `I:${i}`), ...sources.prefixes.map((p) => `P:${p}`), ...sources.namespaces.map((n) => `N:${n}`)].join('\n'));
      return x.segmentAdmits() === 1;
    },
    dnsFinding(host, l) {
      put(0, host);
      return x.dnsFinding(l.maxLabelLength, l.maxLabels, l.entropyMinLength, l.maxEntropy);
    },
    entropy(label) {
      put(0, label);
      return x.entropy();
    },
    json(text) {
      put(0, text);
      return x.json() === 1 ? { ok: true, value: output() } : { ok: false, error: output() };
    },
    inbound(config, f) {
      put(1, f.principal);
      put(2, f.source ?? '');
      put(3, f.path ?? '');
      put(4, f.method);
      return x.inbound(fresh('inbound', config), f.source === null ? 0 : 1, f.path === null ? 0 : 1, f.port) === 0 ? output() : null;
    },
    egress(config, f) {
      put(1, f.authority);
      put(2, f.sni);
      put(3, f.destination ?? '');
      return x.egress(fresh('egress', config), f.destination === null ? 0 : 1, f.port, f.https ? 1 : 0) === 0 ? output() : null;
    },
    egressTcp(config, f) {
      put(2, f.sni);
      put(3, f.destination ?? '');
      return x.egressTcp(fresh('egress', config), f.destination === null ? 0 : 1, f.port) === 0 ? output() : null;
    },
  };
}
