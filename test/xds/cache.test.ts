// The snapshot cache: a burst of policy changes is applied once (debounce), a steady stream of
// changes still goes out within the maximum delay, snapshots are shared per key and dropped with
// their last watch.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../control-plane/xds/contracts.js';
import { SnapshotCache } from '../../control-plane/xds/cache.js';
import { checkingBuilder, nodeOf, proxyless, shop } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const versions = Array.from({ length: 40 }, (_, i) => shop((y) => y.replace('threshold: 10', `threshold: ${11 + i}`)));

describe('SnapshotCache', () => {
  it('applies a burst of policy changes once, after it goes quiet', async () => {
    const { builder } = checkingBuilder();
    const cache = new SnapshotCache(shop(), builder, { debounceMs: 100, maxDelayMs: 1000, sliceMs: 20 });
    const seen: Snapshot[] = [];
    cache.watch(nodeOf('shop/api'), (s) => seen.push(s));
    // The burst comes within one turn of the event loop, so a busy machine cannot stretch it past
    // the debounce; then wait for the push however long it takes, and a while longer for a second.
    for (let i = 0; i < 10; i++) cache.update(versions[i]!);
    for (const start = Date.now(); seen.length === 0 && Date.now() - start < 10_000;) await sleep(20);
    await sleep(300);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.policyVersion).toBe(versions[9]!.version);
    expect(seen[0]!.editAt).not.toBeNull();
    cache.close();
  });

  it('pushes within the maximum delay even when changes never stop', async () => {
    const { builder } = checkingBuilder();
    const cache = new SnapshotCache(shop(), builder, { debounceMs: 100, maxDelayMs: 300, sliceMs: 20 });
    const seen: number[] = [];
    const start = Date.now();
    cache.watch(nodeOf('shop/api'), () => seen.push(Date.now() - start));
    let lastUpdate = 0;
    for (let i = 0; i < 20; i++) {
      cache.update(versions[i]!);
      lastUpdate = Date.now() - start;
      await sleep(40);
    }
    // Debouncing alone would wait for the changes to stop; the maximum delay pushes while they go on
    // (compared with the last change, not with a wall-clock bound, so a slow machine cannot fail it).
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]!).toBeLessThan(lastUpdate);
    cache.close();
  });

  it('shares a snapshot between nodes of one key and forgets it with the last watch', async () => {
    const { builder } = checkingBuilder();
    const cache = new SnapshotCache(shop(), builder);
    const a = cache.watch(nodeOf('shop/api', {}, 'a'), () => undefined);
    const b = cache.watch(nodeOf('shop/api', {}, 'b'), () => undefined);
    const g = cache.watch(nodeOf('shop/api', proxyless, 'g'), () => undefined);
    expect(a.snapshot).toBe(b.snapshot);
    expect(g.snapshot).not.toBe(a.snapshot);
    expect(cache.size).toBe(2);
    a.cancel();
    expect(cache.size).toBe(2);
    b.cancel();
    g.cancel();
    expect(cache.size).toBe(0);
  });

  it('rebuilds every connected key on flush, keeping unchanged resources identical', async () => {
    const { builder } = checkingBuilder();
    const cache = new SnapshotCache(shop(), builder);
    const got: Snapshot[] = [];
    const w = cache.watch(nodeOf('shop/frontend'), (s) => got.push(s));
    cache.update(versions[0]!);
    await cache.flush();
    expect(got).toHaveLength(1);
    const before = w.snapshot;
    const after = got[0]!;
    expect(after.typeVersion('type.googleapis.com/envoy.config.cluster.v3.Cluster')).toBe(before.typeVersion('type.googleapis.com/envoy.config.cluster.v3.Cluster'));
    expect(after.typeVersion('type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig')).not.toBe(before.typeVersion('type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig'));
    cache.close();
  });
});
