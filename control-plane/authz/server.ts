// The ext_authz gRPC service: envoy.service.auth.v3.Authorization/Check over the Authorizer.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AuthzResult, Authorizer } from '../authorizer/authorizer.js';
import type { CheckInput } from '../engine/request.js';
import { authorizationService } from '../envoy-protos.js';
import { echo, echoOrNull } from '../canon/echo.js';
import { RequestFieldError, toCheckInput } from './check-request.js';
import { toCheckResponse, type CheckResponseObject } from './response.js';

/** What the server counts; `meshguard serve` passes its Prometheus metrics. */
export interface AuthzMetrics {
  recordDecision(result: AuthzResult, seconds: number): void;
  readonly requestErrors: { inc(): void };
}

/** Where decisions go once made (the serve runtime's decision bus). */
export interface DecisionSink {
  publish(event: { readonly at: number; readonly input: CheckInput; readonly result: AuthzResult }): void;
}

export interface AuthzServiceOptions {
  readonly authorizer: Authorizer;
  readonly metrics: AuthzMetrics;
  readonly logger: Logger;
  /** Fraction of allowed decisions that are logged (every denial is). */
  readonly allowLogSample: number;
  /** Where decisions are published for the live view, telemetry and quarantine (optional). */
  readonly decisions?: DecisionSink;
}

/** At most this many anomaly hits in a log line (each cut to MAX_ECHO): the score says the rest. */
const MAX_LOGGED_HITS = 16;

function logDecision(o: AuthzServiceOptions, input: CheckInput, result: AuthzResult): void {
  // An allowed request whose anomaly score reaches the threshold (monitor mode, or a learned score
  // on a route still in monitor) is always logged, with its hits: it is what monitor mode is for.
  const anomalous = result.decision === 'allow' && result.anomaly !== null && result.anomaly.flagged;
  if (result.decision === 'allow' && !anomalous && (o.allowLogSample <= 0 || Math.random() >= o.allowLogSample)) return;
  // Request values are cut to MAX_ECHO (canon/echo.ts): a megabyte path must not make a megabyte log line.
  const fields = {
    event: 'decision', decision: result.decision, status: result.status, rule: result.rule, reason: echo(result.reason),
    direction: result.direction, source: echoOrNull(result.source || null), sourceAddress: echoOrNull(input.source.address),
    workload: echoOrNull(input.contextExtensions['meshguard.io/workload']), method: echoOrNull(input.http?.method),
    path: echoOrNull(input.http?.path), host: echoOrNull(input.http?.host), anomalyScore: result.anomaly?.score ?? null,
    anomalyHits: result.anomaly ? result.anomaly.hits.slice(0, MAX_LOGGED_HITS).map((h) => echo(h)) : null,
    anomalyFlagged: result.anomaly?.flagged ?? false,
  };
  if (result.decision === 'deny') o.logger.warn(fields, 'denied');
  else if (anomalous) o.logger.warn(fields, 'anomalous, allowed (monitor)');
  else o.logger.info(fields, 'allowed');
}

function finish(o: AuthzServiceOptions, input: CheckInput, result: AuthzResult, started: bigint): CheckResponseObject {
  o.metrics.recordDecision(result, Number(process.hrtime.bigint() - started) / 1e9);
  logDecision(o, input, result);
  o.decisions?.publish({ at: Date.now(), input, result });
  return toCheckResponse(result, input.http);
}

export function checkHandler(o: AuthzServiceOptions): grpc.handleUnaryCall<unknown, CheckResponseObject> {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    let input: CheckInput;
    try {
      input = toCheckInput(call.request);
    } catch (err) {
      o.metrics.requestErrors.inc();
      const message = err instanceof RequestFieldError ? echo(err.message) : 'undecodable CheckRequest';
      o.logger.warn({ event: 'bad_request', error: message }, 'bad CheckRequest');
      callback({ code: grpc.status.INVALID_ARGUMENT, details: message });
      return;
    }
    try {
      const result = o.authorizer.check(input);
      if (!(result instanceof Promise)) {
        callback(null, finish(o, input, result, started));
        return;
      }
      result.then(
        (r) => callback(null, finish(o, input, r, started)),
        (err: unknown) => {
          o.metrics.requestErrors.inc();
          o.logger.error({ event: 'check_failed', err }, 'check failed');
          callback({ code: grpc.status.INTERNAL, details: 'meshguard could not decide' });
        },
      );
    } catch (err) {
      o.metrics.requestErrors.inc();
      o.logger.error({ event: 'check_failed', err }, 'check failed');
      callback({ code: grpc.status.INTERNAL, details: 'meshguard could not decide' });
    }
  };
}

/** Adds the Authorization service to a grpc-js server. */
export function addAuthzService(server: grpc.Server, o: AuthzServiceOptions): void {
  server.addService(authorizationService().service, { Check: checkHandler(o) });
}
