// The pure policy decision for one request: direction, then the inbound or egress decision.
import type { CompiledPolicy } from '../policy/compiled.js';
import { echo } from '../canon/echo.js';
import { decideEgress } from './egress.js';
import { decideInbound } from './inbound.js';
import { CONTEXT_DIRECTION, type CheckInput } from './request.js';
import { unknownDirection } from './reasons.js';
import type { Trace } from './trace.js';
import { deny, type Decision } from './verdict.js';

/**
 * A request whose fields contradict their pseudo-headers (check-request.ts) is not one request:
 * 400 before any step, in every enforcer (DESIGN.md "Requests").
 */
export function badRequest(input: CheckInput): Decision | null {
  const conflict = input.http?.conflict;
  if (conflict === undefined) return null;
  return deny(input.contextExtensions[CONTEXT_DIRECTION] === 'outbound' ? 'outbound' : 'inbound', 400, null, conflict);
}

/** The policy's decision; with a trace, each step of it is written down as it is taken. */
export function decide(policy: CompiledPolicy, input: CheckInput, trace?: Trace): Decision {
  const bad = badRequest(input);
  if (bad !== null) {
    trace?.step(0, 'request', 'deny', `${bad.reason} (400 before any step)`);
    return bad;
  }
  const direction = input.contextExtensions[CONTEXT_DIRECTION];
  if (direction === undefined || direction === 'inbound') return decideInbound(policy, input, trace);
  if (direction === 'outbound') return decideEgress(policy, input, trace);
  return deny('inbound', 403, null, unknownDirection(CONTEXT_DIRECTION, echo(direction)));
}
