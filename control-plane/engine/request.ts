// What a decision reads from an Envoy CheckRequest, in one flat shape for both the CLI
// (proto3 JSON) and the gRPC server (decoded protobuf).

export interface PeerInput {
  /** The verified identity Envoy took from the peer certificate's URI SAN; "" when none. */
  readonly principal: string;
  /** The IP of a socket address; for another kind of address (a pipe), its text, which is not an IP. */
  readonly address: string | null;
  readonly port: number | null;
}

export interface HttpInput {
  readonly method: string;
  /** `:path` as sent, with the query; null when the request had none (e.g. CONNECT). */
  readonly path: string | null;
  readonly host: string;
  readonly scheme: string;
  /** Lower-cased names; repeated headers already joined with "," by Envoy. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body text by the one body rule (canon/body.ts): its first 16 KiB of bytes, as UTF-8. */
  readonly body: string;
  /**
   * Set when a field and its pseudo-header (path/:path, method/:method, host/:authority) are both
   * present and differ: the request is not one request, and every enforcer answers 400.
   */
  readonly conflict?: string;
}

export interface CheckInput {
  readonly source: PeerInput;
  readonly destination: PeerInput;
  readonly http: HttpInput | null;
  /** TLS SNI (`attributes.tls_session.sni`, sent with include_tls_session); "" when none. */
  readonly sni: string;
  readonly contextExtensions: Readonly<Record<string, string>>;
}

export const CONTEXT_WORKLOAD = 'meshguard.io/workload';
export const CONTEXT_DIRECTION = 'meshguard.io/direction';
