// Shared key/value data and shared queues (proxy-wasm-cpp-host shared_data.cc, shared_queue.cc):
// both are keyed by vm_id, so every worker VM and every plugin with the same vm_id sees the same
// entries. Envoy has one of each per process; here the embedder decides which hosts share them.

import { WasmResult } from '../abi/codes.js';

export class SharedDataStore {
  private readonly data = new Map<string, Map<string, { value: Uint8Array; cas: number }>>();
  private cas = 1;

  private nextCas(): number {
    const result = this.cas;
    this.cas = (this.cas + 1) >>> 0;
    if (this.cas === 0) this.cas = 1;
    return result;
  }

  get(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined {
    return this.data.get(vmId)?.get(key);
  }

  /** cas 0 writes unconditionally; any other cas must match the stored one. */
  set(vmId: string, key: string, value: Uint8Array, cas: number): WasmResult {
    let map = this.data.get(vmId);
    if (!map) {
      map = new Map();
      this.data.set(vmId, map);
    }
    const current = map.get(key);
    if (current && cas !== 0 && cas !== current.cas) return WasmResult.CasMismatch;
    map.set(key, { value, cas: this.nextCas() });
    return WasmResult.Ok;
  }

  keys(vmId: string): string[] {
    return [...(this.data.get(vmId)?.keys() ?? [])];
  }
}

export interface QueueTarget {
  /** Called (later, from the host's dispatch) when data is enqueued. */
  notify(token: number): void;
}

interface Queue {
  readonly items: Uint8Array[];
  target: QueueTarget;
}

export class SharedQueueStore {
  private readonly tokens = new Map<string, number>();
  private readonly queues = new Map<number, Queue>();
  private nextToken = 1;

  /** Registering again keeps the token and the data but moves the notification target. */
  register(vmId: string, name: string, target: QueueTarget): number {
    const key = `${vmId}\0${name}`;
    let token = this.tokens.get(key);
    if (token === undefined) {
      token = this.nextToken++;
      this.tokens.set(key, token);
      this.queues.set(token, { items: [], target });
    } else {
      this.queues.get(token)!.target = target;
    }
    return token;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.tokens.get(`${vmId}\0${name}`);
  }

  enqueue(token: number, value: Uint8Array): WasmResult {
    const q = this.queues.get(token);
    if (!q) return WasmResult.NotFound;
    q.items.push(value);
    q.target.notify(token);
    return WasmResult.Ok;
  }

  dequeue(token: number): { result: WasmResult; value?: Uint8Array } {
    const q = this.queues.get(token);
    if (!q) return { result: WasmResult.NotFound };
    const value = q.items.shift();
    return value === undefined ? { result: WasmResult.Empty } : { result: WasmResult.Ok, value };
  }
}
