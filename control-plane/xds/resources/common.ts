// Helpers shared by the resource-type modules: reading decoded messages and collecting diagnostics.
import { decodeMessage } from '../proto.js';
import type { Diagnostic, ResourceType, Validation } from './resource-type.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as Obj).filter((k) => (a as Obj)[k] !== undefined);
  const kb = Object.keys(b as Obj).filter((k) => (b as Obj)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}

/** Collects diagnostics under a field path. */
export class Diags {
  readonly list: Diagnostic[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  result(value: Obj): Validation {
    return this.list.length === 0 ? { ok: true, value } : { ok: false, diags: this.list };
  }
}

export function typeOf(any: unknown): string {
  const t = obj(any)?.['@type'];
  return typeof t === 'string' ? t : '';
}

export function isAdsSource(source: unknown): boolean {
  const s = obj(source);
  return s !== undefined && (obj(s.ads) !== undefined || obj(s.self) !== undefined);
}

export function validPort(p: unknown): boolean {
  return Number.isInteger(p) && (p as number) > 0 && (p as number) <= 65535;
}

/** Builds a ResourceType from its parts. */
export function resourceType(typeUrl: string, allRequiredInSotw: boolean, validate: (r: Obj, d: Diags) => void, nameField = 'name'): ResourceType {
  return {
    typeUrl,
    allRequiredInSotw,
    decode: (bytes) => decodeMessage(typeUrl, bytes),
    validate(resource) {
      const d = new Diags();
      if (str(resource[nameField]) === '') d.add(nameField, 'empty name');
      validate(resource, d);
      return d.result(resource);
    },
    equals: deepEqual,
    nameOf: (r) => str(r[nameField]),
  };
}
