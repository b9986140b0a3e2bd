// Immutable, versioned snapshots. Resources are encoded once (`makeResource`) and shared between
// snapshots by reference; a ResourceMap caches the version of its whole content.
import { createHash } from 'node:crypto';
import type { Snapshot, XdsResource } from './contracts.js';
import { encodeMessage } from './proto.js';
import { CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, PUSH_ORDER, ROUTE, shortName } from './type-urls.js';

function hash(parts: Iterable<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\n');
  return h.digest('hex').slice(0, 16);
}

export function makeResource(typeUrl: string, name: string, object: Record<string, unknown>): XdsResource {
  return rawResource(typeUrl, name, encodeMessage(typeUrl, object));
}

/** A resource from bytes already encoded (by parts; see SnapshotBuilder.outboundRoute). */
export function rawResource(typeUrl: string, name: string, value: Uint8Array): XdsResource {
  return Object.freeze({ name, typeUrl, version: hash([value]), value });
}

/** The version of a set of resources: a hash of their names and versions in name order. */
export function versionOf(resources: Iterable<XdsResource>): string {
  const pairs = [...resources].map((r) => `${r.name}\u0000${r.version}`).sort();
  return hash(pairs);
}

/** The resources of one type, by name, with a cached content version. Never mutated once built. */
export class ResourceMap {
  private cachedVersion: string | null = null;
  readonly byName: ReadonlyMap<string, XdsResource>;

  constructor(resources: Iterable<XdsResource>) {
    const map = new Map<string, XdsResource>();
    for (const r of resources) {
      if (map.has(r.name)) throw new Error(`two ${shortName(r.typeUrl)} resources are named "${r.name}"`);
      map.set(r.name, r);
    }
    this.byName = map;
  }

  get version(): string {
    this.cachedVersion ??= versionOf(this.byName.values());
    return this.cachedVersion;
  }
}

const EMPTY = new ResourceMap([]);

/** A reference from one resource to another that must exist for the snapshot to be consistent. */
export interface Reference {
  readonly typeUrl: string;
  readonly name: string;
  readonly from: string;
}

/** Builds resources on demand for names that follow a template (a proxyless server's listener). */
export type DynamicResources = (typeUrl: string, name: string) => XdsResource | undefined;

export class MapSnapshot implements Snapshot {
  private cachedVersion: string | null = null;
  private readonly generated = new Map<string, XdsResource | null>();

  constructor(
    readonly policyVersion: string,
    readonly editAt: number | null,
    private readonly types: ReadonlyMap<string, ResourceMap>,
    private readonly references: readonly Reference[] = [],
    private readonly dynamic: DynamicResources | null = null,
  ) {}

  get version(): string {
    this.cachedVersion ??= hash(PUSH_ORDER.map((t) => this.typeVersion(t)));
    return this.cachedVersion;
  }

  typeVersion(typeUrl: string): string {
    return (this.types.get(typeUrl) ?? EMPTY).version;
  }

  get(typeUrl: string, name: string): XdsResource | undefined {
    const found = this.types.get(typeUrl)?.byName.get(name);
    if (found || !this.dynamic) return found;
    const key = `${typeUrl} ${name}`;
    let made = this.generated.get(key);
    if (made === undefined) {
      made = this.dynamic(typeUrl, name) ?? null;
      this.generated.set(key, made);
    }
    return made ?? undefined;
  }

  list(typeUrl: string): Iterable<XdsResource> {
    return (this.types.get(typeUrl) ?? EMPTY).byName.values();
  }

  listed(typeUrl: string, name: string): boolean {
    return this.types.get(typeUrl)?.byName.has(name) ?? false;
  }

  count(typeUrl: string): number {
    return (this.types.get(typeUrl) ?? EMPTY).byName.size;
  }

  consistent(): string[] {
    return this.references
      .filter((r) => !this.get(r.typeUrl, r.name))
      .map((r) => `${r.from} refers to ${shortName(r.typeUrl)} "${r.name}", which the snapshot does not have`);
  }
}

/** The resource maps of a snapshot, by type, in a fixed order. */
export function typeMaps(maps: Partial<Record<'clusters' | 'endpoints' | 'listeners' | 'routes' | 'extensionConfigs', ResourceMap>>): Map<string, ResourceMap> {
  const out = new Map<string, ResourceMap>();
  if (maps.clusters) out.set(CLUSTER, maps.clusters);
  if (maps.endpoints) out.set(ENDPOINT, maps.endpoints);
  if (maps.listeners) out.set(LISTENER, maps.listeners);
  if (maps.routes) out.set(ROUTE, maps.routes);
  if (maps.extensionConfigs) out.set(EXTENSION_CONFIG, maps.extensionConfigs);
  return out;
}
