// `meshguard render envoy --policy FILE --workload NS/NAME [--out DIR] [...]`: the bootstrap of an
// Envoy sidecar for one workload, pointing it at meshguard's ADS server. Everything else
// (listeners, clusters, routes, the wasm filters over ECDS, RBAC) then arrives over xDS.
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parse, portOption, required, UsageError } from './args.js';
import { loadForRender, workloadOf } from './render.js';
import type { EnvoyBootstrapOptions } from '../xds/bootstrap.js';
import { renderBootstrapYaml } from '../xds/bootstrap-yaml.js';
import { META_APP_ADDRESS, META_INBOUND_ADDRESS, META_OUTBOUND_ADDRESS } from '../xds/node.js';
import { parseHostPort, type HostPort } from '../xds/build/names.js';

function hostPortOption(values: Record<string, string | boolean | undefined>, name: string, fallback: string): HostPort {
  const text = typeof values[name] === 'string' ? (values[name] as string) : fallback;
  const hp = parseHostPort(text);
  if (!hp) throw new UsageError(`--${name} must be HOST:PORT, not "${text}"`);
  return hp;
}

/** `--inbound-address`, `--outbound-address`, `--app-address`: direct mode (no iptables), see control-plane/xds/node.ts. */
function directMode(values: Record<string, string | boolean | undefined>): Record<string, string> {
  const keys = { 'inbound-address': META_INBOUND_ADDRESS, 'outbound-address': META_OUTBOUND_ADDRESS, 'app-address': META_APP_ADDRESS } as const;
  const out: Record<string, string> = {};
  for (const [flag, key] of Object.entries(keys)) {
    const value = values[flag];
    if (value === undefined) continue;
    if (typeof value !== 'string' || isIP(value) === 0) throw new UsageError(`--${flag} must be an IP address, not "${String(value)}"`);
    out[key] = value;
  }
  return out;
}

export async function renderEnvoyCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    policy: { type: 'string' }, workload: { type: 'string' }, out: { type: 'string' },
    'xds-address': { type: 'string' }, 'authz-address': { type: 'string' }, 'wasm-dir': { type: 'string' }, 'cert-dir': { type: 'string' },
    'admin-port': { type: 'string' }, tls: { type: 'boolean' }, delta: { type: 'boolean' },
    'listen-address': { type: 'string' }, 'inbound-port': { type: 'string' }, 'outbound-port': { type: 'string' }, 'dns-resolver': { type: 'string' },
    'inbound-address': { type: 'string' }, 'outbound-address': { type: 'string' }, 'app-address': { type: 'string' },
  });
  const policy = await loadForRender(required(values, 'policy'));
  if (!policy) return 1;
  const workload = workloadOf(policy, required(values, 'workload'));
  const xdsAddress = hostPortOption(values, 'xds-address', '127.0.0.1:18000');
  const authz = values['authz-address'];
  if (typeof authz === 'string' && !parseHostPort(authz)) throw new UsageError(`--authz-address must be HOST:PORT, not "${authz}"`);
  const dns = values['dns-resolver'];
  if (typeof dns === 'string' && !parseHostPort(dns)) throw new UsageError(`--dns-resolver must be HOST:PORT, not "${dns}"`);
  const listen = values['listen-address'];
  if (typeof listen === 'string' && isIP(listen) === 0) throw new UsageError(`--listen-address must be an IP address, not "${listen}"`);
  const options: EnvoyBootstrapOptions = {
    workload, xdsAddress,
    delta: values.delta === true,
    tls: values.tls === true,
    adminPort: portOption(values, 'admin-port', 15000),
    wasmDir: typeof values['wasm-dir'] === 'string' ? values['wasm-dir'] : '/etc/meshguard/wasm',
    certDir: typeof values['cert-dir'] === 'string' ? values['cert-dir'] : '/etc/meshguard/certs',
    authzAddress: typeof authz === 'string' ? authz : null,
    listenAddress: typeof listen === 'string' ? listen : null,
    inboundPort: typeof values['inbound-port'] === 'string' ? portOption(values, 'inbound-port', 15006) : null,
    outboundPort: typeof values['outbound-port'] === 'string' ? portOption(values, 'outbound-port', 15001) : null,
    dnsResolver: typeof dns === 'string' ? dns : null,
    metadata: directMode(values),
  };
  const command = ['meshguard render envoy', ...argv.filter((a, i) => a !== '--out' && argv[i - 1] !== '--out')].join(' ');
  const yaml = renderBootstrapYaml(options, command);
  if (typeof values.out !== 'string') {
    process.stdout.write(yaml);
    return 0;
  }
  await mkdir(values.out, { recursive: true });
  const file = join(values.out, `bootstrap-${workload.namespace}-${workload.name}.yaml`);
  await writeFile(file, yaml);
  process.stderr.write(`wrote ${file}\n`);
  return 0;
}
