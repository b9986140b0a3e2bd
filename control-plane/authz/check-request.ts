// Envoy CheckRequest (proto3 JSON with lowerCamelCase or original field names, or the object
// grpc's proto-loader decodes) → the engine's CheckInput. Wrong types are errors with a field path.
import { asciiLower } from '../canon/ascii.js';
import type { CheckInput, HttpInput, PeerInput } from '../engine/request.js';

export class RequestFieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RequestFieldError';
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A field under either of its JSON names (`portValue` / `port_value`). */
function field(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || snake === undefined ? v : o[snake];
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function object(o: Obj, path: string, camel: string, snake?: string): Obj | null {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new RequestFieldError(join(path, camel), 'must be an object');
  return v;
}

function string(o: Obj, path: string, camel: string, snake?: string): string {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new RequestFieldError(`${path}.${camel}`, 'must be a string');
  return v;
}

function port(o: Obj, path: string): number | null {
  const v = field(o, 'portValue', 'port_value');
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw new RequestFieldError(`${path}.portValue`, 'must be a port number (0-65535)');
  return n === 0 ? null : n;
}

function stringMap(v: unknown, path: string, lowerKeys: boolean): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new RequestFieldError(path, 'must be an object of strings');
  // A plain object keeps V8's fast property lookups. Only fixed names are ever read from it, none of
  // them on Object.prototype; "__proto__" (no HTTP header or extension is called that) is dropped.
  const out: Record<string, string> = {};
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (typeof value !== 'string') throw new RequestFieldError(`${path}.${key}`, 'must be a string');
    const name = lowerKeys ? asciiLower(key) : key;
    if (name !== '__proto__') out[name] = value;
  }
  return out;
}

function peer(attributes: Obj, name: 'source' | 'destination'): PeerInput {
  const path = `attributes.${name}`;
  const o = object(attributes, 'attributes', name);
  if (!o) return { principal: '', address: null, port: null };
  const address = object(o, path, 'address');
  const socket = address ? object(address, `${path}.address`, 'socketAddress', 'socket_address') : null;
  const socketPath = `${path}.address.socketAddress`;
  return {
    principal: string(o, path, 'principal'),
    address: socket ? string(socket, socketPath, 'address') || null : null,
    port: socket ? port(socket, socketPath) : null,
  };
}

function decodeBytes(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (typeof v === 'string') return Buffer.from(v, 'base64').toString('latin1');
  throw new RequestFieldError(path, 'must be base64 bytes');
}

/** `header_map` (raw headers): repeated names are joined with "," as Envoy does for `headers`. */
function addHeaderMap(headers: Record<string, string>, http: Obj, path: string): void {
  const map = object(http, path, 'headerMap', 'header_map');
  if (!map) return;
  const list = field(map, 'headers');
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new RequestFieldError(`${path}.headerMap.headers`, 'must be a list');
  list.forEach((entry: unknown, i: number) => {
    const at = `${path}.headerMap.headers[${i}]`;
    if (!isObject(entry)) throw new RequestFieldError(at, 'must be an object');
    const key = asciiLower(string(entry, at, 'key'));
    const raw = field(entry, 'rawValue', 'raw_value');
    const value = raw !== undefined && raw !== null ? decodeBytes(raw, `${at}.rawValue`) : string(entry, at, 'value');
    headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  });
}

function httpRequest(attributes: Obj): HttpInput | null {
  const request = object(attributes, 'attributes', 'request');
  const http = request ? object(request, 'attributes.request', 'http') : null;
  if (!http) return null;
  const path = 'attributes.request.http';
  const headers = stringMap(field(http, 'headers'), `${path}.headers`, true);
  addHeaderMap(headers, http, path);
  const rawPath = field(http, 'path') !== undefined ? string(http, path, 'path') : headers[':path'] ?? null;
  const body = string(http, path, 'body') || decodeBytes(field(http, 'rawBody', 'raw_body'), `${path}.rawBody`);
  return {
    method: string(http, path, 'method') || headers[':method'] || '',
    path: rawPath,
    host: string(http, path, 'host') || headers[':authority'] || headers['host'] || '',
    scheme: string(http, path, 'scheme') || headers[':scheme'] || '',
    headers,
    body,
  };
}

/** `tls_session.sni` (Envoy sends it with include_tls_session), "" when absent. */
function tlsSni(attributes: Obj): string {
  const tls = object(attributes, 'attributes', 'tlsSession', 'tls_session');
  return tls ? string(tls, 'attributes.tlsSession', 'sni') : '';
}

/** Throws RequestFieldError on wrong types; absent fields are empty, as in proto3. */
export function toCheckInput(request: unknown): CheckInput {
  if (!isObject(request)) throw new RequestFieldError('(request)', 'must be a JSON object');
  const attributes = object(request, '', 'attributes') ?? {};
  return {
    source: peer(attributes, 'source'),
    destination: peer(attributes, 'destination'),
    http: httpRequest(attributes),
    sni: tlsSni(attributes),
    contextExtensions: stringMap(field(attributes, 'contextExtensions', 'context_extensions'), 'attributes.contextExtensions', false),
  };
}
