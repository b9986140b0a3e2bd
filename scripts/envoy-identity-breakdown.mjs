#!/usr/bin/env node
// Where the identity filter's Envoy CPU goes: builds variants of assembly/filters/identity/index.ts
// with one part switched off each (a hostcall replaced by a constant, or left out), runs each in its
// own Envoy (the `envoy` benchmark's bootstrap: one worker, mTLS listener, direct response) and
// loads them in alternating rounds, so that every variant sees the same machine; prints the median
// Envoy CPU per request (utime + stime from /proc/<pid>/stat over the 2xx answers) of each, and its
// difference to the no-op filter.
//
//   npm run build && node scripts/envoy-identity-breakdown.mjs [--rounds N] [--seconds S] [variant ...]
//
// Variants (default: all): identity (as built), and the source with these parts off:
//   no-writes   neither x-meshguard-source nor x-meshguard-rule written (proxy_replace_header_map_value)
//   one-write   x-meshguard-rule not written
//   no-counter  meshguard_identity_allowed not incremented
//   no-san      connection.uri_san_peer_certificate not read (the principal a constant)
//   no-source   source.address not read (the blocklist sees no address)
//   no-port     destination.port not read (8080)
//   no-pairs    proxy_get_header_map_pairs not called (:method/:path constants, nothing stripped)
//   compute     all of the above: what is left is the filter's own code
//   bare        onRequestHeaders returns Continue at once
// An argument NAME=FILE.wasm adds a prebuilt identity module (an older build, say) under NAME.
// The variants decide like the filter for the benchmark's request (frontend → shop/api, GET
// /api/items?page=2 on port 8080); a variant that answers anything but 2xx fails the run.
// Needs Envoy (MESHGUARD_ENVOY, else PATH or .venv-envoy) and, for port 8080 on 127.x.y.2, nothing else.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildFilter } from './build-wasm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { requireEnvoy, envoyVersion } = await dist('control-plane/envoy/binary.js');
const { loopbackBlock } = await dist('control-plane/envoy/loopback.js');
const { MeshCa } = await dist('control-plane/envoy/pki.js');
const { startEnvoy } = await dist('control-plane/envoy/process.js');
const { filterConfigFor } = await dist('control-plane/filter-config/filter-config.js');
const { loadCompiledPolicy } = await dist('control-plane/policy/load.js');
const { bootstrap, wasmFilter } = await dist('bench/envoy/bootstraps.js');
const { measurement, median, processCpuMs } = await dist('bench/lib/stats.js');

const SAN = 'getProperty(PEER_URI_SAN, request.principal);';
const SOURCE = 'if (config.blocklist.length > 0) readAddressIp(SOURCE_ADDRESS, request.sourceIp);';
const PORT = 'request.port = config.needsPort ? readDestinationPort() : 0;';
const PAIRS = 'const removed = stripAndRead();';
const WRITE_SOURCE = 'if (request.principalWellFormed) replaceRequestHeader(SOURCE_HEADER, request.principal);';
const WRITE_RULE = 'if (segment !== null) replaceRequestHeader(RULE_HEADER, segment.name);';
const COUNTER = 'root.allowed!.increment();';

function patch(source, from, to) {
  if (!source.includes(from)) throw new Error(`identity/index.ts no longer contains \`${from}\`: update scripts/envoy-identity-breakdown.mjs`);
  return source.replace(from, to);
}
const off = {
  'no-writes': (s) => patch(patch(s, WRITE_SOURCE, ''), WRITE_RULE, ''),
  'one-write': (s) => patch(s, WRITE_RULE, ''),
  'no-counter': (s) => patch(s, COUNTER, ''),
  'no-san': (s) => patch(s, SAN, 'request.principal.appendString("spiffe://cluster.local/ns/shop/sa/frontend");'),
  'no-source': (s) => patch(s, SOURCE, 'if (false) readAddressIp(SOURCE_ADDRESS, request.sourceIp);'),
  'no-port': (s) => patch(s, PORT, 'request.port = 8080;'),
  'no-pairs': (s) => patch(s, PAIRS, 'const removed = 0; request.method.set(GET.ptr, GET.length); rawPath.set(BENCH_PATH.ptr, BENCH_PATH.length); ' +
    'request.pathError = normalizePath(rawPath.ptr, rawPath.length, request.path);')
    .replace('const PATH =', 'const GET = ByteBuf.fromString("GET");\nconst BENCH_PATH = ByteBuf.fromString("/api/items?page=2");\nconst PATH ='),
  bare: (s) => patch(s, PAIRS, 'return HeadersStatus.Continue;'),
};
off.compute = (s) => ['no-writes', 'no-counter', 'no-san', 'no-source', 'no-port', 'no-pairs'].reduce((t, v) => off[v](t), s);

const args = process.argv.slice(2);
let rounds = 5;
let seconds = 4;
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--seconds') seconds = Number(args[++i]);
  else wanted.push(args[i]);
}
const names = wanted.length > 0 ? wanted : ['identity', ...Object.keys(off)];
for (const n of names) if (n !== 'identity' && !n.includes('=') && !off[n]) throw new Error(`unknown variant ${n} (known: identity, ${Object.keys(off).join(', ')})`);

const work = mkdtempSync(path.join(tmpdir(), 'meshguard-identity-breakdown-'));
const variants = [{ name: 'noop', file: path.join(root, 'build', 'wasm', 'noop.wasm') }];
const original = readFileSync(path.join(root, 'assembly/filters/identity/index.ts'), 'utf8')
  .replaceAll('from "./config"', 'from "../identity/config"').replaceAll('from "./decide"', 'from "../identity/decide"');
for (const name of names) {
  if (name.includes('=')) {
    const [label, file] = name.split('=');
    variants.push({ name: label, file: path.resolve(file) });
    continue;
  }
  if (name === 'identity') {
    variants.push({ name, file: path.join(root, 'build', 'wasm', 'identity.wasm') });
    continue;
  }
  const module = `identity_${name.replace('-', '_')}`;
  const dir = path.join(root, 'assembly', 'filters', module);
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(path.join(dir, 'index.ts'), off[name](original));
    const built = await buildFilter(module, work, `assembly/filters/${module}/index.ts`);
    variants.push({ name, file: built.file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const binary = requireEnvoy();
const policyFile = path.join(work, 'shop.yaml');
writeFileSync(policyFile, readFileSync(path.join(root, 'examples', 'shop.yaml'), 'utf8').replace(/^\s*rateLimit:.*\n/gm, ''));
const loaded = await loadCompiledPolicy(policyFile);
if (!loaded.ok) throw new Error('examples/shop.yaml does not load');
const configuration = JSON.stringify(filterConfigFor(loaded.compiled, loaded.compiled.workloads.get('shop/api')));
const ca = new MeshCa(path.join(work, 'pki'));
const server = ca.issue('server', 'spiffe://cluster.local/ns/shop/sa/api');
const tls = { ...ca.client('spiffe://cluster.local/ns/shop/sa/frontend'), ca: readFileSync(ca.cert, 'utf8'), rejectUnauthorized: false };
const cpuSeconds = (pid) => measurement(processCpuMs(pid, (p) => readFileSync(p, 'utf8')), `CPU time of Envoy ${pid}`) / 1000;
const load = (url, duration) => autocannon({ url, connections: 8, duration, headers: { host: 'api.shop' }, tlsOptions: tls, servername: 'localhost' });

const envoys = [];
const samples = new Map(variants.map((v) => [v.name, []]));
try {
  for (const v of variants) {
    const listener = { address: `${loopbackBlock()}.2`, port: 8080, cert: server.cert, key: server.key, ca: server.ca };
    const noop = v.name === 'noop';
    const filter = wasmFilter({ name: noop ? 'noop' : 'identity', file: v.file, configuration: noop ? '{}' : configuration });
    const envoy = await startEnvoy({ binary, bootstrap: bootstrap(listener, [filter], {}, null) });
    envoys.push({ v, envoy, url: `https://${listener.address}:${listener.port}/api/items?page=2` });
    await envoy.waitForStats((s) => s.get('listener_manager.workers_started') === 1, 60_000);
  }
  for (const e of envoys) await load(e.url, 2);
  for (let r = 0; r < rounds; r++) {
    for (const e of r % 2 === 0 ? envoys : [...envoys].reverse()) {
      await load(e.url, 1);
      const before = cpuSeconds(e.envoy.pid);
      const result = await load(e.url, seconds);
      const cpu = cpuSeconds(e.envoy.pid) - before;
      const ok = result['2xx'];
      if (result.non2xx > 0 || result.errors > 0 || ok === 0) throw new Error(`${e.v.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      samples.get(e.v.name).push((cpu * 1e6) / ok);
      process.stderr.write(`round ${r + 1}/${rounds} ${e.v.name}: ${((cpu * 1e6) / ok).toFixed(2)} µs/request\n`);
    }
  }
} finally {
  for (const e of envoys) await e.envoy.stop();
  rmSync(work, { recursive: true, force: true });
}

const base = median(samples.get('noop'));
console.log(`Envoy ${envoyVersion(binary)}, 1 worker; ${rounds} alternating rounds × ${seconds} s, autocannon 8 connections; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('variant       µs/request (median)   above noop   rounds');
for (const [name, a] of samples) {
  console.log(`${name.padEnd(12)} ${median(a).toFixed(2).padStart(10)} ${(median(a) - base).toFixed(2).padStart(19)}   ${a.map((x) => x.toFixed(1)).join(' ')}`);
}
