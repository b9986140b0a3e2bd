// `meshguard serve`: runs until SIGTERM/SIGINT, then shuts down gracefully.
import { fileURLToPath } from 'node:url';
import { authzComponent } from '../authz/component.js';
import { stateComponent } from '../state/component.js';
import { quarantineComponent } from '../state/quarantine-component.js';
import { telemetryComponent } from '../telemetry/component.js';
import { xdsComponent } from '../xds/component.js';
import { opsComponents } from '../admin/live-components.js';
import { DEFAULT_REDIS_URL } from '../state/redis.js';
import type { TlsFiles } from '../serve/options.js';
import { startMeshguard } from '../serve/runtime.js';
import { createLogger } from '../serve/logger.js';
import { parse, portOption, UsageError } from './args.js';

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

function components(kubernetes: boolean) {
  const state = stateComponent();
  const quarantine = quarantineComponent(state);
  const telemetry = telemetryComponent(state);
  return [state, quarantine, telemetry, authzComponent(state.rateLimits, quarantine.guard), xdsComponent(), ...opsComponents(kubernetes)];
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
  const logger = createLogger();
  let handle;
  try {
    handle = await startMeshguard({
      policyFile: typeof values.policy === 'string' ? values.policy : EXAMPLE_POLICY,
      bind: values.bind as string,
      authzPort: portOption(values, 'authz-port', 9001),
      adminPort: portOption(values, 'admin-port', 9901),
      xdsPort: portOption(values, 'xds-port', 18000),
      redisUrl: redisUrl(values.redis),
      tls: tlsFiles(values),
      allowLogSample: sample,
    }, logger, components(values.kubernetes === true));
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
