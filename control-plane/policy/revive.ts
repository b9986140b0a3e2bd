// A compiled policy that crossed threads (structured clone: the serve runtime compiles in a
// worker) keeps its data and its shared references but loses class prototypes; this puts them back.
// The compiled form's only class instances are the CidrSets (test/unit/revive.test.ts checks that).
import { CidrSet } from '../canon/ip.js';
import type { CompiledPolicy } from './compiled.js';

function asCidrSet(value: object): void {
  if (!(value instanceof CidrSet)) Object.setPrototypeOf(value, CidrSet.prototype);
}

/** The same policy, usable by the engine again. Mutates and returns `clone`. */
export function reviveCompiled(clone: CompiledPolicy): CompiledPolicy {
  asCidrSet(clone.blocklist);
  // Workloads' egress lists hold these same rule objects (a structured clone keeps shared references).
  for (const rule of clone.egressRules) asCidrSet(rule.cidrs);
  return clone;
}
