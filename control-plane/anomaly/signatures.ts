// Attack signatures for the built-in anomaly score: lower-case substrings searched in the
// canonical text of a request (see canonical-text.ts). Data, not code, so that the wasm
// anomaly filter receives the same list in its plugin configuration.

export type AttackFamily = 'sqli' | 'xss' | 'traversal' | 'cmdi' | 'ssrf' | 'log4shell' | 'protocol';

export interface Signature {
  readonly id: string;
  readonly family: AttackFamily;
  /** 10: one hit is enough evidence on its own; 5: strong; 3: weak, needs company. */
  readonly points: number;
  readonly patterns: readonly string[];
}

export const SIGNATURES: readonly Signature[] = [
  { id: 'sqli-union', family: 'sqli', points: 10, patterns: ['union select', 'union all select', 'union distinct select'] },
  { id: 'sqli-tautology', family: 'sqli', points: 10, patterns: ["' or '1'='1", "' or 1=1", '" or "1"="1', "' or 'a'='a", "') or ('1'='1", ' or 1=1--', "' or true--", "admin'--"] },
  { id: 'sqli-boolean', family: 'sqli', points: 5, patterns: [' and 1=1', ' and 1=2', ' or 1=1', ' or 1=2', "' and '", "' or '", ' order by 1', ' order by 2', ' order by 3', ' order by 4', ' order by 5', ' having 1=1', ' group by 1'] },
  { id: 'sqli-comment', family: 'sqli', points: 5, patterns: ["'--", "' --", "'#", "';", '/*!', "')--"] },
  { id: 'sqli-stacked', family: 'sqli', points: 10, patterns: ['; drop table', ';drop table', '; delete from', '; insert into', '; shutdown', '; exec '] },
  { id: 'sqli-time', family: 'sqli', points: 10, patterns: ['sleep(', 'benchmark(', 'pg_sleep(', 'waitfor delay'] },
  { id: 'sqli-schema', family: 'sqli', points: 5, patterns: ['information_schema', 'sysobjects', 'sqlite_master', 'pg_catalog', 'mysql.user'] },
  { id: 'sqli-functions', family: 'sqli', points: 5, patterns: ['load_file(', 'into outfile', 'into dumpfile', 'xp_cmdshell', 'extractvalue(', 'updatexml(', '@@version'] },
  { id: 'xss-script', family: 'xss', points: 10, patterns: ['<script', '</script'] },
  { id: 'xss-handler', family: 'xss', points: 5, patterns: ['onerror=', 'onload=', 'onmouseover=', 'onfocus=', 'onclick=', 'ontoggle=', 'onanimationstart=', 'onerror =', 'onload ='] },
  { id: 'xss-uri', family: 'xss', points: 5, patterns: ['javascript:', 'vbscript:', 'data:text/html'] },
  { id: 'xss-tag', family: 'xss', points: 5, patterns: ['<svg', '<iframe', '<img', '<body', '<object', '<embed', '<details', '<math'] },
  { id: 'xss-dom', family: 'xss', points: 5, patterns: ['document.cookie', 'document.location', 'alert(', 'prompt(', 'confirm(', 'eval(', 'fromcharcode', 'constructor.constructor', '{{'] },
  { id: 'traversal-dotdot', family: 'traversal', points: 5, patterns: ['../', '..\\', '..;/'] },
  { id: 'traversal-file', family: 'traversal', points: 10, patterns: ['/etc/passwd', '/etc/shadow', '/etc/hosts', 'c:\\windows', 'win.ini', 'boot.ini', '/proc/self', '/.git/', '/.env', '.htaccess', 'web.config', '/.ssh/'] },
  { id: 'cmdi-separator', family: 'cmdi', points: 5, patterns: [';cat ', '|cat ', '; cat ', '| cat ', ';ls', '|ls', '; ls', '| ls', '&&', '||', '$(', '`', '| id', '; id', ';id', '|id'] },
  { id: 'cmdi-binary', family: 'cmdi', points: 10, patterns: ['/bin/sh', '/bin/bash', 'cmd.exe', 'powershell', 'nc -e', 'wget http', 'curl http', 'chmod x', '/dev/tcp/', 'bash -i', 'python -c', 'perl -e', 'ping -c', 'ping -n'] },
  { id: 'cmdi-recon', family: 'cmdi', points: 5, patterns: ['whoami', 'uname -a', 'cat /etc', 'net user', 'ifconfig', '/etc/', '/tmp/'] },
  { id: 'ssrf-metadata', family: 'ssrf', points: 10, patterns: ['169.254.169.254', 'metadata.google.internal', '100.100.100.200', '/latest/meta-data', 'fd00:ec2::254'] },
  { id: 'ssrf-loopback', family: 'ssrf', points: 5, patterns: ['://localhost', '://127.', '://0.0.0.0', '://[::', '://0x7f', '://2130706433', '://0177.', '://[0:0:0:0:0:ffff'] },
  { id: 'ssrf-scheme', family: 'ssrf', points: 5, patterns: ['file://', 'gopher://', 'dict://', 'ldap://', 'jar:', 'netdoc://', 'tftp://'] },
  { id: 'log4shell-jndi', family: 'log4shell', points: 10, patterns: ['${jndi:', '${${', '${lower:', '${upper:', '${env:', '${sys:', '${::-', '${date:'] },
  { id: 'protocol-crlf', family: 'protocol', points: 5, patterns: ['\r\n', '\nset-cookie:', '\nlocation:'] },
  { id: 'protocol-nul', family: 'protocol', points: 5, patterns: ['\u0000'] },
];
