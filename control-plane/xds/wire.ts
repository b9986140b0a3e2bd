// gRPC service definitions of the discovery services, serialized with the protobufjs Root
// (requests to plain snake_case objects, responses from plain objects holding encoded Anys).
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { messageType } from './proto.js';

const REQUEST_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, arrays: true, defaults: false };

function codec<T>(typeName: string): { serialize: (value: T) => Buffer; deserialize: (bytes: Buffer) => T } {
  const type = messageType(typeName);
  return {
    serialize: (value) => {
      const bytes = type.encode(value as Record<string, unknown>).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes) => type.toObject(type.decode(bytes), REQUEST_OBJECT) as T,
  };
}

function streamMethod(service: string, method: string, request: string, response: string): grpc.MethodDefinition<unknown, unknown> {
  const req = codec<unknown>(request);
  const res = codec<unknown>(response);
  return {
    path: `/${service}/${method}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: req.serialize,
    requestDeserialize: req.deserialize,
    responseSerialize: res.serialize,
    responseDeserialize: res.deserialize,
  };
}

const SOTW_REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
const SOTW_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';
const DELTA_REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
const DELTA_RESPONSE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ECDS_SERVICE = 'envoy.service.extension.v3.ExtensionConfigDiscoveryService';

/** AggregatedDiscoveryService: StreamAggregatedResources (SotW) and DeltaAggregatedResources. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  return {
    StreamAggregatedResources: streamMethod(ADS_SERVICE, 'StreamAggregatedResources', SOTW_REQUEST, SOTW_RESPONSE),
    DeltaAggregatedResources: streamMethod(ADS_SERVICE, 'DeltaAggregatedResources', DELTA_REQUEST, DELTA_RESPONSE),
  };
}

/** ExtensionConfigDiscoveryService: StreamExtensionConfigs (SotW) and DeltaExtensionConfigs. */
export function ecdsServiceDefinition(): grpc.ServiceDefinition {
  return {
    StreamExtensionConfigs: streamMethod(ECDS_SERVICE, 'StreamExtensionConfigs', SOTW_REQUEST, SOTW_RESPONSE),
    DeltaExtensionConfigs: streamMethod(ECDS_SERVICE, 'DeltaExtensionConfigs', DELTA_REQUEST, DELTA_RESPONSE),
  };
}
