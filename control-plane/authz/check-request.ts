// Envoy CheckRequest (proto3 JSON with lowerCamelCase or original field names, or the object
// grpc's proto-loader decodes) → the engine's CheckInput. Wrong types are errors with a field path.
import { asciiLower } from '../canon/ascii.js';
import { bodyText, bodyTextOf } from '../canon/body.js';
import { echo } from '../canon/echo.js';
import type { CheckInput, HttpInput, PeerInput } from '../engine/request.js';

export class RequestFieldError extends Error {
  constructor(readonly field: string, message: string) {
    // A field path can hold a client's header name: cut to MAX_ECHO like every echoed value.
    super(`${echo(field)}: ${message}`);
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

/**
 * The address text: a socket address's IP (null when empty); a pipe's path, or an internal
 * address, which is not an IP (so a blocklist fails closed on it, as on any unreadable address).
 */
function addressOf(address: Obj, path: string): string | null {
  const socket = object(address, path, 'socketAddress', 'socket_address');
  if (socket) return string(socket, `${path}.socketAddress`, 'address') || null;
  // As Envoy's `source.address` attribute shows them: the pipe's path ("@name" when abstract), envoy://listener/endpoint.
  const pipe = object(address, path, 'pipe');
  if (pipe) return string(pipe, `${path}.pipe`, 'path') || '@';
  const internal = object(address, path, 'envoyInternalAddress', 'envoy_internal_address');
  if (!internal) return null;
  const at = `${path}.envoyInternalAddress`;
  return `envoy://${string(internal, at, 'serverListenerName', 'server_listener_name')}/${string(internal, at, 'endpointId', 'endpoint_id')}`;
}

function peer(attributes: Obj, name: 'source' | 'destination'): PeerInput {
  const path = `attributes.${name}`;
  const o = object(attributes, 'attributes', name);
  if (!o) return { principal: '', address: null, port: null };
  const address = object(o, path, 'address');
  const socket = address ? object(address, `${path}.address`, 'socketAddress', 'socket_address') : null;
  return {
    principal: string(o, path, 'principal'),
    address: address ? addressOf(address, `${path}.address`) : null,
    port: socket ? port(socket, `${path}.address.socketAddress`) : null,
  };
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** proto3 JSON bytes: standard or URL-safe base64, padded or not. */
function base64Bytes(text: string, path: string): Buffer {
  const unpadded = text.replace(/=+$/, '');
  const badPadding = unpadded.length !== text.length && text.length % 4 !== 0;
  if (!BASE64.test(text) || unpadded.length % 4 === 1 || badPadding) throw new RequestFieldError(path, 'must be base64 bytes');
  return Buffer.from(text, 'base64');
}

function decodeBytes(v: unknown, path: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return base64Bytes(v, path);
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
    const value = raw !== undefined && raw !== null ? Buffer.from(decodeBytes(raw, `${at}.rawValue`)).toString('latin1') : string(entry, at, 'value');
    headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  });
}

/** The whole body of a CheckRequest that toCheckInput accepted, as bytes (`body` is sent as UTF-8). */
export function requestBodyBytes(request: unknown): Uint8Array {
  const path = 'attributes.request.http';
  let http: Obj | null = isObject(request) ? object(request, '', 'attributes') : null;
  for (const name of ['request', 'http']) http = http ? object(http, path, name) : null;
  if (!http) return new Uint8Array(0);
  const text = string(http, path, 'body');
  return text !== '' ? Buffer.from(text, 'utf8') : decodeBytes(field(http, 'rawBody', 'raw_body'), `${path}.rawBody`);
}

function requestBody(http: Obj, path: string): string {
  const text = string(http, path, 'body');
  return text !== '' ? bodyTextOf(text) : bodyText(decodeBytes(field(http, 'rawBody', 'raw_body'), `${path}.rawBody`));
}

const PSEUDO = [['path', ':path'], ['method', ':method'], ['host', ':authority']] as const;

/** A field (empty is absent, as in proto3), else its pseudo-header; a disagreement is noted. */
function fieldOrHeader(http: Obj, path: string, headers: Readonly<Record<string, string>>, name: string, pseudo: string, conflicts: string[]): string | undefined {
  const value = string(http, path, name);
  const header = headers[pseudo];
  if (value === '') return header;
  if (header !== undefined && header !== value) conflicts.push(`${path}.${name} ${JSON.stringify(echo(value))} differs from ${pseudo} ${JSON.stringify(echo(header))}`);
  return value;
}

function httpRequest(attributes: Obj): HttpInput | null {
  const request = object(attributes, 'attributes', 'request');
  const http = request ? object(request, 'attributes.request', 'http') : null;
  if (!http) return null;
  const path = 'attributes.request.http';
  const headers = stringMap(field(http, 'headers'), `${path}.headers`, true);
  addHeaderMap(headers, http, path);
  const conflicts: string[] = [];
  const [pathField, methodField, hostField] = PSEUDO.map(([name, pseudo]) => fieldOrHeader(http, path, headers, name, pseudo, conflicts));
  return {
    method: methodField ?? '',
    path: pathField ?? null,
    host: hostField || headers['host'] || '',
    scheme: string(http, path, 'scheme') || headers[':scheme'] || '',
    headers,
    body: requestBody(http, path),
    ...(conflicts.length > 0 ? { conflict: conflicts.join('; ') } : {}),
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
