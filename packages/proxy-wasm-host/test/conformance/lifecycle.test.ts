// Conformance, root context life and configuration: the gcore/lifecycle.ts module (G-Core SDK) in
// Envoy and in this host — the start-up sequence (canary VM, main thread's, worker's), what each
// callback reads, and the stream contexts' start and end. See ./README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginConfigError, WasmHost } from '../../src/index.js';
import { ENVOY_BIN, EnvoyStartError, stopAllEnvoys } from '../helpers/envoy.js';
import {
  connectionInfo, hcmBodyChunks, hcmRequestHeaders, startEnvoyRun, startHostRun, throughEnvoy, throughHost,
  buildModule, START_TIMEOUT_MS, traceOf, TRACE_PREFIX, type EnvoyRun, type HostRun,
} from './harness.js';

const SETUP = { module: 'lifecycle', name: 'conform', configuration: 'mode=strict\nlimit=3', vmConfiguration: 'vm-config-1' };

describe.skipIf(!ENVOY_BIN)('conformance: root context life and configuration (G-Core SDK module, Envoy vs host)', () => {
  let envoy: EnvoyRun | undefined;
  let host: HostRun;
  let envoyStartup: string[];
  beforeAll(async () => {
    envoy = await startEnvoyRun(SETUP);
    envoyStartup = envoy.trace();
    // Envoy starts the plugin three times: on the canary VM, on the main thread's VM and on the
    // worker's (its thread-local slot runs the factory on the main thread too); the harness
    // loads the host with mainThread: true to do the same.
    host = await startHostRun(SETUP);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await envoy?.close();
    await stopAllEnvoys();
  });

  it('start-up: the same callbacks in the same order, each reading the same buffers and properties', () => {
    expect(host.trace()).toEqual(envoyStartup);
    expect(envoyStartup.filter((l) => l.startsWith('configure '))).toHaveLength(3);
  });

  it('on_configure returning false: Envoy refuses the configuration after the canary, the host throws PluginConfigError', async () => {
    const rejecting = { ...SETUP, configuration: 'reject=1' };
    const failed = await startEnvoyRun(rejecting).then(
      async (run) => {
        await run.close();
        throw new Error('Envoy started with a rejected plugin configuration');
      },
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(EnvoyStartError);
    const log = (failed as EnvoyStartError).log;
    // Envoy's lines about the failure, in order (what the host puts in PluginConfigError.envoyLog).
    const failure = log.split('\n').filter((l) => /\]\[(error|critical)\]/.test(l)).map((l) => l.replace(/^.*\] (?=\S)/, ''));
    const host = await WasmHost.load(await buildModule(rejecting.module), {
      vmId: rejecting.name, vmConfig: rejecting.vmConfiguration, node: { id: 'conform-node', cluster: 'conform-cluster' }, mainThread: true,
    });
    let error: unknown = null;
    try {
      host.createPlugin({ name: rejecting.name, rootId: rejecting.name, configuration: rejecting.configuration });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PluginConfigError);
    expect((error as PluginConfigError).envoyLog).toEqual(failure.map((l) => l.replace(/^error `(.*)` initializing config.*$/, '$1')));
    // Only the canary ran, up to the rejection, on both sides, and saw the same.
    const envoyTrace = traceOf(log);
    expect(envoyTrace[envoyTrace.length - 1]).toBe('  rejecting');
    expect(envoyTrace.filter((l) => l.startsWith('configure '))).toHaveLength(1);
    const hostTrace = host.logs().filter((r) => r.message.startsWith(TRACE_PREFIX)).map((r) => r.message.slice(TRACE_PREFIX.length));
    expect(hostTrace).toEqual(envoyTrace);
  });

  it('a stream: its context, its root, what it reads, its end', async () => {
    const ex = { method: 'GET', path: '/life' };
    const e = await throughEnvoy(envoy!, ex);
    const h = await throughHost(host, { headers: hcmRequestHeaders(ex), body: hcmBodyChunks(ex), info: connectionInfo(e, envoy!) });
    expect(h.trace).toEqual(e.trace);
    expect(h.seen).toEqual(e.seen);
  });
});
