// Which workloads a workload may call: the destinations whose segments admit its identity, plus
// every destination no segment selects when `defaults.inbound` is allow. A sidecar is sent
// clusters, endpoints and routes for these only (like an Istio Sidecar's egress hosts); any other
// in-mesh host goes to passthrough, where the destination denies it anyway.
// Destination sets are bitsets over the inventory, one per segment, OR-ed per caller.
import type { CompiledPolicy, CompiledSegment, CompiledWorkload } from '../../policy/compiled.js';

interface ReachIndex {
  readonly workloads: readonly CompiledWorkload[];
  readonly open: Uint32Array;
  readonly segmentTargets: ReadonlyMap<CompiledSegment, Uint32Array>;
}

const indexes = new WeakMap<CompiledPolicy, ReachIndex>();

function bitset(size: number, indexes: Iterable<number>): Uint32Array {
  const bits = new Uint32Array((size + 31) >>> 5);
  for (const i of indexes) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

function indexOf(policy: CompiledPolicy): ReachIndex {
  let index = indexes.get(policy);
  if (index) return index;
  const workloads = [...policy.workloads.values()];
  const position = new Map(workloads.map((w, i) => [w.key, i]));
  const segmentTargets = new Map<CompiledSegment, Uint32Array>();
  for (const s of policy.segments) segmentTargets.set(s, bitset(workloads.length, s.to.map((k) => position.get(k)!)));
  const open = policy.defaults.inbound === 'allow'
    ? workloads.flatMap((w, i) => (w.inbound.segments.length === 0 ? [i] : []))
    : [];
  index = { workloads, open: bitset(workloads.length, open), segmentTargets };
  indexes.set(policy, index);
  return index;
}

/** The segments whose sources admit `w`'s identity (SourceSet.admits, the engine's rule), in file order. */
export function admittingSegments(policy: CompiledPolicy, w: CompiledWorkload): CompiledSegment[] {
  return policy.segments.filter((s) => s.sources.admits(w.identity));
}

/** The keys of the workloads every workload may call (unselected, under `defaults.inbound: allow`). */
export function openDestinations(policy: CompiledPolicy): string[] {
  const index = indexOf(policy);
  return index.workloads.filter((_, i) => (index.open[i >>> 5]! & (1 << (i & 31))) !== 0).map((w) => w.key);
}

/** The workloads `w` may call, in inventory order. */
export function reachableFrom(policy: CompiledPolicy, w: CompiledWorkload): CompiledWorkload[] {
  const index = indexOf(policy);
  const bits = index.open.slice();
  for (const s of admittingSegments(policy, w)) {
    const targets = index.segmentTargets.get(s)!;
    for (let i = 0; i < bits.length; i++) bits[i]! |= targets[i]!;
  }
  const out: CompiledWorkload[] = [];
  for (let word = 0; word < bits.length; word++) {
    let v = bits[word]!;
    while (v !== 0) {
      const bit = 31 - Math.clz32(v & -v);
      out.push(index.workloads[(word << 5) + bit]!);
      v &= v - 1;
    }
  }
  return out;
}
