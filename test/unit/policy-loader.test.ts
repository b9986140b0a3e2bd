// The serve runtime parses, validates and compiles policy edits in a worker thread
// (serve/policy-loader.ts): the compiled policy that comes back decides exactly as one compiled
// here, the thread that answers Checks stays free while a large policy loads, and a load that
// runs too long is a rejected edit after which the next load works.
import { beforeAll, describe, expect, it } from 'vitest';
import { CidrSet } from '../../control-plane/canon/ip.js';
import { decide } from '../../control-plane/engine/decide.js';
import { compilePolicy } from '../../control-plane/policy/compile.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { parsePolicy } from '../../control-plane/policy/load.js';
import { reviveCompiled } from '../../control-plane/policy/revive.js';
import { SourceSet } from '../../control-plane/canon/source-set.js';
import { PolicyLoader } from '../../control-plane/serve/policy-loader.js';
import { BENCH_SHAPE, generateCorpus, generatePolicyDocument, policyYaml } from '../../bench/generate-policy.js';
import { ensureDist } from '../parity/dist.js';
import { aliasBomb } from '../helpers/policy.js';

const text = policyYaml(generatePolicyDocument(BENCH_SHAPE));

beforeAll(async () => {
  await ensureDist();
}, 120_000);

/** Every object in the compiled graph, with its constructor's name. */
function prototypes(root: unknown): Set<string> {
  const seen = new Set<object>();
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    names.add(v.constructor?.name ?? 'null-prototype');
    if (ArrayBuffer.isView(v)) return;
    const children = v instanceof Map ? [...v.keys(), ...v.values()] : v instanceof Set ? [...v] : Object.values(v);
    children.forEach(walk);
  };
  walk(root);
  return names;
}

describe('the policy loader (worker thread)', () => {
  it('returns a compiled policy that decides every generated request as one compiled on this thread', async () => {
    const loader = new PolicyLoader();
    try {
      const loaded = await loader.load(text, 'bench.yaml');
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      const local = parsePolicy(text, 'bench.yaml');
      if (!local.ok) throw new Error('the bench policy does not load');
      const here = compilePolicy(local.policy, local.origin);
      expect(loaded.compiled.version).toBe(here.version);
      expect(loaded.compiled.segments[7]!.derivedFrom).toEqual({ file: 'bench.yaml', line: here.segments[7]!.derivedFrom.line, col: here.segments[7]!.derivedFrom.col });
      const corpus = generateCorpus(generatePolicyDocument(BENCH_SHAPE), { count: 3000, seed: 4 });
      const verdict = (p: CompiledPolicy, e: (typeof corpus)[number]) => {
        const d = decide(p, e.input);
        return JSON.stringify([d.decision, d.status, d.rule, d.reason, d.limited.map((s) => s.name)]);
      };
      const differ = corpus.filter((e) => verdict(loaded.compiled, e) !== verdict(here, e));
      expect(differ.slice(0, 3).map((e) => `${e.kind}: ${verdict(loaded.compiled, e)} ≠ ${verdict(here, e)}`)).toEqual([]);
    } finally {
      await loader.close();
    }
  }, 60_000);

  it('the compiled form holds no class but CidrSet and SourceSet, which revive restores', () => {
    const local = parsePolicy(text, 'bench.yaml');
    if (!local.ok) throw new Error('the bench policy does not load');
    const compiled = compilePolicy(local.policy, { file: 'bench.yaml' });
    expect([...prototypes(compiled)].sort()).toEqual(['Array', 'CidrSet', 'Map', 'Object', 'Set', 'SourceSet', 'Uint16Array', 'Uint32Array']);
    const revived = reviveCompiled(structuredClone(compiled) as CompiledPolicy);
    expect(revived.blocklist).toBeInstanceOf(CidrSet);
    expect(revived.workloads.values().next().value!.egress.every((r) => r.cidrs instanceof CidrSet)).toBe(true);
    expect(revived.segments.every((s) => s.sources instanceof SourceSet)).toBe(true);
    expect([...revived.workloads.values()].every((w) => w.inbound.segments.every((s) => s.sources instanceof SourceSet))).toBe(true);
  });

  it('leaves this thread free while a large policy loads', async () => {
    const loader = new PolicyLoader();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const large = policyYaml(generatePolicyDocument({ workloads: 1500, segments: 6000, egress: 600 }));
      const started = ticks;
      const loaded = await loader.load(large, 'large.yaml');
      expect(loaded.ok).toBe(true);
      // Parsing and compiling this policy on this thread would let no timer run until it was done.
      expect(ticks - started).toBeGreaterThan(5);
    } finally {
      clearInterval(timer);
      await loader.close();
    }
  }, 60_000);

  it('rejects a load that takes longer than its limit, and the next load gets a fresh worker', async () => {
    const loader = new PolicyLoader({ timeoutMs: 1, maxHeapMb: 512, idleMs: 60_000 });
    const slow = await loader.load(text, 'slow.yaml');
    expect(!slow.ok && slow.errors[0]!.message).toMatch(/^loading the policy took over 1 ms/);
    // The abandoned worker is gone, and the same loader starts a fresh one for the next load.
    expect(loader.workerRunning).toBe(false);
    const next = loader.load(text, 'next.yaml');
    expect(loader.workerRunning).toBe(true);
    expect(await next).toMatchObject({ ok: false });
    const quick = new PolicyLoader({ timeoutMs: 60_000, maxHeapMb: 512, idleMs: 60_000 });
    try {
      const bomb = await quick.load(aliasBomb(), 'bomb.yaml');
      expect(!bomb.ok && bomb.errors[0]!.code).toBe('MG_ERR_POLICY_ALIASES');
      expect((await quick.load(text, 'again.yaml')).ok).toBe(true);
    } finally {
      await loader.close();
      await quick.close();
    }
  }, 60_000);

  it('stops an idle worker (its isolate and the last parse are not kept) and starts a fresh one for the next edit', async () => {
    const loader = new PolicyLoader({ timeoutMs: 60_000, maxHeapMb: 512, idleMs: 50 });
    try {
      expect((await loader.load(text, 'first.yaml')).ok).toBe(true);
      expect(loader.workerRunning).toBe(true);
      const since = Date.now();
      while (loader.workerRunning) {
        if (Date.now() - since > 30_000) throw new Error('the idle worker was not stopped');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await loader.load(text, 'second.yaml')).ok).toBe(true);
    } finally {
      await loader.close();
    }
  }, 120_000);
});
