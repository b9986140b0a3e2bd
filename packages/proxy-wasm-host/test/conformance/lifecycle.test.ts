// Conformance, root context life and configuration: the gcore/lifecycle.ts module (G-Core SDK) in
// Envoy and in this host — the start-up sequence (canary VM, then the worker's), what each
// callback reads, and the stream contexts' start and end. See ./README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN, stopAllEnvoys } from '../helpers/envoy.js';
import {
  connectionInfo, hcmBodyChunks, hcmRequestHeaders, startEnvoyRun, startHostRun, throughEnvoy, throughHost,
  type EnvoyRun, type HostRun,
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
  });
  afterAll(async () => {
    await envoy?.close();
    await stopAllEnvoys();
  });

  it('start-up: the same callbacks in the same order, each reading the same buffers and properties', () => {
    expect(host.trace()).toEqual(envoyStartup);
    expect(envoyStartup.filter((l) => l.startsWith('configure '))).toHaveLength(3);
  });

  it('a stream: its context, its root, what it reads, its end', async () => {
    const ex = { method: 'GET', path: '/life' };
    const e = await throughEnvoy(envoy!, ex);
    const h = await throughHost(host, { headers: hcmRequestHeaders(ex), body: hcmBodyChunks(ex), info: connectionInfo(e, envoy!) });
    expect(h.trace).toEqual(e.trace);
    expect(h.seen).toEqual(e.seen);
  });
});
