// OPA-Envoy (bench/peers/opa-envoy, built by scripts/build-peers.sh) serving Envoy ext_authz
// gRPC with the Rego policy of bench/peers/opa-envoy/policy/ and the data written from a compiled
// meshguard policy.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledPolicy } from '../../control-plane/policy/compiled.js';
import { peerBinary, PEERS_SRC } from './binaries.js';
import { opaData } from './opa-data.js';
import { freePort, startPeer, type PeerProcess } from './process.js';

export const REGO_POLICY = join(PEERS_SRC, 'opa-envoy', 'policy', 'meshguard.rego');
/** The plugin's `path`: the decision document of the Rego policy. */
export const DECISION_PATH = 'meshguard/authz/decision';

export interface OpaEnvoy extends PeerProcess {
  /** envoy.service.auth.v3.Authorization on 127.0.0.1. */
  readonly grpcPort: number;
  /** OPA's REST API (health, /v1/data) on 127.0.0.1. */
  readonly restPort: number;
}

/**
 * Starts OPA-Envoy in `dir` (its data, configuration and log go there). The request body is not
 * parsed (`skip-request-body-parse`): the policy never reads it, as an operator would configure it.
 */
export async function startOpaEnvoy(policy: CompiledPolicy, dir: string): Promise<OpaEnvoy> {
  const dataFile = join(dir, 'opa-data.json');
  const configFile = join(dir, 'opa-config.yaml');
  const [grpcPort, restPort] = [await freePort(), await freePort()];
  await writeFile(dataFile, JSON.stringify(opaData(policy)));
  await writeFile(configFile, [
    'plugins:',
    '  envoy_ext_authz_grpc:',
    `    addr: 127.0.0.1:${grpcPort}`,
    `    path: ${DECISION_PATH}`,
    '    skip-request-body-parse: true',
    '',
  ].join('\n'));
  const peer = await startPeer({
    name: 'opa-envoy',
    binary: peerBinary('opa-envoy'),
    args: ['run', '--server', '--addr', `127.0.0.1:${restPort}`, '--skip-version-check', '--log-level', 'error', '--config-file', configFile, REGO_POLICY, dataFile],
    logFile: join(dir, 'opa-envoy.log'),
    healthUrl: `http://127.0.0.1:${restPort}/health?plugins`,
  });
  return { ...peer, grpcPort, restPort };
}
