// An Envoy-like header map: keys are ASCII-lower-cased (Http::LowerCaseString), pseudo-headers
// stay in front of regular ones (HeaderList::insert), repeated keys are kept as separate entries
// and `get` sees the first one.

export type HeaderInput =
  | HeaderMap
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string>>;

/** Http::LowerCaseString: A–Z only; other bytes (and non-ASCII letters) are kept as they are. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : s;
}

function isIterable(x: unknown): x is Iterable<readonly [string, string]> {
  return typeof x === 'object' && x !== null && Symbol.iterator in x;
}

export class HeaderMap {
  private readonly k: string[] = [];
  private readonly v: string[] = [];
  private pseudo = 0;

  static from(input?: HeaderInput): HeaderMap {
    if (input instanceof HeaderMap) return input;
    const map = new HeaderMap();
    if (input === undefined) return map;
    if (isIterable(input)) {
      for (const [key, value] of input) map.add(key, value);
    } else {
      for (const key of Object.keys(input)) map.add(key, input[key]!);
    }
    return map;
  }

  get size(): number {
    return this.k.length;
  }

  keyAt(i: number): string {
    return this.k[i]!;
  }

  valueAt(i: number): string {
    return this.v[i]!;
  }

  /** Parallel arrays for serializers; do not mutate. */
  keysArray(): readonly string[] {
    return this.k;
  }

  valuesArray(): readonly string[] {
    return this.v;
  }

  private indexOf(lowerKey: string): number {
    const keys = this.k;
    for (let i = 0; i < keys.length; i++) if (keys[i] === lowerKey) return i;
    return -1;
  }

  /** The first value for the key (what proxy_get_header_map_value returns). */
  get(key: string): string | undefined {
    const i = this.indexOf(asciiLower(key));
    return i < 0 ? undefined : this.v[i];
  }

  getAll(key: string): string[] {
    const lower = asciiLower(key);
    const out: string[] = [];
    for (let i = 0; i < this.k.length; i++) if (this.k[i] === lower) out.push(this.v[i]!);
    return out;
  }

  has(key: string): boolean {
    return this.indexOf(asciiLower(key)) >= 0;
  }

  add(key: string, value: string): void {
    const lower = asciiLower(key);
    if (lower.charCodeAt(0) === 58 /* ':' */) {
      if (this.pseudo === this.k.length) {
        this.k.push(lower);
        this.v.push(value);
      } else {
        this.k.splice(this.pseudo, 0, lower);
        this.v.splice(this.pseudo, 0, value);
      }
      this.pseudo++;
    } else {
      this.k.push(lower);
      this.v.push(value);
    }
  }

  /** HeaderMapImpl::setCopy: remove every entry of the key, then add one. */
  replace(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  /**
   * HeaderMapImpl::setInline (content-length, content-type, grpc-status, …): the existing entry's
   * value changes where it is (later entries of the key go), else the field is added.
   */
  setInline(key: string, value: string): void {
    const lower = asciiLower(key);
    const at = this.indexOf(lower);
    if (at < 0) {
      this.add(lower, value);
      return;
    }
    this.v[at] = value;
    this.removeFrom(lower, at + 1);
  }

  remove(key: string): void {
    this.removeFrom(asciiLower(key), 0);
  }

  /** Removes the entries of a lower-case key from index `start` on (the pseudo-header count kept). */
  private removeFrom(lower: string, start: number): void {
    for (let i = this.k.length - 1; i >= start; i--) {
      if (this.k[i] !== lower) continue;
      this.k.splice(i, 1);
      this.v.splice(i, 1);
      if (i < this.pseudo) this.pseudo--;
    }
  }

  clear(): void {
    this.k.length = 0;
    this.v.length = 0;
    this.pseudo = 0;
  }

  /** HeaderMap::byteSize(): the bytes of every key and value, not the serialized size. */
  byteSize(): number {
    let n = 0;
    for (let i = 0; i < this.k.length; i++) {
      n += Buffer.byteLength(this.k[i]!, 'utf8') + Buffer.byteLength(this.v[i]!, 'utf8');
    }
    return n;
  }

  entries(): [string, string][] {
    return this.k.map((key, i) => [key, this.v[i]!]);
  }

  clone(): HeaderMap {
    const copy = new HeaderMap();
    for (let i = 0; i < this.k.length; i++) copy.add(this.k[i]!, this.v[i]!);
    return copy;
  }
}
