// Shared by the xDS tests: policies, nodes, a builder that checks every object against the protos.
import { readFileSync } from 'node:fs';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import type { NodeInfo } from '../../control-plane/xds/contracts.js';
import { parseNode } from '../../control-plane/xds/node.js';
import { messageType } from '../../control-plane/xds/proto.js';
import { checkObject } from '../../control-plane/xds/proto-check.js';
import { SnapshotBuilder, type BuilderSettings } from '../../control-plane/xds/snapshot-builder.js';
import { struct } from '../../control-plane/xds/build/common.js';
import { EXAMPLE_POLICY } from '../helpers/cli.js';
import { compileYaml } from '../helpers/policy.js';

export const SHOP_YAML = readFileSync(EXAMPLE_POLICY, 'utf8');

export function shop(edit: (yaml: string) => string = (y) => y): CompiledPolicy {
  return compileYaml(edit(SHOP_YAML), 'shop.yaml');
}

export function nodeOf(workload: string, extra: Record<string, string> = {}, id = `node-${workload}`): NodeInfo {
  const parsed = parseNode({ id, metadata: struct({ 'meshguard.io/workload': workload, ...extra }) });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.node;
}

export const proxyless = { 'meshguard.io/proxyless': 'true' };

export interface Checked {
  readonly typeUrl: string;
  readonly name: string;
  readonly object: Record<string, unknown>;
  readonly problems: string[];
}

/** A builder whose every resource object is checked against the protos; `checked` collects them. */
export function checkingBuilder(settings: Partial<BuilderSettings> = {}): { builder: SnapshotBuilder; checked: Checked[] } {
  const checked: Checked[] = [];
  const builder = new SnapshotBuilder({
    authzAddress: { host: '127.0.0.1', port: 9001 },
    tls: null,
    wasm: { baseUrl: null, sha256: { identity: 'a'.repeat(64), egress: 'b'.repeat(64), anomaly: null } },
    ...settings,
    inspect: (typeUrl, name, object) => checked.push({ typeUrl, name, object, problems: checkObject(messageType(typeUrl), object) }),
  });
  return { builder, checked };
}
