// The ext_authz part of `meshguard serve`: a grpc-js server on --authz-port over the Authorizer.
import * as grpc from '@grpc/grpc-js';
import { Authorizer } from '../../authorizer/authorizer.js';
import type { QuarantineGuard } from '../../authorizer/quarantine-guard.js';
import { LocalRateLimitStore, type RateLimitStore } from '../../authorizer/rate-limit.js';
import type { Component, ServeContext } from '../component.js';
import { bindGrpc, hostPort, serverCredentials, shutdownGrpc } from '../../grpc/server.js';
import { addAuthzService } from '../../authz/server.js';

/** `rateLimits` lets the Redis-backed store (when configured) replace the in-process one. */
export function authzComponent(rateLimits: RateLimitStore = new LocalRateLimitStore(), guard: QuarantineGuard | null = null): Component & { authorizer(): Authorizer } {
  let authorizer: Authorizer | null = null;
  return {
    name: 'authz',
    authorizer: () => {
      if (!authorizer) throw new Error('the authz component has not started');
      return authorizer;
    },
    async start(ctx: ServeContext) {
      const a = new Authorizer(ctx.policies.current, rateLimits, Date.now, guard);
      authorizer = a;
      const unsubscribe = ctx.policies.subscribe((policy) => a.setPolicy(policy));
      a.setModel(ctx.overlay.current.model);
      const unsubscribeModels = ctx.overlay.subscribe((state) => a.setModel(state.model));
      const server = new grpc.Server({ 'grpc.max_concurrent_streams': 1_000_000 });
      addAuthzService(server, { authorizer: a, metrics: ctx.metrics, logger: ctx.logger, allowLogSample: ctx.options.allowLogSample, decisions: ctx.decisions });
      const port = await bindGrpc(server, hostPort(ctx.options.bind, ctx.options.authzPort), serverCredentials(ctx.options.tls), 'ext_authz, --authz-port');
      ctx.status.set('rateLimits', () => ({ store: rateLimits.kind }));
      return {
        ports: { authz: port },
        async close() {
          unsubscribe();
          unsubscribeModels();
          await shutdownGrpc(server);
        },
      };
    },
  };
}
