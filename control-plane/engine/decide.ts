// The pure policy decision for one request: direction, then the inbound or egress decision.
import type { CompiledPolicy } from '../policy/compiled.js';
import { decideEgress } from './egress.js';
import { decideInbound } from './inbound.js';
import { CONTEXT_DIRECTION, type CheckInput } from './request.js';
import { deny, type Decision } from './verdict.js';

export function decide(policy: CompiledPolicy, input: CheckInput): Decision {
  const direction = input.contextExtensions[CONTEXT_DIRECTION];
  if (direction === undefined || direction === 'inbound') return decideInbound(policy, input);
  if (direction === 'outbound') return decideEgress(policy, input);
  return deny('inbound', 403, null, `unknown ${CONTEXT_DIRECTION} "${direction}"`);
}
