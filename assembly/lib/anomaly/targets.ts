// Detectors of what a value points at: files (path traversal, local file inclusion, PHP and
// other stream wrappers) and network targets (URLs to loopback, link-local, metadata, private
// or integer-encoded addresses; dangerous schemes; protocol-relative open redirects).
// All on folded text.
import { ByteBuf } from "../../sdk/bytes";
import { indexOfBytes, isAlpha, isDigit, WordList } from "./words";

const SENSITIVE_FILES = new WordList("/etc/passwd|/etc/shadow|/etc/hosts|/etc/group|/etc/issue|/proc/self/|/proc/version|/proc/1/|win.ini|boot.ini|system32|/.ssh/|id_rsa|authorized_keys|.htaccess|.htpasswd|web.config|web-inf/|/.env|/.git/|/var/log/|wp-config.php|/etc/nginx/|/etc/apache2/|/root/|/.aws/credentials|/.bash_history|/.docker/config|/windows/");
const WRAPPERS = new WordList("php://|zip://|phar://|expect://|glob://|data://|compress.zlib://|compress.bzip2://|file://|jar:|netdoc:|ogg://|rar://|ssh2.|php:/|file:/");

const slashed = new ByteBuf(128);

/** Path traversal and file inclusion. */
export function detectTraversal(text: ByteBuf): f64 {
  slashed.clear();
  for (let i = 0; i < text.length; i++) {
    const c = text.at(i);
    slashed.push(c == 92 ? 47 : c);
  }
  if (WRAPPERS.anyIn(slashed, 0, slashed.length) >= 0) return 10;
  let ups = 0;
  const n = slashed.length;
  for (let i = 0; i + 1 < n; i++) {
    if (slashed.at(i) != 46 || slashed.at(i + 1) != 46) continue;
    const p = i > 0 ? slashed.at(i - 1) : 47;
    if (p != 47 && p != 61 && p != 58 && p != 32 && p != 46) continue;
    let j = i + 2;
    while (j < n && slashed.at(j) == 46) j++;
    if (j < n && slashed.at(j) == 59) j++;
    if (j >= n || slashed.at(j) == 47) ups++;
    i = j;
  }
  const file = SENSITIVE_FILES.anyIn(slashed, 0, n) >= 0;
  if (ups >= 2 || (ups >= 1 && file)) return 10;
  if (file) return slashed.at(0) == 47 || slashed.at(0) == 99 ? 10 : 6;
  return ups == 1 ? 5 : 0;
}

const SCHEMES_DANGEROUS = new WordList("gopher|dict|ldap|ldaps|tftp|jar|netdoc|sftp|smb|rmi|iiop|ftp|file|expect|redis");
const SCHEMES_WEB = new WordList("http|https|ws|wss");
const HOSTS_LOCAL = new WordList("localhost|localhost.localdomain|metadata.google.internal|metadata|instance-data|localtest.me|0|[::1]|[::]|[0:0:0:0:0:0:0:1]|[0:0:0:0:0:0:0:0]|kubernetes.default|kubernetes.default.svc|metadata.azure.com|burpcollaborator.net");
const HOST_PREFIXES_LOCAL = new WordList("127.|169.254.|0.|[::ffff:|[fe80:|[fd00:ec2|100.100.100.200|[::127|[0:0:0:0:0:ffff");
const HOST_PREFIXES_PRIVATE = new WordList("10.|192.168.|172.16.|172.17.|172.18.|172.19.|172.2|172.30.|172.31.");

const host = new ByteBuf(64);

/** Host part (no user info, no port) of the authority at text[from…] into `host`. */
function readHost(text: ByteBuf, from: i32): void {
  host.clear();
  let end = from;
  while (end < text.length) {
    const c = text.at(end);
    if (c == 47 || c == 63 || c == 35 || c == 92 || c == 32 || c == 34 || c == 39 || c == 62 || c == 60) break;
    end++;
  }
  let start = from;
  for (let i = from; i < end; i++) if (text.at(i) == 64) start = i + 1;
  let stop = end;
  if (start < end && text.at(start) == 91) {
    const close = text.indexOf(93, start);
    stop = close >= 0 && close < end ? close + 1 : end;
  } else {
    for (let i = start; i < end; i++) if (text.at(i) == 58) { stop = i; break; }
  }
  host.append(text.ptr + <usize>start, stop - start);
  if (host.length > 0 && host.at(host.length - 1) == 46) host.length--;
}

/** An IPv4 address in a form only a parser of legacy notations accepts: integer, hex, octal, short. */
function oddNumericHost(h: ByteBuf): bool {
  if (h.length == 0) return false;
  let parts = 1;
  let odd = false;
  let partStart = 0;
  for (let i = 0; i <= h.length; i++) {
    if (i < h.length && h.at(i) != 46) {
      const c = <u32>h.at(i);
      if (!isDigit(c) && !((c == 120) && i == partStart + 1) && !((c | 0x20) - 97 < 6 && i > partStart + 1)) return false;
      continue;
    }
    const len = i - partStart;
    if (len == 0) return false;
    if (len > 1 && h.at(partStart) == 48) odd = true;
    if (i < h.length) parts++;
    partStart = i + 1;
  }
  if (parts == 4) return odd;
  return parts < 4 && (parts > 1 || h.length >= 8 || odd);
}

function classifyHost(): f64 {
  if (host.length == 0) return 0;
  if (HOSTS_LOCAL.find(host.ptr, 0, host.length) >= 0) return 10;
  if (HOST_PREFIXES_LOCAL.startingAt(host, 0) >= 0) return 10;
  if (oddNumericHost(host)) return 10;
  if (endsWith(host, ".localhost") || endsWith(host, ".localdomain") || endsWith(host, ".internal") || endsWith(host, ".nip.io") || endsWith(host, ".xip.io")) return 10;
  if (HOST_PREFIXES_PRIVATE.startingAt(host, 0) >= 0) return 6;
  return 0;
}

function endsWith(buf: ByteBuf, suffix: string): bool {
  const n = suffix.length;
  if (buf.length < n) return false;
  for (let i = 0; i < n; i++) if (buf.at(buf.length - n + i) != <u8>suffix.charCodeAt(i)) return false;
  return true;
}

const SCHEME_SEP = ByteBuf.fromString("://");

/** URLs (and protocol-relative or backslashed authorities) whose target a server must not fetch or redirect to. */
export function detectTarget(text: ByteBuf): f64 {
  let points: f64 = 0;
  const n = text.length;
  // open redirect: //host, /\host, \\host, \/host at the start of the value
  let lead = 0;
  while (lead < n && (text.at(lead) == 47 || text.at(lead) == 92)) lead++;
  if (lead >= 2 && lead < n && (isAlpha(<u32>text.at(lead)) || isDigit(<u32>text.at(lead)))) points = 10;
  let at = indexOfBytes(text, SCHEME_SEP, 0, n);
  while (at > 0) {
    let s = at;
    while (s > 0 && (isAlpha(<u32>text.at(s - 1)) || isDigit(<u32>text.at(s - 1)) || text.at(s - 1) == 43 || text.at(s - 1) == 46 || text.at(s - 1) == 45)) s--;
    const scheme = SCHEMES_DANGEROUS.find(text.ptr, s, at);
    if (scheme >= 0) {
      const p: f64 = scheme == 11 ? 8 : 10;
      if (p > points) points = p;
    }
    // remote file inclusion: a URL whose query is cut off right away (`…/shell.txt?`)
    if (n > 0 && text.at(n - 1) == 63 && text.indexOf(63, at) == n - 1 && points < 10) points = 10;
    if (scheme >= 0 || SCHEMES_WEB.find(text.ptr, s, at) >= 0) {
      readHost(text, at + 3);
      const p = classifyHost();
      if (p > points) points = p;
      if (userInfoLooksLikeHost(text, at + 3)) points = 10;
    }
    at = indexOfBytes(text, SCHEME_SEP, at + 3, n);
  }
  return points;
}

/** `https://trusted.example@evil.example`: a dotted name before '@' in the authority. */
function userInfoLooksLikeHost(text: ByteBuf, from: i32): bool {
  let dot = false;
  for (let i = from; i < text.length; i++) {
    const c = text.at(i);
    if (c == 47 || c == 63 || c == 35 || c == 32) return false;
    if (c == 46) dot = true;
    if (c == 64) return dot;
  }
  return false;
}
