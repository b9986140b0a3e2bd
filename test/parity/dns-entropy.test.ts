// DNS-tunnelling entropy is one computation in TypeScript (control-plane/engine/dns-tunnel.ts) and
// AssemblyScript (assembly/lib/dns_tunnel.ts): the same double for every label, so a threshold
// set exactly at a label's entropy gives the same verdict in `check` and in the egress filter.
import { beforeAll, describe, expect, it } from 'vitest';
import { Authorizer } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { dnsTunnelSuspicion, labelEntropy } from '../../control-plane/engine/dns-tunnel.js';
import { filterConfigFor } from '../../control-plane/filter-config/filter-config.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import { Replayer } from '../../control-plane/replay/replay.js';
import { prng } from '../../bench/anomaly/corpus.js';
import { compileYaml } from '../helpers/policy.js';
import { loadHarness, type Harness } from '../wasm/harness.js';
import { builtFilter } from '../wasm/build.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';

/** The largest double below a positive `x`. */
function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}

/** Labels of 16-63 bytes drawn from a few letters each (so counts repeat, as in real names). */
function randomLabels(n: number, seed: number): string[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => {
    const letters = ALPHABET.slice(0, 2 + Math.floor(r() * (ALPHABET.length - 2)));
    const length = 16 + Math.floor(r() * 48);
    return Array.from({ length }, () => letters[Math.floor(r() * letters.length)]).join('');
  });
}

let as: Harness;
beforeAll(async () => {
  as = await loadHarness();
}, 120_000);

describe('label entropy: one computation in TS and AS', () => {
  const labels = randomLabels(4000, 12);

  it('gives the same double for every random label', () => {
    const differ = labels.filter((l) => !Object.is(as.entropy(l), labelEntropy(l)));
    expect(differ.slice(0, 5).map((l) => `${l}: TS ${labelEntropy(l)} AS ${as.entropy(l)}`)).toEqual([]);
  });

  it('agrees with a threshold exactly at the computed entropy, and one step below it', () => {
    const limits = (maxEntropy: number) => ({ maxLabelLength: 63, maxLabels: 127, entropyMinLength: 16, maxEntropy });
    const differ: string[] = [];
    for (const label of labels) {
      const e = labelEntropy(label);
      for (const [threshold, flagged] of [[e, false], [nextDown(e), true]] as const) {
        const ts = dnsTunnelSuspicion(`${label}.example`, { mode: 'enforce', ...limits(threshold) }) !== null;
        const mine = as.dnsFinding(`${label}.example`, limits(threshold)) === 3;
        if (ts !== flagged || mine !== flagged) differ.push(`${label} at ${threshold}: TS ${ts} AS ${mine}`);
      }
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('the review’s label: 2.98831671061001179 is below 2.988316710610012 in both', () => {
    expect(labelEntropy('gfjijigbefegcekgeigdcd')).toBeLessThanOrEqual(2.988316710610012);
    expect(as.entropy('gfjijigbefegcekgeigdcd')).toBe(labelEntropy('gfjijigbefegcekgeigdcd'));
  });
});

describe('check and the egress filter agree at a threshold set exactly at an entropy', () => {
  const LABEL = 'gfjijigbefegcekgeigdcd';
  const threshold = labelEntropy(LABEL);
  const policy = compileYaml(`apiVersion: meshguard.io/v1alpha1
kind: MeshPolicy
metadata: { name: entropy-edge }
spec:
  workloads: [{ name: app, namespace: ns, serviceAccount: app, labels: { app: app } }]
  egress: [{ name: web, from: { matchLabels: { app: app } }, hosts: ["*"], ports: [443] }]
  dnsTunneling: { mode: enforce, maxLabelLength: 63, maxLabels: 127, entropyMinLength: 16, maxEntropy: ${String(threshold)} }
`);

  /** The label's letters shuffled and renamed: the same counts, so entropies one rounding step apart. */
  function relabelled(n: number, seed: number): string[] {
    const r = prng(seed);
    const distinct = [...new Set(LABEL)];
    return Array.from({ length: n }, () => {
      const pool = [...ALPHABET.slice(0, 36)];
      const rename = new Map(distinct.map((c) => [c, pool.splice(Math.floor(r() * pool.length), 1)[0]!]));
      return [...LABEL].map((c) => rename.get(c)!).join('');
    });
  }

  it('for 300 labels whose entropies straddle the threshold', async () => {
    const egress = (await builtFilter('egress')).binary;
    const [identity, anomaly] = await Promise.all(['identity', 'anomaly'].map(async (f) => (await builtFilter(f)).binary));
    const replayer = await Replayer.create(JSON.stringify(filterConfigFor(policy, policy.workloads.get('ns/app')!)), { identity: identity!, anomaly: anomaly!, egress });
    const authorizer = new Authorizer(policy, new LocalRateLimitStore());
    const seen = new Set<string>();
    const differ: string[] = [];
    for (const label of [LABEL, ...relabelled(300, 5)]) {
      const request = {
        attributes: {
          destination: { address: { socketAddress: { address: '10.9.0.1', portValue: 443 } } },
          request: { http: { method: 'GET', path: '/', host: `${label}.example`, headers: { ':authority': `${label}.example` } } },
          contextExtensions: { 'meshguard.io/direction': 'outbound', 'meshguard.io/workload': 'ns/app' },
        },
      };
      const want = await authorizer.check(toCheckInput(request));
      const got = await replayer.decide(request);
      seen.add(want.decision);
      if (want.decision !== got.decision || want.status !== got.status) differ.push(`${label} (${labelEntropy(label)}): check ${want.decision}, replay ${got.decision}`);
    }
    expect(differ.slice(0, 5)).toEqual([]);
    expect([...seen].sort()).toEqual(['allow', 'deny']);
  }, 120_000);
});
