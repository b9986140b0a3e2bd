// `meshguard render envoy --policy FILE --workload NS/NAME [--out DIR] [...]`: the bootstrap of an
// Envoy sidecar for one workload, pointing it at meshguard's ADS server. Everything else
// (listeners, clusters, routes, the wasm filters over ECDS, RBAC) then arrives over xDS.
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { InputError, ioReason, UsageError } from './args.js';
import { POLICY_FLAG } from './check.js';
import { loadPolicyForCommand } from './policy.js';
import { WORKLOAD_FLAG, workloadOf } from './render.js';
import type { CommandSpec, ParsedArgs } from './spec.js';
import type { EnvoyBootstrapOptions } from '../xds/bootstrap.js';
import { renderBootstrapYaml } from '../xds/bootstrap-yaml.js';
import { META_APP_ADDRESS, META_INBOUND_ADDRESS, META_OUTBOUND_ADDRESS } from '../xds/node.js';
import { parseHostPort, type HostPort } from '../xds/build/names.js';

/** `--inbound-address`, `--outbound-address`, `--app-address`: direct mode (no iptables), see control-plane/xds/node.ts. */
function directMode(args: ParsedArgs): Record<string, string> {
  const keys = { 'inbound-address': META_INBOUND_ADDRESS, 'outbound-address': META_OUTBOUND_ADDRESS, 'app-address': META_APP_ADDRESS } as const;
  const out: Record<string, string> = {};
  for (const [flag, key] of Object.entries(keys)) {
    const value = args.string(flag);
    if (value === undefined) continue;
    if (isIP(value) === 0) throw new UsageError(`--${flag} must be an IP address, not "${value}"`);
    out[key] = value;
  }
  return out;
}

function hostPortOption(args: ParsedArgs, name: string, fallback: string): HostPort {
  const text = args.string(name) ?? fallback;
  const hp = parseHostPort(text);
  if (!hp) throw new UsageError(`--${name} must be HOST:PORT, not "${text}"`);
  return hp;
}

async function writeOut(dir: string, file: string, text: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, text);
  } catch (err) {
    throw new InputError(`--out ${dir}: ${ioReason(err)}`);
  }
}

export const command: CommandSpec = {
  name: 'render envoy',
  summary: 'write an Envoy sidecar bootstrap pointing at meshguard',
  description: "Writes the bootstrap of an Envoy sidecar for one workload, pointing it at meshguard's xDS (ADS) server; listeners, clusters, routes, RBAC and the wasm filters then arrive over xDS.",
  flags: [
    POLICY_FLAG, WORKLOAD_FLAG,
    { name: 'out', value: 'DIR', help: 'write DIR/bootstrap-NS-NAME.yaml (created if needed) instead of printing the YAML' },
    { name: 'xds-address', value: 'HOST:PORT', default: '127.0.0.1:18000', help: "meshguard's xDS server as Envoy reaches it" },
    { name: 'authz-address', value: 'HOST:PORT', help: "meshguard's ext_authz server, when it is not the xDS host (default: the xDS host, port 9001)" },
    { name: 'tls', help: 'talk mTLS to meshguard with the certificates in --cert-dir' },
    { name: 'delta', help: 'use delta xDS instead of state-of-the-world' },
    { name: 'wasm-dir', value: 'DIR', default: '/etc/meshguard/wasm', help: "where the sidecar's filesystem holds identity.wasm, egress.wasm and anomaly.wasm" },
    { name: 'cert-dir', value: 'DIR', default: '/etc/meshguard/certs', help: "where the sidecar's filesystem holds cert.pem, key.pem and ca.pem (with --tls)" },
    { name: 'admin-port', value: 'PORT', default: '15000', help: "the sidecar's Envoy admin port (on 127.0.0.1)" },
    { name: 'listen-address', value: 'IP', help: "the address the sidecar's listeners bind (default 0.0.0.0)" },
    { name: 'inbound-port', value: 'PORT', help: 'the inbound listener port (default 15006)' },
    { name: 'outbound-port', value: 'PORT', help: 'the outbound listener port (default 15001)' },
    { name: 'dns-resolver', value: 'HOST:PORT', help: "the DNS server Envoy resolves egress names with (default: the system's)" },
    { name: 'inbound-address', value: 'IP', help: 'direct mode (no iptables): the address the inbound listener binds (see control-plane/xds/node.ts)' },
    { name: 'outbound-address', value: 'IP', help: 'direct mode: the address the outbound listener binds' },
    { name: 'app-address', value: 'IP', help: "direct mode: the address of the workload's own server that inbound traffic goes to" },
  ],
  async run(args) {
    const loaded = await loadPolicyForCommand(args.need('policy'));
    if (!loaded.ok) return loaded.status;
    const workload = workloadOf(loaded.compiled, args.need('workload'));
    const xdsAddress = hostPortOption(args, 'xds-address', '127.0.0.1:18000');
    const authz = args.string('authz-address');
    if (authz !== undefined && !parseHostPort(authz)) throw new UsageError(`--authz-address must be HOST:PORT, not "${authz}"`);
    const dns = args.string('dns-resolver');
    if (dns !== undefined && !parseHostPort(dns)) throw new UsageError(`--dns-resolver must be HOST:PORT, not "${dns}"`);
    const listen = args.string('listen-address');
    if (listen !== undefined && isIP(listen) === 0) throw new UsageError(`--listen-address must be an IP address, not "${listen}"`);
    const options: EnvoyBootstrapOptions = {
      workload, xdsAddress,
      delta: args.flag('delta'),
      tls: args.flag('tls'),
      adminPort: args.port('admin-port', 15000),
      wasmDir: args.need('wasm-dir'),
      certDir: args.need('cert-dir'),
      authzAddress: authz ?? null,
      listenAddress: listen ?? null,
      inboundPort: args.string('inbound-port') !== undefined ? args.port('inbound-port', 15006) : null,
      outboundPort: args.string('outbound-port') !== undefined ? args.port('outbound-port', 15001) : null,
      dnsResolver: dns ?? null,
      metadata: directMode(args),
    };
    const argv = args.argv;
    const command = ['meshguard render envoy', ...argv.filter((a, i) => a !== '--out' && argv[i - 1] !== '--out')].join(' ');
    const yaml = renderBootstrapYaml(options, command);
    const out = args.string('out');
    if (out === undefined) {
      process.stdout.write(yaml);
      return 0;
    }
    const file = join(out, `bootstrap-${workload.namespace}-${workload.name}.yaml`);
    await writeOut(out, file, yaml);
    process.stderr.write(`wrote ${file}\n`);
    return 0;
  },
};
