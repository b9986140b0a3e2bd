// Envoy's protos, loaded once from the copies that ship inside @grpc/grpc-js-xds (deps/).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';

const require = createRequire(import.meta.url);
const XDS_PACKAGE_ROOT = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));

export const ENVOY_PROTO_INCLUDE_DIRS: readonly string[] = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) =>
  join(XDS_PACKAGE_ROOT, 'deps', d),
);

/** Options shared by every loader: camelCase fields, as in proto3 JSON. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
  includeDirs: [...ENVOY_PROTO_INCLUDE_DIRS],
};

const cache = new Map<string, grpc.GrpcObject>();

/** Loads (once) the gRPC package object for the given Envoy proto files. */
export function loadEnvoyProtos(files: readonly string[]): grpc.GrpcObject {
  const key = files.join(',');
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = grpc.loadPackageDefinition(protoLoader.loadSync([...files], PROTO_LOADER_OPTIONS));
    cache.set(key, loaded);
  }
  return loaded;
}

function lookup(root: grpc.GrpcObject, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

export const AUTHZ_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/** `envoy.service.auth.v3.Authorization` as a service definition for grpc-js servers and clients. */
export function authorizationService(): grpc.ServiceClientConstructor {
  const service = lookup(loadEnvoyProtos([AUTHZ_PROTO]), 'envoy.service.auth.v3.Authorization');
  if (typeof service !== 'function') throw new Error('envoy.service.auth.v3.Authorization is missing from the Envoy protos');
  return service as grpc.ServiceClientConstructor;
}
