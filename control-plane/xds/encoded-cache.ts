// Memory that lasts two policy versions: what was used while building for the current policy or
// the one before stays, everything else is dropped when the policy changes again. Bounded by what
// connected nodes use, without tracking who uses what.
import { createHash } from 'node:crypto';
import type { XdsResource } from './contracts.js';
import { makeResource } from './snapshot.js';

export class GenerationMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private generation: unknown = undefined;

  /** Starts a new generation when `generation` differs from the last one seen. */
  use(generation: unknown): void {
    if (generation === this.generation) return;
    this.generation = generation;
    this.previous = this.current;
    this.current = new Map();
  }

  get(key: K): V | undefined {
    let v = this.current.get(key);
    if (v === undefined) {
      v = this.previous.get(key);
      if (v !== undefined) this.current.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.current.set(key, value);
  }

  delete(key: K): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }

  get size(): number {
    return this.current.size;
  }
}

/**
 * Encoded resources by content (a hash of type URL, name and the object's JSON): a resource whose
 * object did not change since the last policy, or that many nodes share, is encoded once.
 */
export class EncodedCache {
  private readonly map = new GenerationMap<string, XdsResource>();

  use(generation: unknown): void {
    this.map.use(generation);
  }

  clear(): void {
    this.map.clear();
  }

  get(typeUrl: string, name: string, object: Record<string, unknown>): XdsResource {
    const key = createHash('sha256').update(`${typeUrl}\u0000${name}\u0000`).update(JSON.stringify(object)).digest('base64');
    let r = this.map.get(key);
    if (!r) {
      r = makeResource(typeUrl, name, object);
      this.map.set(key, r);
    }
    return r;
  }
}
