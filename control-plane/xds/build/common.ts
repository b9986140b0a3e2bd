// Small constructors shared by the builders. Objects are in protobufjs form: snake_case fields,
// wrappers as `{value}`, Durations as `{seconds, nanos}`, nested Anys as `{'@type', ...}`.

export type Msg = Record<string, unknown>;

export function typed(messageName: string, fields: Msg): Msg {
  return { '@type': `type.googleapis.com/${messageName}`, ...fields };
}

/** A ConfigSource that says "over the ADS stream this node already has". */
export function adsSource(): Msg {
  return { ads: {}, resource_api_version: 'V3' };
}

export function duration(seconds: number): Msg {
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return nanos === 0 ? { seconds: whole } : { seconds: whole, nanos };
}

export function socketAddress(address: string, port: number): Msg {
  return { socket_address: { address, port_value: port } };
}

/** google.protobuf.Struct from string values (protobufjs's built-in Struct has camelCase Value fields). */
export function struct(values: Readonly<Record<string, string>>): Msg {
  return { fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { stringValue: v }])) };
}

/** Upstream HTTP/2 (gRPC) for a cluster. */
export function http2Options(): Msg {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      explicit_http_config: { http2_protocol_options: {} },
    }),
  };
}

/** A CIDR text ("10.0.0.0/8") as an Envoy CidrRange. */
export function cidrRange(text: string): Msg {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const bits = slash === -1 ? (address.includes(':') ? 128 : 32) : Number(text.slice(slash + 1));
  return { address_prefix: address, prefix_len: { value: bits } };
}
