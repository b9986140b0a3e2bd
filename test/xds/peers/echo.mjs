// A one-method gRPC service with raw bytes messages, shared by the peer processes.
export const ECHO_PATH = '/meshguard.test.Echo/Call';

const identity = (b) => b;
export const echoService = {
  Call: {
    path: ECHO_PATH, requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
  },
};
