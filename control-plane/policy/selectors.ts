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

export function selectWorkloads(selector: Selector, inventory: readonly Workload[]): Workload[] {
  return inventory.filter((w) => selectorMatches(selector, w));
}

/** A `from` selector with only `namespace` also admits identities outside the inventory. */
export function isNamespaceOnly(selector: Selector): boolean {
  return selector.namespace !== undefined && selector.matchLabels === undefined && selector.matchExpressions === undefined;
}
