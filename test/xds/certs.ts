// Test PKI made with openssl at test time: a CA and leaf certificates whose URI SAN is a SPIFFE ID.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly dir: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export class TestCa {
  readonly cert: string;
  readonly key: string;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.cert = join(dir, 'ca.pem');
    this.key = join(dir, 'ca-key.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=meshguard test CA', '-keyout', this.key, '-out', this.cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  }

  /** A leaf certificate for `spiffeId` (also valid for localhost and 127.0.0.1) in `<dir>/<name>/`. */
  issue(name: string, spiffeId: string | null): CertFiles {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const key = join(dir, 'key.pem');
    const csr = join(dir, 'req.csr');
    const cert = join(dir, 'cert.pem');
    const ext = join(dir, 'ext.cnf');
    const sans = [...(spiffeId ? [`URI:${spiffeId}`] : []), 'DNS:localhost', 'IP:127.0.0.1'].join(',');
    writeFileSync(ext, `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr], dir);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', ext], dir);
    // file_watcher wants the CA next to the leaf, under names the bootstraps use.
    writeFileSync(join(dir, 'ca.pem'), readFileSync(this.cert));
    return { cert, key, ca: join(dir, 'ca.pem'), dir };
  }
}
