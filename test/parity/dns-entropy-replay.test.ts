// `check` and the egress filter (replay, the real wasm build) give the same verdict for labels whose
// entropies straddle a threshold set exactly at one label's entropy (the computation itself is
// held in dns-entropy.test.ts). Apart from it because building the three filters takes a while,
// and the mutation run (vitest.mutation.config.ts) runs dns-entropy.test.ts against every mutant.
import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../control-plane/authorizer/authorizer.js';
import { LocalRateLimitStore } from '../../control-plane/authorizer/rate-limit.js';
import { labelEntropy } from '../../control-plane/engine/dns-tunnel.js';
import { filterConfigFor } from '../../control-plane/filter-config/filter-config.js';
import { toCheckInput } from '../../control-plane/authz/check-request.js';
import { Replayer } from '../../control-plane/replay/replay.js';
import { prng } from '../../bench/anomaly/corpus.js';
import { compileYaml } from '../helpers/policy.js';
import { builtFilter } from '../wasm/build.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';

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
    const [identity, anomaly, egress] = await Promise.all(['identity', 'anomaly', 'egress'].map(async (f) => (await builtFilter(f)).binary));
    const replayer = await Replayer.create(JSON.stringify(filterConfigFor(policy, policy.workloads.get('ns/app')!)), { identity: identity!, anomaly: anomaly!, egress: egress! });
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
