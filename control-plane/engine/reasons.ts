// The reason sentences of verdicts, in one place: the engine writes them, and replay writes the
// same ones from the wasm filters' reason codes, so that `check` and `replay` print equal lines.
import { echo } from '../canon/echo.js';
import type { Verdict as DefaultVerdict } from '../policy/types.js';

export const REASONS = {
  unknownDestination: 'unknown destination workload',
  unknownSource: 'unknown source workload',
  blocklistedSource: 'source address is blocklisted',
  noPeerIdentity: 'mTLS is strict and the request has no verified peer identity',
  noDestinationHost: 'no destination host',
  blocklistedDestination: 'destination is blocklisted',
} as const;

export const badPath = (why: string): string => `bad path: ${why}`;
export const badHost = (why: string): string => `bad host: ${why}`;
export const dnsTunnel = (why: string): string => `possible DNS tunnelling: ${why}`;
export const inMeshHost = (host: string): string => `in-mesh host ${host}`;

export function inboundDefault(workload: string, verdict: DefaultVerdict): string {
  return `no segment selects ${workload}: default ${verdict}`;
}

export function noSegment(source: string, method: string | null, workload: string, path: string | null): string {
  return `no segment allows ${echo(source) || 'an unauthenticated source'} to ${method === null ? 'connect to' : echo(method)} ${workload}${path === null ? '' : ' ' + echo(path)}`;
}

export function egressDefault(workload: string, verdict: DefaultVerdict): string {
  return `no egress rule selects ${workload}: default ${verdict}`;
}

export function noEgressRule(workload: string, host: string, port: number | null): string {
  return `no egress rule allows ${workload} to reach ${host}${port === null ? '' : ':' + port}`;
}

export function anomalyDenied(score: number, threshold: number, hits: readonly string[]): string {
  return `anomaly score ${score} reaches threshold ${threshold} (${hits.join(', ')})`;
}

export function unknownDirection(context: string, direction: string): string {
  return `unknown ${context} "${echo(direction)}"`;
}

/** An authority port that is not the connection's (deny). */
export function portMismatch(authorityPort: number, destinationPort: number): string {
  return `authority port ${authorityPort} differs from the destination port ${destinationPort}`;
}
