// Where a filter's time goes in the host: while `census` runs, every wasm instance the host creates
// has its imports (hostcalls) and exports (calls into the VM) wrapped with counters and clocks.
// Time in the VM minus the time of the hostcalls it made is the filter's own (guest) time; the
// hostcalls' time is the host's side of the ABI (serializing headers, properties, malloc round trips).

type Fn = (...args: unknown[]) => unknown;

export interface Census {
  /** Hostcalls by name. */
  readonly hostcalls: Map<string, number>;
  /** ms spent inside calls into the VM (guest code plus the hostcalls it made). */
  vmMs: number;
  /** ms spent in hostcalls. */
  hostMs: number;
}

interface InstanceApi {
  Instance: new (module: unknown, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/**
 * Runs `body` with every wasm instance created meanwhile instrumented; `body` gets the live census
 * (to zero it after its set-up) and the result is what the instances did after that.
 */
export async function census(body: (live: Census) => Promise<void>): Promise<Census> {
  const api = (globalThis as unknown as { WebAssembly: InstanceApi }).WebAssembly;
  const Original = api.Instance;
  const result: Census = { hostcalls: new Map(), vmMs: 0, hostMs: 0 };
  let depth = 0;
  function Instrumented(module: unknown, imports: Record<string, Record<string, unknown>>) {
    const wrapped: Record<string, Record<string, unknown>> = {};
    for (const [ns, fields] of Object.entries(imports)) {
      wrapped[ns] = {};
      for (const [name, value] of Object.entries(fields)) {
        if (typeof value !== 'function') {
          wrapped[ns][name] = value;
          continue;
        }
        const fn = value as Fn;
        wrapped[ns][name] = (...args: unknown[]) => {
          result.hostcalls.set(name, (result.hostcalls.get(name) ?? 0) + 1);
          const start = performance.now();
          try {
            return fn(...args);
          } finally {
            result.hostMs += performance.now() - start;
          }
        };
      }
    }
    const instance = new Original(module, wrapped);
    const exports: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value !== 'function') {
        exports[name] = value;
        continue;
      }
      const fn = value as Fn;
      exports[name] = (...args: unknown[]) => {
        const outer = depth++ === 0;
        const start = outer ? performance.now() : 0;
        try {
          return fn(...args);
        } finally {
          depth--;
          if (outer) result.vmMs += performance.now() - start;
        }
      };
    }
    return { exports: Object.freeze(exports) };
  }
  api.Instance = Instrumented as unknown as InstanceApi['Instance'];
  try {
    await body(result);
  } finally {
    api.Instance = Original;
  }
  return result;
}

export function resetCensus(c: Census): void {
  c.hostcalls.clear();
  c.vmMs = 0;
  c.hostMs = 0;
}

export interface CensusSummary {
  readonly hostcalls: number;
  readonly vm: number;
  readonly host: number;
  readonly guest: number;
}

/** Per request: hostcalls, and µs in the VM, in hostcalls, and in the guest itself. */
function summarize(c: Census, requests: number): CensusSummary {
  const total = [...c.hostcalls.values()].reduce((s, n) => s + n, 0);
  const us = (ms: number) => (ms * 1000) / requests;
  return { hostcalls: total / requests, vm: us(c.vmMs), host: us(c.hostMs), guest: us(c.vmMs - c.hostMs) };
}

export function describeCensus(c: Census, requests: number): string {
  const s = summarize(c, requests);
  const top = [...c.hostcalls].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, k]) => `${n.replace(/^proxy_/, '')} ${(k / requests).toFixed(1)}`).join(', ');
  return `${s.hostcalls.toFixed(1)} hostcalls/request (${top}); µs/request in the VM ${s.vm.toFixed(2)}, of which hostcalls ${s.host.toFixed(2)} → guest ${s.guest.toFixed(2)}`;
}
