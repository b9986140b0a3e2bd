// The contract every xDS resource-type module meets (one module per type, as grpc-js-xds's
// XdsResourceType): its type URL, how to decode it, what a valid one looks like, and equality.

/** A problem in a resource, with the field path it is at (`filter_chains[0].filters[0]...`). */
export interface Diagnostic {
  readonly path: string;
  readonly message: string;
}

export type Validation = { ok: true; value: Record<string, unknown> } | { ok: false; diags: Diagnostic[] };

export interface ResourceType {
  readonly typeUrl: string;
  /** SotW responses of this type carry every subscribed resource (a missing one is deleted). */
  readonly allRequiredInSotw: boolean;
  /** The encoded message as a plain object (nested Anys unpacked with '@type'). */
  decode(bytes: Uint8Array): Record<string, unknown>;
  /** What a client (Envoy, grpc-js-xds) would reject, as diagnostics. */
  validate(resource: Record<string, unknown>): Validation;
  equals(a: Record<string, unknown>, b: Record<string, unknown>): boolean;
  nameOf(resource: Record<string, unknown>): string;
}
