// Every snapshot is validated (each listed resource by its resource type) and consistency-checked
// (Snapshot.consistent()) before the cache publishes it. A snapshot that fails is not published:
// the key keeps its last good snapshot, a new key falls back to the last good policy, and the
// failure is reported with its catalogue code (MG_ERR_XDS_SNAPSHOT).
import { describe, expect, it } from 'vitest';
import { MeshguardError } from '../../control-plane/errors.js';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { NodeInfo, Snapshot } from '../../control-plane/xds/contracts.js';
import { SnapshotCache, type RejectedSnapshot, type SnapshotSource } from '../../control-plane/xds/cache.js';
import { snapshotProblems } from '../../control-plane/xds/snapshot-check.js';
import { makeResource, MapSnapshot, ResourceMap, rawResource } from '../../control-plane/xds/snapshot.js';
import { CLUSTER, LISTENER, ROUTE } from '../../control-plane/xds/type-urls.js';
import { encodeMessage } from '../../control-plane/xds/proto.js';
import { checkingBuilder, nodeOf, proxyless, shop } from './helpers.js';

const good = shop();
const next = shop((y) => y.replace('threshold: 10', 'threshold: 12'));
/** A policy whose snapshots the builder below breaks: an EDS cluster without ADS, a dangling RDS name. */
const poisoned = shop((y) => y.replace('threshold: 10', 'threshold: 11'));

function brokenSnapshot(policy: CompiledPolicy): Snapshot {
  const types = new Map([
    [CLUSTER, new ResourceMap([makeResource(CLUSTER, 'bad', { name: 'bad', type: 'EDS' })])],
  ]);
  return new MapSnapshot(policy.version, null, types, [{ typeUrl: ROUTE, name: 'missing-route', from: 'LDS "in"' }]);
}

/** The real builder, except that it produces a broken snapshot for the poisoned policy. */
function breakingBuilder(): SnapshotSource {
  const { builder } = checkingBuilder();
  return {
    build: (policy: CompiledPolicy, node: NodeInfo, editAt?: number | null) => (policy === poisoned ? brokenSnapshot(policy) : builder.build(policy, node, editAt)),
    forget: (key: string) => builder.forget(key),
    reset: () => builder.reset(),
  };
}

describe('snapshotProblems', () => {
  it('passes every snapshot the builder makes for the example policy (sidecars and proxyless)', () => {
    const { builder } = checkingBuilder();
    for (const key of good.workloads.keys()) {
      expect(snapshotProblems(builder.build(good, nodeOf(key))), key).toEqual([]);
      expect(snapshotProblems(builder.build(good, nodeOf(key, proxyless))), key).toEqual([]);
    }
  });

  it('names invalid resources, resources under a wrong name and broken references', () => {
    const renamed = rawResource(LISTENER, 'served-as', encodeMessage(LISTENER, { name: 'carries' }));
    const snapshot = new MapSnapshot('v', null, new Map([
      [CLUSTER, new ResourceMap([makeResource(CLUSTER, 'bad', { name: 'bad', type: 'EDS' })])],
      [LISTENER, new ResourceMap([renamed])],
    ]), [{ typeUrl: ROUTE, name: 'missing-route', from: 'LDS "in"' }]);
    const problems = snapshotProblems(snapshot);
    expect(problems).toContainEqual('CDS "bad" eds_cluster_config.eds_config: not ADS');
    expect(problems.some((p) => p.startsWith('LDS "served-as": is served under a name it does not carry ("carries")'))).toBe(true);
    expect(problems).toContainEqual('LDS "in" refers to RDS "missing-route", which the snapshot does not have');
  });
});

describe('SnapshotCache publishes only checked snapshots', () => {
  it('keeps the last good snapshot of a connected key and reports the failure', async () => {
    const rejected: RejectedSnapshot[] = [];
    const cache = new SnapshotCache(good, breakingBuilder(), undefined, null, (r) => rejected.push(r));
    const seen: Snapshot[] = [];
    const w = cache.watch(nodeOf('shop/api'), (s) => seen.push(s));
    expect(w.snapshot.policyVersion).toBe(good.version);

    cache.update(poisoned);
    await cache.flush();
    expect(seen).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ code: 'MG_ERR_XDS_SNAPSHOT', snapshotKey: nodeOf('shop/api').snapshotKey, policyVersion: poisoned.version, kept: good.version });
    expect(rejected[0]!.problems).toContainEqual('LDS "in" refers to RDS "missing-route", which the snapshot does not have');
    expect(cache.rejections.count).toBe(1);

    // The next good policy is published as usual.
    cache.update(next);
    await cache.flush();
    expect(seen.map((s) => s.policyVersion)).toEqual([next.version]);
    expect(snapshotProblems(seen[0]!)).toEqual([]);
    cache.close();
  });

  it('serves a new key from the last good policy while the policy in force fails', async () => {
    const rejected: RejectedSnapshot[] = [];
    const cache = new SnapshotCache(good, breakingBuilder(), undefined, null, (r) => rejected.push(r));
    cache.watch(nodeOf('shop/api'), () => undefined);
    cache.update(poisoned);
    await cache.flush();
    const late = cache.watch(nodeOf('shop/frontend'), () => undefined);
    expect(late.snapshot.policyVersion).toBe(good.version);
    expect(rejected.at(-1)).toMatchObject({ code: 'MG_ERR_XDS_SNAPSHOT', snapshotKey: nodeOf('shop/frontend').snapshotKey, kept: good.version });
    cache.close();
  });

  it('refuses a node with MG_ERR_XDS_SNAPSHOT when no good snapshot exists', () => {
    const rejected: RejectedSnapshot[] = [];
    const cache = new SnapshotCache(poisoned, breakingBuilder(), undefined, null, (r) => rejected.push(r));
    let thrown: unknown;
    try {
      cache.watch(nodeOf('shop/api'), () => undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MeshguardError);
    expect((thrown as MeshguardError).code).toBe('MG_ERR_XDS_SNAPSHOT');
    expect(rejected).toMatchObject([{ code: 'MG_ERR_XDS_SNAPSHOT', kept: null }]);
    expect(cache.size).toBe(0);
    cache.close();
  });
});
