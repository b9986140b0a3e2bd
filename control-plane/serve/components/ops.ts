// The operators' kit inside `meshguard serve`: the Kubernetes inventory (with --kubernetes), the
// audit on every policy version, and the live view, in that start order.
import { auditComponent } from './audit.js';
import { lazyComponent, type Component } from '../component.js';
import { liveViewComponent } from './live.js';

/** The Kubernetes client is large (tens of MB of RSS): loaded only when --kubernetes asks for it. */
function lazyKubernetesInventory(): Component {
  return lazyComponent('kubernetes', async () => (await import('./inventory.js')).kubernetesInventoryComponent());
}

export function opsComponents(kubernetes: boolean): Component[] {
  return [...(kubernetes ? [lazyKubernetesInventory()] : []), auditComponent(), liveViewComponent()];
}
