// Test PKI made with openssl at test time: a CA and leaf certificates whose URI SAN is a SPIFFE ID.
export { MeshCa as TestCa, type CertFiles } from '../../control-plane/envoy/pki.js';
