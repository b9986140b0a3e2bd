// A certificate authority made on the spot with openssl, and leaf certificates whose URI SAN is a
// SPIFFE ID (or any principal text): the sidecar's own certificate and the client certificates
// `replay --envoy` presents. Keys are EC P-256; certificates are valid for two days.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  /** The CA certificate, copied next to the leaf (the name sidecar cert dirs and bootstraps use). */
  readonly ca: string;
  readonly dir: string;
}

export interface CertPem {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** openssl's config syntax cannot hold these in a URI SAN; a certificate cannot carry them. */
export function principalProblem(principal: string): string | null {
  if (principal.length > 1024) return 'longer than 1024 characters';
  if (!/^[\x21-\x7e]+$/.test(principal)) return 'holds a space, a control or a non-ASCII character, which an X.509 URI SAN cannot carry';
  if (/[,"\\]/.test(principal)) return 'holds a comma, a quote or a backslash (not in a URI SAN openssl can write)';
  return null;
}

export class MeshCa {
  readonly cert: string;
  readonly key: string;
  private readonly issued = new Map<string, CertFiles>();
  private serial = 0;

  constructor(private readonly dir: string, subject = 'meshguard CA') {
    mkdirSync(dir, { recursive: true });
    this.cert = join(dir, 'ca.pem');
    this.key = join(dir, 'ca-key.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${subject}`, '-keyout', this.key, '-out', this.cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  }

  /** A leaf certificate for `principal` (also valid for localhost and 127.0.0.1) in `<dir>/<name>/`. */
  issue(name: string, principal: string | null): CertFiles {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const key = join(dir, 'key.pem');
    const csr = join(dir, 'req.csr');
    const cert = join(dir, 'cert.pem');
    const ext = join(dir, 'ext.cnf');
    const sans = [...(principal ? [`URI:${principal}`] : []), 'DNS:localhost', 'IP:127.0.0.1'].join(',');
    writeFileSync(ext, `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr], dir);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', ext], dir);
    writeFileSync(join(dir, 'ca.pem'), readFileSync(this.cert));
    return { cert, key, ca: join(dir, 'ca.pem'), dir };
  }

  /** A client certificate whose URI SAN is `principal`, minted once per principal. */
  client(principal: string): CertPem {
    let files = this.issued.get(principal);
    if (!files) {
      files = this.issue(`client-${++this.serial}`, principal);
      this.issued.set(principal, files);
    }
    return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
  }
}
