// The snapshots meshguard computes for a set of nodes, as JSON (format meshguard.xds-snapshots/v1),
// for another xDS server to serve the same thing: bench/peers/go-control-plane loads it into
// go-control-plane's snapshot cache. Written by `meshguard render xds-snapshot`.
//
//   { format, policy: {name, version},
//     resources: [{typeUrl, name, version, value: base64 of the encoded message}],   each once
//     snapshots: [{version, nodes: [node id...], resources: {typeUrl: [index...]}, typeVersions: {typeUrl: version}}] }
import type { Snapshot, XdsResource } from './contracts.js';
import { PUSH_ORDER } from './type-urls.js';

export const SNAPSHOT_EXPORT_FORMAT = 'meshguard.xds-snapshots/v1';

export interface ExportedSnapshot {
  readonly version: string;
  readonly nodes: readonly string[];
  readonly resources: Readonly<Record<string, readonly number[]>>;
  readonly typeVersions: Readonly<Record<string, string>>;
}

export interface SnapshotExport {
  readonly format: typeof SNAPSHOT_EXPORT_FORMAT;
  readonly policy: { readonly name: string; readonly version: string };
  readonly resources: readonly { readonly typeUrl: string; readonly name: string; readonly version: string; readonly value: string }[];
  readonly snapshots: readonly ExportedSnapshot[];
}

/** Every listed resource of each snapshot (resources built on demand by name are not listed). */
export function exportSnapshots(policy: { name: string; version: string }, groups: Iterable<{ nodes: readonly string[]; snapshot: Snapshot }>): SnapshotExport {
  const resources: SnapshotExport['resources'][number][] = [];
  const index = new Map<string, number>();
  const indexOf = (r: XdsResource): number => {
    const key = `${r.typeUrl}\u0000${r.name}\u0000${r.version}`;
    let i = index.get(key);
    if (i === undefined) {
      i = resources.push({ typeUrl: r.typeUrl, name: r.name, version: r.version, value: Buffer.from(r.value).toString('base64') }) - 1;
      index.set(key, i);
    }
    return i;
  };
  const snapshots: ExportedSnapshot[] = [];
  for (const { nodes, snapshot } of groups) {
    const byType: Record<string, number[]> = {};
    const typeVersions: Record<string, string> = {};
    for (const typeUrl of PUSH_ORDER) {
      byType[typeUrl] = [...snapshot.list(typeUrl)].map(indexOf);
      typeVersions[typeUrl] = snapshot.typeVersion(typeUrl);
    }
    snapshots.push({ version: snapshot.version, nodes, resources: byType, typeVersions });
  }
  return { format: SNAPSHOT_EXPORT_FORMAT, policy, resources, snapshots };
}
