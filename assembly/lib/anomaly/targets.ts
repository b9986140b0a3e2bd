// Detectors of what a value points at: files (path traversal, local file inclusion, PHP and
// other stream wrappers) and network targets (URLs to loopback, link-local, metadata, private
// or integer-encoded addresses; dangerous schemes; protocol-relative open redirects).
// All on folded text.
import { ByteBuf } from "../../sdk/bytes";
import { hasByte, indexOfBytes, isAlpha, isDigit, textBytes, WordList } from "./words";

const SENSITIVE_FILES = new WordList(/* "/etc/passwd|/etc/shadow|/etc/hosts|/etc/group|/etc/issue|/proc/self/|/proc/version|/proc/1/|win.ini|boot.ini|system32|/.ssh/|id_rsa|authorized_keys|.htaccess|.htpasswd|web.config|web-inf/|/.env|/.git/|/var/log/|wp-config.php|/etc/nginx/|/etc/apache2/|/root/|/.aws/credentials|/.bash_history|/.docker/config|/windows/" */ memory.data<u8>([47, 101, 116, 99, 47, 112, 97, 115, 115, 119, 100, 124, 47, 101, 116, 99, 47, 115, 104, 97, 100, 111, 119, 124, 47, 101, 116, 99, 47, 104, 111, 115, 116, 115, 124, 47, 101, 116, 99, 47, 103, 114, 111, 117, 112, 124, 47, 101, 116, 99, 47, 105, 115, 115, 117, 101, 124, 47, 112, 114, 111, 99, 47, 115, 101, 108, 102, 47, 124, 47, 112, 114, 111, 99, 47, 118, 101, 114, 115, 105, 111, 110, 124, 47, 112, 114, 111, 99, 47, 49, 47, 124, 119, 105, 110, 46, 105, 110, 105, 124, 98, 111, 111, 116, 46, 105, 110, 105, 124, 115, 121, 115, 116, 101, 109, 51, 50, 124, 47, 46, 115, 115, 104, 47, 124, 105, 100, 95, 114, 115, 97, 124, 97, 117, 116, 104, 111, 114, 105, 122, 101, 100, 95, 107, 101, 121, 115, 124, 46, 104, 116, 97, 99, 99, 101, 115, 115, 124, 46, 104, 116, 112, 97, 115, 115, 119, 100, 124, 119, 101, 98, 46, 99, 111, 110, 102, 105, 103, 124, 119, 101, 98, 45, 105, 110, 102, 47, 124, 47, 46, 101, 110, 118, 124, 47, 46, 103, 105, 116, 47, 124, 47, 118, 97, 114, 47, 108, 111, 103, 47, 124, 119, 112, 45, 99, 111, 110, 102, 105, 103, 46, 112, 104, 112, 124, 47, 101, 116, 99, 47, 110, 103, 105, 110, 120, 47, 124, 47, 101, 116, 99, 47, 97, 112, 97, 99, 104, 101, 50, 47, 124, 47, 114, 111, 111, 116, 47, 124, 47, 46, 97, 119, 115, 47, 99, 114, 101, 100, 101, 110, 116, 105, 97, 108, 115, 124, 47, 46, 98, 97, 115, 104, 95, 104, 105, 115, 116, 111, 114, 121, 124, 47, 46, 100, 111, 99, 107, 101, 114, 47, 99, 111, 110, 102, 105, 103, 124, 47, 119, 105, 110, 100, 111, 119, 115, 47]), 316);
const WRAPPERS = new WordList(/* "php://|zip://|phar://|expect://|glob://|data://|compress.zlib://|compress.bzip2://|file://|jar:|netdoc:|ogg://|rar://|ssh2.|php:/|file:/" */ memory.data<u8>([112, 104, 112, 58, 47, 47, 124, 122, 105, 112, 58, 47, 47, 124, 112, 104, 97, 114, 58, 47, 47, 124, 101, 120, 112, 101, 99, 116, 58, 47, 47, 124, 103, 108, 111, 98, 58, 47, 47, 124, 100, 97, 116, 97, 58, 47, 47, 124, 99, 111, 109, 112, 114, 101, 115, 115, 46, 122, 108, 105, 98, 58, 47, 47, 124, 99, 111, 109, 112, 114, 101, 115, 115, 46, 98, 122, 105, 112, 50, 58, 47, 47, 124, 102, 105, 108, 101, 58, 47, 47, 124, 106, 97, 114, 58, 124, 110, 101, 116, 100, 111, 99, 58, 124, 111, 103, 103, 58, 47, 47, 124, 114, 97, 114, 58, 47, 47, 124, 115, 115, 104, 50, 46, 124, 112, 104, 112, 58, 47, 124, 102, 105, 108, 101, 58, 47]), 136);

const slashedCopy = new ByteBuf(128);

/** Path traversal and file inclusion. */
export function detectTraversal(text: ByteBuf): f64 {
  // nothing to find without a dot (for "..") and without a wrapper's or a file's byte
  if (!hasByte(textBytes, 46) && !WRAPPERS.mayOccur() && !SENSITIVE_FILES.mayOccur()) return 0;
  const n = text.length;
  // '\' read as '/': a copy only where there is one
  let slashed = text;
  if (hasByte(textBytes, 92)) {
    slashed = slashedCopy;
    slashed.clear();
    slashed.reserve(n);
    for (let i = 0; i < n; i++) {
      const c = text.at(i);
      store<u8>(slashed.ptr + <usize>i, c == 92 ? 47 : c);
    }
    slashed.length = n;
  }
  if (WRAPPERS.anyIn(slashed, 0, slashed.length) >= 0) return 10;
  let ups = 0;
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

const SCHEMES_DANGEROUS = new WordList(/* "gopher|dict|ldap|ldaps|tftp|jar|netdoc|sftp|smb|rmi|iiop|ftp|file|expect|redis" */ memory.data<u8>([103, 111, 112, 104, 101, 114, 124, 100, 105, 99, 116, 124, 108, 100, 97, 112, 124, 108, 100, 97, 112, 115, 124, 116, 102, 116, 112, 124, 106, 97, 114, 124, 110, 101, 116, 100, 111, 99, 124, 115, 102, 116, 112, 124, 115, 109, 98, 124, 114, 109, 105, 124, 105, 105, 111, 112, 124, 102, 116, 112, 124, 102, 105, 108, 101, 124, 101, 120, 112, 101, 99, 116, 124, 114, 101, 100, 105, 115]), 78);
const SCHEMES_WEB = new WordList(/* "http|https|ws|wss" */ memory.data<u8>([104, 116, 116, 112, 124, 104, 116, 116, 112, 115, 124, 119, 115, 124, 119, 115, 115]), 17);
const HOSTS_LOCAL = new WordList(/* "localhost|localhost.localdomain|metadata.google.internal|metadata|instance-data|localtest.me|0|[::1]|[::]|[0:0:0:0:0:0:0:1]|[0:0:0:0:0:0:0:0]|kubernetes.default|kubernetes.default.svc|metadata.azure.com|burpcollaborator.net" */ memory.data<u8>([108, 111, 99, 97, 108, 104, 111, 115, 116, 124, 108, 111, 99, 97, 108, 104, 111, 115, 116, 46, 108, 111, 99, 97, 108, 100, 111, 109, 97, 105, 110, 124, 109, 101, 116, 97, 100, 97, 116, 97, 46, 103, 111, 111, 103, 108, 101, 46, 105, 110, 116, 101, 114, 110, 97, 108, 124, 109, 101, 116, 97, 100, 97, 116, 97, 124, 105, 110, 115, 116, 97, 110, 99, 101, 45, 100, 97, 116, 97, 124, 108, 111, 99, 97, 108, 116, 101, 115, 116, 46, 109, 101, 124, 48, 124, 91, 58, 58, 49, 93, 124, 91, 58, 58, 93, 124, 91, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 49, 93, 124, 91, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 48, 93, 124, 107, 117, 98, 101, 114, 110, 101, 116, 101, 115, 46, 100, 101, 102, 97, 117, 108, 116, 124, 107, 117, 98, 101, 114, 110, 101, 116, 101, 115, 46, 100, 101, 102, 97, 117, 108, 116, 46, 115, 118, 99, 124, 109, 101, 116, 97, 100, 97, 116, 97, 46, 97, 122, 117, 114, 101, 46, 99, 111, 109, 124, 98, 117, 114, 112, 99, 111, 108, 108, 97, 98, 111, 114, 97, 116, 111, 114, 46, 110, 101, 116]), 223);
const HOST_PREFIXES_LOCAL = new WordList(/* "127.|169.254.|0.|[::ffff:|[fe80:|[fd00:ec2|100.100.100.200|[::127|[0:0:0:0:0:ffff" */ memory.data<u8>([49, 50, 55, 46, 124, 49, 54, 57, 46, 50, 53, 52, 46, 124, 48, 46, 124, 91, 58, 58, 102, 102, 102, 102, 58, 124, 91, 102, 101, 56, 48, 58, 124, 91, 102, 100, 48, 48, 58, 101, 99, 50, 124, 49, 48, 48, 46, 49, 48, 48, 46, 49, 48, 48, 46, 50, 48, 48, 124, 91, 58, 58, 49, 50, 55, 124, 91, 48, 58, 48, 58, 48, 58, 48, 58, 48, 58, 102, 102, 102, 102]), 81);
const HOST_PREFIXES_PRIVATE = new WordList(/* "10.|192.168.|172.16.|172.17.|172.18.|172.19.|172.2|172.30.|172.31." */ memory.data<u8>([49, 48, 46, 124, 49, 57, 50, 46, 49, 54, 56, 46, 124, 49, 55, 50, 46, 49, 54, 46, 124, 49, 55, 50, 46, 49, 55, 46, 124, 49, 55, 50, 46, 49, 56, 46, 124, 49, 55, 50, 46, 49, 57, 46, 124, 49, 55, 50, 46, 50, 124, 49, 55, 50, 46, 51, 48, 46, 124, 49, 55, 50, 46, 51, 49, 46]), 66);

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
