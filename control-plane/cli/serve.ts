// `meshguard serve`: runs until SIGTERM/SIGINT, then shuts down gracefully.
import * as grpc from '@grpc/grpc-js';
import { packagePath } from '../package-root.js';
import { authzComponent } from '../serve/components/authz.js';
import { stateComponent } from '../serve/components/state.js';
import { quarantineComponent } from '../serve/components/quarantine.js';
import { telemetryComponent } from '../serve/components/telemetry.js';
import { opsComponents } from '../serve/components/ops.js';
import { DEFAULT_REDIS_URL } from '../state/redis.js';
import type { TlsFiles, XdsServeOptions } from '../serve/options.js';
import { lazyComponent } from '../serve/component.js';
import { startMeshguard } from '../serve/runtime.js';
import { createLogger } from '../serve/logger.js';
import { InputError, UsageError } from './args.js';
import { readText } from './io.js';
import { REDIS_PREFIX_FLAG, REDIS_URL_HELP, redisPrefixFlag, redisUrlFlag } from './redis-url.js';
import { ADMIN_TOKEN_ENV } from './release.js';
import type { CommandSpec, ParsedArgs } from './spec.js';

const EXAMPLE_POLICY = packagePath('examples', 'shop.yaml');

function tlsFiles(args: ParsedArgs): TlsFiles | null {
  const cert = args.string('tls-cert');
  const key = args.string('tls-key');
  const ca = args.string('tls-ca');
  if (cert === undefined && key === undefined && ca === undefined) return null;
  if (cert === undefined || key === undefined || ca === undefined) throw new UsageError('--tls-cert, --tls-key and --tls-ca go together');
  return { cert, key, ca };
}

/** `--redis URL`, else REDIS_URL, else the local default; `--redis none` runs without Redis. */
function redisUrl(flag: string | undefined): string | null {
  const fromEnv = flag === undefined && process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';
  const url = flag ?? (fromEnv ? process.env.REDIS_URL! : DEFAULT_REDIS_URL);
  if (url === 'none') return null;
  return redisUrlFlag(url, fromEnv ? 'REDIS_URL' : '--redis');
}

/** The admin token: --admin-token-file, else MESHGUARD_ADMIN_TOKEN; null turns admin mutations off. */
async function adminToken(file: string | undefined): Promise<string | null> {
  const text = file !== undefined ? (await readText(file, '--admin-token-file')).trim() : process.env[ADMIN_TOKEN_ENV]?.trim() ?? '';
  if (file !== undefined && text === '') throw new InputError(`--admin-token-file ${file}: the file is empty`);
  if (text !== '' && text.length < 16) throw new UsageError(`the admin token must be at least 16 characters (${file !== undefined ? `--admin-token-file ${file}` : ADMIN_TOKEN_ENV})`);
  return text === '' ? null : text;
}

/** The xDS settings that have no flag, from the environment. */
export function xdsEnvironment(env: NodeJS.ProcessEnv = process.env): XdsServeOptions {
  const debounce = env.MESHGUARD_XDS_DEBOUNCE_MS;
  const debounceMs = debounce === undefined || debounce === '' ? null : Number(debounce);
  if (debounceMs !== null && !(Number.isFinite(debounceMs) && debounceMs >= 0)) throw new UsageError(`MESHGUARD_XDS_DEBOUNCE_MS must be a number of milliseconds ≥ 0, not ${debounce}`);
  return {
    authzAddress: env.MESHGUARD_AUTHZ_ADDRESS || null,
    wasmBaseUrl: env.MESHGUARD_WASM_BASE_URL || null,
    wasmBuildDir: env.MESHGUARD_WASM_BUILD_DIR || null,
    debounceMs,
  };
}

/** The xDS server and Envoy's xDS protos are loaded only when the xDS port is on. */
function components(kubernetes: boolean, xds: boolean) {
  const state = stateComponent();
  const quarantine = quarantineComponent(state);
  const telemetry = telemetryComponent(state);
  const xdsServer = xds ? [lazyComponent('xds', async () => (await import('../serve/components/xds.js')).xdsComponent())] : [];
  return [state, quarantine, telemetry, authzComponent(state.rateLimits, quarantine.guard), ...xdsServer, ...opsComponents(kubernetes)];
}

async function serve(args: ParsedArgs): Promise<number> {
  const sample = Number(args.need('log-allow-sample'));
  if (!(sample >= 0 && sample <= 1)) throw new UsageError('--log-allow-sample must be between 0 and 1');
  const policyFile = args.string('policy') ?? EXAMPLE_POLICY;
  await readText(policyFile, '--policy');
  const options = {
    policyFile,
    bind: args.need('bind'),
    adminBind: args.need('admin-bind'),
    adminToken: await adminToken(args.string('admin-token-file')),
    authzPort: args.port('authz-port', 9001),
    adminPort: args.port('admin-port', 9901),
    xdsPort: args.portOrNone('xds-port', 18000),
    redisUrl: redisUrl(args.string('redis')),
    redisPrefix: redisPrefixFlag(args),
    tls: tlsFiles(args),
    allowLogSample: sample,
    xds: xdsEnvironment(),
  };
  const logger = createLogger();
  // grpc-js's own messages (e.g. its line before a failed bind) go to the log, not to stderr.
  grpc.setLogger({ error: (...a: unknown[]) => logger.warn({ event: 'grpc', message: a.join(' ') }), info: () => undefined, debug: () => undefined });
  let handle;
  try {
    handle = await startMeshguard(options, logger, components(args.flag('kubernetes'), options.xdsPort !== null));
  } catch (err) {
    logger.fatal({ event: 'start_failed', error: (err as Error).message }, 'meshguard could not start');
    logger.flush();
    process.stderr.write(`meshguard serve: ${(err as Error).message}\n`);
    return /^cannot serve: the policy is not valid/.test((err as Error).message) ? 1 : 2;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ event: 'shutdown', signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await handle.close();
  logger.info({ event: 'stopped' }, 'meshguard stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return 0;
}

export const command: CommandSpec = {
  name: 'serve',
  summary: 'run ext_authz, xDS and the admin server on one hot-reloaded policy',
  description: 'Runs meshguard: the ext_authz server, the xDS control plane and the admin HTTP server (/healthz, /readyz, /metrics, /status, the live view at /), on one policy file that it watches and hot-reloads. A bad edit is logged with its positions and the last good policy stays; SIGTERM drains and exits 0.',
  flags: [
    { name: 'policy', value: 'FILE', help: "the MeshPolicy YAML file (default: the package's examples/shop.yaml)" },
    { name: 'authz-port', value: 'PORT', default: '9001', help: 'the ext_authz gRPC port (0: any free port; the listening log line says which)' },
    { name: 'xds-port', value: 'PORT|none', default: '18000', help: 'the xDS (ADS) gRPC port; none runs no xDS server (an ext_authz-only deployment)' },
    { name: 'admin-port', value: 'PORT', default: '9901', help: 'the admin HTTP port' },
    { name: 'bind', value: 'ADDR', default: '0.0.0.0', help: 'the address the ext_authz and xDS ports listen on' },
    { name: 'admin-bind', value: 'ADDR', default: '127.0.0.1', help: 'the address the admin port listens on; it shows policy, decisions and the graph, so widen it only behind a network policy' },
    { name: 'admin-token-file', value: 'FILE', help: `a file holding the bearer token admin mutations (POST /quarantine/release) need (also ${ADMIN_TOKEN_ENV}); without a token they are off` },
    { name: 'redis', value: 'URL|none', help: `shared state (rate limits, quarantine, learning): ${REDIS_URL_HELP} (default: REDIS_URL, else ${DEFAULT_REDIS_URL}); none turns Redis off on purpose (per-process state, still ready). Unreachable Redis degrades to per-process state and returns by itself` },
    REDIS_PREFIX_FLAG,
    { name: 'tls-cert', value: 'FILE', help: 'PEM certificate of the ext_authz and xDS ports (with --tls-key and --tls-ca: mTLS, node identity checked)' },
    { name: 'tls-key', value: 'FILE', help: 'PEM private key for --tls-cert' },
    { name: 'tls-ca', value: 'FILE', help: 'PEM CA bundle that client certificates must chain to' },
    { name: 'kubernetes', help: 'take the workload inventory from the Kubernetes API (in-cluster or KUBECONFIG) instead of the policy file' },
    { name: 'log-allow-sample', value: 'RATIO', default: '0.01', help: 'the share of allowed decisions that are logged (denials always are), 0 to 1' },
  ],
  details: `Environment: REDIS_URL, ${ADMIN_TOKEN_ENV}, MESHGUARD_AUTHZ_ADDRESS (host:port sidecars use for ext_authz), MESHGUARD_WASM_BASE_URL (serve the filters as remote code), MESHGUARD_WASM_BUILD_DIR, MESHGUARD_XDS_DEBOUNCE_MS.`,
  run: serve,
};
