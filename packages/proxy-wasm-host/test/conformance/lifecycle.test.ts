// Conformance, root context life and configuration: the gcore/lifecycle.ts module (G-Core SDK) in
// Envoy and in this host — the start-up sequence (canary VM, main thread's, worker's), what each
// callback reads, and the stream contexts' start and end. See ./README.md.
import { describe, expect, it } from 'vitest';
import { PluginConfigError, WasmHost } from '../../src/index.js';
import { ENVOY_BIN, EnvoyStartError } from '../helpers/envoy.js';
import { buildModule, hostOptions, hostTrace, moduleRuns, startEnvoyRun, traceOf } from './harness.js';

const SETUP = { module: 'lifecycle', name: 'conform', configuration: 'mode=strict\nlimit=3', vmConfiguration: 'vm-config-1' };

describe.skipIf(!ENVOY_BIN)('conformance: root context life and configuration (G-Core SDK module, Envoy vs host)', () => {
  // Envoy starts the plugin three times: on the canary VM, on the main thread's VM and on the
  // worker's (its thread-local slot runs the factory on the main thread too); the harness
  // loads the host with mainThread: true to do the same.
  const runs = moduleRuns(SETUP);

  it('start-up: the same callbacks in the same order, each reading the same buffers and properties', () => {
    // The first test: nothing but the start-up is in either trace yet.
    const envoyStartup = runs.envoy().trace();
    expect(runs.host().trace()).toEqual(envoyStartup);
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
    const host = await WasmHost.load(await buildModule(rejecting.module), hostOptions(rejecting));
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
    expect(hostTrace(host)).toEqual(envoyTrace);
  });

  it('a stream: its context, its root, what it reads, its end', async () => {
    const { e } = await runs.compare({ method: 'GET', path: '/life' });
    expect(e.trace[0]).toMatch(/^context_create \d+ root=\d+$/);
    expect(e.trace[e.trace.length - 1]).toMatch(/^delete \d+$/);
  });
});
