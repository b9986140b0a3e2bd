// The gate every snapshot passes before the cache publishes it: each listed resource decoded and
// validated by its resource type (what Envoy or grpc-js-xds would reject), and every reference
// between resources resolved (Snapshot.consistent()). Resources are shared between snapshots by
// reference, so a resource's verdict is kept with it and only new resources are decoded.
import type { Snapshot, XdsResource } from './contracts.js';
import { RESOURCE_TYPES } from './resources/index.js';
import { PUSH_ORDER, shortName } from './type-urls.js';

const verdicts = new WeakMap<XdsResource, readonly string[]>();

/** What is wrong with one resource, as one line per problem (empty when it is valid). */
export function resourceProblems(r: XdsResource): readonly string[] {
  let found = verdicts.get(r);
  if (found) return found;
  const type = RESOURCE_TYPES.get(r.typeUrl);
  const at = `${shortName(r.typeUrl)} "${r.name}"`;
  if (!type) found = [`${at}: no resource type serves ${r.typeUrl}`];
  else {
    let decoded: Record<string, unknown> | null = null;
    try {
      decoded = type.decode(r.value);
    } catch (err) {
      found = [`${at}: does not decode: ${(err as Error).message}`];
    }
    if (decoded) {
      const v = type.validate(decoded);
      const problems = v.ok ? [] : v.diags.map((d) => `${at} ${d.path}: ${d.message}`);
      if (type.nameOf(decoded) !== r.name) problems.push(`${at}: is served under a name it does not carry ("${type.nameOf(decoded)}")`);
      found = problems;
    }
  }
  verdicts.set(r, found!);
  return found!;
}

/** Every problem of a snapshot: invalid listed resources, then broken references. Empty when it may be published. */
export function snapshotProblems(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const typeUrl of PUSH_ORDER) {
    for (const r of snapshot.list(typeUrl)) out.push(...resourceProblems(r));
  }
  out.push(...snapshot.consistent());
  return out;
}
