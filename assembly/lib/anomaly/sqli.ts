// SQL injection by token fingerprints: the folded value is tokenized as SQL three times (as it
// is, and as if it continued a '…' or "…" literal the application opened), each token reduced to
// a class, and the class sequence is checked against the shapes injections take: UNION SELECT,
// a stacked statement, a tautology after a string or number, a comment right after a string
// break, dangerous functions, schema probes. Ordinary prose tokenizes to barewords and never
// forms those shapes ("union station", "drop table lamp", "select the size").
import { ByteBuf } from "../../sdk/bytes";
import { hasByte, isAlpha, isDigit, isWordChar, textBytes, WordList } from "./words";

// Token classes
const T_STRING: u8 = 115; // s
const T_NUMBER: u8 = 110; // n
const T_WORD: u8 = 98; // b  bareword / identifier
const T_KEYWORD: u8 = 107; // k
const T_UNION: u8 = 85; // U
const T_STATEMENT: u8 = 69; // E
const T_FUNCTION: u8 = 102; // f
const T_LOGIC: u8 = 38; // &
const T_COMPARE: u8 = 61; // =
const T_OPERATOR: u8 = 111; // o
const T_OPEN: u8 = 40;
const T_CLOSE: u8 = 41;
const T_COMMA: u8 = 44;
const T_SEMI: u8 = 59;
const T_COMMENT: u8 = 99; // c
const T_VARIABLE: u8 = 118; // v

const MAX_TOKENS: i32 = 256;

const STATEMENTS = new WordList(/* "select|insert|update|delete|drop|exec|execute|shutdown|declare|create|alter|truncate|waitfor" */ memory.data<u8>([115, 101, 108, 101, 99, 116, 124, 105, 110, 115, 101, 114, 116, 124, 117, 112, 100, 97, 116, 101, 124, 100, 101, 108, 101, 116, 101, 124, 100, 114, 111, 112, 124, 101, 120, 101, 99, 124, 101, 120, 101, 99, 117, 116, 101, 124, 115, 104, 117, 116, 100, 111, 119, 110, 124, 100, 101, 99, 108, 97, 114, 101, 124, 99, 114, 101, 97, 116, 101, 124, 97, 108, 116, 101, 114, 124, 116, 114, 117, 110, 99, 97, 116, 101, 124, 119, 97, 105, 116, 102, 111, 114]), 92);
const S_SELECT = 0, S_INSERT = 1, S_UPDATE = 2, S_DELETE = 3, S_DROP = 4, S_EXEC = 5, S_EXECUTE = 6, S_SHUTDOWN = 7, S_DECLARE = 8;
const S_CREATE = 9, S_ALTER = 10, S_TRUNCATE = 11, S_WAITFOR = 12;
const LOGIC = new WordList(/* "and|or|xor|not" */ memory.data<u8>([97, 110, 100, 124, 111, 114, 124, 120, 111, 114, 124, 110, 111, 116]), 14);
const COMPARE = new WordList(/* "like|rlike|regexp|is|in|between|sounds" */ memory.data<u8>([108, 105, 107, 101, 124, 114, 108, 105, 107, 101, 124, 114, 101, 103, 101, 120, 112, 124, 105, 115, 124, 105, 110, 124, 98, 101, 116, 119, 101, 101, 110, 124, 115, 111, 117, 110, 100, 115]), 38);
const KEYWORDS = new WordList(/* "from|where|having|limit|offset|into|table|values|set|as|by|all|distinct|case|when|then|else|end|null|true|false|outfile|dumpfile|procedure|database|top|delay|dual|order|group" */ memory.data<u8>([102, 114, 111, 109, 124, 119, 104, 101, 114, 101, 124, 104, 97, 118, 105, 110, 103, 124, 108, 105, 109, 105, 116, 124, 111, 102, 102, 115, 101, 116, 124, 105, 110, 116, 111, 124, 116, 97, 98, 108, 101, 124, 118, 97, 108, 117, 101, 115, 124, 115, 101, 116, 124, 97, 115, 124, 98, 121, 124, 97, 108, 108, 124, 100, 105, 115, 116, 105, 110, 99, 116, 124, 99, 97, 115, 101, 124, 119, 104, 101, 110, 124, 116, 104, 101, 110, 124, 101, 108, 115, 101, 124, 101, 110, 100, 124, 110, 117, 108, 108, 124, 116, 114, 117, 101, 124, 102, 97, 108, 115, 101, 124, 111, 117, 116, 102, 105, 108, 101, 124, 100, 117, 109, 112, 102, 105, 108, 101, 124, 112, 114, 111, 99, 101, 100, 117, 114, 101, 124, 100, 97, 116, 97, 98, 97, 115, 101, 124, 116, 111, 112, 124, 100, 101, 108, 97, 121, 124, 100, 117, 97, 108, 124, 111, 114, 100, 101, 114, 124, 103, 114, 111, 117, 112]), 174);
const K_FROM = 0, K_WHERE = 2, K_INTO = 5, K_TABLE = 6, K_SET = 8, K_BY = 10, K_ALL = 11, K_DISTINCT = 12, K_NULL = 18, K_TRUE = 19, K_FALSE = 20;
const K_OUTFILE = 21, K_DUMPFILE = 22, K_DATABASE = 24, K_DELAY = 26, K_ORDER = 28, K_GROUP = 29;
/** Functions an injection calls and an application value does not. */
const DANGEROUS = new WordList(/* "sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|xp_cmdshell|dbms_pipe|utl_http|utl_inaddr|group_concat|make_set|dbms_lock|randomblob|sys_eval|sys_exec|lo_import|pg_read_file|version|database|current_user|user|system_user|schema|@@version|char|chr|concat|ascii|substring|substr|unhex|hex|ord|mid" */ memory.data<u8>([115, 108, 101, 101, 112, 124, 98, 101, 110, 99, 104, 109, 97, 114, 107, 124, 112, 103, 95, 115, 108, 101, 101, 112, 124, 108, 111, 97, 100, 95, 102, 105, 108, 101, 124, 101, 120, 116, 114, 97, 99, 116, 118, 97, 108, 117, 101, 124, 117, 112, 100, 97, 116, 101, 120, 109, 108, 124, 120, 112, 95, 99, 109, 100, 115, 104, 101, 108, 108, 124, 100, 98, 109, 115, 95, 112, 105, 112, 101, 124, 117, 116, 108, 95, 104, 116, 116, 112, 124, 117, 116, 108, 95, 105, 110, 97, 100, 100, 114, 124, 103, 114, 111, 117, 112, 95, 99, 111, 110, 99, 97, 116, 124, 109, 97, 107, 101, 95, 115, 101, 116, 124, 100, 98, 109, 115, 95, 108, 111, 99, 107, 124, 114, 97, 110, 100, 111, 109, 98, 108, 111, 98, 124, 115, 121, 115, 95, 101, 118, 97, 108, 124, 115, 121, 115, 95, 101, 120, 101, 99, 124, 108, 111, 95, 105, 109, 112, 111, 114, 116, 124, 112, 103, 95, 114, 101, 97, 100, 95, 102, 105, 108, 101, 124, 118, 101, 114, 115, 105, 111, 110, 124, 100, 97, 116, 97, 98, 97, 115, 101, 124, 99, 117, 114, 114, 101, 110, 116, 95, 117, 115, 101, 114, 124, 117, 115, 101, 114, 124, 115, 121, 115, 116, 101, 109, 95, 117, 115, 101, 114, 124, 115, 99, 104, 101, 109, 97, 124, 64, 64, 118, 101, 114, 115, 105, 111, 110, 124, 99, 104, 97, 114, 124, 99, 104, 114, 124, 99, 111, 110, 99, 97, 116, 124, 97, 115, 99, 105, 105, 124, 115, 117, 98, 115, 116, 114, 105, 110, 103, 124, 115, 117, 98, 115, 116, 114, 124, 117, 110, 104, 101, 120, 124, 104, 101, 120, 124, 111, 114, 100, 124, 109, 105, 100]), 304);
/** The first DANGEROUS words are dangerous on their own; the rest only next to other SQL. */
const DANGEROUS_ALONE: i32 = 18;
const SCHEMA_NAMES = new WordList(/* "information_schema|sysobjects|syscolumns|sqlite_master|pg_catalog|pg_shadow|mysql.user|all_tables|sys.tables|msysobjects" */ memory.data<u8>([105, 110, 102, 111, 114, 109, 97, 116, 105, 111, 110, 95, 115, 99, 104, 101, 109, 97, 124, 115, 121, 115, 111, 98, 106, 101, 99, 116, 115, 124, 115, 121, 115, 99, 111, 108, 117, 109, 110, 115, 124, 115, 113, 108, 105, 116, 101, 95, 109, 97, 115, 116, 101, 114, 124, 112, 103, 95, 99, 97, 116, 97, 108, 111, 103, 124, 112, 103, 95, 115, 104, 97, 100, 111, 119, 124, 109, 121, 115, 113, 108, 46, 117, 115, 101, 114, 124, 97, 108, 108, 95, 116, 97, 98, 108, 101, 115, 124, 115, 121, 115, 46, 116, 97, 98, 108, 101, 115, 124, 109, 115, 121, 115, 111, 98, 106, 101, 99, 116, 115]), 120);

export const SQLI_UNION: i32 = 1;
export const SQLI_STACKED: i32 = 2;
export const SQLI_TAUTOLOGY: i32 = 3;
export const SQLI_BREAK_COMMENT: i32 = 4;
export const SQLI_FUNCTION: i32 = 5;
export const SQLI_SCHEMA: i32 = 6;
export const SQLI_ORDER_BY: i32 = 7;
export const SQLI_QUERY: i32 = 8;
export const SQLI_BREAK_LOGIC: i32 = 9;
export const SQLI_RULES: string[] = ["", "union", "stacked", "tautology", "break-comment", "function", "schema", "order-by", "query", "break-logic"];

export class SqlResult {
  points: f64 = 0;
  rule: i32 = 0;
  /** The token classes of the context that fired (for the hit text). */
  fingerprint: ByteBuf = new ByteBuf(16);
}

class Tokens {
  types: StaticArray<u8> = new StaticArray<u8>(MAX_TOKENS);
  ids: StaticArray<i16> = new StaticArray<i16>(MAX_TOKENS);
  count: i32 = 0;
  /** A token rulesOf looks at was read (without one, no rule can fire). */
  triggered: bool = false;

  @inline add(type: u8, id: i32): void {
    if (type == T_UNION || type == T_SEMI || type == T_LOGIC || type == T_FUNCTION || type == T_KEYWORD || type == T_STATEMENT || type == T_COMMENT || type == T_CLOSE) this.triggered = true;
    if (this.count >= MAX_TOKENS) return;
    unchecked((this.types[this.count] = type));
    unchecked((this.ids[this.count] = <i16>id));
    this.count++;
  }
  @inline type(i: i32): u8 {
    return i < this.count && i >= 0 ? unchecked(this.types[i]) : 0;
  }
  @inline id(i: i32): i32 {
    return i < this.count && i >= 0 ? <i32>unchecked(this.ids[i]) : -1;
  }
}

const tokens = new Tokens();
const UNION_WORD = ByteBuf.fromString("union");

/** End of a quoted literal that starts after its opening quote at `from`; text.length when unterminated. */
function stringEnd(text: ByteBuf, from: i32, quote: u8): i32 {
  for (let i = from; i < text.length; i++) {
    const c = text.at(i);
    if (c == 92) i++;
    else if (c == quote) {
      if (i + 1 < text.length && text.at(i + 1) == quote) i++;
      else return i;
    }
  }
  return text.length;
}

function nextNonSpace(text: ByteBuf, from: i32): i32 {
  let i = from;
  while (i < text.length && text.at(i) == 32) i++;
  return i;
}

/** Tokenizes text; `quote` (0, 39, 34): the text continues a literal opened with that quote. */
function tokenize(text: ByteBuf, quote: u8): void {
  tokens.count = 0;
  tokens.triggered = false;
  let i = 0;
  if (quote != 0) {
    const end = stringEnd(text, 0, quote);
    tokens.add(T_STRING, 0);
    i = end + 1;
  }
  const n = text.length;
  const base = text.ptr;
  while (i < n && tokens.count < MAX_TOKENS) {
    const c = <u32>text.at(i);
    const next = i + 1 < n ? <u32>text.at(i + 1) : 0;
    if (c == 32) { i++; continue; }
    if (c == 39 || c == 34) {
      tokens.add(T_STRING, 0);
      i = stringEnd(text, i + 1, <u8>c) + 1;
    } else if (c == 96) {
      tokens.add(T_WORD, 0);
      i = stringEnd(text, i + 1, 96) + 1;
    } else if (isDigit(c) || (c == 46 && isDigit(next))) {
      i++;
      while (i < n && (isWordChar(<u32>text.at(i)) || text.at(i) == 46)) i++;
      tokens.add(T_NUMBER, 0);
    } else if ((c == 45 && next == 45) || c == 35) {
      tokens.add(T_COMMENT, 0);
      i = n;
    } else if (c == 47 && next == 42) {
      i += 2;
      if (i < n && text.at(i) == 33) {
        // MySQL /*!50000 … */ runs its content: skip the marker and version, tokenize the rest.
        i++;
        while (i < n && isDigit(<u32>text.at(i))) i++;
        continue;
      }
      let end = i;
      while (end + 1 < n && !(text.at(end) == 42 && text.at(end + 1) == 47)) end++;
      tokens.add(T_COMMENT, 1);
      i = end + 2;
    } else if (c == 42 && next == 47) {
      i += 2;
    } else if (c == 64) {
      let j = i + 1;
      while (j < n && (isWordChar(<u32>text.at(j)) || text.at(j) == 64)) j++;
      tokens.add(T_VARIABLE, 0);
      i = j;
    } else if (isAlpha(c) || c == 95 || c == 36) {
      let j = i + 1;
      while (j < n && (isWordChar(<u32>text.at(j)) || text.at(j) == 46 || text.at(j) == 36)) j++;
      word(text, base, i, j);
      i = j;
    } else if ((c == 124 && next == 124) || (c == 38 && next == 38)) {
      tokens.add(T_LOGIC, 1);
      i += 2;
    } else if (c == 61 || c == 60 || c == 62 || (c == 33 && next == 61) || (c == 58 && next == 61)) {
      let j = i + 1;
      while (j < n && j < i + 3 && (text.at(j) == 61 || text.at(j) == 62 || text.at(j) == 60)) j++;
      tokens.add(T_COMPARE, 0);
      i = j;
    } else if (c == 40) { tokens.add(T_OPEN, 0); i++; }
    else if (c == 41) { tokens.add(T_CLOSE, 0); i++; }
    else if (c == 44) { tokens.add(T_COMMA, 0); i++; }
    else if (c == 59) { tokens.add(T_SEMI, 0); i++; }
    else if (c == 43 || c == 45 || c == 42 || c == 47 || c == 37 || c == 94 || c == 124 || c == 38 || c == 126 || c == 33) {
      tokens.add(T_OPERATOR, <i32>c);
      i++;
    } else i++;
  }
}

function word(text: ByteBuf, base: usize, from: i32, to: i32): void {
  const after = nextNonSpace(text, to);
  const call = after < text.length && text.at(after) == 40;
  let k = STATEMENTS.find(base, from, to);
  if (k >= 0) { tokens.add(T_STATEMENT, k); return; }
  if (to - from == 5 && memory.compare(base + <usize>from, UNION_WORD.ptr, 5) == 0) { tokens.add(T_UNION, 0); return; }
  k = LOGIC.find(base, from, to);
  if (k >= 0) { tokens.add(T_LOGIC, 0); return; }
  k = COMPARE.find(base, from, to);
  if (k >= 0 && !call) { tokens.add(T_COMPARE, 1); return; }
  k = DANGEROUS.find(base, from, to);
  if (k >= 0 && call) { tokens.add(T_FUNCTION, k); return; }
  k = KEYWORDS.find(base, from, to);
  if (k >= 0) { tokens.add(T_KEYWORD, k); return; }
  if (SCHEMA_NAMES.find(base, from, to) >= 0) { tokens.add(T_KEYWORD, 100); return; }
  tokens.add(call ? T_FUNCTION : T_WORD, -1);
}

/** The index of the next token at or after i that is not a comment. */
function skipComments(i: i32): i32 {
  while (tokens.type(i) == T_COMMENT) i++;
  return i;
}

@inline function isValue(t: u8): bool {
  return t == T_STRING || t == T_NUMBER || t == T_WORD || t == T_VARIABLE || t == T_FUNCTION;
}

/** A statement keyword at i that continues the way SQL does (not "select the size"). */
function statementAt(i: i32): bool {
  const k = tokens.id(i);
  const a = skipComments(i + 1);
  const t = tokens.type(a);
  if (k == S_SELECT) {
    if (t == T_NUMBER || t == T_VARIABLE || t == T_FUNCTION || t == T_STRING || t == T_OPEN || (t == T_OPERATOR && tokens.id(a) == 42)) return true;
    if (t == T_KEYWORD && (tokens.id(a) == K_NULL || tokens.id(a) == K_ALL || tokens.id(a) == K_DISTINCT)) return true;
    if (t == T_WORD) {
      const b = tokens.type(a + 1);
      return b == T_COMMA || (b == T_KEYWORD && tokens.id(a + 1) == K_FROM);
    }
    return false;
  }
  if (k == S_DROP || k == S_CREATE || k == S_ALTER || k == S_TRUNCATE) return t == T_KEYWORD && (tokens.id(a) == K_TABLE || tokens.id(a) == K_DATABASE);
  if (k == S_DELETE) return t == T_KEYWORD && tokens.id(a) == K_FROM;
  if (k == S_INSERT) return t == T_KEYWORD && tokens.id(a) == K_INTO;
  if (k == S_UPDATE) return t == T_WORD && tokens.type(a + 1) == T_KEYWORD && tokens.id(a + 1) == K_SET;
  if (k == S_EXEC || k == S_EXECUTE) return t == T_WORD || t == T_FUNCTION || t == T_VARIABLE || t == T_OPEN;
  if (k == S_SHUTDOWN) return t == 0 || t == T_SEMI;
  if (k == S_DECLARE) return t == T_VARIABLE;
  if (k == S_WAITFOR) return t == T_KEYWORD && tokens.id(a) == K_DELAY;
  return false;
}

/** select … from with a column list (`*`, `a,b`, a function): a query, not a sentence. */
function strongQuery(i: i32): bool {
  if (tokens.id(i) != S_SELECT) return false;
  let from = false, list = false;
  for (let k = i + 1; k < tokens.count && k < i + 12; k++) {
    const t = tokens.type(k);
    if (t == T_KEYWORD && tokens.id(k) == K_FROM) from = true;
    else if (!from && (t == T_COMMA || t == T_FUNCTION || (t == T_OPERATOR && tokens.id(k) == 42))) list = true;
  }
  return from && list;
}

/** value (& | =) … : a comparison that is always true or false, e.g. `1 or 1=1`, `' or 'a'='a`, `1)) or ((1=1`. */
function tautologyAt(i: i32): bool {
  let a = i + 1;
  while (tokens.type(a) == T_OPEN) a++;
  const left = tokens.type(a);
  const isTrue = left == T_KEYWORD && (tokens.id(a) == K_TRUE || tokens.id(a) == K_FALSE || tokens.id(a) == K_NULL);
  if (!isValue(left) && !isTrue) return false;
  const op = tokens.type(a + 1);
  if (op == T_COMPARE || (op == T_OPERATOR && left != T_WORD)) return isValue(tokens.type(a + 2)) || tokens.type(a + 2) == T_OPEN;
  // `or 1--`, `or true#`, `or 1)`: a bare truth value ending the injected part
  const end = tokens.type(a + 1);
  return (left == T_NUMBER || isTrue) && (end == T_COMMENT || end == 0 || end == T_CLOSE || end == T_SEMI);
}

/** Only a value (and closing parentheses) before token i: where an injected condition starts. */
function simplePrefix(i: i32): bool {
  for (let k = 0; k < i; k++) {
    const t = tokens.type(k);
    if (!(t == T_NUMBER || t == T_STRING || t == T_VARIABLE || t == T_CLOSE || (k == 0 && t == T_WORD))) return false;
  }
  return true;
}

/** Rules over the current tokens; `broken`: the tokens start with a string the injection closed. */
function rulesOf(broken: bool, out: SqlResult): void {
  const n = tokens.count;
  for (let i = 0; i < n; i++) {
    const t = tokens.type(i);
    if (t == T_UNION) {
      let a = skipComments(i + 1);
      while (tokens.type(a) == T_OPEN || (tokens.type(a) == T_KEYWORD && (tokens.id(a) == K_ALL || tokens.id(a) == K_DISTINCT))) a = skipComments(a + 1);
      if (tokens.type(a) == T_STATEMENT && tokens.id(a) == S_SELECT) { hit(out, SQLI_UNION, 10); return; }
    } else if (t == T_SEMI) {
      const a = skipComments(i + 1);
      if (tokens.type(a) == T_STATEMENT && statementAt(a)) { hit(out, SQLI_STACKED, 10); return; }
    } else if (t == T_LOGIC && i > 0 && simplePrefix(i)) {
      const p = tokens.type(i - 1);
      const before = p == T_CLOSE || p == T_NUMBER || (p == T_STRING && (broken || i >= 2)) || p == T_VARIABLE;
      if (before && tautologyAt(i)) { hit(out, SQLI_TAUTOLOGY, 10); return; }
      if (broken && i == 1 && (tokens.type(i + 1) == T_FUNCTION || tokens.type(i + 1) == T_OPEN || tokens.type(i + 1) == T_STATEMENT)) { hit(out, SQLI_BREAK_LOGIC, 10); return; }
    } else if (t == T_FUNCTION && tokens.id(i) >= 0 && tokens.id(i) < DANGEROUS_ALONE) {
      hit(out, SQLI_FUNCTION, 10);
      return;
    } else if (t == T_KEYWORD && tokens.id(i) == 100) {
      hit(out, SQLI_SCHEMA, 10);
      return;
    } else if (t == T_KEYWORD && (tokens.id(i) == K_OUTFILE || tokens.id(i) == K_DUMPFILE) && tokens.type(i - 1) == T_KEYWORD && tokens.id(i - 1) == K_INTO) {
      hit(out, SQLI_FUNCTION, 10);
      return;
    } else if (t == T_KEYWORD && (tokens.id(i) == K_ORDER || tokens.id(i) == K_GROUP) && tokens.type(i + 1) == T_KEYWORD && tokens.id(i + 1) == K_BY && tokens.type(i + 2) == T_NUMBER) {
      const p = tokens.type(i - 1);
      if (p == T_STRING || p == T_NUMBER || p == T_CLOSE) { hit(out, SQLI_ORDER_BY, broken || tokens.type(i + 3) == T_COMMENT ? 10 : 6); }
    } else if (t == T_STATEMENT && statementAt(i)) {
      if (i == 0 || broken || tokens.type(i - 1) == T_OPEN || tokens.type(i - 1) == T_NUMBER) hit(out, SQLI_QUERY, broken || i > 0 ? 10 : strongQuery(i) ? 6 : 3);
    } else if (broken && t == T_COMMENT && i == 1) {
      hit(out, SQLI_BREAK_COMMENT, 10);
      return;
    } else if (broken && t == T_SEMI && i == 1) {
      hit(out, SQLI_BREAK_COMMENT, tokens.type(i + 1) == T_COMMENT || tokens.type(i + 1) == 0 ? 10 : 6);
    } else if (broken && t == T_CLOSE && i == 1 && (tokens.type(2) == T_LOGIC || tokens.type(2) == T_COMMENT || tokens.type(2) == T_SEMI)) {
      hit(out, SQLI_BREAK_COMMENT, 10);
      return;
    }
  }
}

function hit(out: SqlResult, rule: i32, points: f64): void {
  if (points <= out.points) return;
  out.points = points;
  out.rule = rule;
  out.fingerprint.clear();
  for (let i = 0; i < tokens.count && i < 12; i++) out.fingerprint.push(tokens.type(i));
}

/** SQL injection evidence in folded text (0, 6 or 10 points). */
export function detectSql(text: ByteBuf, out: SqlResult): void {
  out.points = 0;
  out.rule = 0;
  out.fingerprint.clear();
  tokenize(text, 0);
  if (tokens.triggered) rulesOf(false, out);
  if (out.points >= 10) return;
  // (textBytes: a quote that is not among them is not in the text)
  if (hasByte(textBytes, 39) && text.indexOf(39) >= 0) {
    tokenize(text, 39);
    if (tokens.triggered) rulesOf(true, out);
    if (out.points >= 10) return;
  }
  if (hasByte(textBytes, 34) && text.indexOf(34) >= 0) {
    tokenize(text, 34);
    if (tokens.triggered) rulesOf(true, out);
  }
}
