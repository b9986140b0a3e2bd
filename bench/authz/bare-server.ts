// The ext_authz benchmark's baseline: a grpc-js Authorization/Check server on the same Envoy
// protos that answers OK and does no work. Prints {"event":"listening","authzPort":N} on stdout.
import * as grpc from '@grpc/grpc-js';
import { authorizationService } from '../../control-plane/envoy-protos.js';

const OK = Object.freeze({ status: { code: 0 } });

const server = new grpc.Server({ 'grpc.max_concurrent_streams': 1_000_000 });
server.addService(authorizationService().service, {
  Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, OK),
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`bare server: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ event: 'listening', authzPort: port }) + '\n');
});
process.once('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
