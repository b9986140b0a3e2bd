// Which workloads a workload may call: the destinations whose segments admit its identity, plus
// every destination no segment selects when `defaults.inbound` is allow. A sidecar is sent
// clusters, endpoints and routes for these only (like an Istio Sidecar's egress hosts); any other
// in-mesh host goes to passthrough, where the destination denies it anyway.
// Destination sets are bitsets over the inventory, one per segment, OR-ed per caller.
// Which segments admit an identity is looked up in an inverted index built once per compiled
// policy (exact identities, namespaces and principal prefixes by key), answering exactly
// what SourceSet.admits answers (a test compares both), and memoized per identity: asking every
// segment's SourceSet for each of 1,000 sidecars was most of a policy edit's rebuild.
import { kubernetesNamespace, parseSpiffeId } from '../../canon/spiffe.js';
import type { CompiledPolicy, CompiledSegment, CompiledWorkload } from '../../policy/compiled.js';

interface ReachIndex {
  readonly workloads: readonly CompiledWorkload[];
  readonly open: Uint32Array;
  readonly segmentTargets: ReadonlyMap<CompiledSegment, Uint32Array>;
}

const indexes = new WeakMap<CompiledPolicy, ReachIndex>();

interface AdmissionIndex {
  /** Segment positions (in policy.segments) by exact identity. */
  readonly byIdentity: ReadonlyMap<string, readonly number[]>;
  /** Segment positions by namespace (of the policy's trust domain, the one every compiled SourceSet carries). */
  readonly byNamespace: ReadonlyMap<string, readonly number[]>;
  /** Segment positions by principal prefix (a policy has few distinct prefixes, reused by many segments). */
  readonly byPrefix: ReadonlyMap<string, readonly number[]>;
  readonly memo: Map<string, readonly CompiledSegment[]>;
}

const admissionIndexes = new WeakMap<CompiledPolicy, AdmissionIndex>();

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function admissionIndexOf(policy: CompiledPolicy): AdmissionIndex {
  let index = admissionIndexes.get(policy);
  if (index) return index;
  const byIdentity = new Map<string, number[]>();
  const byNamespace = new Map<string, number[]>();
  const byPrefix = new Map<string, number[]>();
  policy.segments.forEach((s, i) => {
    for (const id of s.sources.identities) push(byIdentity, id, i);
    for (const ns of s.sources.namespaces) push(byNamespace, ns, i);
    for (const prefix of s.sources.prefixes) push(byPrefix, prefix, i);
  });
  index = { byIdentity, byNamespace, byPrefix, memo: new Map() };
  admissionIndexes.set(policy, index);
  return index;
}

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
export function admittingSegments(policy: CompiledPolicy, w: CompiledWorkload): readonly CompiledSegment[] {
  return segmentsAdmitting(policy, w.identity);
}

/** The segments whose sources admit `identity`, in file order: `s.sources.admits(identity)` for each segment, by index. */
export function segmentsAdmitting(policy: CompiledPolicy, identity: string): readonly CompiledSegment[] {
  const index = admissionIndexOf(policy);
  const memoized = index.memo.get(identity);
  if (memoized) return memoized;
  const found = new Set<number>(index.byIdentity.get(identity) ?? []);
  const parsed = parseSpiffeId(identity);
  if (parsed !== null) {
    for (const [prefix, positions] of index.byPrefix) {
      if (identity.startsWith(prefix)) for (const i of positions) found.add(i);
    }
    const ns = kubernetesNamespace(parsed, policy.trustDomain);
    if (ns !== null) for (const i of index.byNamespace.get(ns) ?? []) found.add(i);
  }
  const segments = Object.freeze([...found].sort((a, b) => a - b).map((i) => policy.segments[i]!));
  index.memo.set(identity, segments);
  return segments;
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
