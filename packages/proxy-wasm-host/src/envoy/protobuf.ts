// The few protobuf messages a property walk can stop at (xds.node, metadata, *_metadata):
// Envoy returns them as SerializeToString bytes, and lets the walk descend into their fields.

import { CelMessage, CelValue, JsonValue, jsonToCel } from './properties.js';

class Writer {
  private readonly parts: number[] = [];

  private varint(v: number): void {
    let n = v;
    while (n >= 0x80) {
      this.parts.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    this.parts.push(n);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.parts.push(b);
  }

  string(field: number, s: string): void {
    if (s !== '') this.bytes(field, Buffer.from(s, 'utf8'));
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v, 0);
    for (const x of b) this.parts.push(x);
  }

  uint(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

type JsonObject = { readonly [k: string]: JsonValue };

function encodeValue(v: JsonValue): Uint8Array {
  const w = new Writer();
  if (v === null) w.uint(1, 0);
  else if (typeof v === 'number') w.double(2, v);
  else if (typeof v === 'string') w.bytes(3, Buffer.from(v, 'utf8'));
  else if (typeof v === 'boolean') w.uint(4, v ? 1 : 0);
  else if (Array.isArray(v)) {
    const list = new Writer();
    for (const item of v) list.bytes(1, encodeValue(item));
    w.bytes(6, list.finish());
  } else w.bytes(5, encodeStruct(v as JsonObject));
  return w.finish();
}

export function encodeStruct(obj: JsonObject): Uint8Array {
  const w = new Writer();
  for (const [key, value] of Object.entries(obj)) {
    const entry = new Writer();
    entry.string(1, key);
    entry.bytes(2, encodeValue(value));
    w.bytes(1, entry.finish());
  }
  return w.finish();
}

export interface NodeInfo {
  readonly id?: string;
  readonly cluster?: string;
  readonly metadata?: JsonObject;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly subZone?: string };
  readonly userAgentName?: string;
}

function localityMessage(l: NonNullable<NodeInfo['locality']>): CelMessage {
  return {
    kind: 'message',
    field(name) {
      if (name === 'region') return l.region ?? '';
      if (name === 'zone') return l.zone ?? '';
      if (name === 'sub_zone') return l.subZone ?? '';
      return undefined;
    },
    encode() {
      const w = new Writer();
      w.string(1, l.region ?? '');
      w.string(2, l.zone ?? '');
      w.string(3, l.subZone ?? '');
      return w.finish();
    },
  };
}

/** envoy.config.core.v3.Node (the fields meshguard sets). */
export function nodeMessage(node: NodeInfo): CelMessage {
  return {
    kind: 'message',
    field(name): CelValue | undefined {
      switch (name) {
        case 'id': return node.id ?? '';
        case 'cluster': return node.cluster ?? '';
        case 'metadata': return jsonToCel(node.metadata ?? {});
        case 'locality': return localityMessage(node.locality ?? {});
        case 'user_agent_name': return node.userAgentName ?? '';
        default: return undefined;
      }
    },
    encode() {
      const w = new Writer();
      w.string(1, node.id ?? '');
      w.string(2, node.cluster ?? '');
      if (node.metadata) w.bytes(3, encodeStruct(node.metadata));
      if (node.locality) w.bytes(4, localityMessage(node.locality).encode());
      w.string(6, node.userAgentName ?? '');
      return w.finish();
    },
  };
}

/** envoy.config.core.v3.Metadata: filter_metadata is a map of namespace → Struct. */
export type MetadataInput = { readonly [namespace: string]: JsonObject };

export function metadataMessage(md: MetadataInput): CelMessage {
  return {
    kind: 'message',
    field(name) {
      if (name === 'filter_metadata') return jsonToCel(md);
      if (name === 'typed_filter_metadata') return jsonToCel({});
      return undefined;
    },
    encode() {
      const w = new Writer();
      for (const [ns, struct] of Object.entries(md)) {
        const entry = new Writer();
        entry.string(1, ns);
        entry.bytes(2, encodeStruct(struct));
        w.bytes(1, entry.finish());
      }
      return w.finish();
    },
  };
}
