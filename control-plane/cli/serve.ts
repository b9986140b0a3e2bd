// `meshguard serve`: runs until SIGTERM/SIGINT, then shuts down gracefully.
import { fileURLToPath } from 'node:url';
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
import { parse, portOption, portOrNoneOption, UsageError } from './args.js';

const EXAMPLE_POLICY = fileURLToPath(new URL('../../../examples/shop.yaml', import.meta.url));

function tlsFiles(values: Record<string, string | boolean | undefined>): TlsFiles | null {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  const ca = values['tls-ca'];
  if (cert === undefined && key === undefined && ca === undefined) return null;
  if (typeof cert !== 'string' || typeof key !== 'string' || typeof ca !== 'string') throw new UsageError('--tls-cert, --tls-key and --tls-ca go together');
  return { cert, key, ca };
}

/** `--redis URL`, else REDIS_URL, else the local default; `--redis none` runs without Redis. */
function redisUrl(flag: string | boolean | undefined): string | null {
  const url = typeof flag === 'string' ? flag : process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  return url === 'none' || url === '' ? null : url;
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

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    policy: { type: 'string' }, bind: { type: 'string', default: '0.0.0.0' },
    'xds-port': { type: 'string' }, 'authz-port': { type: 'string' }, 'admin-port': { type: 'string' },
    redis: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-ca': { type: 'string' },
    'log-allow-sample': { type: 'string', default: '0.01' }, kubernetes: { type: 'boolean' },
  });
  const sample = Number(values['log-allow-sample']);
  if (!(sample >= 0 && sample <= 1)) throw new UsageError('--log-allow-sample must be between 0 and 1');
  const xdsPort = portOrNoneOption(values, 'xds-port', 18000);
  const logger = createLogger();
  let handle;
  try {
    handle = await startMeshguard({
      policyFile: typeof values.policy === 'string' ? values.policy : EXAMPLE_POLICY,
      bind: values.bind as string,
      authzPort: portOption(values, 'authz-port', 9001),
      adminPort: portOption(values, 'admin-port', 9901),
      xdsPort,
      redisUrl: redisUrl(values.redis),
      tls: tlsFiles(values),
      allowLogSample: sample,
      xds: xdsEnvironment(),
    }, logger, components(values.kubernetes === true, xdsPort !== null));
  } catch (err) {
    logger.fatal({ event: 'start_failed', error: (err as Error).message }, 'meshguard could not start');
    logger.flush();
    process.stderr.write(`meshguard serve: ${(err as Error).message}\n`);
    return 1;
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
