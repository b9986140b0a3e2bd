// A proxyless gRPC server: @grpc/grpc-js-xds XdsServer bound at argv[2] (IP:port), configured
// (listener, RBAC, mTLS) by the control plane named in GRPC_XDS_BOOTSTRAP. Prints
// {"serving":port} once the control plane's Listener arrived, then answers Echo/Call with
// "ok from <name>".
import * as grpc from '@grpc/grpc-js';
import { register, XdsServer, XdsServerCredentials } from '@grpc/grpc-js-xds';
import { echoService } from './echo.mjs';

register();
const address = process.argv[2];
const server = new XdsServer();
server.addService(echoService, {
  Call: (_call, callback) => callback(null, Buffer.from(`ok from ${process.env.PEER_NAME ?? 'server'}`)),
});
server.bindAsync(address, new XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (err, port) => {
  if (err) {
    process.stdout.write(JSON.stringify({ error: err.message }) + '\n');
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ serving: port }) + '\n');
});
process.on('SIGTERM', () => server.forceShutdown() || process.exit(0));
