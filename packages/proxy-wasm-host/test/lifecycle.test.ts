import { beforeEach, describe, expect, it } from 'vitest';
import { FilterChain, PluginConfigError, WasmHost } from '../src/index.js';
import { buildSdkFilter, callbacks, probeHost, probeRequest, probeResult } from './helpers/probe.js';

let host: WasmHost;
beforeEach(async () => {
  host = await probeHost({ vmId: 'vm', vmConfig: 'vmcfg', canary: false });
});

describe('root context start-up', () => {
  it('runs context_create(root, 0) → vm_start(root, vm config size) → configure(root, plugin config size)', () => {
    host.createPlugin({ name: 'p', configuration: '123456' });
    expect(callbacks(host)).toEqual(['context_create 1 0', 'vm_start 1 5', 'configure 1 6']);
  });

  it('with the canary, Envoy’s order runs twice: on a throwaway VM, then on the worker', async () => {
    const withCanary = await probeHost({ canary: true });
    withCanary.createPlugin({ name: 'p' });
    expect(callbacks(withCanary)).toEqual([
      'context_create 1 0', 'vm_start 1 0', 'configure 1 0',
      'context_create 1 0', 'vm_start 1 0', 'configure 1 0',
    ]);
  });

  it('with mainThread, a third time on the main thread’s VM (as Envoy’s thread-local slot does), which serves no stream', async () => {
    const withMain = await probeHost({ canary: true, mainThread: true });
    const plugin = withMain.createPlugin({ name: 'p' });
    expect(callbacks(withMain).filter((c) => c.startsWith('configure'))).toHaveLength(3);
    plugin.newHttpStream().requestHeaders(probeRequest({}), true);
    expect(withMain.liveContexts(0)).toBe(3); // the worker's VM context, root and the stream
    plugin.close();
    expect(callbacks(withMain).filter((c) => c.startsWith('done 1'))).toHaveLength(2); // main and worker roots
  });

  it('gives each worker VM its own root context; context ids are per VM', async () => {
    const workers = await probeHost({ canary: false, workers: 2 });
    const plugin = workers.createPlugin({ name: 'p' });
    expect([plugin.rootContextId(0), plugin.rootContextId(1)]).toEqual([1, 1]);
    expect(callbacks(workers).filter((c) => c.startsWith('configure'))).toHaveLength(2);
  });

  it('plugins sharing a VM get distinct root contexts and each sees its own configuration', () => {
    host.createPlugin({ name: 'a', rootId: 'ra', configuration: 'configure=props|plugin_root_id' });
    host.createPlugin({ name: 'b', rootId: 'rb', configuration: 'configure=props|plugin_name' });
    const lines = host.logs().map((r) => r.message).filter((m) => m.startsWith('configure '));
    expect(lines).toEqual(['configure 1: props|plugin_root_id -> 0 ra', 'configure 2: props|plugin_name -> 0 b']);
  });

  const rejections = [
    { name: 'on_vm_start returning false', config: 'vm_start=ret|0', reason: 'Failed to start base Wasm', state: 'StartFailed' },
    { name: 'on_configure returning false', config: 'configure=ret|0', reason: 'Failed to configure base Wasm plugin', state: 'ConfigureFailed' },
    { name: 'a trap in on_vm_start', config: 'vm_start=trap', reason: 'Failed to start base Wasm', state: 'StartFailed' },
    { name: 'a trap in on_configure', config: 'configure=trap', reason: 'Failed to configure base Wasm plugin', state: 'ConfigureFailed' },
  ];

  it.each(rejections)('$name rejects the configuration on the canary', async ({ config, reason, state }) => {
    const canaryHost = await probeHost({ canary: true });
    const attempt = () => canaryHost.createPlugin({ name: 'shop.identity', configuration: config });
    expect(attempt).toThrow(PluginConfigError);
    expect(attempt).toThrow(`Unable to create Wasm plugin shop.identity: ${reason}`);
    try {
      attempt();
    } catch (err) {
      expect((err as PluginConfigError).failState).toBe(state);
    }
  });

  it('the SDK filter’s on_configure=false (config reject=1) is a PluginConfigError', async () => {
    const sdk = await WasmHost.load(await buildSdkFilter());
    expect(() => sdk.createPlugin({ name: 'mg', configuration: 'reject=1' })).toThrow(PluginConfigError);
    // Root contexts log with the root prefix (" <root_id> <vm_id>"), both empty here.
    expect(sdk.logs().map((r) => r.text)).toContain('wasm log: [ERROR]: meshguard: configuration rejected');
  });

  it('the plugin configuration buffer is readable in context_create/on_configure only', () => {
    const plugin = host.createPlugin({ name: 'p', configuration: 'configure=bb|7|0|100\ntick=bb|7|0|100;tick|0' });
    expect(probeResult(host, 'configure', 'bb|7|0|100')).toMatch(/^0 configure=/);
    host.createPlugin({ name: 't', configuration: 'vm_start=tick|10\ntick=bb|7|0|100' }).tick();
    expect(probeResult(host, 'tick', 'bb|7|0|100')).toBe('1');
    expect(plugin.tickPeriodMs()).toBe(0);
  });
});

describe('HTTP stream call order', () => {
  it('creates the stream context lazily, then headers → body → trailers → response, then log → done → delete', async () => {
    const plugin = host.createPlugin({ name: 'p' });
    const s = plugin.newHttpStream();
    expect(callbacks(host).filter((c) => c.startsWith('context_create 2'))).toEqual([]);
    s.requestHeaders(probeRequest({}), false);
    s.requestBody('abc', false);
    s.requestTrailers([['grpc-timeout', '1S']]);
    s.responseHeaders([[':status', '200']], false);
    s.responseBody('hello', true);
    s.complete();
    expect(callbacks(host).slice(3)).toEqual([
      'context_create 2 1',
      'request_headers 2 3 0',
      'request_body 2 3 0',
      'request_trailers 2 1',
      'response_headers 2 1 0',
      'response_body 2 5 1',
      'log 2',
      'done 2',
      'delete 2',
    ]);
  });

  it('a filter the request never reached still gets context_create → log → done → delete', async () => {
    const first = host.createPlugin({ name: 'first' });
    const second = host.createPlugin({ name: 'second' });
    await new FilterChain([first, second]).run({ headers: probeRequest({ req_headers: 'local|403|no|denied|-1' }) });
    const secondStream = callbacks(host).filter((c) => /^\w+ 4( |$)/.test(c));
    expect(secondStream).toEqual(['context_create 4 2', 'log 4', 'done 4', 'delete 4']);
  });

  it('in a chain every filter logs before any filter is destroyed', async () => {
    const a = host.createPlugin({ name: 'a' });
    const b = host.createPlugin({ name: 'b' });
    await new FilterChain([a, b]).run({ headers: probeRequest({}) });
    const tail = callbacks(host).filter((c) => /^(log|done|delete) /.test(c));
    expect(tail).toEqual(['log 3', 'log 4', 'done 3', 'delete 3', 'done 4', 'delete 4']);
  });
});

describe('TCP connection call order', () => {
  it('new_connection → data → upstream eos fakes an upstream close → downstream close → done → log → delete', () => {
    const plugin = host.createPlugin({ name: 'tcp' });
    const c = plugin.newTcpConnection({ info: { connection: { source: '10.1.0.1:5000' } } });
    c.newConnection();
    c.downstreamData('ping', false);
    c.upstreamData('pong', true);
    c.close('remote');
    expect(callbacks(host).slice(3)).toEqual([
      'context_create 2 1',
      'new_connection 2',
      'downstream_data 2 4 0',
      'upstream_data 2 4 1',
      'upstream_connection_close 2 0',
      'downstream_connection_close 2 2',
      'done 2',
      'log 2',
      'delete 2',
    ]);
  });

  it('a non-zero return from downstream data is StopIteration and the data is readable by the plugin', () => {
    const plugin = host.createPlugin({ name: 'tcp', configuration: 'downstream_data=bb|2|0|10;ret|1' });
    const c = plugin.newTcpConnection();
    c.newConnection();
    expect(c.downstreamData('hello', false).status).toBe('StopIteration');
    expect(probeResult(host, 'downstream_data', 'bb|2|0|10')).toBe('0 hello');
  });
});

describe('TCP failure handling', () => {
  const policies = [
    { failurePolicy: 'FAIL_CLOSED' as const, status: 'StopIteration', close: 'downstream' },
    { failurePolicy: 'FAIL_OPEN' as const, status: 'Continue', close: undefined },
  ];

  it.each(policies)('a trap under $failurePolicy: status $status, close $close', ({ failurePolicy, status, close }) => {
    const plugin = host.createPlugin({ name: 'tcp', failurePolicy, configuration: 'downstream_data=trap' });
    const c = plugin.newTcpConnection();
    c.newConnection();
    const r = c.downstreamData('boom', false);
    expect(r.status).toBe(status);
    expect(r.close).toBe(close);
  });

  it('proxy_close_stream(Downstream) closes the connection after the call', () => {
    const plugin = host.createPlugin({ name: 'tcp', configuration: 'downstream_data=close|2' });
    const c = plugin.newTcpConnection();
    c.newConnection();
    expect(c.downstreamData('bye', true).close).toBe('downstream');
  });
});

describe('effective context', () => {
  it('proxy_set_effective_context with an unknown id is BadArgument', () => {
    host.createPlugin({ name: 'p', configuration: 'configure=eff|99;eff|1;eff|0' });
    expect(probeResult(host, 'configure', 'eff|99')).toBe('2');
    expect(probeResult(host, 'configure', 'eff|1')).toBe('0');
    expect(probeResult(host, 'configure', 'eff|0')).toBe('0');
  });

  it('is reset on every host→VM entry', () => {
    const plugin = host.createPlugin({ name: 'p' });
    const s = plugin.newHttpStream();
    // In request headers the stream switches to the root context (which has no request headers)…
    s.requestHeaders(probeRequest({ req_headers: 'eff|1;gh|0|:path;ret|1', req_body: 'gh|0|:path' }), false);
    expect(probeResult(host, 'req_headers', 'gh|0|:path')).toBe('2');
    // …but the next callback starts again on its own context.
    s.requestBody('x', true);
    expect(probeResult(host, 'req_body', 'gh|0|:path')).toBe('0 /probe');
  });
});

describe('ticks', () => {
  it('fire on_tick on the root context only once a period is set, and stop at period 0', () => {
    const plugin = host.createPlugin({ name: 'p', configuration: 'tick=log|tock' });
    expect(plugin.tick()).toBe(0);
    const ticking = host.createPlugin({ name: 'q', configuration: 'vm_start=tick|250\ntick=tick|0' });
    expect(ticking.tickPeriodMs()).toBe(250);
    expect(ticking.tick()).toBe(1);
    expect(callbacks(host).filter((c) => c.startsWith('tick'))).toEqual(['tick 2']);
    expect(ticking.tick()).toBe(0);
  });

  it('a stream context setting the tick period sets it on its root', () => {
    const plugin = host.createPlugin({ name: 'p' });
    plugin.newHttpStream().requestHeaders(probeRequest({ req_headers: 'tick|40' }), true);
    expect(plugin.tickPeriodMs()).toBe(40);
  });
});

describe('plugin shutdown', () => {
  it('runs on_done then on_delete on the root; on_done=false defers on_delete until proxy_done', () => {
    const plugin = host.createPlugin({ name: 'p', configuration: 'done_root=ret|0;done' });
    plugin.close();
    expect(callbacks(host).slice(3)).toEqual(['done 1']);
    expect(probeResult(host, 'done_root', 'done')).toBe('1');
    const other = host.createPlugin({ name: 'q' });
    other.close();
    expect(callbacks(host).slice(-2)).toEqual(['done 2', 'delete 2']);
  });
});
