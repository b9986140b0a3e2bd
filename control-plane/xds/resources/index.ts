// The resource types meshguard serves, by type URL.
import type { ResourceType } from './resource-type.js';
import { clusterType } from './cluster.js';
import { endpointType } from './endpoint.js';
import { extensionConfigType } from './extension-config.js';
import { listenerType } from './listener.js';
import { routeType } from './route.js';

export const RESOURCE_TYPES: ReadonlyMap<string, ResourceType> = new Map(
  [clusterType, endpointType, listenerType, routeType, extensionConfigType].map((t) => [t.typeUrl, t]),
);

export type { Diagnostic, ResourceType, Validation } from './resource-type.js';
