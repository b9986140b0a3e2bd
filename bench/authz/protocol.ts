// Messages between the ext_authz benchmark (parent) and its load generator (a forked child).
import type { PolicyShape } from '../generate-policy.js';

export interface PrepareMessage {
  readonly type: 'prepare';
  readonly shape: PolicyShape;
  readonly corpusSize: number;
  readonly seed: number;
}

export interface RunMessage {
  readonly type: 'run';
  readonly label: string;
  readonly port: number;
  /** The server's pid, so that its CPU time over the measured window can be read from /proc. */
  readonly serverPid: number;
  readonly channels: number;
  /** closed: `concurrency` calls always in flight; open: `rate` calls per second whatever the answers. */
  readonly mode: 'closed' | 'open';
  readonly concurrency: number;
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface StopMessage {
  readonly type: 'stop';
}

export type ToGenerator = PrepareMessage | RunMessage | StopMessage;

export interface RunResult {
  readonly label: string;
  readonly mode: 'closed' | 'open';
  readonly concurrency: number;
  readonly rate: number;
  readonly completed: number;
  readonly errors: number;
  readonly seconds: number;
  readonly throughput: number;
  /** Call latency, from the call being made to its answer, in ms. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Open loop only: p99 from the time each call was due (includes the generator's own lag). */
  readonly p99FromSchedule: number | null;
  /** CPU time per second of wall time over the window (1.0 = one core busy). */
  readonly serverCpu: number | null;
  readonly generatorCpu: number;
  /** Server CPU time per completed call, in µs. */
  readonly serverCpuPerCallUs: number | null;
  /** gRPC status codes of the CheckResponses seen (a sample), e.g. { "0": 123, "7": 45 }. */
  readonly responseCodes: Readonly<Record<string, number>>;
}

export type FromGenerator =
  | { readonly type: 'ready'; readonly requests: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };
