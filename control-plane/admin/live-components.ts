// The operators' kit inside `meshguard serve`: the Kubernetes inventory (with --kubernetes), the
// audit on every policy version, and the live view, in that start order.
import { auditComponent } from '../compliance/component.js';
import { kubernetesInventoryComponent } from '../inventory/component.js';
import type { Component } from '../serve/component.js';
import { liveViewComponent } from './live/component.js';

export function opsComponents(kubernetes: boolean): Component[] {
  return [...(kubernetes ? [kubernetesInventoryComponent()] : []), auditComponent(), liveViewComponent()];
}
