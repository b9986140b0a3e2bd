// Options of `meshguard serve`, as the CLI parses them.

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface ServeOptions {
  readonly policyFile: string;
  readonly bind: string;
  readonly authzPort: number;
  readonly adminPort: number;
  readonly xdsPort: number;
  readonly redisUrl: string | null;
  readonly tls: TlsFiles | null;
  readonly allowLogSample: number;
}
