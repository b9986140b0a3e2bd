// Kubernetes label-selector semantics, plus meshguard's optional `namespace`.
import type { Selector, Workload } from './types.js';

export function selectorMatches(selector: Selector, workload: Workload): boolean {
  if (selector.namespace !== undefined && selector.namespace !== workload.namespace) return false;
  const labels = workload.labels;
  if (selector.matchLabels) {
    for (const key in selector.matchLabels) {
      if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== selector.matchLabels[key]) return false;
    }
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const value = has ? labels[expr.key]! : undefined;
    switch (expr.operator) {
      case 'In':
        if (value === undefined || !(expr.values ?? []).includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && (expr.values ?? []).includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The inventory indexed by namespace and by label pair, so a selector only looks at likely workloads. */
class WorkloadIndex {
  private readonly byNamespace = new Map<string, Workload[]>();
  private readonly byLabel = new Map<string, Workload[]>();

  constructor(private readonly all: readonly Workload[]) {
    for (const w of all) {
      push(this.byNamespace, w.namespace, w);
      for (const key in w.labels) push(this.byLabel, `${key}\u0000${w.labels[key]}`, w);
    }
  }

  select(selector: Selector): Workload[] {
    let candidates: readonly Workload[] = this.all;
    if (selector.namespace !== undefined) candidates = this.byNamespace.get(selector.namespace) ?? [];
    for (const key in selector.matchLabels ?? {}) {
      const list = this.byLabel.get(`${key}\u0000${selector.matchLabels![key]}`) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates.filter((w) => selectorMatches(selector, w));
  }
}

function push(map: Map<string, Workload[]>, key: string, w: Workload): void {
  const list = map.get(key);
  if (list) list.push(w);
  else map.set(key, [w]);
}

const indexes = new WeakMap<readonly Workload[], WorkloadIndex>();

/** The inventory workloads a selector selects, in inventory order. */
export function selectWorkloads(selector: Selector, inventory: readonly Workload[]): Workload[] {
  if (inventory.length < 64) return inventory.filter((w) => selectorMatches(selector, w));
  let index = indexes.get(inventory);
  if (!index) indexes.set(inventory, (index = new WorkloadIndex(inventory)));
  return index.select(selector);
}

/** A `from` selector with only `namespace` also admits identities outside the inventory. */
export function isNamespaceOnly(selector: Selector): boolean {
  return selector.namespace !== undefined && selector.matchLabels === undefined && selector.matchExpressions === undefined;
}
