// TLS transport sockets. Proxyless gRPC contexts name the certificate provider instance
// `meshguard` (bootstrap `certificate_providers`, plugin file_watcher); Envoy sidecar contexts
// read the workload's certificate files from its cert dir (cert.pem, key.pem, ca.pem).
import { PROVIDER_INSTANCE, TLS_SOCKET } from './names.js';
import { typed, type Msg } from './common.js';

const TLS = 'envoy.extensions.transport_sockets.tls.v3';

function socket(context: Msg): Msg {
  return { name: TLS_SOCKET, typed_config: context };
}

const provider = { instance_name: PROVIDER_INSTANCE };

/** A proxyless server: presents the workload's certificate; requires the client's under `mtls: strict`. */
export function proxylessServerTls(requireClientCertificate: boolean): Msg {
  return socket(typed(`${TLS}.DownstreamTlsContext`, {
    common_tls_context: {
      tls_certificate_provider_instance: provider,
      validation_context: { ca_certificate_provider_instance: provider },
    },
    require_client_certificate: { value: requireClientCertificate },
  }));
}

/** A proxyless client: presents its certificate and accepts only the server workload's SPIFFE ID. */
export function proxylessClientTls(serverIdentity: string): Msg {
  return socket(typed(`${TLS}.UpstreamTlsContext`, {
    common_tls_context: {
      tls_certificate_provider_instance: provider,
      validation_context: {
        ca_certificate_provider_instance: provider,
        match_subject_alt_names: [{ exact: serverIdentity }],
      },
    },
  }));
}

function certificateFiles(certDir: string): Msg {
  return { certificate_chain: { filename: `${certDir}/cert.pem` }, private_key: { filename: `${certDir}/key.pem` } };
}

function validation(certDir: string, peerIdentity: string | null): Msg {
  const context: Msg = { trusted_ca: { filename: `${certDir}/ca.pem` } };
  if (peerIdentity !== null) context.match_typed_subject_alt_names = [{ san_type: 'URI', matcher: { exact: peerIdentity } }];
  return context;
}

/** A sidecar's inbound TLS: its certificate, clients verified against the mesh CA. */
export function sidecarServerTls(certDir: string, requireClientCertificate: boolean): Msg {
  return socket(typed(`${TLS}.DownstreamTlsContext`, {
    common_tls_context: { tls_certificates: [certificateFiles(certDir)], validation_context: validation(certDir, null) },
    require_client_certificate: { value: requireClientCertificate },
  }));
}

/** A sidecar's outbound mTLS to a peer (another sidecar, or meshguard itself) with a known SPIFFE ID. */
export function sidecarClientTls(certDir: string, peerIdentity: string | null): Msg {
  return socket(typed(`${TLS}.UpstreamTlsContext`, {
    common_tls_context: { tls_certificates: [certificateFiles(certDir)], validation_context: validation(certDir, peerIdentity) },
  }));
}
