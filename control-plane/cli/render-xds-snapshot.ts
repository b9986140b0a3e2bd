// `meshguard render xds-snapshot --policy FILE --nodes NODES.json [--out FILE]`: the xDS snapshots
// `serve` computes for the given nodes (the same builder, the same settings from the environment),
// as JSON (control-plane/xds/export.ts), so that another xDS server can serve exactly them
// (bench/peers/go-control-plane does).
import { writeFile } from 'node:fs/promises';
import { InputError, ioReason, UsageError } from './args.js';
import { POLICY_FLAG } from './check.js';
import { readText } from './io.js';
import { loadPolicyForCommand } from './policy.js';
import { xdsEnvironment } from './serve.js';
import type { CommandSpec } from './spec.js';
import type { NodeInfo, Snapshot } from '../xds/contracts.js';
import { struct } from '../xds/build/common.js';
import { parseHostPort } from '../xds/build/names.js';
import { loadWasmSource } from '../xds/build/wasm-modules.js';
import { exportSnapshots } from '../xds/export.js';
import { parseNode } from '../xds/node.js';
import { SnapshotBuilder } from '../xds/snapshot-builder.js';

interface NodeEntry {
  readonly id?: unknown;
  readonly user_agent_name?: unknown;
  readonly metadata?: unknown;
}

/** Nodes as xDS sends them: `{id, user_agent_name, metadata}`, metadata a Struct or a plain map of strings. */
function nodesOf(text: string, file: string): NodeInfo[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new InputError(`--nodes ${file}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new InputError(`--nodes ${file}: expected a non-empty JSON array of nodes`);
  return (list as NodeEntry[]).map((n, i) => {
    const metadata = n.metadata !== null && typeof n.metadata === 'object' && !('fields' in n.metadata) ? struct(n.metadata as Record<string, string>) : n.metadata;
    const parsed = parseNode({ id: n.id, user_agent_name: n.user_agent_name ?? 'envoy', metadata });
    if (!parsed.ok) throw new InputError(`--nodes ${file}: node ${i}: ${parsed.reason}`);
    return parsed.node;
  });
}

export const command: CommandSpec = {
  name: 'render xds-snapshot',
  summary: 'export the xDS snapshots serve computes for a list of nodes, as JSON',
  description: 'Builds, for each node of --nodes, the xDS snapshot `meshguard serve` would send it (listeners, routes, clusters, endpoints, the wasm filter configs), and writes them as JSON (format meshguard.xds-snapshots/v1): each encoded resource once, each snapshot with its node ids.',
  flags: [
    POLICY_FLAG,
    { name: 'nodes', value: 'FILE', required: true, help: 'a JSON array of nodes: {"id", "user_agent_name", "metadata"} (metadata as a map of strings, with "meshguard.io/workload")' },
    { name: 'authz-address', value: 'HOST:PORT', default: '127.0.0.1:9001', help: "meshguard's ext_authz as sidecars reach it, for nodes that do not name one (serve's default with --authz-port 0)" },
    { name: 'out', value: 'FILE', help: 'write the JSON to FILE instead of standard output' },
  ],
  details: 'The xDS settings without a flag come from the same environment variables as serve (MESHGUARD_AUTHZ_ADDRESS, MESHGUARD_WASM_BASE_URL, MESHGUARD_WASM_BUILD_DIR). The snapshots are those of a plaintext xDS port.',
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const nodesFile = args.need('nodes');
    const nodes = nodesOf(await readText(nodesFile, '--nodes'), nodesFile);
    const env = xdsEnvironment();
    const authzText = env.authzAddress ?? args.need('authz-address');
    const authzAddress = parseHostPort(authzText);
    if (!authzAddress) throw new UsageError(`--authz-address must be HOST:PORT, not "${authzText}"`);
    const builder = new SnapshotBuilder({ authzAddress, tls: null, wasm: loadWasmSource({ baseUrl: env.wasmBaseUrl, dir: env.wasmBuildDir }) });
    const groups = new Map<string, { nodes: string[]; snapshot: Snapshot }>();
    for (const node of nodes) {
      let group = groups.get(node.snapshotKey);
      if (!group) {
        group = { nodes: [], snapshot: builder.build(loaded.compiled, node) };
        groups.set(node.snapshotKey, group);
      }
      group.nodes.push(node.id);
    }
    const json = JSON.stringify(exportSnapshots({ name: loaded.compiled.name, version: loaded.compiled.version }, groups.values()));
    const out = args.string('out');
    if (out === undefined) {
      process.stdout.write(json + '\n');
      return 0;
    }
    try {
      await writeFile(out, json + '\n');
    } catch (err) {
      throw new InputError(`--out ${out}: ${ioReason(err)}`);
    }
    return 0;
  },
};
