// Kubernetes manifests for the audit: every YAML/JSON file under a directory, every document in
// each (and the items of `kind: List`), with a locator for positions; the pod spec of workload kinds.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Location } from './finding.js';
import { parseYamlDocuments, type YamlLocator, type YamlPath } from './yaml-locate.js';

export interface Manifest {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly object: Readonly<Record<string, unknown>>;
  /** Where this object sits in its document (non-empty for items of a List). */
  readonly base: YamlPath;
  readonly locator: YamlLocator;
}

export interface ManifestSet {
  readonly manifests: readonly Manifest[];
  /** Files or documents that could not be read or parsed. */
  readonly unreadable: readonly { location: Location; reason: string }[];
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() && EXTENSIONS.test(entry.name)) out.push(path);
  }
  return out.sort();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function manifestsOf(value: unknown, base: YamlPath, locator: YamlLocator): Manifest[] {
  if (!isObject(value)) return [];
  // Documents without a kind (an Envoy bootstrap, say) are kept for the checks that read any config.
  if (typeof value.kind !== 'string') return [{ kind: '', name: '<document>', namespace: '', object: value, base, locator }];
  if (value.kind === 'List' || (value.kind.endsWith('List') && Array.isArray(value.items))) {
    return (Array.isArray(value.items) ? value.items : []).flatMap((item, i) => manifestsOf(item, [...base, 'items', i], locator));
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  return [{
    kind: value.kind, name: typeof metadata.name === 'string' ? metadata.name : '<unnamed>',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default', object: value, base, locator,
  }];
}

/** Reads every manifest under `dir`; file names in locations are relative to `cwd`. */
export async function loadManifests(dir: string, cwd = process.cwd()): Promise<ManifestSet> {
  const manifests: Manifest[] = [];
  const unreadable: { location: Location; reason: string }[] = [];
  for (const path of await listFiles(dir)) {
    const file = relative(cwd, path) || path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      unreadable.push({ location: { file, line: 0, col: 0 }, reason: (err as Error).message });
      continue;
    }
    const { docs, errors } = parseYamlDocuments(text, file);
    for (const e of errors) unreadable.push({ location: e, reason: 'not valid YAML' });
    for (const d of docs) manifests.push(...manifestsOf(d.value, [], d.locator));
  }
  return { manifests, unreadable };
}

/** Path of the pod spec inside an object of a workload kind; null for other kinds. */
export function podSpecPath(kind: string): YamlPath | null {
  switch (kind) {
    case 'Pod': return ['spec'];
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': return ['spec', 'template', 'spec'];
    case 'CronJob': return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default: return null;
  }
}

export function valueAt(root: unknown, path: YamlPath): unknown {
  let v: unknown = root;
  for (const part of path) {
    if (Array.isArray(v) && typeof part === 'number') v = v[part];
    else if (isObject(v) && typeof part === 'string') v = v[part];
    else return undefined;
  }
  return v;
}
