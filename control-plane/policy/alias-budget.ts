// YAML aliases reuse a node without copying it, so a few hundred bytes can stand for billions of
// values (nine levels of nine aliases: 9^9). Every check after parsing walks values, so the
// expansion is measured first, on the shared nodes (each visited once), and a document whose
// aliases add more than the budget is refused before any other check (README "The policy").

/** Aliases may add this many values, or as many as the document holds without them, whichever is more. */
export const ALIAS_BUDGET = 10_000;

export type AliasFinding = { kind: 'cycle' } | { kind: 'expansion'; values: number; budget: number } | null;

/** Why the parsed document is refused (a cycle, or an expansion over the budget), or null. */
export function aliasFinding(data: unknown): AliasFinding {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  let distinct = 0;
  let cycle = false;
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') {
      distinct++;
      return 1;
    }
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (open.has(v)) {
      cycle = true;
      return 0;
    }
    open.add(v);
    distinct++;
    let total = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) total += size(child);
    open.delete(v);
    sizes.set(v, total);
    return total;
  };
  const values = size(data);
  if (cycle) return { kind: 'cycle' };
  const budget = Math.max(ALIAS_BUDGET, distinct);
  return values - distinct > budget ? { kind: 'expansion', values, budget } : null;
}

/** The 0-based offset of the first alias (`*name`) in a YAML text, for the diagnostic's position. */
export function firstAliasOffset(text: string): number {
  const m = /(?:^|[\s[{,:-])\*[^\s,[\]{}]+/m.exec(text);
  return m ? m.index + m[0].indexOf('*') : 0;
}
