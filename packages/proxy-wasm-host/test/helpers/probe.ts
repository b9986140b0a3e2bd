// Drives fixtures/probe.ts and reads back what it reported through proxy_log.

import { WasmHost, type HostOptions } from '../../src/index.js';
import { buildFixture } from './build.js';

export const buildProbe = () => buildFixture('probe.ts', { exportStart: '_initialize', use: ['abort=probe_abort'] });

export const buildSdkFilter = (debug = false) =>
  buildFixture('sdk-filter.ts', { shim: true, use: ['abort=abort_proc_exit'], debug });

export async function probeHost(options: HostOptions = {}): Promise<WasmHost> {
  return WasmHost.load(await buildProbe(), { logLevel: 'trace', ...options });
}

export type StreamPhase =
  | 'req_headers' | 'req_body' | 'req_trailers' | 'resp_headers' | 'resp_body' | 'resp_trailers'
  | 'log' | 'done' | 'delete';

/** Request headers carrying probe scripts for the given stream phases. */
export function probeRequest(
  scripts: Partial<Record<StreamPhase, string>>,
  extra: Record<string, string> = {},
): [string, string][] {
  const headers: [string, string][] = [
    [':method', 'GET'],
    [':path', '/probe'],
    [':authority', 'svc.local'],
    ...Object.entries(extra),
  ];
  for (const [phase, script] of Object.entries(scripts)) headers.push([`x-probe-${phase}`, script]);
  return headers;
}

export interface ProbeLine {
  readonly phase: string;
  readonly ctx: number;
  readonly command: string;
  readonly result: string;
}

const LINE = /^(\w+) (\d+): (.*?) -> (.*)$/s;

export function probeLines(host: WasmHost): ProbeLine[] {
  const out: ProbeLine[] = [];
  for (const r of host.logs()) {
    const m = LINE.exec(r.message);
    if (m) out.push({ phase: m[1]!, ctx: Number(m[2]), command: m[3]!, result: m[4]! });
  }
  return out;
}

/** The result of the last run of `command` in `phase`. */
export function probeResult(host: WasmHost, phase: string, command: string): string {
  const found = probeLines(host).filter((l) => l.phase === phase && l.command === command);
  if (found.length === 0) throw new Error(`probe never ran "${command}" in ${phase}`);
  return found[found.length - 1]!.result;
}

/** The callbacks the guest saw, as "name ctx args…", in order. */
export function callbacks(host: WasmHost): string[] {
  return host
    .logs()
    .filter((r) => r.message.startsWith('cb '))
    .map((r) => r.message.slice(3));
}

export function hexLE(n: bigint, bytes = 8): string {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b.toString('hex');
}

export const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex');
