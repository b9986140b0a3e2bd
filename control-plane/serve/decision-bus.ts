// Decisions made by any enforcer in this process (ext_authz now; filter telemetry later), for the
// live view, telemetry and quarantine. Publishing is free when nobody listens.
import { EventEmitter } from 'node:events';
import type { AuthzResult } from '../authorizer/authorizer.js';
import type { CheckInput } from '../engine/request.js';

export interface DecisionEvent {
  readonly at: number;
  readonly input: CheckInput;
  readonly result: AuthzResult;
}

export class DecisionBus extends EventEmitter<{ decision: [DecisionEvent] }> {
  publish(event: DecisionEvent): void {
    if (this.listenerCount('decision') > 0) this.emit('decision', event);
  }
}
