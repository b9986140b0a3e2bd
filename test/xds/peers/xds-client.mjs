// A proxyless gRPC client: dials argv[2] (xds:///name.namespace, or host:port with "plain" as
// argv[3] for a plaintext channel that bypasses xDS). Reads one line per call from stdin and
// prints {"code":0,"message":"ok from ..."} or {"code":N,"details":"..."} per call.
import * as grpc from '@grpc/grpc-js';
import { register, XdsChannelCredentials } from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';
import { echoService } from './echo.mjs';

register();
const target = process.argv[2];
const plain = process.argv[3] === 'plain';
const Client = grpc.makeGenericClientConstructor(echoService, 'Echo');
const credentials = plain ? grpc.credentials.createInsecure() : new XdsChannelCredentials(grpc.credentials.createInsecure());
const client = new Client(target, credentials);

function call() {
  return new Promise((resolve) => {
    client.Call(Buffer.from('hi'), { deadline: Date.now() + 5000 }, (err, res) => {
      resolve(err ? { code: err.code, details: err.details } : { code: 0, message: res.toString() });
    });
  });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', async () => process.stdout.write(JSON.stringify(await call()) + '\n'));
lines.on('close', () => {
  client.close();
  process.exit(0);
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
