import { describe, expect, it } from 'vitest';
import { WasmHost, WasmLoadError, envoyImportTable } from '../src/index.js';
import { buildFixture, importNames } from './helpers/build.js';
import { buildSdkFilter } from './helpers/probe.js';
import { buildModule, minimalFuncs, op, type ModuleSpec } from './helpers/wasm-builder.js';

async function loadError(bytes: Uint8Array): Promise<WasmLoadError> {
  try {
    await WasmHost.load(bytes);
  } catch (err) {
    if (err instanceof WasmLoadError) return err;
    throw err;
  }
  throw new Error('the module loaded');
}

const SDK = { shim: true, use: ['abort=abort_proc_exit'] } as const;

describe('modules Envoy rejects fail to load with Envoy’s message', () => {
  const cases: { name: string; spec: ModuleSpec; message: string; state: string }[] = [
    {
      name: 'no ABI marker export',
      spec: { funcs: [{ export: 'malloc', params: ['i32'], results: ['i32'] }] },
      message: 'Missing or unknown Proxy-Wasm ABI version',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'an ABI marker that is a global, not a function',
      spec: { funcs: [{ export: 'malloc', params: ['i32'], results: ['i32'] }], exportGlobal: 'proxy_abi_version_0_2_1' },
      message: 'Missing or unknown Proxy-Wasm ABI version',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'an unknown env import',
      spec: { imports: [{ module: 'env', name: 'abort', params: ['i32', 'i32', 'i32', 'i32'] }], funcs: minimalFuncs() },
      message: 'Failed to load Wasm module due to a missing import: env.abort',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'an ABI 0.1.0-only import under the 0.2.1 marker',
      spec: { imports: [{ module: 'env', name: 'proxy_continue_request', results: ['i32'] }], funcs: minimalFuncs() },
      message: 'Failed to load Wasm module due to a missing import: env.proxy_continue_request',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'an imported global',
      spec: { importGlobal: { module: 'env', name: 'proxy_log' }, funcs: minimalFuncs() },
      message: 'Failed to load Wasm module due to a missing import: env.proxy_log',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'an import with the wrong signature',
      spec: { imports: [{ module: 'env', name: 'proxy_log', params: ['i32', 'i32'], results: ['i32'] }], funcs: minimalFuncs() },
      message:
        'Failed to load Wasm module due to an import type mismatch: env.proxy_log, want: i32 i32 -> i32, ' +
        'but host exports: i32 i32 i32 -> i32',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'a callback exported with the wrong signature',
      spec: { funcs: minimalFuncs([{ export: 'proxy_on_vm_start', params: ['i32'], results: ['i32'] }]) },
      message: 'Bad function signature for: proxy_on_vm_start, want: i32 i32 -> i32, but the module exports: i32 -> i32',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'ABI 0.2 on_request_headers with the 0.1.0 signature',
      spec: { funcs: minimalFuncs([{ export: 'proxy_on_request_headers', params: ['i32', 'i32'], results: ['i32'] }]) },
      message:
        'Bad function signature for: proxy_on_request_headers, want: i32 i32 i32 -> i32, but the module exports: i32 i32 -> i32',
      state: 'UnableToInitializeCode',
    },
    {
      name: 'neither malloc nor proxy_on_memory_allocate',
      spec: { funcs: [{ export: 'proxy_abi_version_0_2_1' }] },
      message: 'Wasm module is missing malloc function.',
      state: 'MissingFunction',
    },
  ];

  it.each(cases)('$name', async ({ spec, message, state }) => {
    const err = await loadError(buildModule(spec));
    expect(err.message).toBe(message);
    expect(err.failState).toBe(state);
  });

  it('logs each failure as Envoy does ("Wasm VM failed …") before the generic follow-up', async () => {
    const logs: string[] = [];
    const spec = { imports: [{ module: 'env', name: 'trace', params: ['i32'] as const }], funcs: minimalFuncs() };
    await expect(WasmHost.load(buildModule(spec), { logger: (r) => logs.push(r.text) })).rejects.toThrow(WasmLoadError);
    expect(logs).toEqual([
      'Wasm VM failed Failed to load Wasm module due to a missing import: env.trace',
      'Wasm VM failed Failed to initialize Wasm code',
    ]);
  });
});

describe('modules Envoy accepts', () => {
  it('proxy_on_memory_allocate stands in for a missing malloc', async () => {
    const funcs = [
      { export: 'proxy_abi_version_0_2_1' },
      { export: 'proxy_on_memory_allocate', params: ['i32'] as const, results: ['i32'] as const, body: op.i32(2048) },
    ];
    const host = await WasmHost.load(buildModule({ funcs }));
    expect(host.abi).toBe('0.2.1');
  });

  it('the 0.1.0 marker makes the 0.1.0-only imports linkable', async () => {
    const spec = {
      imports: [{ module: 'env', name: 'proxy_continue_request', results: ['i32'] as const }],
      funcs: [{ export: 'proxy_abi_version_0_1_0' }, minimalFuncs()[1]!],
    };
    expect((await WasmHost.load(buildModule(spec))).abi).toBe('0.1.0');
  });

  it('both WASI module names link to the same functions', async () => {
    const imports = ['wasi_unstable', 'wasi_snapshot_preview1'].map((module) => ({
      module,
      name: 'clock_time_get',
      params: ['i32', 'i64', 'i32'] as const,
      results: ['i32'] as const,
    }));
    await expect(WasmHost.load(buildModule({ imports, funcs: minimalFuncs() }))).resolves.toBeInstanceOf(WasmHost);
  });
});

describe('the G-Core AssemblyScript SDK against Envoy’s import set', () => {
  it('a filter built with --use abort=abort_proc_exit imports only what Envoy registers for 0.2.1', async () => {
    const imports = importNames(await buildSdkFilter());
    const envoy = envoyImportTable('0.2.1');
    expect(imports.filter((name) => !envoy.has(name))).toEqual([]);
    await expect(WasmHost.load(await buildSdkFilter())).resolves.toBeInstanceOf(WasmHost);
  });

  it('without --use abort=… the SDK imports env.abort and Envoy cannot load it', async () => {
    const bytes = await buildFixture('sdk-filter.ts', { shim: true });
    expect(importNames(bytes)).toContain('env.abort');
    expect((await loadError(bytes)).message).toBe('Failed to load Wasm module due to a missing import: env.abort');
  });

  it('its FastEdge-only calls (getSecret → env.proxy_get_secret) cannot link in Envoy', async () => {
    const bytes = await buildFixture('sdk-fastedge.ts', SDK);
    expect((await loadError(bytes)).message).toBe(
      'Failed to load Wasm module due to a missing import: env.proxy_get_secret',
    );
  });

  it('its proxy_on_done traps for a root context, so shutting a plugin down fails the shared VM', async () => {
    const host = await WasmHost.load(await buildSdkFilter(true), { canary: false });
    const old = host.createPlugin({ name: 'v1' });
    const next = host.createPlugin({ name: 'v2', configuration: 'deny=/admin' });
    old.close();
    const failure = host.logs().find((l) => l.text.startsWith('Wasm VM failed'))!.text;
    expect(failure).toMatch(/^Wasm VM failed Function: proxy_on_done failed: Uncaught RuntimeError: unreachable\n/);
    expect(failure).toContain('runtime/getBaseContext');
    expect(next.newHttpStream().requestHeaders([[':path', '/']], true).localReply?.details).toBe('wasm_fail_stream');
  });

  it('its clear_route_cache() imports a 0.1.0-only function and cannot link under its own 0.2.1 marker', async () => {
    const bytes = await buildFixture('sdk-route-cache.ts', SDK);
    expect((await loadError(bytes)).message).toBe(
      'Failed to load Wasm module due to a missing import: env.proxy_clear_route_cache',
    );
  });
});

describe('start-up', () => {
  it('a host call other than logging during _initialize traps with restricted_callback', async () => {
    const bytes = await buildFixture('start-hostcall.ts', { exportStart: '_initialize', use: ['abort='] });
    const err = await loadError(bytes);
    expect(err.message).toBe('Function: _initialize failed: Uncaught Error: restricted_callback');
    expect(err.failState).toBe('RuntimeError');
  });

  it('logging during _initialize is allowed and attributed to the VM context (no prefix)', async () => {
    const bytes = await buildFixture('start-log.ts', { exportStart: '_initialize', use: ['abort='] });
    const host = await WasmHost.load(bytes);
    expect(host.logs().map((r) => r.text)).toContain('wasm log: initialized');
  });

  it('a host call from the wasm start section (no _initialize export) fails the load', async () => {
    const bytes = await buildFixture('start-hostcall.ts', { use: ['abort='] });
    const err = await loadError(bytes);
    expect(err.message).toBe('Failed to create new Wasm instance');
  });

  it('a trap in _start fails the load with the function named', async () => {
    const funcs = minimalFuncs([{ export: '_start', body: op.unreachable }]);
    const err = await loadError(buildModule({ funcs }));
    expect(err.message).toBe('Function: _start failed: Uncaught RuntimeError: unreachable');
  });

  // on_vm_start reads the VM configuration (so the host calls malloc) and succeeds iff that is Ok.
  const mallocCases = [
    { name: 'a trapping malloc fails the VM', malloc: op.unreachable, failure: 'Uncaught RuntimeError: unreachable' },
    {
      name: 'malloc calling proxy_get_property traps with restricted_callback',
      malloc: [...op.i32(0), ...op.i32(0), ...op.i32(0), ...op.i32(0), ...op.call(1), ...op.drop, ...op.i32(1024)],
      failure: 'Uncaught Error: restricted_callback',
    },
    {
      name: 'malloc calling proxy_log is allowed',
      malloc: [...op.i32(2), ...op.i32(0), ...op.i32(0), ...op.call(2), ...op.drop, ...op.i32(1024)],
      failure: null,
    },
  ];

  it.each(mallocCases)('$name', async ({ malloc, failure }) => {
    const imports = [
      { module: 'env', name: 'proxy_get_buffer_bytes', params: ['i32', 'i32', 'i32', 'i32', 'i32'] as const, results: ['i32'] as const },
      { module: 'env', name: 'proxy_get_property', params: ['i32', 'i32', 'i32', 'i32'] as const, results: ['i32'] as const },
      { module: 'env', name: 'proxy_log', params: ['i32', 'i32', 'i32'] as const, results: ['i32'] as const },
    ];
    const readVmConfig = [...op.i32(6), ...op.i32(0), ...op.i32(100), ...op.i32(0), ...op.i32(4), ...op.call(0), ...op.eqz];
    const funcs = [
      { export: 'proxy_abi_version_0_2_1' },
      { export: 'malloc', params: ['i32'] as const, results: ['i32'] as const, body: malloc },
      { export: 'proxy_on_vm_start', params: ['i32', 'i32'] as const, results: ['i32'] as const, body: readVmConfig },
    ];
    const host = await WasmHost.load(buildModule({ imports, funcs }), { vmConfig: 'cfg', canary: false });
    const plugin = host.createPlugin({ name: 'p' });
    const failures = host.logs().filter((r) => r.text.startsWith('Wasm VM failed Function: malloc failed'));
    if (failure === null) {
      expect(failures).toEqual([]);
      expect(plugin.failed()).toBe(false);
    } else {
      expect(failures.map((r) => r.text)).toEqual([`Wasm VM failed Function: malloc failed: ${failure}`]);
      expect(plugin.failed()).toBe(true);
    }
  });
});
