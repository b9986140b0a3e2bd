// A compiled policy that crossed threads (structured clone: the serve runtime compiles in a
// worker) keeps its data and its shared references but loses class prototypes; this puts them back.
// The compiled form's only class instances are the CidrSets and the segments' SourceSets
// (test/unit/revive.test.ts checks that).
import { CidrSet } from '../canon/ip.js';
import { SourceSet } from '../canon/source-set.js';
import type { CompiledPolicy } from './compiled.js';

function asCidrSet(value: object): void {
  if (!(value instanceof CidrSet)) Object.setPrototypeOf(value, CidrSet.prototype);
}

/** The same policy, usable by the engine again. Mutates and returns `clone`. */
export function reviveCompiled(clone: CompiledPolicy): CompiledPolicy {
  asCidrSet(clone.blocklist);
  // Workloads' egress lists hold these same rule objects (a structured clone keeps shared references).
  for (const rule of clone.egressRules) asCidrSet(rule.cidrs);
  // Workloads' inbound lists hold these same segment objects.
  for (const segment of clone.segments) {
    if (!(segment.sources instanceof SourceSet)) Object.setPrototypeOf(segment.sources, SourceSet.prototype);
  }
  return clone;
}
