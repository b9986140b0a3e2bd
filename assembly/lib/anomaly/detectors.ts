// Attack-grammar detectors other than SQL (sqli.ts), each on the folded text of one value
// (lower case, whitespace as single spaces) unless it says otherwise. Each returns its points:
// 10 when the grammar is unmistakable, less when it needs company (the learned model or
// another detector) to reach a threshold.
import { ByteBuf } from "../../sdk/bytes";
import { hasByte, indexOfBytes, isAlpha, isDigit, isWordChar, textBytes, WordList } from "./words";

const TAGS_ACTIVE = new WordList(/* "iframe|object|embed|svg|math|base|link|meta|style|frameset|frame|applet|xml|isindex|template|portal|form|animate|set|handler|xss|image|video|audio|marquee|body|img|input|details|select|textarea|button|a|div|keygen|source|track|bgsound|layer|ilayer|listener|html" */ memory.data<u8>([105, 102, 114, 97, 109, 101, 124, 111, 98, 106, 101, 99, 116, 124, 101, 109, 98, 101, 100, 124, 115, 118, 103, 124, 109, 97, 116, 104, 124, 98, 97, 115, 101, 124, 108, 105, 110, 107, 124, 109, 101, 116, 97, 124, 115, 116, 121, 108, 101, 124, 102, 114, 97, 109, 101, 115, 101, 116, 124, 102, 114, 97, 109, 101, 124, 97, 112, 112, 108, 101, 116, 124, 120, 109, 108, 124, 105, 115, 105, 110, 100, 101, 120, 124, 116, 101, 109, 112, 108, 97, 116, 101, 124, 112, 111, 114, 116, 97, 108, 124, 102, 111, 114, 109, 124, 97, 110, 105, 109, 97, 116, 101, 124, 115, 101, 116, 124, 104, 97, 110, 100, 108, 101, 114, 124, 120, 115, 115, 124, 105, 109, 97, 103, 101, 124, 118, 105, 100, 101, 111, 124, 97, 117, 100, 105, 111, 124, 109, 97, 114, 113, 117, 101, 101, 124, 98, 111, 100, 121, 124, 105, 109, 103, 124, 105, 110, 112, 117, 116, 124, 100, 101, 116, 97, 105, 108, 115, 124, 115, 101, 108, 101, 99, 116, 124, 116, 101, 120, 116, 97, 114, 101, 97, 124, 98, 117, 116, 116, 111, 110, 124, 97, 124, 100, 105, 118, 124, 107, 101, 121, 103, 101, 110, 124, 115, 111, 117, 114, 99, 101, 124, 116, 114, 97, 99, 107, 124, 98, 103, 115, 111, 117, 110, 100, 124, 108, 97, 121, 101, 114, 124, 105, 108, 97, 121, 101, 114, 124, 108, 105, 115, 116, 101, 110, 101, 114, 124, 104, 116, 109, 108]), 261);
/** Tags in TAGS_ACTIVE from this index on are harmless without an event handler or a script URL. */
const TAGS_PASSIVE_FROM: i32 = 20;
const SCHEMES_SCRIPT = new WordList(/* "javascript:|vbscript:|livescript:|data:text/html|data:image/svg|data:application/" */ memory.data<u8>([106, 97, 118, 97, 115, 99, 114, 105, 112, 116, 58, 124, 118, 98, 115, 99, 114, 105, 112, 116, 58, 124, 108, 105, 118, 101, 115, 99, 114, 105, 112, 116, 58, 124, 100, 97, 116, 97, 58, 116, 101, 120, 116, 47, 104, 116, 109, 108, 124, 100, 97, 116, 97, 58, 105, 109, 97, 103, 101, 47, 115, 118, 103, 124, 100, 97, 116, 97, 58, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47]), 81);
const JS_SINKS = new WordList(/* "alert(|prompt(|confirm(|eval(|settimeout(|setinterval(|atob(|fetch(|document.cookie|document.domain|document.location|window.location|fromcharcode|.innerhtml|import(|document.write|top[|self[|window[|new function" */ memory.data<u8>([97, 108, 101, 114, 116, 40, 124, 112, 114, 111, 109, 112, 116, 40, 124, 99, 111, 110, 102, 105, 114, 109, 40, 124, 101, 118, 97, 108, 40, 124, 115, 101, 116, 116, 105, 109, 101, 111, 117, 116, 40, 124, 115, 101, 116, 105, 110, 116, 101, 114, 118, 97, 108, 40, 124, 97, 116, 111, 98, 40, 124, 102, 101, 116, 99, 104, 40, 124, 100, 111, 99, 117, 109, 101, 110, 116, 46, 99, 111, 111, 107, 105, 101, 124, 100, 111, 99, 117, 109, 101, 110, 116, 46, 100, 111, 109, 97, 105, 110, 124, 100, 111, 99, 117, 109, 101, 110, 116, 46, 108, 111, 99, 97, 116, 105, 111, 110, 124, 119, 105, 110, 100, 111, 119, 46, 108, 111, 99, 97, 116, 105, 111, 110, 124, 102, 114, 111, 109, 99, 104, 97, 114, 99, 111, 100, 101, 124, 46, 105, 110, 110, 101, 114, 104, 116, 109, 108, 124, 105, 109, 112, 111, 114, 116, 40, 124, 100, 111, 99, 117, 109, 101, 110, 116, 46, 119, 114, 105, 116, 101, 124, 116, 111, 112, 91, 124, 115, 101, 108, 102, 91, 124, 119, 105, 110, 100, 111, 119, 91, 124, 110, 101, 119, 32, 102, 117, 110, 99, 116, 105, 111, 110]), 212);

const SCRIPT = ByteBuf.fromString("script");
const BASE = ByteBuf.fromString("base");
const EXPRESSION = ByteBuf.fromString("expression(");

export function detectXss(text: ByteBuf, compact: ByteBuf): f64 {
  let points: f64 = 0;
  const n = text.length;
  // tags: only where there is a '<'
  for (let i = 0; hasByte(textBytes, 60) && i + 1 < n; i++) {
    if (text.at(i) != 60) continue;
    let j = i + 1;
    if (text.at(j) == 47) j++;
    const start = j;
    while (j < n && (isAlpha(<u32>text.at(j)) || isDigit(<u32>text.at(j)) || text.at(j) == 58)) j++;
    if (j == start || !isAlpha(<u32>text.at(start))) continue;
    if (j - start == 6 && memory.compare(text.ptr + <usize>start, SCRIPT.ptr, 6) == 0) return 10;
    if (j - start == 4 && memory.compare(text.ptr + <usize>start, BASE.ptr, 4) == 0) return 10;
    const tag = TAGS_ACTIVE.find(text.ptr, start, j);
    if (tag >= 0 && tag < TAGS_PASSIVE_FROM && points < 8) points = 8;
    if (handlerAfter(text, j)) return 10;
  }
  if (SCHEMES_SCRIPT.anyIn(compact, 0, compact.length) >= 0) return 10;
  if (hasByte(textBytes, 40) && indexOfBytes(text, EXPRESSION, 0, n) >= 0 && text.indexOf(58) >= 0) points = points < 8 ? 8 : points;
  const sink = JS_SINKS.earliest(text, 0, n);
  if (sink >= 0) {
    const broken = quoteBreakBefore(text, sink);
    const p: f64 = broken ? 10 : 6;
    if (p > points) points = p;
  }
  return points;
}

/** `on…=` as an attribute inside the tag that starts at `from` (up to '>' or the end). */
function handlerAfter(text: ByteBuf, from: i32): bool {
  const n = text.length;
  for (let i = from; i + 3 < n; i++) {
    const c = text.at(i);
    if (c == 62) return false;
    if (c != 111 || text.at(i + 1) != 110) continue;
    const p = text.at(i - 1);
    if (!(p == 32 || p == 47 || p == 34 || p == 39 || p == 96 || i == from)) continue;
    let j = i + 2;
    while (j < n && isAlpha(<u32>text.at(j))) j++;
    if (j - i < 5) continue;
    while (j < n && text.at(j) == 32) j++;
    if (j < n && text.at(j) == 61) return true;
  }
  return false;
}

/** A quote or tag end followed by a JavaScript operator before `at`: `'-alert(1)-'`, `";alert(1)//`, `</script>`. */
function quoteBreakBefore(text: ByteBuf, at: i32): bool {
  for (let i = at - 1; i >= 0 && i >= at - 8; i--) {
    const c = text.at(i);
    if (c == 39 || c == 34 || c == 96 || c == 62) {
      for (let j = i + 1; j < at; j++) {
        const o = text.at(j);
        if (o == 45 || o == 43 || o == 42 || o == 59 || o == 124 || o == 38 || o == 44 || o == 41 || o == 40 || o == 61 || o == 62) return true;
      }
      return c == 62;
    }
  }
  return false;
}

// Shell: a separator, then a command.
const COMMANDS = new WordList(/* "whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|dash|csh|tcsh|python|python2|python3|perl|ruby|php|powershell|pwsh|cmd|cmd.exe|certutil|nslookup|ifconfig|ipconfig|busybox|telnet|chmod|chown|useradd|crontab|base64|xxd|socat|tftp|systeminfo|tasklist|wmic|bitsadmin|mshta|rundll32|regsvr32|cscript|wscript|mkfifo|mknod|hostname|netstat|printenv|sudo|nohup|xargs" */ memory.data<u8>([119, 104, 111, 97, 109, 105, 124, 117, 110, 97, 109, 101, 124, 119, 103, 101, 116, 124, 99, 117, 114, 108, 124, 110, 99, 124, 110, 99, 97, 116, 124, 110, 101, 116, 99, 97, 116, 124, 98, 97, 115, 104, 124, 115, 104, 124, 122, 115, 104, 124, 107, 115, 104, 124, 100, 97, 115, 104, 124, 99, 115, 104, 124, 116, 99, 115, 104, 124, 112, 121, 116, 104, 111, 110, 124, 112, 121, 116, 104, 111, 110, 50, 124, 112, 121, 116, 104, 111, 110, 51, 124, 112, 101, 114, 108, 124, 114, 117, 98, 121, 124, 112, 104, 112, 124, 112, 111, 119, 101, 114, 115, 104, 101, 108, 108, 124, 112, 119, 115, 104, 124, 99, 109, 100, 124, 99, 109, 100, 46, 101, 120, 101, 124, 99, 101, 114, 116, 117, 116, 105, 108, 124, 110, 115, 108, 111, 111, 107, 117, 112, 124, 105, 102, 99, 111, 110, 102, 105, 103, 124, 105, 112, 99, 111, 110, 102, 105, 103, 124, 98, 117, 115, 121, 98, 111, 120, 124, 116, 101, 108, 110, 101, 116, 124, 99, 104, 109, 111, 100, 124, 99, 104, 111, 119, 110, 124, 117, 115, 101, 114, 97, 100, 100, 124, 99, 114, 111, 110, 116, 97, 98, 124, 98, 97, 115, 101, 54, 52, 124, 120, 120, 100, 124, 115, 111, 99, 97, 116, 124, 116, 102, 116, 112, 124, 115, 121, 115, 116, 101, 109, 105, 110, 102, 111, 124, 116, 97, 115, 107, 108, 105, 115, 116, 124, 119, 109, 105, 99, 124, 98, 105, 116, 115, 97, 100, 109, 105, 110, 124, 109, 115, 104, 116, 97, 124, 114, 117, 110, 100, 108, 108, 51, 50, 124, 114, 101, 103, 115, 118, 114, 51, 50, 124, 99, 115, 99, 114, 105, 112, 116, 124, 119, 115, 99, 114, 105, 112, 116, 124, 109, 107, 102, 105, 102, 111, 124, 109, 107, 110, 111, 100, 124, 104, 111, 115, 116, 110, 97, 109, 101, 124, 110, 101, 116, 115, 116, 97, 116, 124, 112, 114, 105, 110, 116, 101, 110, 118, 124, 115, 117, 100, 111, 124, 110, 111, 104, 117, 112, 124, 120, 97, 114, 103, 115]), 364);
/** English words too: they need a shell-like argument, or (ALONE) to end the text. */
const COMMANDS_WEAK = new WordList(/* "cat|echo|sleep|ping|rm|cp|mv|touch|head|tail|more|less|find|kill|dir|type|net|reg|awk|sed|tee|exec|eval|su|ssh|scp|ftp|dig|host|getent|file|grep|sort|id|ls|ps|env|pwd" */ memory.data<u8>([99, 97, 116, 124, 101, 99, 104, 111, 124, 115, 108, 101, 101, 112, 124, 112, 105, 110, 103, 124, 114, 109, 124, 99, 112, 124, 109, 118, 124, 116, 111, 117, 99, 104, 124, 104, 101, 97, 100, 124, 116, 97, 105, 108, 124, 109, 111, 114, 101, 124, 108, 101, 115, 115, 124, 102, 105, 110, 100, 124, 107, 105, 108, 108, 124, 100, 105, 114, 124, 116, 121, 112, 101, 124, 110, 101, 116, 124, 114, 101, 103, 124, 97, 119, 107, 124, 115, 101, 100, 124, 116, 101, 101, 124, 101, 120, 101, 99, 124, 101, 118, 97, 108, 124, 115, 117, 124, 115, 115, 104, 124, 115, 99, 112, 124, 102, 116, 112, 124, 100, 105, 103, 124, 104, 111, 115, 116, 124, 103, 101, 116, 101, 110, 116, 124, 102, 105, 108, 101, 124, 103, 114, 101, 112, 124, 115, 111, 114, 116, 124, 105, 100, 124, 108, 115, 124, 112, 115, 124, 101, 110, 118, 124, 112, 119, 100]), 166);
const COMMANDS_ALONE = new WordList(/* "id|ls|ps|env|pwd" */ memory.data<u8>([105, 100, 124, 108, 115, 124, 112, 115, 124, 101, 110, 118, 124, 112, 119, 100]), 16);

const word = new ByteBuf(32);

/** Reads a command word at `at`, without the quotes, backslashes and `$@` shells ignore; returns its end. */
function commandWord(text: ByteBuf, at: i32): i32 {
  word.clear();
  let i = at;
  const n = text.length;
  while (i < n) {
    const c = text.at(i);
    if (c == 39 || c == 34 || c == 92) { i++; continue; }
    if (c == 36 && i + 1 < n && (text.at(i + 1) == 64 || text.at(i + 1) == 42)) { i += 2; continue; }
    if (isWordChar(<u32>c) || c == 46 || c == 47 || c == 45) {
      word.push(c);
      i++;
      continue;
    }
    break;
  }
  // /bin/sh → sh
  const slash = lastIndexOf(word, 47);
  if (slash >= 0 && slash + 1 < word.length) {
    const tail = word.length - slash - 1;
    memory.copy(word.ptr, word.ptr + <usize>(slash + 1), <usize>tail);
    word.length = tail;
  }
  return i;
}

function lastIndexOf(buf: ByteBuf, byte: u8): i32 {
  for (let i = buf.length - 1; i >= 0; i--) if (buf.at(i) == byte) return i;
  return -1;
}

/** An argument that only a shell would take: a path, an option, a variable, a number, a redirection. */
@inline function isBlank(c: u8): bool {
  return c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12;
}

function shellArgument(text: ByteBuf, at: i32): bool {
  let i = at;
  while (i < text.length && isBlank(text.at(i))) i++;
  if (i >= text.length) return false;
  const c = text.at(i);
  if (c == 47 || c == 45 || c == 46 || c == 36 || c == 126 || c == 62 || c == 60 || c == 124 || c == 92 || isDigit(<u32>c)) return true;
  return i + 2 < text.length && isAlpha(<u32>c) && text.at(i + 1) == 58 && (text.at(i + 2) == 92 || text.at(i + 2) == 47);
}

const IFS = ByteBuf.fromString("${ifs");
const DEV_TCP = ByteBuf.fromString("/dev/tcp/");
const SHELLSHOCK = ByteBuf.fromString("() {");

/** `bytes`: the bytes of `text` (or more). */
export function detectShell(text: ByteBuf, bytes: StaticArray<u32>): f64 {
  const n = text.length;
  if (hasByte(bytes, 40) && indexOfBytes(text, SHELLSHOCK, 0, n) >= 0) return 10;
  if (hasByte(bytes, 47) && indexOfBytes(text, DEV_TCP, 0, n) >= 0) return 10;
  let points: f64 = hasByte(bytes, 36) && indexOfBytes(text, IFS, 0, n) >= 0 ? 8 : 0;
  for (let i = 0; i < n; i++) {
    const c = text.at(i);
    let start = -1;
    if (c == 59 || c == 124 || c == 38 || c == 10 || c == 96) start = i + 1;
    else if (c == 36 && i + 1 < n && text.at(i + 1) == 40) start = i + 2;
    if (start < 0) continue;
    while (start < n && (isBlank(text.at(start)) || text.at(start) == 124 || text.at(start) == 38 || text.at(start) == 123 || text.at(start) == 40 || text.at(start) == 33)) start++;
    const end = commandWord(text, start);
    if (COMMANDS.find(word.ptr, 0, word.length) >= 0) return 10;
    if (COMMANDS_WEAK.find(word.ptr, 0, word.length) < 0) continue;
    if (shellArgument(text, end) || (COMMANDS_ALONE.find(word.ptr, 0, word.length) >= 0 && atEnd(text, end))) return 10;
  }
  return points;
}

/** Nothing but closing marks after the command (`| id`, `$(whoami)`, "`id`"). */
function atEnd(text: ByteBuf, at: i32): bool {
  for (let i = at; i < text.length; i++) {
    const c = text.at(i);
    if (!isBlank(c) && c != 41 && c != 96 && c != 59 && c != 39 && c != 34 && c != 124 && c != 38 && c != 35) return false;
  }
  return true;
}

// Template expressions
const TEMPLATE_MARKERS = new WordList(/* "__class__|__globals__|__builtins__|__mro__|__subclasses__|__import__|__init__|getclass(|java.lang.runtime|processbuilder|#set(|#foreach|$class.inspect|{php}|{$smarty|freemarker.template|.getruntime(|t(java.|constructor.constructor|{{constructor|request.application|self._templatereference|lipsum.__|cycler.__|joiner.__" */ memory.data<u8>([95, 95, 99, 108, 97, 115, 115, 95, 95, 124, 95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95, 124, 95, 95, 98, 117, 105, 108, 116, 105, 110, 115, 95, 95, 124, 95, 95, 109, 114, 111, 95, 95, 124, 95, 95, 115, 117, 98, 99, 108, 97, 115, 115, 101, 115, 95, 95, 124, 95, 95, 105, 109, 112, 111, 114, 116, 95, 95, 124, 95, 95, 105, 110, 105, 116, 95, 95, 124, 103, 101, 116, 99, 108, 97, 115, 115, 40, 124, 106, 97, 118, 97, 46, 108, 97, 110, 103, 46, 114, 117, 110, 116, 105, 109, 101, 124, 112, 114, 111, 99, 101, 115, 115, 98, 117, 105, 108, 100, 101, 114, 124, 35, 115, 101, 116, 40, 124, 35, 102, 111, 114, 101, 97, 99, 104, 124, 36, 99, 108, 97, 115, 115, 46, 105, 110, 115, 112, 101, 99, 116, 124, 123, 112, 104, 112, 125, 124, 123, 36, 115, 109, 97, 114, 116, 121, 124, 102, 114, 101, 101, 109, 97, 114, 107, 101, 114, 46, 116, 101, 109, 112, 108, 97, 116, 101, 124, 46, 103, 101, 116, 114, 117, 110, 116, 105, 109, 101, 40, 124, 116, 40, 106, 97, 118, 97, 46, 124, 99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114, 46, 99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114, 124, 123, 123, 99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114, 124, 114, 101, 113, 117, 101, 115, 116, 46, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 124, 115, 101, 108, 102, 46, 95, 116, 101, 109, 112, 108, 97, 116, 101, 114, 101, 102, 101, 114, 101, 110, 99, 101, 124, 108, 105, 112, 115, 117, 109, 46, 95, 95, 124, 99, 121, 99, 108, 101, 114, 46, 95, 95, 124, 106, 111, 105, 110, 101, 114, 46, 95, 95]), 318);

function expressionBetween(text: ByteBuf, from: i32, to: i32): bool {
  for (let i = from; i < to; i++) {
    const c = text.at(i);
    if (c == 42 || c == 40 || c == 46 || c == 91 || c == 124 || c == 95 || c == 39 || c == 34 || c == 43 || c == 45 || c == 37 || c == 47 || c == 61) return true;
  }
  return false;
}

/** Index of the first `close` byte pair at or after from, or -1. */
function pairAt(text: ByteBuf, from: i32, a: u8, b: u8): i32 {
  for (let i = from; i + 1 < text.length; i++) if (text.at(i) == a && text.at(i + 1) == b) return i;
  return -1;
}

export function detectTemplate(text: ByteBuf): f64 {
  if (TEMPLATE_MARKERS.anyIn(text, 0, text.length) >= 0) return 10;
  // every opening below has '{', '%' or '['
  if (!hasByte(textBytes, 123) && !hasByte(textBytes, 37) && !hasByte(textBytes, 91)) return 0;
  let points: f64 = 0;
  const n = text.length;
  for (let i = 0; i + 1 < n; i++) {
    const c = text.at(i);
    const d = text.at(i + 1);
    let close = -1;
    let strong = false;
    if (c == 123 && d == 123) { close = pairAt(text, i + 2, 125, 125); strong = true; }
    else if (c == 123 && d == 37) { close = pairAt(text, i + 2, 37, 125); if (close >= 0) return 10; }
    else if (c == 60 && d == 37) { close = pairAt(text, i + 2, 37, 62); if (close >= 0) return 10; }
    else if ((c == 36 || c == 35 || c == 42 || c == 64) && d == 123) { close = text.indexOf(125, i + 2); strong = c != 64; }
    else if (c == 91 && d == 91) { close = pairAt(text, i + 2, 93, 93); }
    if (close < 0) continue;
    if (c == 36 && isLookup(text, i + 2)) continue;
    const p: f64 = expressionBetween(text, i + 2, close) ? (strong ? 10 : 8) : 4;
    if (p > points) points = p;
    if (points >= 10) return points;
  }
  return points;
}

// JNDI and other Log4j lookups, nested evasions resolved.
const LOOKUPS = new WordList(/* "jndi:|env:|sys:|java:|ctx:|main:|k8s:|docker:|spring:|log4j:|jvmrunargs:|bundle:|marker:|web:|base64:|lower:|upper:|date:|::-|event:|map:|sd:" */ memory.data<u8>([106, 110, 100, 105, 58, 124, 101, 110, 118, 58, 124, 115, 121, 115, 58, 124, 106, 97, 118, 97, 58, 124, 99, 116, 120, 58, 124, 109, 97, 105, 110, 58, 124, 107, 56, 115, 58, 124, 100, 111, 99, 107, 101, 114, 58, 124, 115, 112, 114, 105, 110, 103, 58, 124, 108, 111, 103, 52, 106, 58, 124, 106, 118, 109, 114, 117, 110, 97, 114, 103, 115, 58, 124, 98, 117, 110, 100, 108, 101, 58, 124, 109, 97, 114, 107, 101, 114, 58, 124, 119, 101, 98, 58, 124, 98, 97, 115, 101, 54, 52, 58, 124, 108, 111, 119, 101, 114, 58, 124, 117, 112, 112, 101, 114, 58, 124, 100, 97, 116, 101, 58, 124, 58, 58, 45, 124, 101, 118, 101, 110, 116, 58, 124, 109, 97, 112, 58, 124, 115, 100, 58]), 141);

function isLookup(text: ByteBuf, at: i32): bool {
  return LOOKUPS.startingAt(text, at) >= 0;
}

const jndiText = new ByteBuf(64);
const jndiNext = new ByteBuf(64);
const JNDI = ByteBuf.fromString("jndi:");

/** One pass replacing every innermost ${…} by what Log4j would make of it; true when one was found. */
function resolveInnermost(src: ByteBuf, out: ByteBuf, found: StaticArray<i32>): bool {
  out.clear();
  let any = false;
  const n = src.length;
  let i = 0;
  while (i < n) {
    if (src.at(i) == 36 && i + 1 < n && src.at(i + 1) == 123) {
      let j = i + 2;
      while (j < n && src.at(j) != 125 && !(src.at(j) == 36 && j + 1 < n && src.at(j + 1) == 123)) j++;
      if (j < n && src.at(j) == 125) {
        any = true;
        const k = LOOKUPS.startingAt(src, i + 2);
        if (k == 0) found[0] = 1;
        else if (k > 0) found[1] = 1;
        appendLookupValue(src, i + 2, j, out);
        i = j + 1;
        continue;
      }
    }
    out.push(src.at(i));
    i++;
  }
  return any;
}

/** The value of a lookup body [from, to): the default after ":-", else the text after "lower:"/"upper:"/"date:" (quotes dropped). */
function appendLookupValue(src: ByteBuf, from: i32, to: i32, out: ByteBuf): void {
  for (let i = from; i + 1 < to; i++) {
    if (src.at(i) == 58 && src.at(i + 1) == 45) {
      out.append(src.ptr + <usize>(i + 2), to - i - 2);
      return;
    }
  }
  const colon = src.indexOf(58, from);
  if (colon < 0 || colon >= to) { out.append(src.ptr + <usize>from, to - from); return; }
  if (LOOKUPS.startingAt(src, from) == 0) {
    // ${jndi:…} itself: keep it visible for the final check
    out.push(36); out.push(123);
    out.append(src.ptr + <usize>from, to - from);
    out.push(125);
    return;
  }
  for (let i = colon + 1; i < to; i++) if (src.at(i) != 39 && src.at(i) != 34) out.push(src.at(i));
}

const jndiFound = new StaticArray<i32>(2);

export function detectJndi(text: ByteBuf): f64 {
  if (pairAt(text, 0, 36, 123) < 0) return 0;
  jndiFound[0] = 0;
  jndiFound[1] = 0;
  jndiText.set(text.ptr, text.length);
  for (let round = 0; round < 8; round++) {
    if (!resolveInnermost(jndiText, jndiNext, jndiFound)) break;
    if (jndiFound[0] != 0) return 10;
    jndiText.set(jndiNext.ptr, jndiNext.length);
    if (indexOfBytes(jndiText, JNDI, 0, jndiText.length) >= 0 && pairAt(jndiText, 0, 36, 123) < 0 && jndiFound[1] != 0) return 10;
  }
  return jndiFound[1] != 0 ? 10 : 0;
}

// XML entities
const XXE = new WordList(/* "<!entity|<xi:include|xmlns:xi=|<!doctype" */ memory.data<u8>([60, 33, 101, 110, 116, 105, 116, 121, 124, 60, 120, 105, 58, 105, 110, 99, 108, 117, 100, 101, 124, 120, 109, 108, 110, 115, 58, 120, 105, 61, 124, 60, 33, 100, 111, 99, 116, 121, 112, 101]), 40);
const XXE_DOCTYPE_ARGS = new WordList(/* "[|system|public" */ memory.data<u8>([91, 124, 115, 121, 115, 116, 101, 109, 124, 112, 117, 98, 108, 105, 99]), 15);

export function detectXxe(text: ByteBuf): f64 {
  const k = XXE.anyIn(text, 0, text.length);
  if (k < 0) return 0;
  if (k < 3) return 10;
  return XXE_DOCTYPE_ARGS.anyIn(text, 0, text.length) >= 0 ? 10 : 4;
}

// LDAP filters
export function detectLdap(text: ByteBuf): f64 {
  const n = text.length;
  for (let i = 0; i + 2 < n; i++) if (text.at(i) == 42 && text.at(i + 1) == 41 && text.at(i + 2) == 41) return 10;
  for (let i = 0; i + 2 < n; i++) {
    const c = text.at(i);
    if (c == 40 && (text.at(i + 1) == 124 || text.at(i + 1) == 38 || text.at(i + 1) == 33) && text.at(i + 2) == 40) return 10;
    if (c != 41 || text.at(i + 1) != 40) continue;
    const d = text.at(i + 2);
    if (d == 124 || d == 38 || d == 33 || d == 42) return 10;
    if (i > 0 && text.at(i - 1) == 42) return 10;
    let j = i + 2;
    while (j < n && isWordChar(<u32>text.at(j))) j++;
    if (j > i + 2 && j < n && (text.at(j) == 61 || text.at(j) == 126 || text.at(j) == 62 || text.at(j) == 60)) return 10;
  }
  return 0;
}

// NoSQL operators, in names (`user[$ne]`, JSON key `$gt`) and in values (`{"$where": …}`)
const NOSQL_OPS = new WordList(/* "$ne|$gt|$gte|$lt|$lte|$in|$nin|$regex|$where|$exists|$or|$and|$not|$nor|$expr|$elemmatch|$type|$size|$all|$mod|$text|$function|$accumulator|$lookup|$eq" */ memory.data<u8>([36, 110, 101, 124, 36, 103, 116, 124, 36, 103, 116, 101, 124, 36, 108, 116, 124, 36, 108, 116, 101, 124, 36, 105, 110, 124, 36, 110, 105, 110, 124, 36, 114, 101, 103, 101, 120, 124, 36, 119, 104, 101, 114, 101, 124, 36, 101, 120, 105, 115, 116, 115, 124, 36, 111, 114, 124, 36, 97, 110, 100, 124, 36, 110, 111, 116, 124, 36, 110, 111, 114, 124, 36, 101, 120, 112, 114, 124, 36, 101, 108, 101, 109, 109, 97, 116, 99, 104, 124, 36, 116, 121, 112, 101, 124, 36, 115, 105, 122, 101, 124, 36, 97, 108, 108, 124, 36, 109, 111, 100, 124, 36, 116, 101, 120, 116, 124, 36, 102, 117, 110, 99, 116, 105, 111, 110, 124, 36, 97, 99, 99, 117, 109, 117, 108, 97, 116, 111, 114, 124, 36, 108, 111, 111, 107, 117, 112, 124, 36, 101, 113]), 151);
const NOSQL_JS = new WordList(/* "this.|return true|;return|db.getcollection|db.|tojson(|objectid(" */ memory.data<u8>([116, 104, 105, 115, 46, 124, 114, 101, 116, 117, 114, 110, 32, 116, 114, 117, 101, 124, 59, 114, 101, 116, 117, 114, 110, 124, 100, 98, 46, 103, 101, 116, 99, 111, 108, 108, 101, 99, 116, 105, 111, 110, 124, 100, 98, 46, 124, 116, 111, 106, 115, 111, 110, 40, 124, 111, 98, 106, 101, 99, 116, 105, 100, 40]), 64);

function operatorAt(text: ByteBuf, at: i32): bool {
  const k = NOSQL_OPS.startingAt(text, at);
  if (k < 0) return false;
  let end = at + 2;
  while (end < text.length && isAlpha(<u32>text.at(end))) end++;
  return NOSQL_OPS.find(text.ptr, at, end) >= 0;
}

/** In a parameter name (or a JSON key path). */
export function detectNoSqlName(name: ByteBuf): f64 {
  for (let i = 0; i < name.length; i++) if (name.at(i) == 36 && operatorAt(name, i)) return 10;
  return 0;
}

export function detectNoSqlValue(text: ByteBuf): f64 {
  const n = text.length;
  // operators: only where there is a '$'
  for (let i = 0; hasByte(textBytes, 36) && i < n; i++) {
    if (text.at(i) != 36 || !operatorAt(text, i)) continue;
    const p = i > 0 ? text.at(i - 1) : 0;
    if (p == 123 || p == 34 || p == 39 || p == 91 || p == 32 || i == 0) return 10;
  }
  const k = NOSQL_JS.anyIn(text, 0, n);
  if (k < 0) return 0;
  if (k == 4) return 4;
  return text.indexOf(39) >= 0 || text.indexOf(34) >= 0 ? 10 : 8;
}

// CRLF injection, on the decoded text (CR and LF kept).
const RESPONSE_HEADERS = new WordList(/* "set-cookie|location|content-type|content-length|host|refresh|x-xss-protection|access-control-allow-origin|content-security-policy|transfer-encoding|http/1.|x-forwarded-for|cookie|x-" */ memory.data<u8>([115, 101, 116, 45, 99, 111, 111, 107, 105, 101, 124, 108, 111, 99, 97, 116, 105, 111, 110, 124, 99, 111, 110, 116, 101, 110, 116, 45, 116, 121, 112, 101, 124, 99, 111, 110, 116, 101, 110, 116, 45, 108, 101, 110, 103, 116, 104, 124, 104, 111, 115, 116, 124, 114, 101, 102, 114, 101, 115, 104, 124, 120, 45, 120, 115, 115, 45, 112, 114, 111, 116, 101, 99, 116, 105, 111, 110, 124, 97, 99, 99, 101, 115, 115, 45, 99, 111, 110, 116, 114, 111, 108, 45, 97, 108, 108, 111, 119, 45, 111, 114, 105, 103, 105, 110, 124, 99, 111, 110, 116, 101, 110, 116, 45, 115, 101, 99, 117, 114, 105, 116, 121, 45, 112, 111, 108, 105, 99, 121, 124, 116, 114, 97, 110, 115, 102, 101, 114, 45, 101, 110, 99, 111, 100, 105, 110, 103, 124, 104, 116, 116, 112, 47, 49, 46, 124, 120, 45, 102, 111, 114, 119, 97, 114, 100, 101, 100, 45, 102, 111, 114, 124, 99, 111, 111, 107, 105, 101, 124, 120, 45]), 181);

export function detectCrlf(decoded: ByteBuf, strict: bool): f64 {
  const n = decoded.length;
  for (let i = 0; i < n; i++) {
    const c = decoded.at(i);
    // U+560A / U+560D: some servers keep only the low byte of each character
    if (c == 0xe5 && i + 2 < n && decoded.at(i + 1) == 0x98 && (decoded.at(i + 2) == 0x8a || decoded.at(i + 2) == 0x8d)) return 10;
    if (c != 13 && c != 10) continue;
    let j = i + 1;
    while (j < n && (decoded.at(j) == 13 || decoded.at(j) == 10 || decoded.at(j) == 32 || decoded.at(j) == 9)) j++;
    let k = j;
    while (k < n && (isWordChar(<u32>decoded.at(k)) || decoded.at(k) == 45)) k++;
    const header = k > j && k < n && decoded.at(k) == 58;
    if (header && strict) return 10;
    if (header || (k > j && k + 1 < n && decoded.at(k) == 47)) {
      lowered.clear();
      for (let x = j; x < k + 2 && x < n; x++) { const b = decoded.at(x); lowered.push(b >= 65 && b <= 90 ? b + 32 : b); }
      if (RESPONSE_HEADERS.startingAt(lowered, 0) >= 0) return 10;
    }
  }
  return 0;
}
const lowered = new ByteBuf(32);
