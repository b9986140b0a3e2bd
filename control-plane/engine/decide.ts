// The pure policy decision for one request: direction, then the inbound or egress decision.
import type { CompiledPolicy } from '../policy/compiled.js';
import { echo } from '../canon/echo.js';
import { decideEgress } from './egress.js';
import { decideInbound } from './inbound.js';
import { CONTEXT_DIRECTION, type CheckInput } from './request.js';
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

export function decide(policy: CompiledPolicy, input: CheckInput): Decision {
  const bad = badRequest(input);
  if (bad !== null) return bad;
  const direction = input.contextExtensions[CONTEXT_DIRECTION];
  if (direction === undefined || direction === 'inbound') return decideInbound(policy, input);
  if (direction === 'outbound') return decideEgress(policy, input);
  return deny('inbound', 403, null, `unknown ${CONTEXT_DIRECTION} "${echo(direction)}"`);
}
